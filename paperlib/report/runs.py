"""Run records read back for the report: complete runs, statistics over seeds, best-so-far curves."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from paperlib.experiment.records import (
    RUN,
    RecordError,
    iter_run_dirs,
    read_json,
    read_trials,
)
from paperlib.lenet.data import DATASETS
from paperlib.tuners.base import METHODS

LABELS = {"random": "RS", "anneal": "Anneal", "tpe": "TPE", "hyperband": "Hyperband", "bohb": "BOHB", "mappo": "MAPPO"}
"""Method name -> the paper's row label (Tables 3-4), in the tables' order (``tuner.METHODS``)."""


@dataclass(frozen=True)
class Run:
    """One search read back from its run directory."""

    path: Path
    """The run directory."""
    record: dict[str, Any]
    """``run.json``."""
    trials: list[dict[str, Any]]
    """``trials.jsonl``, one dict per episode."""

    @property
    def key(self) -> tuple[str, str, int]:
        """(dataset, method, seed): what two runs of one report must not share."""
        return self.record["dataset"], self.record["method"], self.record["seed"]

    @property
    def values(self) -> dict[str, float | None]:
        """The numbers a table row aggregates (None where the final retraining diverged)."""
        final = self.record["final"]
        return {
            "test_accuracy": final["test_accuracy"],
            "kappa": final["kappa"],
            "search_hours": self.record["search_seconds"] / 3600.0,
            "evaluations": self.record["evaluations"],
            "full_budget_equivalents": self.record["full_budget_equivalents"],
        }


@dataclass(frozen=True)
class Stat:
    """Mean and sample standard deviation over seeds."""

    mean: float | None
    """Mean of the values (None without any value)."""
    std: float | None
    """Sample standard deviation (ddof 1; None with fewer than two values)."""
    n: int
    """Number of values."""

    def format(self, number: str) -> str:
        """``mean ± std``, the mean alone for one value, empty for none."""
        if self.mean is None:
            return ""
        return (
            number.format(self.mean) if self.std is None else f"{number.format(self.mean)} ± {number.format(self.std)}"
        )


def summarize(values: Sequence[float | None]) -> Stat:
    """The :class:`Stat` of the values that are not None."""
    present = [float(v) for v in values if v is not None]
    if not present:
        return Stat(None, None, 0)
    return Stat(statistics.fmean(present), statistics.stdev(present) if len(present) > 1 else None, len(present))


def load_runs(runs_dir: Path, progress: Callable[[str], None] = print) -> list[Run]:
    """The complete runs under ``runs_dir`` (searched recursively); incomplete ones are named through ``progress``.

    Raises a :class:`RecordError` when there is no complete run, when two runs share a (dataset, method,
    seed), or when the runs differ in profile or episodes (their numbers cannot share a table).
    """
    runs: dict[tuple[str, str, int], Run] = {}
    for path in iter_run_dirs(runs_dir):
        record = read_json(path / RUN)
        if record.get("status") != "complete":
            progress(
                f"skipping {path}: {record.get('status')}, {len(read_trials(path))} of {record.get('episodes')} "
                "episodes recorded; rerun its search to finish it"
            )
            continue
        run = Run(path, record, read_trials(path))
        if run.record.get("tuner_options") or run.record.get("reuse_repeats"):
            what = run.record.get("tuner_options") or "repeats not retrained"
            progress(f"skipping {path}: an ablation ({what}), not the paper's setting")
            continue
        if run.record["method"] not in METHODS or run.record["dataset"] not in DATASETS:
            progress(
                f"skipping {path}: method {run.record['method']!r} on {run.record['dataset']!r} is not in the paper's tables"
            )
            continue
        if run.key in runs:
            raise RecordError(f"two runs of {'/'.join(map(str, run.key))}: {runs[run.key].path} and {path}; keep one")
        runs[run.key] = run
    if not runs:
        raise RecordError(f"no complete run under {runs_dir}: run the searches first (make reproduce)")
    settings = sorted(
        {f"profile {run.record['profile']} with {run.record['episodes']} episodes" for run in runs.values()}
    )
    if len(settings) > 1:
        raise RecordError(f"{runs_dir} holds runs of several settings ({'; '.join(settings)}); point at runs of one")
    return list(runs.values())


def convergence_curves(runs: Sequence[Run], dataset: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Method label -> (best-so-far validation accuracy, cumulative search seconds) per episode, mean over seeds.

    Seeds may stop at different episode counts (Hyperband, BOHB): episode k averages the seeds that reached it.
    """
    curves = {}
    for method in METHODS:
        mine = [run.trials for run in runs if run.key[:2] == (dataset, method) and run.trials]
        if mine:
            padded = np.full((2, len(mine), max(len(t) for t in mine)), np.nan)
            for i, trials in enumerate(mine):
                padded[0, i, : len(trials)] = best_so_far(trials)
                padded[1, i, : len(trials)] = cumulative_seconds(trials)
            curves[LABELS[method]] = tuple(np.nanmean(padded, axis=1))
    return curves


def best_so_far(trials: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """The incumbent's validation accuracy after each episode (running maximum of the scores)."""
    return np.maximum.accumulate(np.array([t["score"] for t in trials], dtype=float))


def cumulative_seconds(trials: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Search seconds (optimizer + training) spent by the end of each episode (docs/paper.md#reading-8)."""
    return np.cumsum([t["optimizer_seconds"] + t["objective_seconds"] for t in trials])
