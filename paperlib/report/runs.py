"""Run records read back for the report: complete runs, statistics over seeds, best-so-far curves."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from paperlib.experiment import repeats
from paperlib.experiment.records import (
    RUN,
    RecordError,
    iter_run_dirs,
    read_json,
    read_retrained,
    read_trials,
)
from paperlib.lenet.data import DATASETS
from paperlib.tuners.base import METHODS

LABELS = {"random": "RS", "anneal": "Anneal", "tpe": "TPE", "hyperband": "Hyperband", "bohb": "BOHB", "mappo": "MAPPO"}
"""Method name -> the paper's row label (Tables 3-4), in the tables' order (``tuner.METHODS``)."""
EQUAL_COMPUTE = {"equal_compute": True}
"""The only tuner options whose runs get a row of their own: Hyperband and BOHB at the others' compute."""
ROWS = {
    **LABELS,
    "hyperband_equal_compute": "Hyperband (equal compute)",
    "bohb_equal_compute": "BOHB (equal compute)",
}
"""Row name -> label: the paper's six methods, then Hyperband and BOHB given the others' full-budget equivalents."""


@dataclass(frozen=True)
class Run:
    """One search read back from its run directory."""

    path: Path
    """The run directory."""
    record: dict[str, Any]
    """``run.json``."""
    trials: list[dict[str, Any]]
    """``trials.jsonl``, one dict per episode."""
    retrained: dict[str, Any] | None = None
    """``retrainings.json`` (the incumbent retrained with fresh seeds), None for a run recorded before it."""

    @property
    def row(self) -> str:
        """The table row: the method, or ``<method>_equal_compute`` for an equal-compute arm."""
        equal = self.record.get("tuner_options") == EQUAL_COMPUTE
        return f"{self.record['method']}_equal_compute" if equal else self.record["method"]

    @property
    def key(self) -> tuple[str, str, int]:
        """(dataset, row, seed): what two runs of one report must not share."""
        return self.record["dataset"], self.row, self.record["seed"]

    @cached_property
    def values(self) -> dict[str, float | None]:
        """The numbers a table row aggregates (None where the final retraining diverged); computed once per run."""
        record, final = self.record, self.record["final"]
        cpu = record.get("objective_cpu_seconds")  # None in runs recorded before CPU time was
        expected = None if self.retrained is None else self.retrained["test_accuracy"]["mean"]
        return {
            "expected_accuracy": expected,
            "test_accuracy": final["test_accuracy"],
            "kappa": final["kappa"],
            "best_validation": record["best"]["score"],
            "search_minutes": record["search_seconds"] / 60.0,
            "cpu_minutes": None if cpu is None else (cpu + record["optimizer_seconds"]) / 60.0,
            "evaluations": record["evaluations"],
            "distinct_configurations": repeats.count(self.trials)["distinct_configurations"],
            "full_budget_equivalents": record["full_budget_equivalents"],
        }


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
        run = Run(path, record, read_trials(path), read_retrained(path))
        options = run.record.get("tuner_options")
        if (
            options and not (options == EQUAL_COMPUTE and run.record["method"] in ("hyperband", "bohb"))
        ) or run.record.get("reuse_repeats"):
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


def concurrency(runs: Sequence[Run]) -> dict[Path, float]:
    """Run directory -> how many searches ran at once: the median over its trials of 1 + the other runs with a
    trial overlapping it in time (``started_at``/``ended_at``)."""
    spans = {run.path: _spans(run.trials) for run in runs}
    found = {}
    for run in runs:
        starts, ends = spans[run.path]
        overlapping = np.ones(len(starts))
        for other, (other_starts, other_ends) in spans.items():
            if other == run.path or not len(other_starts):
                continue
            order = np.argsort(other_starts)
            latest_end = np.maximum.accumulate(other_ends[order])
            last = np.searchsorted(other_starts[order], ends, side="left") - 1  # last trial started before ours ends
            overlapping += (last >= 0) & (latest_end[np.maximum(last, 0)] > starts)
        found[run.path] = float(np.median(overlapping)) if len(starts) else 1.0
    return found


def _spans(trials: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Start and end times (POSIX seconds) of the trials that record them."""
    timed = [t for t in trials if t.get("started_at") and t.get("ended_at")]
    starts = [datetime.fromisoformat(t["started_at"]).timestamp() for t in timed]
    ends = [datetime.fromisoformat(t["ended_at"]).timestamp() for t in timed]
    return np.array(starts, dtype=float), np.array(ends, dtype=float)
