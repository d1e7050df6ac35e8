"""Seed-level statistics for the report: 95% intervals, paired comparisons with MAPPO, a verdict per claim.

Every interval is Student's t over independent search seeds (``scipy.stats``); comparisons are paired
by seed (the same seed seeds every method's trials). The verdict rules are stated in
docs/decisions.md#verdict-rules and printed beside the verdict table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
"""Coverage of every interval in the report."""
HALVING_RATIO = 0.75
"""Search-time ratio (MAPPO / baseline) a "halves the search time" verdict must be clearly below.

The paper's own ratios are 0.37-0.62; 0.75 leaves room for noise while still meaning "much faster"."""
REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "reproduced", "not reproduced", "inconclusive"
"""The three verdicts."""


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
    return Comparison(name, seeds, t_interval(differences), p)


def accuracy_verdict(means: Mapping[str, float], comparisons: Sequence[Comparison]) -> str:
    """ "MAPPO reaches the highest accuracy": see docs/decisions.md#verdict-rules."""
    if any(c.difference.high is not None and c.difference.high < 0 for c in comparisons):
        return NOT_REPRODUCED  # some baseline is better than MAPPO beyond the interval
    highest = means["mappo"] >= max(means.values())
    separated = all(c.difference.low is not None and c.difference.low > 0 for c in comparisons)
    return REPRODUCED if comparisons and highest and separated else INCONCLUSIVE


def halving_verdict(comparisons: Sequence[Comparison], threshold: float = HALVING_RATIO) -> str:
    """ "MAPPO halves the search time": see docs/decisions.md#verdict-rules."""
    ratios = [c.ratio for c in comparisons]
    if any(r.low is not None and r.low > threshold for r in ratios):
        return NOT_REPRODUCED  # MAPPO is surely not much faster than this baseline
    if ratios and all(r.high is not None and r.high < threshold for r in ratios):
        return REPRODUCED
    return INCONCLUSIVE


def _exp(value: float | None) -> float | None:
    return None if value is None else math.exp(value)


RULES = {
    "accuracy": "MAPPO reaches the highest accuracy: reproduced when MAPPO's mean test accuracy is the highest and "
    "every paired 95% interval of (MAPPO - baseline) lies above 0; not reproduced when some baseline's interval "
    "lies below 0; otherwise inconclusive.",
    "time": f"MAPPO halves the search time: reproduced when every paired 95% interval of the wall-time ratio "
    f"MAPPO / baseline (geometric mean over seeds) lies below {HALVING_RATIO}; not reproduced when some interval "
    f"lies above {HALVING_RATIO}; otherwise inconclusive.",
    "seeds": "Both need at least two seeds paired with every baseline; with fewer, no interval exists and the "
    "verdict is inconclusive. Baselines: the paper's five methods as it ran them (equal evaluations).",
}
"""The verdict rules in a few words, printed beside the verdict table (docs/decisions.md#verdict-rules)."""
