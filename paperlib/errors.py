"""Every error a user can cause, under one base class the CLI reports in one line, and the checks that raise them.

Inputs are checked at the boundary (CLI arguments, notebook parameters, constructors) with the
helpers below; inside the library, invariants are ``assert``-ed.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any


class PaperlibError(Exception):
    """Base of the errors that mean "the input is wrong": one line naming the problem, never a traceback."""


class SpaceError(PaperlibError, ValueError):
    """A configuration or space definition does not fit the declared search space."""


class TunerError(PaperlibError, RuntimeError):
    """A tuner was built or driven against its contract (e.g. ``tell`` for a suggestion it never handed out)."""


class HpBandSterError(TunerError):
    """hpbandster's machinery did not answer in time or failed; the message names the stage."""


class DataError(PaperlibError, RuntimeError):
    """A dataset is missing, truncated or corrupt, or could not be downloaded."""


class DeviceError(PaperlibError, ValueError):
    """A requested training device that is unknown or not present on this machine."""


class ProfileError(PaperlibError, ValueError):
    """A profile name or profile file that cannot be used."""


class RecordError(PaperlibError, RuntimeError):
    """A run directory cannot be used (locked by a live process, or holding another run)."""


class ExecutorError(PaperlibError, RuntimeError):
    """A Dask pool that cannot be used: bad ``--workers`` / ``--scheduler``, or a scheduler that stopped answering."""


def check_int(value: Any, what: str, error: type[PaperlibError], minimum: int | None = None) -> int:
    """``value`` if it is an integer (a bool is not) of at least ``minimum``; else ``error`` naming ``what``."""
    expected = "an integer" if minimum is None else "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        raise error(f"{what} must be {expected}, got {value!r}")
    return value


MAX_SEED = 2**32 - 1
"""Largest seed: numpy's ``RandomState`` and hyperopt take seeds in [0, 2**32)."""


def check_seed(value: Any, what: str, error: type[PaperlibError]) -> int:
    """``value`` if it is an integer seed in [0, :data:`MAX_SEED`]; else ``error`` naming ``what``."""
    check_int(value, what, error)
    if not 0 <= value <= MAX_SEED:
        raise error(f"{what} must be from 0 to {MAX_SEED}, got {value!r}")
    return value


def check_number(value: Any, what: str, error: type[PaperlibError], positive: bool = False) -> float:
    """``value`` if it is a finite real number (a bool is not), above zero when ``positive``; else ``error`` naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise error(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise error(f"{what} must be a finite number, got {value!r}")
    if positive and not value > 0:
        raise error(f"{what} must be a positive number, got {value!r}")
    return value
