"""``make bench``: run every measurement, write its JSON and ``bench.png`` through the run-record module."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from paperlib.bench.common import BenchSettings, bench_splits
from paperlib.bench.gpu import bench_gpu
from paperlib.bench.machine import bench_machine
from paperlib.bench.scaling import bench_scaling
from paperlib.bench.trainer import bench_trainer
from paperlib.bench.tuners import bench_overhead
from paperlib.experiment import provenance, records
from paperlib.lenet.device import resolve_device
from paperlib.report.figures import new_figure
from paperlib.tuners.base import METHODS


def run_bench(
    out: Path,
    root: Path,
    settings: BenchSettings | None = None,
    device: str | torch.device = "auto",
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the measurements; write ``trainer.json``, ``machine.json``, ``overhead.json``, ``scaling.json``,
    ``gpu.json`` (skipped without CUDA), ``bench.json`` and ``bench.png``."""
    chosen = device if isinstance(device, torch.device) else resolve_device(device)
    settings = settings or BenchSettings()
    clock = time.perf_counter()
    progress(f"bench: trainer vs DataLoader reference on {chosen}, {settings.repeats} repeats")
    trainer = bench_trainer(bench_splits(root, settings, chosen, settings.train_size), root, settings, chosen)
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
    progress("bench: trials per hour at 1, 2, 4, 8 trials per GPU (only where CUDA is present)")
    gpu = bench_gpu(root, chosen, settings.dataset, progress=progress)
    records.write_json(out / "gpu.json", gpu)

    contenders = trainer["contenders"]
    summary = {
        "settings": asdict(settings),
        "device": str(chosen),
        "environment": provenance.describe(),
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
        "gpu": {k: gpu.get(k) for k in ("status", "gpu", "seconds_per_trial", "profile_projected_hours")},
    }
    records.write_json(out / "bench.json", summary)
    records.atomic_write_bytes(out / "bench.png", plot(trainer, machine, overhead, scaling))
    return summary


def plot(trainer: dict[str, Any], machine: dict[str, Any], overhead: dict[str, Any], scaling: dict[str, Any]) -> bytes:
    """The benchmark's figure as PNG bytes: trainer and machine throughput, optimizer overhead, four scaling panels."""
    fig, axes = new_figure(20, 8.5, ncols=4, nrows=2)
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
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()
