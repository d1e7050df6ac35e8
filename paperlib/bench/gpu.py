"""The GPU section of ``make bench``: trials per hour when K trials share one GPU, and the paper profile's hours.

It runs only where torch sees CUDA; elsewhere it records that it was skipped. K trials share the
GPU as K threads of one Dask worker do: one copy of the data on the device, K models training.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import torch

from paperlib.experiment.profiles import ARMS, PAPER, Profile
from paperlib.lenet.data import Splits, load_splits
from paperlib.lenet.trial import Recipe, run_trial
from paperlib.space import TABLE2
from paperlib.tuners.hpbandster_tuners import HyperbandPlan

CONCURRENCY = (1, 2, 4, 8)
"""Trials sharing the GPU at once."""


def bench_gpu(
    root: Path,
    device: torch.device,
    dataset: str = "mnist",
    profile: Profile = PAPER,
    rounds: int = 2,
    concurrency: tuple[int, ...] = CONCURRENCY,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Seconds per trial of ``profile``'s central configuration and trials per hour at each K; skipped without CUDA."""
    if device.type != "cuda":
        return {"status": "skipped", "reason": f"no CUDA device ({device}): unmeasured"}
    splits = load_splits(dataset, root, profile.train_size, profile.val_size, profile.test_size, device)
    progress(f"bench gpu: {torch.cuda.get_device_name(device)}, {splits.sizes} on the device")
    return {
        "status": "ok",
        "gpu": torch.cuda.get_device_name(device),
        "torch": torch.__version__,
        "rounds": rounds,
        **measure(splits, profile, rounds, concurrency),
    }


def measure(splits: Splits, profile: Profile, rounds: int, concurrency: tuple[int, ...]) -> dict[str, Any]:
    """The measurement itself, on whatever device ``splits`` live (the tests run it tiny on the CPU)."""
    config, recipe = TABLE2.default(), Recipe(epochs=profile.epochs)
    run_trial(config, splits, 0.05, 0, recipe)  # warm-up: kernels, allocator
    single = [run_trial(config, splits, 1.0, 0, recipe).seconds for _ in range(rounds)]
    rows = []
    for k in concurrency:
        trials = k * rounds
        with ThreadPoolExecutor(k) as pool:
            start = time.perf_counter()
            results = list(pool.map(lambda seed: run_trial(config, splits, 1.0, seed, recipe), range(trials)))
            wall = time.perf_counter() - start
        rows.append(
            {
                "concurrent_trials": k,
                "trials": trials,
                "seconds": wall,
                "trials_per_hour": trials / wall * 3600,
                "statuses": sorted({r.status for r in results}),
            }
        )
    best = max(rows, key=lambda row: row["trials_per_hour"])
    trials_needed = full_budget_trials(profile)
    return {
        "config": config,
        "epochs": recipe.epochs,
        "split_sizes": splits.sizes,
        "seconds_per_trial": statistics.median(single),
        "concurrency": rows,
        "best_concurrent_trials": best["concurrent_trials"],
        "profile": profile.name,
        "profile_full_budget_trials": trials_needed,
        "profile_projected_hours": trials_needed / best["trials_per_hour"],
    }


def full_budget_trials(profile: Profile) -> float:
    """Training in ``profile``'s reproduction, in full-budget trials: every search, plus one final retraining each."""
    per_seed = sum(_full_budgets(profile.episodes, *ARMS[arm]) for arm in profile.methods)
    searches = len(profile.methods) * len(profile.datasets) * len(profile.seeds)
    return per_seed * len(profile.datasets) * len(profile.seeds) + searches


def _full_budgets(episodes: int, method: str, options: dict) -> float:
    """Full-budget equivalents of one search of ``method`` with its tuner ``options``."""
    if method not in ("hyperband", "bohb"):
        return float(episodes)
    return HyperbandPlan(episodes, equal_compute=options.get("equal_compute", False)).full_budget_equivalents
