"""Does Hyperband's lowest rung rank configurations? The same sampled configurations at every rung's budget.

For each candidate profile size, random-search configurations are trained at budgets 1/9, 1/3 and 1
and the rungs' scores are rank-correlated (Spearman, ``scipy.stats``); see docs/decisions.md#lowest-rung.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from scipy import stats

from paperlib.lenet.data import load_splits
from paperlib.lenet.trial import Recipe, cpu_threads, run_trial
from paperlib.tuners.base import run_search

BUDGETS = (1 / 9, 1 / 3, 1.0)
"""Hyperband's rungs with hpbandster's eta = 3 and min_budget = 1/9 (docs/decisions.md#hyperband-iterations)."""
FAILED = 0.2
"""Validation accuracy below which a trial has not learned (chance is 0.1)."""


def sampled_configs(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` configurations as random search draws them (hyperopt's own sampler, Table 2)."""
    result = run_search("random", lambda config, budget: 0.0, episodes=count, seed=seed)
    return [dict(observation.suggestion.config) for observation in result.history]


def bench_rungs(
    root: Path,
    sizes: Sequence[tuple[int, float]],
    dataset: str = "mnist",
    configs: int = 40,
    val_size: int = 2000,
    seed: int = 0,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Per (train_size, epochs): the rungs' scores of the same configurations and their rank correlations."""
    sample = sampled_configs(configs, seed)
    rows = []
    for train_size, epochs in sizes:
        splits = load_splits(dataset, root, train_size, val_size, val_size, torch.device("cpu"))
        recipe = Recipe(epochs=epochs)
        scores: dict[float, list[float]] = {budget: [] for budget in BUDGETS}
        seconds = []
        with cpu_threads(recipe.threads):
            for i, config in enumerate(sample):
                for budget in BUDGETS:
                    result = run_trial(config, splits, budget, seed, recipe)
                    scores[budget].append(result.val_accuracy)
                    if budget == 1.0:
                        seconds.append(result.seconds)
                progress(f"rungs: {train_size} images x {epochs:g} epochs, configuration {i + 1}/{len(sample)}")
        low, mid, full = (scores[b] for b in BUDGETS)
        rows.append(
            {
                "train_size": train_size,
                "epochs": epochs,
                "lowest_rung_steps": [recipe.steps(BUDGETS[0], train_size, int(c["batch_size"])) for c in sample],
                "scores": {f"{b:.4f}": scores[b] for b in BUDGETS},
                "spearman_lowest_vs_middle": float(stats.spearmanr(low, mid).statistic),
                "spearman_middle_vs_full": float(stats.spearmanr(mid, full).statistic),
                "spearman_lowest_vs_full": float(stats.spearmanr(low, full).statistic),
                "lowest_rung_failed_share": sum(s < FAILED for s in low) / len(low),
                "full_budget_failed_share": sum(s < FAILED for s in full) / len(full),
                "median_full_trial_seconds": statistics.median(seconds),
            }
        )
    return {"dataset": dataset, "configs": sample, "val_size": val_size, "seed": seed, "sizes": rows}
