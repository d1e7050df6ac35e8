"""MAPPO's action heads: what an actor outputs for one hyperparameter, how it samples, and the value it means.

A head turns the actor's outputs for one hyperparameter into a distribution: :class:`GridHead` a
categorical over :meth:`Hyperparameter.grid` (the paper's heads, docs/paper.md#reading-4; a categorical
hyperparameter's choices are its grid), :class:`BetaHead` a Beta over the range (an option for floats
and wide ints, docs/decisions.md#mappo-continuous). Every head has ``n_outputs``, ``width`` (its slot in
observations and states), ``sample``, ``log_prob``, ``entropy``, ``encode`` and ``to_value``.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from scipy.special import betaincinv
from torch import Tensor
from torch.distributions import Beta

from paperlib.space import Hyperparameter
from paperlib.tuners.mappo import ppo

HEADS = ("grid", "continuous")
"""MAPPO's head options: a grid head for every hyperparameter (the paper), or Beta heads for floats and wide ints."""


class GridHead:
    """A categorical over the hyperparameter's grid: one logit per value, the action an index."""

    def __init__(self, hyperparameter: Hyperparameter) -> None:
        self.hyperparameter = hyperparameter
        self.grid = hyperparameter.grid()
        self.n_outputs = len(self.grid)
        """Actor outputs (logits) this head reads."""
        self.width = len(self.grid)
        """Width of the action's encoding (one-hot) in observations and states."""

    def sample(self, logits: Tensor, generator: torch.Generator) -> int:
        """A grid index drawn from the softmax of ``logits`` with ``generator``."""
        probs = ppo.log_softmax(logits).exp()
        return int(torch.multinomial(probs, 1, generator=generator))

    def log_prob(self, logits: Tensor, actions: Tensor) -> Tensor:
        """Log-probability of grid indices ``actions`` (a batch), under the batch of ``logits``."""
        return ppo.categorical_log_prob(logits, actions.long())

    def entropy(self, logits: Tensor) -> Tensor:
        """Entropy of the categorical(s)."""
        return ppo.categorical_entropy(logits)

    def summary(self, logits: Tensor) -> Tensor:
        """The probabilities over the grid (for inspection)."""
        return ppo.log_softmax(logits).exp()

    def encode(self, action: int) -> Tensor:
        """The action one-hot."""
        return torch.nn.functional.one_hot(torch.tensor(action), self.width).float()

    def to_value(self, action: int) -> Any:
        """The grid value the index points at."""
        return self.grid[int(action)]


class BetaHead:
    """A Beta over the unit interval, mapped onto the range (log-scaled where ``log`` is set); rounded for ints.

    Concentrations ``1 + softplus(output)`` keep the density unimodal (Chou et al. 2017, the Beta policy
    for bounded actions). Sampling inverts the Beta's CDF at a uniform drawn from the tuner's generator,
    since ``torch.distributions.Beta.sample`` draws from the global RNG and takes no generator.
    """

    EDGE = 1e-6
    """Samples are kept this far inside (0, 1), where the Beta's log-density is finite."""

    def __init__(self, hyperparameter: Hyperparameter) -> None:
        assert hyperparameter.kind in ("int", "float"), hyperparameter
        self.hyperparameter = hyperparameter
        self.n_outputs = 2
        """Actor outputs read: the raw concentrations alpha and beta."""
        self.width = 1
        """Width of the action's encoding: the unit-interval value itself."""

    def distribution(self, outputs: Tensor) -> Beta:
        """The Beta(s) the outputs (last dimension 2) define."""
        concentrations = 1.0 + torch.nn.functional.softplus(outputs)
        return Beta(concentrations[..., 0], concentrations[..., 1])

    def sample(self, outputs: Tensor, generator: torch.Generator) -> float:
        """A point of (0, 1) drawn from the Beta with ``generator``, by inverse CDF."""
        uniform = float(torch.rand((), generator=generator, dtype=torch.float64))
        concentrations = (1.0 + torch.nn.functional.softplus(outputs)).double()
        x = float(betaincinv(float(concentrations[0]), float(concentrations[1]), uniform))
        return min(max(x, self.EDGE), 1.0 - self.EDGE)

    def log_prob(self, outputs: Tensor, actions: Tensor) -> Tensor:
        """Log-density of unit-interval ``actions`` (a batch)."""
        return self.distribution(outputs).log_prob(actions.to(outputs.dtype))

    def entropy(self, outputs: Tensor) -> Tensor:
        """Differential entropy of the Beta(s)."""
        return self.distribution(outputs).entropy()

    def summary(self, outputs: Tensor) -> Tensor:
        """The two concentrations (for inspection)."""
        return 1.0 + torch.nn.functional.softplus(outputs)

    def encode(self, action: float) -> Tensor:
        """The action as one number in (0, 1)."""
        return torch.tensor([float(action)])

    def to_value(self, action: float) -> int | float:
        """The point of the range at unit position ``action`` (geometric where ``log``), rounded for an int."""
        hp = self.hyperparameter
        low, high = (math.log(hp.low), math.log(hp.high)) if hp.log else (float(hp.low), float(hp.high))
        value = low + float(action) * (high - low)
        value = math.exp(value) if hp.log else value
        value = min(max(value, float(hp.low)), float(hp.high))
        return int(round(value)) if hp.kind == "int" else value


def make_head(hyperparameter: Hyperparameter, heads: str = "grid") -> GridHead | BetaHead:
    """The head for ``hyperparameter``: a grid head, or with ``heads="continuous"`` a Beta head for a float or wide int."""
    if heads == "continuous" and hyperparameter.wide:
        return BetaHead(hyperparameter)
    return GridHead(hyperparameter)
