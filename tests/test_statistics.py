"""Seed-level intervals, paired comparisons and the verdict rules, against hand-computed cases."""

import math

import pytest

from paperlib.report.statistics import (
    INCONCLUSIVE,
    NOT_REPRODUCED,
    REPRODUCED,
    accuracy_verdict,
    halving_verdict,
    paired,
    t_interval,
)


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


def comparisons(differences_by_baseline):
    return [
        paired({s: d for s, d in enumerate(diffs)}, {s: 0.0 for s in range(len(diffs))}, name)
        for name, diffs in differences_by_baseline.items()
    ]


def test_accuracy_verdicts():
    clear = comparisons({"random": [0.01, 0.012, 0.011, 0.013, 0.01], "tpe": [0.02, 0.021, 0.019, 0.02, 0.022]})
    assert accuracy_verdict({"mappo": 0.97, "random": 0.96, "tpe": 0.95}, clear) == REPRODUCED
    noisy = comparisons({"random": [0.01, -0.01, 0.02, -0.015, 0.005]})
    assert accuracy_verdict({"mappo": 0.97, "random": 0.968}, noisy) == INCONCLUSIVE
    worse = comparisons({"random": [-0.01, -0.012, -0.011, -0.013, -0.01]})
    assert accuracy_verdict({"mappo": 0.95, "random": 0.96}, worse) == NOT_REPRODUCED


def test_halving_verdicts():
    def ratios(values):
        return [paired(dict(enumerate(values)), dict.fromkeys(range(len(values)), 1.0), "random", log_ratio=True)]

    assert halving_verdict(ratios([0.45, 0.5, 0.55, 0.48, 0.52])) == REPRODUCED
    assert halving_verdict(ratios([0.95, 1.0, 1.05, 0.98, 1.02])) == NOT_REPRODUCED
    assert halving_verdict(ratios([0.4, 1.0, 0.6, 0.9, 0.5])) == INCONCLUSIVE
