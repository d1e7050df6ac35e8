"""The benchmark (``make bench``): how fast a trial trains, what each method's optimizer costs, how a trial scales.

Four measurements, each written beside the figure ``bench.png`` by :mod:`paperlib.records`:

- ``trainer.json``: the project's trainer (:func:`~paperlib.trial.run_trial`) against a reference
  trainer of the same LeNet fed the standard way (torchvision dataset, ``ToTensor`` + ``Normalize``,
  ``DataLoader(shuffle=True)``), same batch size, steps, optimizer and thread count; plus the
  foundation's trainer settings ("before") and the project's trainer with each speed setting of the
  :class:`~paperlib.trial.Recipe` undone in turn, so every setting shows what it buys.
- ``machine.json``: the whole machine's throughput, each pipeline run the way it is used: the
  reference as a tutorial runs it (one process, torch's default thread count) against the project as
  ``make -j N reproduce`` runs it (one single-thread trial per core, side by side in separate
  processes): "training several configurations at once" across the cores. CPU only.
- ``overhead.json``: milliseconds per episode spent inside each method's ``ask`` / ``tell`` on the
  synthetic :class:`~paperlib.synthetic.Bowl` (no training), 200 episodes as in the paper.
- ``scaling.json``: seconds of a full-budget trial as one factor varies around the central
  configuration (training-set size, hidden_size, conv_size, batch_size): what Figure 2's search
  times are made of.

``bench.json`` holds the settings, the machine and the headline numbers. The machine may be shared,
so contenders run interleaved and repeated, and every ratio is the median of per-repeat ratios.
Nothing here is used by a search; tests run it tiny (``--quick``) and check structure, never time.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import queue
import statistics
import time
from dataclasses import asdict, dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator

import torch
from torch.utils.data import DataLoader, Dataset, Subset

from . import environment, records
from .data import DATASETS, SPLIT_SEED, Splits, load_splits, stratified_subset
from .model import build_lenet
from .profiles import QUICK
from .space import TABLE2
from .synthetic import Bowl
from .trial import Recipe, cpu_threads, run_trial
from .tuner import METHODS, run_search

BEFORE = {"threads": None, "channels_last": False, "fused_sgd": False, "eval_batch_size": 4096}
"""The foundation's trainer settings, before issue 6: torch's thread count, NCHW, a looped SGD, scoring 4096 at once."""
WARM_UP_STEPS = 10
"""Training steps every contender takes untimed first: thread pools, oneDNN kernels, allocator."""
REFERENCE_EVAL_BATCH = 1000
"""Test batch size of the reference's scoring loader (pytorch/examples' MNIST default)."""


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
        for images, labels in _batches(train, batch_size, steps, seed):
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
    return _row(steps, batch_size, train_seconds, seconds, cpu_seconds, correct / len(val))


def reference_data_seconds(config: dict[str, Any], train: Dataset, steps: int, seed: int) -> float:
    """Seconds the reference's ``DataLoader`` alone takes to hand out its batches (no model): its data pipeline's cost."""
    start = time.perf_counter()
    for _ in _batches(train, int(config["batch_size"]), steps, seed):
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
        contenders[name] = lambda budget, variant=variant: _project_row(config, splits, budget, variant)
    for contender in contenders.values():  # warm up: thread pools, oneDNN kernels, allocator
        contender(_warm_up_budget(steps_at(1.0)))
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


def bench_machine(
    root: Path, settings: BenchSettings, device: torch.device, processes: int | None = None
) -> dict[str, Any]:
    """Training images per second of the whole machine, each pipeline run the way it is used (CPU only).

    The reference trains ``machine_trials`` full-budget trials in one process with torch's default
    thread count (what a tutorial's script does on this machine); the project trains the same number
    per process in ``processes`` (default: one per core) spawned single-thread processes started
    together, as ``make -j N reproduce`` runs its searches; in between, the project's trainer runs them
    in this one process with torch's default thread count, which separates the trainer's own gain
    from the gain of side-by-side trials. All count whole trials (training and scoring) against wall
    time; the three alternate ``machine_repeats`` times and ratios are medians of per-repeat ratios.
    """
    processes = processes or os.cpu_count() or 1
    if device.type != "cpu":
        return {"status": "skipped", "reason": f"measured on the CPU only, not on {device}"}
    config, recipe = TABLE2.default(), Recipe(epochs=QUICK.epochs)
    steps = recipe.steps(1.0, settings.train_size, int(config["batch_size"]))
    train, val = reference_datasets(root, settings)
    default_threads = replace(recipe, threads=None)  # how both run in this one process
    reference_trial(config, train, val, WARM_UP_STEPS, 0, device, default_threads)
    splits = _splits(root, settings, device, settings.train_size)

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
                in_this_process(lambda: _project_row(config, splits, 1.0, default_threads))
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

    def __enter__(self) -> "_SideBySide":
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
    splits = _splits(root, settings, torch.device("cpu"), settings.train_size)
    _project_row(
        config, splits, _warm_up_budget(recipe.steps(1.0, settings.train_size, int(config["batch_size"]))), recipe
    )
    results.put(0)  # ready
    while (trials := orders.get()) is not None:
        start_line.wait(timeout=600)
        results.put(sum(_project_row(config, splits, 1.0, recipe)["images"] for _ in range(trials)))


def bench_overhead(settings: BenchSettings) -> dict[str, Any]:
    """Milliseconds per episode inside ask/tell for every method on :class:`Bowl`; a method not importable yet is ``missing``.

    Measured with the trainer's thread count and again with torch's default: a trial restores the
    thread count when it ends, so a search's tuner (MAPPO's policy updates) runs with torch's default.
    """
    threads = Recipe().threads
    methods = {}
    for method in METHODS:
        try:
            with cpu_threads(threads):
                methods[method] = _overhead(method, settings.episodes)
            methods[method]["at_torch_default_threads"] = _overhead(method, settings.episodes)
        except ImportError as error:
            methods[method] = {"status": "missing", "error": str(error)}
        except Exception as error:  # another agent's method mid-way: record it, keep measuring the rest
            methods[method] = {"status": "error", "error": f"{type(error).__name__}: {error}"}
    return {
        "objective": "Bowl",
        "episodes": settings.episodes,
        "threads": threads,
        "torch_default_threads": torch.get_num_threads(),
        "methods": methods,
    }


def _overhead(method: str, episodes: int) -> dict[str, Any]:
    """One seeded search of ``method`` on :class:`Bowl`: its ask/tell milliseconds per episode."""
    start = time.perf_counter()
    result = run_search(method, Bowl(), episodes=episodes, seed=0)
    overhead_ms = [o.optimizer_seconds * 1e3 for o in result.history]
    return {
        "status": "ok",
        "episodes": len(overhead_ms),
        "median_ms": statistics.median(overhead_ms),
        "mean_ms": statistics.mean(overhead_ms),
        "max_ms": max(overhead_ms),
        "total_seconds": sum(overhead_ms) / 1e3,
        "wall_seconds": time.perf_counter() - start,
        "best_score": result.best_score,
    }


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
    splits = {n: _splits(root, settings, device, n) for n in {settings.train_size, *settings.train_sizes}}
    runs: dict[int, list[dict[str, Any]]] = {i: [] for i in range(len(points))}
    for _ in range(settings.scaling_repeats):
        for i, (factor, value, config) in enumerate(points):
            runs[i].append(
                _project_row(config, splits[value if factor == "train_size" else settings.train_size], 1.0, recipe)
            )
    factors: dict[str, list[dict[str, Any]]] = {}
    for i, (factor, value, config) in enumerate(points):
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


def run_bench(
    out: Path,
    root: Path,
    settings: BenchSettings = BenchSettings(),
    device: str | torch.device = "auto",
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the four measurements; write ``trainer.json``, ``machine.json``, ``overhead.json``, ``scaling.json``,
    ``bench.json`` and ``bench.png``."""
    chosen = device if isinstance(device, torch.device) else environment.resolve_device(device)
    clock = time.perf_counter()
    progress(f"bench: trainer vs DataLoader reference on {chosen}, {settings.repeats} repeats")
    trainer = bench_trainer(_splits(root, settings, chosen, settings.train_size), root, settings, chosen)
    records.write_json(out / "trainer.json", trainer)
    progress(f"bench: the machine's throughput, reference vs {os.cpu_count()} single-thread trials side by side")
    machine = bench_machine(root, settings, chosen)
    records.write_json(out / "machine.json", machine)
    progress(f"bench: optimizer overhead of {len(METHODS)} methods, {settings.episodes} episodes each")
    overhead = bench_overhead(settings)
    records.write_json(out / "overhead.json", overhead)
    progress("bench: trial time against training-set size, hidden_size, conv_size, batch_size")
    scaling = bench_scaling(root, settings, chosen)
    records.write_json(out / "scaling.json", scaling)

    contenders = trainer["contenders"]
    summary = {
        "settings": asdict(settings),
        "device": str(chosen),
        "environment": environment.describe(),
        "seconds": time.perf_counter() - clock,
        "trainer_speedup_vs_reference": {name: c["train_speedup_vs_reference"] for name, c in contenders.items()},
        "trial_speedup_vs_reference": {name: c["trial_speedup_vs_reference"] for name, c in contenders.items()},
        "project_trial_speedup_over": {name: c["project_trial_speedup_over_this"] for name, c in contenders.items()},
        "reference_data_share": trainer["reference_data_share"],
        "speedup_ceiling_at_reference_compute": trainer["speedup_ceiling_at_reference_compute"],
        "machine_speedup_vs_reference": machine.get("speedup_vs_reference"),
        "machine_one_process_speedup_vs_reference": machine.get("one_process_speedup_vs_reference"),
        "machine_side_by_side_speedup_over_one_process": machine.get("side_by_side_speedup_over_one_process"),
        "optimizer_median_ms": {m: r.get("median_ms") for m, r in overhead["methods"].items()},
        "optimizer_mean_ms": {m: r.get("mean_ms") for m, r in overhead["methods"].items()},
        "missing_methods": [m for m, r in overhead["methods"].items() if r["status"] != "ok"],
    }
    records.write_json(out / "bench.json", summary)
    records.atomic_write_bytes(out / "bench.png", plot(trainer, machine, overhead, scaling))
    return summary


