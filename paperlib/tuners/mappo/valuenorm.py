"""The critics' value normalizer: running, debiased mean and variance of the returns, with a variance floor.

On-policy's ``ValueNorm`` (marlbenchmark/on-policy, ``utils/valuenorm.py``): the critics learn the
shared reward in normalized units, and their values are denormalized before an advantage is taken
(docs/decisions.md#mappo-update). Kept in Python floats (double precision), so a replay repeats it
exactly; accuracies near 0.99 lose digits in ``E[r^2] - E[r]^2`` in single precision.
"""

from __future__ import annotations

import math

from torch import Tensor


class ValueNorm:
    """Exponential moving averages of the returns and their squares, debiased as Adam's moments are.

    ``update`` folds in one batch with weight ``1 - beta``; with ``beta`` near 1 every batch counts
    about alike. The variance is floored at ``floor``, so a run whose rewards barely differ does not
    blow its targets up; before any batch the mean is 0 and the variance the floor.
    """

    def __init__(self, beta: float = 0.99999, floor: float = 1e-2, eps: float = 1e-5) -> None:
        self.beta, self.floor, self.eps = beta, floor, eps
        self.running_mean = 0.0
        self.running_mean_sq = 0.0
        self.debiasing_term = 0.0
        """The weight the averages have gathered: ``1 - beta**batches``, what divides them into unbiased moments."""

    def update(self, returns: Tensor) -> None:
        """Fold one batch of returns into the running moments."""
        batch = returns.double()
        self.running_mean = self.beta * self.running_mean + (1 - self.beta) * float(batch.mean())
        self.running_mean_sq = self.beta * self.running_mean_sq + (1 - self.beta) * float((batch**2).mean())
        self.debiasing_term = self.beta * self.debiasing_term + (1 - self.beta)

    def mean_var(self) -> tuple[float, float]:
        """The debiased mean and the variance, floored."""
        weight = max(self.debiasing_term, self.eps)
        mean = self.running_mean / weight
        return mean, max(self.running_mean_sq / weight - mean**2, self.floor)

    def normalize(self, returns: Tensor) -> Tensor:
        """Returns in normalized units: ``(r - mean) / sqrt(var)``."""
        mean, var = self.mean_var()
        return (returns - mean) / math.sqrt(var)

    def denormalize(self, values: Tensor) -> Tensor:
        """Normalized values back in units of the reward: ``v * sqrt(var) + mean``."""
        mean, var = self.mean_var()
        return values * math.sqrt(var) + mean
