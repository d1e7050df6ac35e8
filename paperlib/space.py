"""The search space of the paper's Table 2, declared once, and any space a user writes (ints, floats, log scale, categoricals).

Every method converts from a :class:`SearchSpace`: hyperopt builds its own space from it
(``paperlib.tuners.hyperopt_tuners``), hpbandster a ConfigSpace (``paperlib.tuners.hpbandster_tuners``),
and MAPPO a discrete grid per hyperparameter (:meth:`Hyperparameter.grid`, docs/paper.md#reading-4)
or, as an option, a continuous head per float (``paperlib.tuners.mappo.heads``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from paperlib.errors import SpaceError, check_int, check_number


def readable(points: list[float], digits: int = 3) -> tuple[float, ...]:
    """Increasing ``points`` with the inner ones rounded to ``digits`` significant digits (more where that would merge two).

    The ends are kept exactly (they are the range's bounds); a grid the rounding would not keep
    strictly increasing gets one more digit until it does.
    """
    for d in range(digits, 18):
        inner = [float(f"{p:.{d}g}") for p in points[1:-1]]
        rounded = (points[0], *inner, points[-1]) if len(points) > 1 else tuple(points)
        if all(a < b for a, b in zip(rounded, rounded[1:])):
            return rounded
    return tuple(points)


@dataclass(frozen=True)
class Hyperparameter:
    """One searched hyperparameter: a name, a type and a closed range (or, for a categorical, its choices)."""

    name: str
    """Name as in the paper's Table 2 (and the keyword the LeNet builder takes)."""
    kind: str
    """``"int"`` (every integer in the range is a value), ``"float"``, or ``"categorical"`` (one of ``choices``)."""
    low: float | None = None
    """Smallest allowed value (inclusive); ``None`` for a categorical."""
    high: float | None = None
    """Largest allowed value (inclusive); ``None`` for a categorical."""
    log: bool = False
    """Search on a log scale (the learning rate): log-uniform for the baselines, a log-spaced grid for MAPPO."""
    grid_size: int = 9
    """Number of grid points MAPPO's categorical head chooses from for a float (ints with more values than this use an even grid of this many)."""
    choices: tuple = ()
    """The values of a categorical (strings, numbers or booleans, JSON-serialisable, at least two, all distinct)."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise SpaceError(f"hyperparameter {self.name!r}: kind must be one of {list(KINDS)}, got {self.kind!r}")
        if self.kind == "categorical":
            self._check_choices()
            return
        if self.choices:
            raise SpaceError(f"hyperparameter {self.name!r}: only a categorical has choices")
        for bound in ("low", "high"):
            check_number(getattr(self, bound), f"hyperparameter {self.name!r}: {bound}", SpaceError)
        if not isinstance(self.log, bool):  # JSON's "no" or 0 is not a switch
            raise SpaceError(f"hyperparameter {self.name!r}: log must be true or false, got {self.log!r}")
        if not self.low < self.high:
            raise SpaceError(f"hyperparameter {self.name!r}: low {self.low} must be below high {self.high}")
        if self.log and self.low <= 0:
            raise SpaceError(f"hyperparameter {self.name!r}: a log scale needs low > 0, got {self.low}")
        if self.kind == "int" and (self.low != int(self.low) or self.high != int(self.high)):
            raise SpaceError(
                f"hyperparameter {self.name!r}: an int range needs whole bounds, got [{self.low}, {self.high}]"
            )
        check_int(self.grid_size, f"hyperparameter {self.name!r}: grid_size", SpaceError, minimum=2)
        if self.grid_size > MAX_GRID_SIZE:
            raise SpaceError(
                f"hyperparameter {self.name!r}: grid_size must be at most {MAX_GRID_SIZE}, got {self.grid_size}"
            )

    def _check_choices(self) -> None:
        """A categorical's choices: a list of at least two distinct JSON scalars, and no range."""
        if self.low is not None or self.high is not None or self.log:
            raise SpaceError(f"hyperparameter {self.name!r}: a categorical has choices, not low/high/log")
        if isinstance(self.choices, (str, bytes)) or not isinstance(self.choices, (tuple, list)):
            raise SpaceError(f"hyperparameter {self.name!r}: choices must be a list, got {self.choices!r}")
        object.__setattr__(self, "choices", tuple(self.choices))  # a list from JSON becomes the hashable tuple
        if len(self.choices) < 2:
            raise SpaceError(f"hyperparameter {self.name!r}: a categorical needs at least two choices")
        for choice in self.choices:
            if not isinstance(choice, (str, int, float, bool)) or choice != choice:
                raise SpaceError(f"hyperparameter {self.name!r}: choice {choice!r} is not a string, number or boolean")
        keys = [_key(c) for c in self.choices]
        if len(set(keys)) != len(keys):
            raise SpaceError(f"hyperparameter {self.name!r}: choices must be distinct, got {list(self.choices)}")

    @property
    def wide(self) -> bool:
        """More values than the grid holds: every float, and ints with more than ``grid_size`` values."""
        if self.kind == "categorical":
            return False
        return self.kind == "float" or int(self.high) - int(self.low) + 1 > self.grid_size

    def grid(self) -> tuple:
        """The discrete values MAPPO's categorical head for this hyperparameter chooses from.

        Categoricals: the choices. Ints with at most ``grid_size`` values: every value. Wider ints:
        ``grid_size`` evenly spaced integers from low to high. Floats: ``grid_size`` points, log-spaced
        when ``log`` is set, the inner ones rounded to what a reader would write (:func:`readable`): 0.85,
        not 0.8500000000000001.
        """
        if self.kind == "categorical":
            return self.choices
        if self.kind == "int":
            n_values = int(self.high) - int(self.low) + 1
            if n_values <= self.grid_size:
                return tuple(range(int(self.low), int(self.high) + 1))
            points = np.linspace(self.low, self.high, self.grid_size)
            return tuple(int(round(p)) for p in points)
        if self.log:
            points = np.geomspace(self.low, self.high, self.grid_size)
        else:
            points = np.linspace(self.low, self.high, self.grid_size)
        return readable([float(p) for p in points])

    def check(self, value: Any) -> Any:
        """Return ``value`` as this hyperparameter's type, or raise a :class:`SpaceError` naming it."""
        if self.kind == "categorical":
            for choice in self.choices:  # the declared object back, whatever type a library hands in
                if _key(choice) == _key(value):
                    return choice
            raise SpaceError(f"hyperparameter {self.name!r}: value {value!r} is not one of {list(self.choices)}")
        check_number(value, f"hyperparameter {self.name!r}", SpaceError)
        if not math.isfinite(float(value)):
            raise SpaceError(f"hyperparameter {self.name!r}: value {value!r} is not finite")
        if self.kind == "int":
            if float(value) != int(value):
                raise SpaceError(f"hyperparameter {self.name!r}: expected an integer, got {value!r}")
            value = int(value)
        else:
            value = float(value)
        # A relative tolerance absorbs float round-off from log/exp conversions in the libraries.
        tol = 1e-9 * max(abs(self.low), abs(self.high))
        if not (self.low - tol <= value <= self.high + tol):
            raise SpaceError(f"hyperparameter {self.name!r}: value {value!r} is outside [{self.low}, {self.high}]")
        return min(max(value, type(value)(self.low)), type(value)(self.high))


@dataclass(frozen=True)
class SearchSpace:
    """An ordered set of hyperparameters; the order is the order agents and tables use."""

    hyperparameters: tuple[Hyperparameter, ...]
    """The hyperparameters, in declaration order."""

    def __post_init__(self) -> None:
        names = [hp.name for hp in self.hyperparameters]
        if len(set(names)) != len(names):
            raise SpaceError(f"search space has duplicate hyperparameter names: {names}")
        if not names:
            raise SpaceError("search space is empty")

    def __iter__(self) -> Iterator[Hyperparameter]:
        return iter(self.hyperparameters)

    def __len__(self) -> int:
        return len(self.hyperparameters)

    def __getitem__(self, name: str) -> Hyperparameter:
        for hp in self.hyperparameters:
            if hp.name == name:
                return hp
        raise SpaceError(f"unknown hyperparameter {name!r}; the space has {self.names}")

    @property
    def names(self) -> tuple[str, ...]:
        """Hyperparameter names in declaration order."""
        return tuple(hp.name for hp in self.hyperparameters)

    def validate(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Return ``config`` with every value checked and typed; raise :class:`SpaceError` naming the first problem."""
        if not isinstance(config, Mapping):
            raise SpaceError(f"a configuration must be a mapping of hyperparameter values, got {type(config).__name__}")
        unknown = sorted(set(config) - set(self.names))
        if unknown:
            raise SpaceError(f"unknown hyperparameter {unknown[0]!r}; the space has {list(self.names)}")
        missing = [name for name in self.names if name not in config]
        if missing:
            raise SpaceError(f"missing hyperparameter {missing[0]!r}")
        return {hp.name: hp.check(config[hp.name]) for hp in self.hyperparameters}

    def default(self) -> dict[str, Any]:
        """A central configuration: the grid's middle value of every hyperparameter."""
        return {hp.name: hp.grid()[len(hp.grid()) // 2] for hp in self.hyperparameters}

    @classmethod
    def from_dict(cls, spec: Mapping[str, Mapping[str, Any]]) -> SearchSpace:
        """Build a space from ``{name: {"kind": ..., "low": ..., "high": ..., "log": ...}}`` (e.g. parsed JSON).

        A categorical is ``{"kind": "categorical", "choices": [...]}``.
        """
        if not isinstance(spec, Mapping) or not spec:
            raise SpaceError("a space definition must be a non-empty mapping of name -> {kind, low, high}")
        hps = []
        for name, fields in spec.items():
            if not isinstance(fields, Mapping):
                raise SpaceError(f"hyperparameter {name!r}: definition must be a mapping, got {fields!r}")
            extra = sorted(set(fields) - {"kind", "low", "high", "log", "grid_size", "choices"})
            if extra:
                raise SpaceError(f"hyperparameter {name!r}: unknown field {extra[0]!r}")
            required = ("kind", "choices") if fields.get("kind") == "categorical" else ("kind", "low", "high")
            for key in required:
                if key not in fields:
                    raise SpaceError(f"hyperparameter {name!r}: missing field {key!r}")
            hps.append(Hyperparameter(name=str(name), **fields))
        return cls(tuple(hps))

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """The inverse of :meth:`from_dict`, for run records (a range's form is unchanged, so older records still match)."""
        return {hp.name: _fields(hp) for hp in self.hyperparameters}


MAX_GRID_SIZE = 1000
"""Most grid points a head may choose from: MAPPO's networks hold one logit (and one input) per point."""
KINDS = ("int", "float", "categorical")
"""The kinds of hyperparameter a space may hold."""


def _key(value: Any) -> tuple[str, Any]:
    """A choice compared by kind and value: ``True`` is not ``1``, ``"1"`` is not ``1``, ``np.int64(3)`` is ``3``."""
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, Real):
        return ("number", float(value))
    return ("other", repr(value))


def _fields(hp: Hyperparameter) -> dict[str, Any]:
    """One hyperparameter's JSON form."""
    if hp.kind == "categorical":
        return {"kind": hp.kind, "choices": list(hp.choices)}
    return {"kind": hp.kind, "low": hp.low, "high": hp.high, "log": hp.log, "grid_size": hp.grid_size}


TABLE2 = SearchSpace(
    (
        Hyperparameter("conv_size", "int", 2, 7),
        Hyperparameter("hidden_size", "int", 124, 1024),
        Hyperparameter("batch_size", "int", 16, 32),
        # Dropout is the probability of *dropping* a unit (PyTorch's meaning); docs/paper.md#reading-2.
        Hyperparameter("dropout_rate", "float", 0.5, 0.9),
        Hyperparameter("learning_rate", "float", 1e-4, 1e-1, log=True),
    )
)
"""The paper's Table 2."""
