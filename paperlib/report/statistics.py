"""Seed-level statistics for the report: 95% intervals, paired comparisons with MAPPO, a verdict per claim.

Every interval is Student's t over independent search seeds (``scipy.stats``); comparisons are paired
by seed (the same seed seeds every method's trials), with the difference each could detect
(docs/decisions.md#power). The verdicts are ``paperlib.report.verdicts``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.power import TTestPower

CONFIDENCE = 0.95
"""Coverage of every interval in the report."""
HALVING_RATIO = 0.75
"""Search-time ratio (MAPPO / baseline) a "halves the search time" verdict must be clearly below.

The paper's own ratios are 0.37-0.62; 0.75 leaves room for noise while still meaning "much faster"."""
REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "reproduced", "not reproduced", "inconclusive"
"""The three verdicts."""
DELTA = 0.005
"""The smallest test-accuracy difference that matters, both datasets (docs/decisions.md#registered-verdicts)."""
ALPHA, POWER = 0.05, 0.80
"""Two-sided level and power of the detectable differences (docs/decisions.md#power)."""


@dataclass(frozen=True)
class Interval:
    """A mean over seeds with its two-sided t interval (bounds None with fewer than two values)."""

    mean: float | None
    """Mean of the values (None without any)."""
    low: float | None
    """Lower bound of the interval."""
    high: float | None
    """Upper bound of the interval."""
    n: int
    """Number of values."""

    def format(self, number: str) -> str:
        """``mean [low, high]``, the mean alone for one value, empty for none."""
        if self.mean is None:
            return ""
        if self.low is None:
            return number.format(self.mean)
        return f"{number.format(self.mean)} [{number.format(self.low)}, {number.format(self.high)}]"


def t_interval(values: Sequence[float | None], confidence: float = CONFIDENCE) -> Interval:
    """The mean of the values that are not None and its Student-t interval."""
    present = np.array([float(v) for v in values if v is not None])
    if present.size == 0:
        return Interval(None, None, None, 0)
    mean = float(present.mean())
    if present.size < 2:
        return Interval(mean, None, None, 1)
    if np.ptp(present) == 0:  # no spread: the interval is the point (scipy would return NaN)
        return Interval(mean, mean, mean, int(present.size))
    low, high = stats.ttest_1samp(present, 0.0).confidence_interval(confidence)
    return Interval(mean, float(low), float(high), int(present.size))


@dataclass(frozen=True)
class Comparison:
    """MAPPO against one baseline over the seeds both have."""

    baseline: str
    """The baseline's method name."""
    seeds: tuple[int, ...]
    """Seeds present for both."""
    difference: Interval
    """Accuracy: MAPPO minus baseline, per seed; time: log of MAPPO / baseline, per seed."""
    wilcoxon_p: float | None
    """Two-sided Wilcoxon signed-rank p-value (None with fewer than two seeds or all differences zero)."""
    differences: tuple[float, ...] = ()
    """The per-seed differences (or log ratios), in seed order."""

    @property
    def power(self) -> tuple[float | None, int | None]:
        """(smallest difference detectable at these seeds, seeds that would detect :data:`DELTA`): :func:`power`."""
        return power(self.differences)

    @property
    def ratio(self) -> Interval:
        """For a log-ratio comparison: the geometric-mean ratio and its interval, back on the ratio scale."""
        d = self.difference
        return Interval(_exp(d.mean), _exp(d.low), _exp(d.high), d.n)


def paired(mappo: Mapping[int, float], baseline: Mapping[int, float], name: str, log_ratio: bool = False) -> Comparison:
    """Paired comparison by seed: differences (or log ratios) of MAPPO's values against the baseline's."""
    seeds = tuple(sorted(set(mappo) & set(baseline)))
    if log_ratio:
        differences = [math.log(mappo[s] / baseline[s]) for s in seeds]
    else:
        differences = [mappo[s] - baseline[s] for s in seeds]
    p = None
    if len(seeds) >= 2 and any(d != 0 for d in differences):
        p = float(stats.wilcoxon(differences).pvalue)
    return Comparison(name, seeds, t_interval(differences), p, tuple(differences))


def power(differences: Sequence[float], delta: float = DELTA) -> tuple[float | None, int | None]:
    """From the paired differences' spread s: the difference a two-sided t test at :data:`ALPHA` detects with
    :data:`POWER` at their number of seeds, and the seeds (at least 2) it needs to detect ``delta``
    (statsmodels ``TTestPower``; docs/decisions.md#power). None for both with fewer than two seeds or no spread."""
    n = len(differences)
    spread = float(np.std(differences, ddof=1)) if n >= 2 else 0.0
    if spread == 0.0:
        return None, None
    analysis = TTestPower()

    def detectable(seeds: int) -> float:
        return float(analysis.solve_power(effect_size=None, nobs=seeds, alpha=ALPHA, power=POWER))

    effect = delta / spread
    if effect >= detectable(3):  # two or three seeds: solving for the seeds fails to converge at such effects
        return detectable(n) * spread, 2 if effect >= detectable(2) else 3
    seeds = analysis.solve_power(effect_size=effect, nobs=None, alpha=ALPHA, power=POWER)
    return detectable(n) * spread, math.ceil(float(seeds))


def _exp(value: float | None) -> float | None:
    return None if value is None else math.exp(value)
