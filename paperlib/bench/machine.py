"""The whole machine's training throughput, each pipeline run the way it is used (CPU only).

See docs/decisions.md#one-thread-per-trial.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from paperlib.bench.common import WARM_UP_STEPS, BenchSettings, bench_splits, project_row, warm_up_budget
from paperlib.bench.trainer import reference_datasets, reference_trial
from paperlib.experiment.profiles import QUICK
from paperlib.lenet.trial import Recipe
from paperlib.space import TABLE2


def bench_machine(
    root: Path, settings: BenchSettings, device: torch.device, processes: int | None = None
) -> dict[str, Any]:
    """Training images per second of the whole machine, each pipeline run the way it is used (CPU only).

    Reference: ``machine_trials`` trials in one process at torch's threads. Project: as many per process
    in one single-thread process per core, started together (as ``make -j N``), and in this one process
    at torch's threads. Ratios are medians of per-repeat ratios (docs/decisions.md#benchmark-method).
    """
    processes = processes or os.cpu_count() or 1
    if device.type != "cpu":
        return {"status": "skipped", "reason": f"measured on the CPU only, not on {device}"}
    config, recipe = TABLE2.default(), Recipe(epochs=QUICK.epochs)
    steps = recipe.steps(1.0, settings.train_size, int(config["batch_size"]))
    train, val = reference_datasets(root, settings)
    default_threads = replace(recipe, threads=None)  # how both run in this one process
    reference_trial(config, train, val, WARM_UP_STEPS, 0, device, default_threads)
    splits = bench_splits(root, settings, device, settings.train_size)

    def in_this_process(trial: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        start = time.perf_counter()
        rows = [trial() for _ in range(settings.machine_trials)]
        return {
            "processes": 1,
            "threads": torch.get_num_threads(),
            "trials": len(rows),
            "images": sum(r["images"] for r in rows),
            "seconds": time.perf_counter() - start,
        }

    runs: dict[str, list[dict[str, Any]]] = {"reference": [], "project_one_process": [], "project": []}
    with _SideBySide(processes, root, settings) as workers:
        for _ in range(settings.machine_repeats):
            runs["reference"].append(
                in_this_process(lambda: reference_trial(config, train, val, steps, 0, device, default_threads))
            )
            runs["project_one_process"].append(
                in_this_process(lambda: project_row(config, splits, 1.0, default_threads))
            )
            runs["project"].append(workers.run(settings.machine_trials))
    for row in (row for rows in runs.values() for row in rows):
        row["images_per_second"] = row["images"] / row["seconds"]

    def ratio(numerator: str, denominator: str) -> float:
        return statistics.median(
            a["images_per_second"] / b["images_per_second"] for a, b in zip(runs[numerator], runs[denominator])
        )

    return {
        "status": "ok",
        "config": config,
        "steps_per_trial": steps,
        "trials_per_process": settings.machine_trials,
        "repeats": settings.machine_repeats,
        **{
            name: {
                "processes": rows[0]["processes"],
                "threads": rows[0]["threads"],
                "images_per_second": statistics.median(r["images_per_second"] for r in rows),
                "runs": rows,
            }
            for name, rows in runs.items()
        },
        "speedup_vs_reference": ratio("project", "reference"),
        "one_process_speedup_vs_reference": ratio("project_one_process", "reference"),
        "side_by_side_speedup_over_one_process": ratio("project", "project_one_process"),
    }


class _SideBySide:
    """Spawned worker processes that each load the data once, then train trials together when asked."""

    def __init__(self, processes: int, root: Path, settings: BenchSettings) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process whose OpenMP pool is running
        self.start_line = context.Barrier(processes + 1)
        self.orders, self.results = context.Queue(), context.Queue()
        self.workers = [
            context.Process(
                target=_side_by_side_worker,
                daemon=True,
                args=(root, settings, self.start_line, self.orders, self.results),
            )
            for _ in range(processes)
        ]

    def __enter__(self) -> _SideBySide:
        for worker in self.workers:
            worker.start()
        self._collect()  # loaded and warm before anything is timed: a starting worker would slow the reference
        return self

    def _collect(self) -> list[int]:
        """One message from every worker; a worker that died raises instead of leaving the benchmark waiting."""
        messages: list[int] = []
        while len(messages) < len(self.workers):
            try:
                messages.append(self.results.get(timeout=1.0))
            except queue.Empty:
                dead = [w.exitcode for w in self.workers if w.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(f"a side-by-side benchmark process exited with code {dead[0]}") from None
        return messages

    def run(self, trials: int) -> dict[str, Any]:
        """Every worker trains ``trials`` trials, all starting together; the machine's images and wall seconds."""
        for _ in self.workers:
            self.orders.put(trials)
        self.start_line.wait(timeout=600)  # the workers are loaded and warm; the clock starts for all at once
        start = time.perf_counter()
        done = self._collect()
        return {
            "processes": len(done),
            "threads": Recipe().threads,
            "trials": trials * len(done),
            "images": sum(images for images in done),
            "seconds": time.perf_counter() - start,
        }

    def __exit__(self, *exc: object) -> None:
        for _ in self.workers:
            self.orders.put(None)
        for worker in self.workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.kill()


def _side_by_side_worker(root: Path, settings: BenchSettings, start_line: Any, orders: Any, results: Any) -> None:
    """One process of :class:`_SideBySide`: trials with the project's recipe, started at the barrier."""
    config, recipe = TABLE2.default(), Recipe(epochs=QUICK.epochs)
    splits = bench_splits(root, settings, torch.device("cpu"), settings.train_size)
    project_row(
        config, splits, warm_up_budget(recipe.steps(1.0, settings.train_size, int(config["batch_size"]))), recipe
    )
    results.put(0)  # ready
    while (trials := orders.get()) is not None:
        start_line.wait(timeout=600)
        results.put(sum(project_row(config, splits, 1.0, recipe)["images"] for _ in range(trials)))
