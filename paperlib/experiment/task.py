"""What one episode runs, wherever it runs: a picklable trial that loads its profile's data once per process.

A task carries the data's description, not the tensors: a Dask worker loads the splits on its first
trial and keeps them (on its GPU when it has one) for every later trial of the same profile.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from paperlib.experiment.records import now
from paperlib.lenet.data import Splits, load_splits
from paperlib.lenet.device import resolve_device
from paperlib.lenet.trial import Recipe, TrialResult, run_trial

_LOADING = threading.Lock()  # a worker with several threads loads a dataset once, not once per thread


@dataclass(frozen=True)
class DataSpec:
    """Which splits a trial trains on: enough to load them again in another process."""

    dataset: str
    """``mnist`` or ``fashion_mnist``."""
    root: str
    """Dataset root in torchvision's layout (the same path on every worker)."""
    train_size: int | None
    """Training images (None: all)."""
    val_size: int | None
    """Validation images (None: the default split)."""
    test_size: int | None
    """Test images (None: all)."""
    device: str = "auto"
    """Resolved on the worker: a GPU worker keeps its splits on its GPU."""

    def load(self, download: bool = False) -> Splits:
        """The splits, loaded at most once per process and device."""
        with _LOADING:
            return _cached(self, str(resolve_device(self.device)), download)


@lru_cache(maxsize=4)
def _cached(spec: DataSpec, device: str, download: bool) -> Splits:
    sizes = (spec.train_size, spec.val_size, spec.test_size)
    return load_splits(spec.dataset, Path(spec.root), *sizes, device, download=download)


@dataclass(frozen=True)
class TimedTrial:
    """One episode's trial with the wall-clock times it started and ended (for ``trials.jsonl``)."""

    result: TrialResult
    """What the trial measured."""
    started_at: str
    """ISO time the training started."""
    ended_at: str
    """ISO time the scoring ended."""
    reused: bool = False
    """The result is an earlier episode's, not trained again (``reuse_repeats``)."""

    @property
    def score(self) -> float:
        """The reward a tuner is told: the validation accuracy."""
        return self.result.val_accuracy


@dataclass(frozen=True)
class TrialTask:
    """``task(config, budget) -> TimedTrial``: one search's objective, the same inline and on a worker."""

    data: DataSpec
    """The splits it trains on."""
    seed: int
    """Seeds every trial's initialisation and data order (the search seed)."""
    recipe: Recipe
    """The training recipe at full budget."""

    def __call__(self, config: dict[str, Any], budget: float) -> TimedTrial:
        splits = self.data.load()
        started_at = now()
        result = run_trial(config, splits, budget, self.seed, self.recipe)
        return TimedTrial(result, started_at, now())


@dataclass(frozen=True)
class RetrainTask:
    """``task(config, seed) -> TimedTrial``: the incumbent retrained at full budget with a training seed and scored on
    the test set, the same inline and on a worker (``paperlib.experiment.retraining``)."""

    data: DataSpec
    """The splits it trains on (their test set included)."""
    recipe: Recipe
    """The training recipe at full budget."""

    def __call__(self, config: dict[str, Any], seed: int) -> TimedTrial:
        splits = self.data.load()
        started_at = now()
        result = run_trial(config, splits, 1.0, seed, self.recipe, evaluate_test=True)
        return TimedTrial(result, started_at, now())
