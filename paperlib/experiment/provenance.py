"""What a run ran on: the package versions, machine, device and git commit that ``run.json`` records."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from paperlib.paths import ROOT

ISA_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile")
"""CPU flags worth recording: oneDNN and MKL dispatch on them, so scores may differ between CPUs that differ here."""
NUMERICS_VARIABLES = (
    "ONEDNN_MAX_CPU_ISA",
    "DNNL_MAX_CPU_ISA",
    "MKL_CBWR",
    "MKL_ENABLE_INSTRUCTIONS",
    "ATEN_CPU_CAPABILITY",
)
"""Environment variables that pin the kernels the math libraries choose; recorded when set."""
PACKAGES = ("torch", "torchvision", "numpy", "scikit-learn", "hyperopt", "hpbandster", "ConfigSpace", "papermill")
"""Packages whose versions every run records."""


def git_commit() -> str | None:
    """The repository's HEAD commit, with ``+dirty`` when tracked files outside ``results/`` have changes (a run
    moved within results/, or being written there, leaves the code what HEAD says); None outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!results"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return head.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.TimeoutExpired):
        return None


def describe() -> dict[str, Any]:
    """Versions, processor, CUDA device (if any) and commit."""
    import torch

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": platform.python_version(),
        "packages": versions,
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_model": cpu_model(),
        "cpu_isa": cpu_isa(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "math_libraries": math_libraries(torch.__config__.show()),
        "numerics_environment": {name: os.environ.get(name) for name in NUMERICS_VARIABLES if name in os.environ},
        "cuda_device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "cuda_version": torch.version.cuda if torch.cuda.is_available() else None,
        "cudnn_version": torch.backends.cudnn.version() if torch.cuda.is_available() else None,
        "git_commit": git_commit(),
    }


def cpu_model() -> str | None:
    """The CPU's model name (Linux: /proc/cpuinfo; elsewhere what ``platform`` knows)."""
    info = _cpuinfo()
    if "model name" not in info:
        return platform.processor() or None
    signature = ", ".join(f"{key} {info[key]}" for key in ("cpu family", "model", "stepping") if key in info)
    return f"{info['model name']} ({signature})" if signature else info["model name"]


def cpu_isa() -> list[str]:
    """The vector instruction sets the CPU reports that change which kernels oneDNN and MKL pick (Linux only)."""
    flags = set(_cpuinfo().get("flags", "").split())
    return [flag for flag in ISA_FLAGS if flag in flags]


def math_libraries(config: str) -> dict[str, str | None]:
    """oneDNN and MKL versions from ``torch.__config__.show()``: both choose kernels by CPU, so results follow them."""
    onednn = re.search(r"MKL-DNN v([\d.]+)", config)
    mkl = re.search(r"Math Kernel Library Version ([\w.\-]+)", config)
    return {"onednn": onednn and onednn.group(1), "mkl": mkl and mkl.group(1)}


def _cpuinfo() -> dict[str, str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    first = text.split("\n\n", 1)[0]  # the first processor's block
    return dict((key.strip(), value.strip()) for key, _, value in (line.partition(":") for line in first.splitlines()))


SIGNATURE_FIELDS = ("cpu_model", "cpu_isa", "torch_cpu_capability", "math_libraries", "numerics_environment")
"""The parts of ``run.json``'s ``environment`` that decide a CPU trial's low bits (docs/decisions.md#cross-machine)."""


def numerics_signature(environment: dict[str, Any], recipe: dict[str, Any], device: str) -> dict[str, Any]:
    """What must be equal for a trial to be expected bit for bit: the CPU (model, family, stepping), the ISA
    flags oneDNN and MKL dispatch on, torch's CPU capability and version, oneDNN and MKL, any variable that
    pins their kernels, the threads a trial computes with, and the device."""
    threads = recipe.get("threads")
    return {
        **{name: environment.get(name) for name in SIGNATURE_FIELDS},
        "torch": (environment.get("packages") or {}).get("torch"),
        "threads": threads if threads is not None else environment.get("torch_threads"),
        "device": device,
    }


def machine_name(info: dict[str, str] | None = None, cores: int | None = None) -> str:
    """This machine's folder under ``results/bench/``: the CPU model, sanitized, then the core count.

    E.g. ``intel-xeon-processor-family6-model207-2cores``: two CPUs a VM names alike ("Intel(R) Xeon(R)
    Processor") differ by family and model, so a benchmark on another CPU never lands in this one's folder.
    ``info`` (``/proc/cpuinfo``'s first block) and ``cores`` default to this machine's.
    """
    info = _cpuinfo() if info is None else info
    name = info.get("model name") or platform.processor() or platform.machine() or "unknown-cpu"
    name = re.sub(r"\((r|tm)\)", "", name, flags=re.IGNORECASE)
    name = re.sub(r"\bcpu\b|@.*$", "", name, flags=re.IGNORECASE)
    extra = "".join(f"-{key.split()[-1]}{info[key]}" for key in ("cpu family", "model") if info.get(key))
    slug = re.sub(r"[^a-z0-9]+", "-", f"{name}{extra}".lower()).strip("-")
    return f"{slug}-{cores or os.cpu_count()}cores"


def session(header: dict[str, Any], after: int | None) -> dict[str, Any]:
    """One process's share of a search in ``run.json``'s ``sessions``: the episodes recorded before it, when it started
    and the CPU and commit it ran on, so a search resumed on another machine, or after a change, says which trials
    that machine, or that code, ran (a resumed run's header keeps only the last process's environment)."""
    return {
        "after_episodes": after,
        "started_at": header["started_at"],
        "cpu_model": header["environment"].get("cpu_model"),
        "git_commit": header["environment"].get("git_commit"),
    }


def earlier_sessions(previous: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The sessions a resumed run recorded; for a run recorded before sessions were, the one its header tells: the
    CPU of the process before this one (when it started and how many episodes came before it are unknown: None)."""
    if previous is None:
        return []
    if "sessions" in previous:
        return list(previous["sessions"])
    return [{"after_episodes": None, "started_at": None, "cpu_model": previous.get("environment", {}).get("cpu_model")}]
