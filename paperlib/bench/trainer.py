"""The project's trainer against a reference fed the standard way (``DataLoader(shuffle=True)``), and each speed setting undone in turn.

See docs/decisions.md#trainer-speed and #benchmark-method.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from itertools import islice
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, Subset

from paperlib.bench.common import BenchSettings, project_row, timed_row, warm_up_budget
from paperlib.experiment.profiles import QUICK
from paperlib.lenet.data import DATASETS, SPLIT_SEED, Splits, stratified_subset
from paperlib.lenet.model import build_lenet
from paperlib.lenet.trial import Recipe, cpu_threads
from paperlib.space import TABLE2

BEFORE = {"threads": None, "channels_last": False, "fused_sgd": False, "eval_batch_size": 4096}
"""The foundation's trainer settings, before issue 6: torch's thread count, NCHW, a looped SGD, scoring 4096 at once."""


REFERENCE_EVAL_BATCH = 1000
"""Test batch size of the reference's scoring loader (pytorch/examples' MNIST default)."""


def reference_datasets(root: Path, settings: BenchSettings) -> tuple[Dataset, Dataset]:
    """The reference's torchvision datasets: a stratified ``train_size`` subset of the official training images
    and a stratified ``val_size`` subset of the official test images, through ``ToTensor`` + ``Normalize``
    (with the training subset's mean and std)."""
    import torchvision
    from torchvision import transforms

    folder = getattr(torchvision.datasets, DATASETS[settings.dataset])
    plain = folder(str(root), train=True, download=False)
    train_idx = stratified_subset(plain.targets.numpy(), settings.train_size, SPLIT_SEED)
    scaled = plain.data[train_idx].float().div(255)
    transform = transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((scaled.mean().item(),), (scaled.std().item(),))]
    )
    test = folder(str(root), train=False, transform=transform)
    return (
        Subset(folder(str(root), train=True, transform=transform), train_idx.tolist()),
        Subset(test, stratified_subset(test.targets.numpy(), settings.val_size, SPLIT_SEED).tolist()),
    )


def reference_trial(
    config: dict[str, Any], train: Dataset, val: Dataset, steps: int, seed: int, device: torch.device, recipe: Recipe
) -> dict[str, Any]:
    """Train and score ``config``'s LeNet the way a torchvision tutorial does: ``DataLoader(shuffle=True)`` over a dataset.

    Same model and initialisation, batch size, steps (the last partial batch dropped, as the project's
    trainer does), SGD (torch's default looped form) and thread count as the project's trainer.
    """
    batch_size = int(config["batch_size"])
    with cpu_threads(recipe.threads):
        start, cpu_start = time.perf_counter(), time.process_time()
        torch.manual_seed(seed)
        model = build_lenet(config).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=float(config["learning_rate"]), momentum=recipe.momentum)
        model.train()
        for images, labels in loader_batches(train, batch_size, steps, seed):
            images, labels = images.to(device), labels.to(device)
            loss = torch.nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)  # the clock must not stop before the GPU does
        train_seconds = time.perf_counter() - start
        model.eval()
        correct = 0
        with torch.no_grad():
            for images, labels in DataLoader(val, batch_size=REFERENCE_EVAL_BATCH):
                correct += int((model(images.to(device)).argmax(1) == labels.to(device)).sum())
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    return timed_row(steps, batch_size, train_seconds, seconds, cpu_seconds, correct / len(val))


def reference_data_seconds(config: dict[str, Any], train: Dataset, steps: int, seed: int) -> float:
    """Seconds the reference's ``DataLoader`` alone takes to hand out its batches (no model): its data pipeline's cost."""
    start = time.perf_counter()
    for _ in loader_batches(train, int(config["batch_size"]), steps, seed):
        pass
    return time.perf_counter() - start


