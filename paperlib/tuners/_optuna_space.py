"""Optuna's distributions as MAPPO's hyperparameters and back, for ``MAPPOSampler`` (docs/decisions.md#optuna-sampler).

Each Optuna distribution becomes one :class:`Hyperparameter` that MAPPO's heads act on, and a way back to the
parameter value Optuna stores: a categorical acts on its choices' indices (any choice, ``None`` included,
passes through); a stepped int or float (``step=1.0`` too) on the index of its step, an int over those
indices; a log-scaled int wider than the grid on a log-scaled float rounded back to an int, so its grid is
log-spaced too (1, 2, 6, 14, 32, ... for 1 to 1024, where a linear grid would skip 2 to 128).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from paperlib.errors import SpaceError
from paperlib.space import Hyperparameter, SearchSpace


@dataclass(frozen=True)
class Param:
    """One Optuna parameter as MAPPO sees it: the hyperparameter its head acts on, and the value it stands for."""

    distribution: BaseDistribution
    """The Optuna distribution of the parameter."""
    hyperparameter: Hyperparameter
    """What MAPPO's head acts on (same name)."""

    def to_param(self, value: Any) -> Any:
        """The Optuna parameter value of a MAPPO value (a plain ``int``, ``float`` or choice, never a numpy scalar)."""
        d = self.distribution
        if isinstance(d, CategoricalDistribution):
            return d.choices[int(value)]
        if _stepped(d):
            point = d.low + int(value) * d.step
            return int(point) if isinstance(d, IntDistribution) else float(min(point, d.high))
        if isinstance(d, IntDistribution):
            return int(min(max(round(value), d.low), d.high))
        return float(value)


def to_param_space(distributions: Mapping[str, BaseDistribution], grid_size: int = 9) -> dict[str, Param]:
    """``{name: Param}`` for the distributions MAPPO can act on; any other kind raises a :class:`SpaceError`."""
    params = {}
    for name, d in distributions.items():
        if isinstance(d, CategoricalDistribution):
            hp = Hyperparameter(name, "categorical", choices=tuple(range(len(d.choices))))
        elif _stepped(d):
            hp = Hyperparameter(name, "int", 0, _steps(d) - 1, grid_size=grid_size)
        elif isinstance(d, IntDistribution) and d.log and d.high - d.low + 1 > grid_size:
            hp = Hyperparameter(name, "float", float(d.low), float(d.high), log=True, grid_size=grid_size)
        elif isinstance(d, IntDistribution):
            hp = Hyperparameter(name, "int", d.low, d.high, grid_size=grid_size)
        elif isinstance(d, FloatDistribution):
            hp = Hyperparameter(name, "float", d.low, d.high, log=d.log, grid_size=grid_size)
        else:
            raise SpaceError(f"parameter {name!r}: MAPPOSampler cannot sample {type(d).__name__}")
        params[name] = Param(d, hp)
    return params


def _stepped(d: BaseDistribution) -> bool:
    """A distribution over evenly stepped values: a float with any ``step`` (``1.0`` too), an int with a step above one."""
    if isinstance(d, FloatDistribution):
        return d.step is not None
    return isinstance(d, IntDistribution) and d.step != 1


def _steps(d: FloatDistribution | IntDistribution) -> int:
    """How many values a stepped distribution has."""
    return int(round((d.high - d.low) / d.step)) + 1


def to_space(distributions: Mapping[str, BaseDistribution]) -> SearchSpace:
    """The :class:`SearchSpace` MAPPO searches for these Optuna distributions."""
    return SearchSpace(tuple(p.hyperparameter for p in to_param_space(distributions).values()))


def to_distributions(space: SearchSpace) -> dict[str, BaseDistribution]:
    """A :class:`SearchSpace` as Optuna distributions (for ``MAPPOSampler(search_space=...)`` and ``study.ask``)."""
    out: dict[str, BaseDistribution] = {}
    for h in space:
        if h.kind == "categorical":
            out[h.name] = CategoricalDistribution(list(h.choices))
        elif h.kind == "int":
            out[h.name] = IntDistribution(int(h.low), int(h.high), log=h.log)
        else:
            out[h.name] = FloatDistribution(float(h.low), float(h.high), log=h.log)
    return out


def suggest(trial: optuna.Trial, space: SearchSpace) -> dict[str, Any]:
    """A configuration of ``space`` suggested through ``trial``: an objective written for ``run_search`` becomes
    ``lambda trial: objective(suggest(trial, space))`` for Optuna."""
    config: dict[str, Any] = {}
    for h in space:
        if h.kind == "categorical":
            config[h.name] = trial.suggest_categorical(h.name, list(h.choices))
        elif h.kind == "int":
            config[h.name] = trial.suggest_int(h.name, int(h.low), int(h.high), log=h.log)
        else:
            config[h.name] = trial.suggest_float(h.name, float(h.low), float(h.high), log=h.log)
    return config
