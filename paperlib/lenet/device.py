"""The training device: ``--device`` resolved, or refused in one line before any work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperlib.errors import DeviceError

if TYPE_CHECKING:
    import torch

DEVICE_HELP = "auto (CUDA if present, else CPU), cpu, cuda, cuda:1, ..."
"""What a ``--device`` accepts."""


def resolve_device(name: str) -> torch.device:
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
