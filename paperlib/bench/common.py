"""What the benchmark measures with (:class:`BenchSettings`) and the timed trial row every measurement shares."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from paperlib.experiment.profiles import QUICK
from paperlib.lenet.data import Splits, load_splits
from paperlib.lenet.trial import Recipe, run_trial
from paperlib.space import TABLE2

WARM_UP_STEPS = 10
"""Training steps every contender takes untimed first: thread pools, oneDNN kernels, allocator."""


@dataclass(frozen=True)
class BenchSettings:
    """How much the benchmark measures; :data:`TINY` is the version the tests run."""

    dataset: str = "mnist"
    """Dataset the trainers train on."""
    train_size: int = QUICK.train_size
    """Training images (the quick profile's): one full-budget trial is one epoch over them."""
    val_size: int = QUICK.val_size
    """Images each trial scores."""
    repeats: int = 5
    """Interleaved repetitions of every trainer contender (medians are reported)."""
    episodes: int = 200
    """Episodes per method for the optimizer overhead (the paper's 200)."""
    train_sizes: tuple[int, ...] = (1500, 3000, 6000, 12000)
    """Training-set sizes of the scaling measurement."""
    hidden_sizes: tuple[int, ...] = TABLE2["hidden_size"].grid()[::2]
    """hidden_size values of the scaling measurement (every other MAPPO grid point)."""
    conv_sizes: tuple[int, ...] = TABLE2["conv_size"].grid()
    """conv_size values of the scaling measurement (all of them)."""
    batch_sizes: tuple[int, ...] = TABLE2["batch_size"].grid()[::2]
    """batch_size values of the scaling measurement (every other grid point)."""
    scaling_repeats: int = 3
    """Interleaved repetitions of every scaling point."""
    machine_trials: int = 2
    """Full-budget trials each process of the machine-throughput measurement runs per repeat."""
    machine_repeats: int = 5
    """Interleaved repetitions of the machine-throughput measurement."""


TINY = BenchSettings(
    train_size=240,
    val_size=100,
    repeats=1,
    episodes=13,
    train_sizes=(120, 240),
    hidden_sizes=(124, 1024),
    conv_sizes=(2, 7),
    batch_sizes=(16, 32),
    scaling_repeats=1,
    machine_trials=1,
    machine_repeats=1,
)
"""A few steps and episodes of everything (``--quick``): checks the machinery, measures nothing."""


def warm_up_budget(full_budget_steps: int) -> float:
    """The trial budget that takes :data:`WARM_UP_STEPS` steps (a whole trial when it has fewer)."""
    return min(1.0, WARM_UP_STEPS / full_budget_steps)


def bench_splits(root: Path, settings: BenchSettings, device: torch.device, train_size: int) -> Splits:
    return load_splits(settings.dataset, root, train_size, settings.val_size, settings.val_size, device)


def project_row(config: dict[str, Any], splits: Splits, budget: float, recipe: Recipe) -> dict[str, Any]:
    """One project-trainer trial, timed like the reference's (plus its parameter count)."""
    cpu_start = time.process_time()
    result = run_trial(config, splits, budget, 0, recipe)
    row = timed_row(
        result.steps,
        int(config["batch_size"]),
        result.train_seconds,
        result.seconds,
        time.process_time() - cpu_start,
        result.val_accuracy,
    )
    return {**row, "num_parameters": result.num_parameters}


def timed_row(
    steps: int, batch_size: int, train_seconds: float, seconds: float, cpu_seconds: float, val_accuracy: float
) -> dict[str, Any]:
    """One timed trial: steps and images trained, training / scoring / total wall seconds, CPU seconds, accuracy."""
    return {
        "steps": steps,
        "images": steps * batch_size,
        "train_seconds": train_seconds,
        "eval_seconds": seconds - train_seconds,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "train_images_per_second": steps * batch_size / train_seconds,
        "val_accuracy": val_accuracy,
    }