def plot(trainer: dict[str, Any], machine: dict[str, Any], overhead: dict[str, Any], scaling: dict[str, Any]) -> bytes:
    """The benchmark's figure as PNG bytes: trainer and machine throughput, optimizer overhead, four scaling panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(20, 8.5))
    contenders = trainer["contenders"]
    names = ["reference: DataLoader alone", *contenders]
    rates = [trainer["steps"] * trainer["batch_size"] / trainer["reference_data_seconds"]]
    rates += [c["train_images_per_second"] for c in contenders.values()]
    axis = axes[0, 0]
    axis.barh(names, rates, color=["lightgray", "tab:gray"] + ["tab:blue"] * len(contenders))
    for y, name in enumerate(names[1:], start=1):
        axis.text(rates[y], y, f" {contenders[name]['train_speedup_vs_reference']:.2f}x", va="center", fontsize=8)
    axis.invert_yaxis()
    axis.set(xlabel="training images / s (x: speedup vs reference)", title=f"trainer, batch {trainer['batch_size']}")
    axis = axes[0, 1]
    if machine["status"] == "ok":
        sides = {
            f"reference\n1 × {machine['reference']['threads']}": 1.0,
            f"project\n1 × {machine['project_one_process']['threads']}": machine["one_process_speedup_vs_reference"],
            f"project\n{machine['project']['processes']} × {machine['project']['threads']}": machine[
                "speedup_vs_reference"
            ],
        }
        rates = [machine[key]["images_per_second"] for key in ("reference", "project_one_process", "project")]
        axis.bar(list(sides), rates, color=["tab:gray", "tab:blue", "tab:blue"])
        for x, (rate, speedup) in enumerate(zip(rates, sides.values())):
            axis.text(x, rate, f"{speedup:.2f}x", ha="center", va="bottom")
        axis.set(
            xlabel="processes × threads per process",
            ylabel="training images / s (whole trials, whole machine)",
            title="the machine, pipelines as used",
        )
    else:
        axis.text(0.5, 0.5, machine["reason"], ha="center", va="center", transform=axis.transAxes)
        axis.set(title="the machine, pipelines as used", xticks=[], yticks=[])
    methods = {m: r for m, r in overhead["methods"].items() if r["status"] == "ok"}
    axis = axes[0, 2]
    axis.bar(
        list(methods), [r["median_ms"] for r in methods.values()], label=f"median, {overhead['threads']} thread(s)"
    )
    axis.plot(list(methods), [r["mean_ms"] for r in methods.values()], "k_", markersize=18, label="mean")
    axis.plot(
        list(methods),
        [r["at_torch_default_threads"]["mean_ms"] for r in methods.values()],
        "rx",
        label=f"mean, torch's {overhead['torch_default_threads']} threads",
    )
    axis.set(
        yscale="log",
        ylabel="ms per episode in ask/tell",
        title=f"optimizer overhead ({overhead['episodes']} episodes, Bowl)",
    )
    axis.legend()
    axes[0, 3].set_axis_off()
    for axis, (factor, rows) in zip(axes[1], scaling["factors"].items()):
        axis.plot([r["value"] for r in rows], [r["trial_seconds"] for r in rows], "o-", label="wall")
        axis.plot([r["value"] for r in rows], [r["trial_cpu_seconds"] for r in rows], "x--", label="CPU")
        axis.legend()
        axis.set(xlabel=factor, ylabel="seconds per full-budget trial", ylim=(0, None), title=f"trial time vs {factor}")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def _warm_up_budget(full_budget_steps: int) -> float:
    """The trial budget that takes :data:`WARM_UP_STEPS` steps (a whole trial when it has fewer)."""
    return min(1.0, WARM_UP_STEPS / full_budget_steps)


def _splits(root: Path, settings: BenchSettings, device: torch.device, train_size: int) -> Splits:
    return load_splits(settings.dataset, root, train_size, settings.val_size, settings.val_size, device)


def _batches(dataset: Dataset, batch_size: int, steps: int, seed: int) -> Iterator[Any]:
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


def _project_row(config: dict[str, Any], splits: Splits, budget: float, recipe: Recipe) -> dict[str, Any]:
    """One project-trainer trial, timed like the reference's (plus its parameter count)."""
    cpu_start = time.process_time()
    result = run_trial(config, splits, budget, 0, recipe)
    row = _row(
        result.steps,
        int(config["batch_size"]),
        result.train_seconds,
        result.seconds,
        time.process_time() - cpu_start,
        result.val_accuracy,
    )
    return {**row, "num_parameters": result.num_parameters}


def _row(
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