def trainer_contenders(recipe: Recipe) -> dict[str, Recipe]:
    """The project trainer's settings to time: as shipped, as before issue 6, and with each setting undone in turn."""
    contenders = {"project": recipe, "before": replace(recipe, **BEFORE)}
    for name, value in BEFORE.items():
        contenders[f"project, {name}={value}"] = replace(recipe, **{name: value})
    return contenders


def bench_trainer(splits: Splits, root: Path, settings: BenchSettings, device: torch.device) -> dict[str, Any]:
    """Interleaved, repeated full-budget trials of the reference and every project-trainer contender."""
    config, recipe = TABLE2.default(), Recipe(epochs=QUICK.epochs)

    def steps_at(budget: float) -> int:
        return recipe.steps(budget, settings.train_size, int(config["batch_size"]))

    train, val = reference_datasets(root, settings)
    contenders: dict[str, Callable[[float], dict[str, Any]]] = {
        "reference": lambda budget: reference_trial(config, train, val, steps_at(budget), 0, device, recipe)
    }
    for name, variant in trainer_contenders(recipe).items():
        contenders[name] = lambda budget, variant=variant: project_row(config, splits, budget, variant)
    for contender in contenders.values():  # warm up: thread pools, oneDNN kernels, allocator
        contender(warm_up_budget(steps_at(1.0)))
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in contenders}
    data_seconds = []
    for _ in range(settings.repeats):
        for name, contender in contenders.items():
            runs[name].append(contender(1.0))
        data_seconds.append(reference_data_seconds(config, train, steps_at(1.0), 0))
    summary = {name: _summarize(rows, runs["reference"], runs["project"]) for name, rows in runs.items()}
    data_share = statistics.median(d / r["train_seconds"] for d, r in zip(data_seconds, runs["reference"]))
    return {
        "config": config,
        "batch_size": config["batch_size"],
        "steps": steps_at(1.0),
        "repeats": settings.repeats,
        "recipe": asdict(recipe),
        "before": BEFORE,
        "contenders": summary,
        "reference_data_seconds": statistics.median(data_seconds),
        "reference_data_share": data_share,
        "speedup_ceiling_at_reference_compute": 1.0 / (1.0 - data_share) if data_share < 1 else None,
    }


def _summarize(
    rows: list[dict[str, Any]], reference: list[dict[str, Any]], project: list[dict[str, Any]]
) -> dict[str, Any]:
    """Medians of one contender's repeats; ratios are medians of per-repeat ratios (same repeat, same machine load)."""

    def ratio(numerators: list[dict[str, Any]], denominators: list[dict[str, Any]], key: str) -> float:
        return statistics.median(a[key] / b[key] for a, b in zip(numerators, denominators))

    return {
        "steps": rows[0]["steps"],
        "images": rows[0]["images"],
        "val_accuracy": rows[0]["val_accuracy"],
        "train_images_per_second": statistics.median(r["train_images_per_second"] for r in rows),
        "trial_seconds": statistics.median(r["seconds"] for r in rows),
        "trial_cpu_seconds": statistics.median(r["cpu_seconds"] for r in rows),
        "train_speedup_vs_reference": ratio(reference, rows, "train_seconds"),
        "trial_speedup_vs_reference": ratio(reference, rows, "seconds"),
        "project_train_speedup_over_this": ratio(rows, project, "train_seconds"),
        "project_trial_speedup_over_this": ratio(rows, project, "seconds"),
        "runs": rows,
    }


def loader_batches(dataset: Dataset, batch_size: int, steps: int, seed: int) -> Iterator[Any]:
    """``steps`` shuffled batches of a ``DataLoader``, epoch after epoch (the last partial batch dropped)."""
    loader = DataLoader(
        dataset, batch_size=batch_size, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(seed)
    )
    if len(loader) == 0:
        raise ValueError(f"{len(dataset)} images make no batch of {batch_size}")
    while steps > 0:
        for batch in islice(loader, steps):
            steps -= 1
            yield batch
