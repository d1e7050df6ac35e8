"""What a run ran on: the package versions, machine, device and git commit that ``run.json`` records."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from typing import Any

from paperlib.paths import ROOT

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
