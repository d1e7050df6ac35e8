"""What a run runs on: the training device it asked for, and the package versions, device, machine and git
commit that ``run.json`` records."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from typing import Any

from .paths import ROOT

DEVICE_HELP = "auto (CUDA if present, else CPU), cpu, cuda, cuda:1, ..."
"""What a ``--device`` accepts."""


class DeviceError(ValueError):
    """A requested training device that is unknown or not present on this machine."""


def resolve_device(name: str) -> "torch.device":
    """The training device for ``name`` (see :data:`DEVICE_HELP`); one-line :class:`DeviceError` if it cannot be used here.

    Checked before any work starts: a CUDA device that is absent would otherwise fail mid-way with
    torch's own multi-line error.
    """
    import torch

    if not isinstance(name, str):
        raise DeviceError(f"device must be a string, got {name!r}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise DeviceError(f"unknown device {name!r}; use {DEVICE_HELP}") from None
    if device.type not in ("cpu", "cuda"):
        raise DeviceError(f"device {name!r} is not supported; use {DEVICE_HELP}")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"device {name!r} asked for, but torch finds no CUDA device on this machine")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise DeviceError(
                f"device {name!r} asked for, but this machine has {torch.cuda.device_count()} CUDA device(s)"
            )
    return device


PACKAGES = ("torch", "torchvision", "numpy", "scikit-learn", "hyperopt", "hpbandster", "ConfigSpace", "papermill")
"""Packages whose versions every run records."""


def git_commit() -> str | None:
    """The repository's HEAD commit, with ``+dirty`` when the work tree has changes; None outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
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
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda_device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "git_commit": git_commit(),
    }
