"""Seconds of a full-budget trial as one factor varies around the central configuration."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import torch

from paperlib.bench.common import BenchSettings, bench_splits, project_row
from paperlib.experiment.profiles import QUICK
from paperlib.lenet.trial import Recipe
from paperlib.space import TABLE2


def bench_scaling(root: Path, settings: BenchSettings, device: torch.device) -> dict[str, Any]:
    """Full-budget trial seconds as one factor varies around the central configuration (interleaved, repeated)."""
    center, recipe = TABLE2.default(), Recipe(epochs=QUICK.epochs)
    points = [("train_size", n, center) for n in settings.train_sizes]
    points += [
        (name, value, {**center, name: value})
        for name, values in (
            ("hidden_size", settings.hidden_sizes),
            ("conv_size", settings.conv_sizes),
            ("batch_size", settings.batch_sizes),
        )
        for value in values
    ]
    splits = {n: bench_splits(root, settings, device, n) for n in {settings.train_size, *settings.train_sizes}}
    runs: dict[int, list[dict[str, Any]]] = {i: [] for i in range(len(points))}
    for _ in range(settings.scaling_repeats):
        for i, (factor, value, config) in enumerate(points):
            runs[i].append(
                project_row(config, splits[value if factor == "train_size" else settings.train_size], 1.0, recipe)
            )
    factors: dict[str, list[dict[str, Any]]] = {}
    for i, (factor, value, _) in enumerate(points):
        rows = runs[i]
        factors.setdefault(factor, []).append(
            {
                "value": value,
                "steps": rows[0]["steps"],
                "num_parameters": rows[0]["num_parameters"],
                "trial_seconds": statistics.median(r["seconds"] for r in rows),
                "trial_cpu_seconds": statistics.median(r["cpu_seconds"] for r in rows),
                "train_seconds": statistics.median(r["train_seconds"] for r in rows),
                "ms_per_step": statistics.median(r["train_seconds"] / r["steps"] * 1e3 for r in rows),
            }
        )
    return {"center": center, "train_size": settings.train_size, "epochs": recipe.epochs, "factors": factors}
