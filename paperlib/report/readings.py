"""Readings REPORT.md states in prose, computed from the records so that no number of it is typed by hand:
how far the paper's protocol (one retraining with the search seed) sits from the expected test accuracy, and
what MAPPO's critics and policy did over a search (``updates.jsonl``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from paperlib.experiment.records import read_updates
from paperlib.report import statistics as st
from paperlib.report.comparisons import by_seed
from paperlib.report.runs import ROWS, Run

GAP_HEADER = ("method", "seeds", "one retraining - expected", "seeds where the one retraining is higher")


def protocol_gap(runs: Sequence[Run], dataset: str) -> list[list[str]]:
    """Per row of ``dataset`` with retrainings: the paper's protocol minus the expected test accuracy, paired by
    seed, as mean [95% t interval] over seeds, and at how many seeds the single retraining scored higher."""
    body = []
    for row, label in ROWS.items():
        gap = st.paired(
            by_seed(runs, dataset, row, "test_accuracy"), by_seed(runs, dataset, row, "expected_accuracy"), label
        )
        if gap.seeds:
            higher = sum(d > 0 for d in gap.differences)
            n = len(gap.seeds)
            body.append([label, str(n), gap.difference.format("{:+.4f}"), f"{higher} of {n}"])
    return body


CRITIC_HEADER = (
    "agent",
    "seeds",
    "updates",
    "critic's squared error below the constant's (share of updates)",
    "centered explained variance > 0 (share)",
    "centered explained variance, median",
)


def _mappo(runs: Sequence[Run], dataset: str) -> list[tuple[Run, list[dict[str, Any]]]]:
    """``dataset``'s MAPPO runs that recorded their critics' fit before each update, in seed order."""
    found = [
        (run, read_updates(run.path)) for run in sorted(runs, key=lambda r: r.key) if run.key[:2] == (dataset, "mappo")
    ]
    return [(run, updates) for run, updates in found if updates and "critic_mse_before" in updates[0]]


def critic_fit(runs: Sequence[Run], dataset: str) -> list[list[str]]:
    """Per agent over every update of ``dataset``'s MAPPO runs, each measured on the fresh rollout before the
    update: how often the critic's squared error is below the constant predictor's (the rollout's mean return),
    how often its centered explained variance (1 - var(R - V) / var(R)) is positive, and that variance's median."""
    found = _mappo(runs, dataset)
    updates = [u for _, run_updates in found for u in run_updates]
    if not updates:
        return []
    body = []
    for agent in updates[0]["critic_mse_before"]:
        beats = np.mean([u["critic_mse_before"][agent] < u["constant_mse"] for u in updates])
        centered = np.array([u["centered_explained_variance_before"][agent] for u in updates])
        body.append(
            [
                agent,
                str(len(found)),
                str(len(updates)),
                f"{100 * beats:.0f} %",
                f"{100 * np.mean(centered > 0):.0f} %",
                f"{np.median(centered):.2f}",
            ]
        )
    return body


LEARNING_HEADER = (
    "seeds",
    "updates",
    "approx-KL of an update, median (largest)",
    "updates stopped early",
    "mean validation score, first rollout",
    "mean validation score, last rollout",
)


def policy_learning(runs: Sequence[Run], dataset: str) -> list[list[str]]:
    """``dataset``'s MAPPO runs: the approx-KL of their updates, and the mean validation score of a search's first
    rollout (the episodes before its first update) against its last (as many episodes, at its end), each as
    mean [95% t interval] over seeds."""
    found = _mappo(runs, dataset)
    if not found:
        return []
    kl = np.array([u["approx_kl"] for _, updates in found for u in updates])
    first, last = [], []
    for run, updates in found:
        scores = [trial["score"] for trial in run.trials]
        rollout = updates[0]["after_episode"]
        first.append(float(np.mean(scores[:rollout])))
        last.append(float(np.mean(scores[-rollout:])))
    stopped = sum(bool(u.get("stopped_early")) for _, updates in found for u in updates)
    return [
        [
            str(len(found)),
            str(kl.size),
            f"{np.median(kl):.2f} ({kl.max():.2f})",
            str(stopped),
            st.t_interval(first).format("{:.3f}"),
            st.t_interval(last).format("{:.3f}"),
        ]
    ]
