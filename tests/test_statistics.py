"""Seed-level intervals, paired comparisons and their power, against hand-computed cases (the verdicts:
tests/test_verdicts.py)."""

import math

import numpy as np
import pytest
from scipy import stats

from paperlib.report.statistics import paired, power, t_interval


def test_t_interval_matches_the_textbook_formula():
    interval = t_interval([1.0, 2.0, 3.0])  # mean 2, s = 1, t(0.975, 2) = 4.302653
    half = 4.302653 * 1 / math.sqrt(3)
    assert (interval.mean, interval.n) == (2.0, 3)
    assert interval.low == pytest.approx(2 - half, abs=1e-5) and interval.high == pytest.approx(2 + half, abs=1e-5)
    assert interval.format("{:.2f}") == "2.00 [-0.48, 4.48]"


def test_t_interval_edge_cases():
    assert t_interval([]).mean is None and t_interval([]).format("{:.2f}") == ""
    assert t_interval([None, 0.5]).format("{:.2f}") == "0.50"  # one value: no interval
    same = t_interval([0.9, 0.9, 0.9])
    assert (same.low, same.high) == (0.9, 0.9)


def test_paired_comparison_pairs_by_seed_and_reports_wilcoxon():
    mappo = {0: 0.95, 1: 0.96, 2: 0.97, 3: 0.98, 4: 0.99, 9: 0.5}
    baseline = {0: 0.94, 1: 0.94, 2: 0.96, 3: 0.95, 4: 0.97}
    comparison = paired(mappo, baseline, "tpe")
    assert comparison.seeds == (0, 1, 2, 3, 4)  # seed 9 has no partner
    assert comparison.difference.mean == pytest.approx(0.018)
    assert comparison.wilcoxon_p == pytest.approx(0.0625)  # 5 positive differences: the smallest two-sided p
    times = paired({0: 1.0, 1: 2.0}, {0: 2.0, 1: 4.0}, "random", log_ratio=True)
    assert times.ratio.mean == pytest.approx(0.5) and times.ratio.low == pytest.approx(0.5)


def _power(effect, n):
    """Two-sided one-sample t test at 0.05: the noncentral t by hand (scipy), not statsmodels."""
    critical = stats.t.ppf(0.975, n - 1)
    shift = effect * math.sqrt(n)
    return stats.nct.sf(critical, n - 1, shift) + stats.nct.cdf(-critical, n - 1, shift)


def test_power_gives_the_detectable_difference_and_the_seeds_for_delta():
    differences = [0.004, -0.006, 0.001, 0.009, -0.003]
    spread = np.std(differences, ddof=1)
    detectable, seeds = power(differences)
    assert _power(detectable / spread, 5) == pytest.approx(0.80, abs=1e-4)  # 80% power at 5 seeds
    assert _power(0.005 / spread, seeds) >= 0.80 > _power(0.005 / spread, seeds - 1)  # the fewest seeds for 0.005
    tight, few = power([0.01, 0.0100001, 0.0099999])  # spread 1e-7: two seeds detect 0.005
    assert few == 2 and _power(tight / 1e-7, 3) == pytest.approx(0.80, abs=1e-4)
    assert power([0.01]) == (None, None) and power([0.002, 0.002]) == (None, None)
    comparison = paired({s: d for s, d in enumerate(differences)}, dict.fromkeys(range(5), 0.0), "random")
    assert comparison.power == (pytest.approx(detectable), seeds)
