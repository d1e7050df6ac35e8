"""Cheap synthetic objectives over a search space, for fast tests and benchmarks of the tuners.

They stand in for training a LeNet (seconds → microseconds) so the optimizers' own behaviour can be
tested; they never replace the real trial in anything reported. :class:`Bowl` is separable (each
hyperparameter has its own best value); in :class:`Coupled` the best value of one hyperparameter
depends on another's, as the best learning rate of a real network depends on its batch size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paperlib.space import TABLE2, SearchSpace


def unit(space: SearchSpace, config: Mapping[str, Any]) -> dict[str, float]:
    """Each value mapped to [0, 1] within its range (on a log scale for log hyperparameters)."""
    out = {}
    for hp in space:
        value, low, high = float(config[hp.name]), float(hp.low), float(hp.high)
        if hp.log:
            value, low, high = math.log(value), math.log(low), math.log(high)
        out[hp.name] = (value - low) / (high - low)
    return out


@dataclass(frozen=True)
class Bowl:
    """A smooth bowl with one known best configuration.

    ``score = ceiling * (1 - mean squared distance to the optimum in unit coordinates)``, multiplied
    by ``1 - fidelity_gap * (1 - budget)`` so a smaller budget gives a lower but well-correlated
    score (what Hyperband and BOHB rely on).
    """

    space: SearchSpace = TABLE2
    """The space the objective is defined on."""
    optimum: Mapping[str, Any] = field(
        default_factory=lambda: {
            "conv_size": 5,
            "hidden_size": 799,
            "batch_size": 20,
            "dropout_rate": 0.6,
            "learning_rate": TABLE2["learning_rate"].grid()[5],  # 0.0075: on the log grid, so MAPPO can hit it
        }
    )
    """The best configuration (on MAPPO's grid for Table 2, so every method can hit it exactly)."""
    ceiling: float = 0.99
    """Score at the optimum with the full budget."""
    fidelity_gap: float = 0.1
    """Relative score lost at budget 0 (linear in the budget)."""

    def __call__(self, config: Mapping[str, Any], budget: float = 1.0) -> float:
        here, best = unit(self.space, config), unit(self.space, self.optimum)
        distance = sum((here[n] - best[n]) ** 2 for n in here) / len(here)
        return self.ceiling * (1.0 - distance) * (1.0 - self.fidelity_gap * (1.0 - budget))

    @property
    def best_score(self) -> float:
        """The objective's maximum (at the optimum, full budget)."""
        return self.ceiling


@dataclass(frozen=True)
class Coupled:
    """An objective whose hyperparameters interact, over Table 2 (docs/decisions.md#mappo-critic).

    In unit coordinates (:func:`unit`): the best ``hidden_size`` is ``1 - conv_size`` (small kernels
    want wide layers), the best ``learning_rate`` is ``0.3 + 0.4 * batch_size`` (larger batches want
    larger steps), the best ``dropout_rate`` is 0.25; kernel and batch size have no preference of
    their own. ``score = ceiling * (1 - mean of the three squared misses)``, times Bowl's budget
    factor. The maximum lies on MAPPO's grid (e.g. conv_size 2, hidden_size 1024, dropout_rate 0.6,
    batch_size 24, learning_rate 0.00316), and no hyperparameter can be chosen well alone: a good
    hidden size is good only for the kernel size chosen with it.
    """

    space: SearchSpace = TABLE2
    """The space the objective is defined on (Table 2's names)."""
    ceiling: float = 0.99
    """Score on the ridge of best configurations, full budget."""
    fidelity_gap: float = 0.1
    """Relative score lost at budget 0 (linear in the budget)."""

    def __call__(self, config: Mapping[str, Any], budget: float = 1.0) -> float:
        u = unit(self.space, config)
        misses = (
            u["hidden_size"] - (1.0 - u["conv_size"]),
            u["learning_rate"] - (0.3 + 0.4 * u["batch_size"]),
            u["dropout_rate"] - 0.25,
        )
        distance = sum(m**2 for m in misses) / len(misses)
        return self.ceiling * (1.0 - distance) * (1.0 - self.fidelity_gap * (1.0 - budget))

    @property
    def best_score(self) -> float:
        """The objective's maximum (on the ridge, full budget)."""
        return self.ceiling


@dataclass(frozen=True)
class LeNetLike:
    """An objective shaped like a small network's validation accuracy over Table 2 (docs/decisions.md#mappo-update).

    Not fitted to any measurement, only shaped as such landscapes usually are: scores packed just
    below ``ceiling`` (regrets of 1e-3 matter), a best ``learning_rate`` that rises with
    ``batch_size`` (in unit coordinates ``0.5 + 0.25 * batch_size``, on the grid), too small a step
    costing more than a slightly large one, a step more than 0.25 past the best diverging to
    ``chance``, wider hidden layers better, a kernel of 5 best, and dropout (the rate of dropping)
    costing most in narrow layers. The maximum, ``ceiling``, lies on MAPPO's grid (conv_size 5,
    hidden_size 1024, dropout_rate 0.5, e.g. batch_size 24 with learning_rate 0.0075).
    """

    space: SearchSpace = TABLE2
    """The space the objective is defined on (Table 2's names)."""
    ceiling: float = 0.992
    """Score at the best configurations, full budget."""
    chance: float = 0.1
    """Score of a diverged run (ten classes)."""
    fidelity_gap: float = 0.1
    """Relative score lost at budget 0 (linear in the budget)."""

    def __call__(self, config: Mapping[str, Any], budget: float = 1.0) -> float:
        u = unit(self.space, config)
        miss = u["learning_rate"] - (0.5 + 0.25 * u["batch_size"])
        if miss > 0.25:
            return self.chance
        error = (
            (0.4 if miss < 0 else 0.2) * miss**2
            + 0.02 * (1.0 - u["hidden_size"]) ** 2
            + 0.015 * (u["conv_size"] - 0.6) ** 2
            + 0.03 * u["dropout_rate"] ** 2 * (1.5 - u["hidden_size"])
        )
        return (self.ceiling - error) * (1.0 - self.fidelity_gap * (1.0 - budget))

    @property
    def best_score(self) -> float:
        """The objective's maximum (full budget)."""
        return self.ceiling
