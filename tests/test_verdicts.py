"""The registered verdict rules (docs/decisions.md#registered-verdicts), each branch on constructed data."""

import gc
import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from paperlib.report.statistics import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED
from paperlib.report.verdicts import (
    EQUIVALENT,
    NOT_AVAILABLE,
    accuracy_verdict,
    halving_verdict,
    holm,
)

NAMES = ("RS", "Anneal", "TPE", "Hyperband", "BOHB")
MAPPO = {seed: 0.95 + 0.01 * seed for seed in range(5)}  # MAPPO's per-seed accuracy; the baselines follow it


def baselines(*differences):
    """Each baseline's per-seed accuracy, given MAPPO - baseline per seed (one sequence per baseline, or one for all)."""
    if len(differences) == 1:
        differences = differences * len(NAMES)
    return {name: {s: MAPPO[s] - d for s, d in enumerate(diffs)} for name, diffs in zip(NAMES, differences)}


CLEARLY_BETTER = (0.020, 0.021, 0.019, 0.022, 0.018)
TIGHT_ZERO = (0.001, -0.001, 0.0005, -0.0005, 0.0)
NOISY = (0.01, -0.012, 0.02, -0.015, 0.006)


def test_reproduced_when_every_adjusted_interval_lies_above_zero():
    verdict = accuracy_verdict(MAPPO, baselines(CLEARLY_BETTER))
    assert verdict.verdict == REPRODUCED and all(j.side == 1 and j.adjusted.low > 0 for j in verdict.judged)


def test_reproduced_beats_equivalent_and_not_reproduced_beats_equivalent():
    slightly_better = (0.0021, 0.0019, 0.002, 0.0022, 0.0018)  # significant, and well inside ±0.005
    verdict = accuracy_verdict(MAPPO, baselines(slightly_better))
    assert verdict.verdict == REPRODUCED and all(j.tost_p < 0.05 for j in verdict.judged)
    slightly_worse = tuple(-d for d in slightly_better)
    verdict = accuracy_verdict(MAPPO, baselines(*[CLEARLY_BETTER] * 4, slightly_worse))
    assert verdict.verdict == NOT_REPRODUCED and verdict.note == "adjusted interval below 0: BOHB"
    assert verdict.judged[-1].tost_p < 0.05  # equivalent to BOHB, yet BOHB is better: not reproduced


def test_not_reproduced_when_some_adjusted_interval_lies_below_zero():
    verdict = accuracy_verdict(MAPPO, baselines(*[NOISY] * 3, tuple(-d for d in CLEARLY_BETTER), NOISY))
    assert verdict.verdict == NOT_REPRODUCED and [j.side for j in verdict.judged] == [0, 0, 0, -1, 0]
    assert verdict.judged[3].adjusted.high < 0


def test_equivalent_when_every_90_interval_lies_inside_the_margin():
    verdict = accuracy_verdict(MAPPO, baselines(TIGHT_ZERO))
    assert verdict.verdict == EQUIVALENT and "inside ±0.005" in verdict.note
    for j in verdict.judged:
        assert j.equivalence.low > -0.005 and j.equivalence.high < 0.005 and j.side == 0
    # the same differences scaled up tenfold leave the margin: too noisy to tell
    wider = accuracy_verdict(MAPPO, baselines(tuple(10 * d for d in TIGHT_ZERO)))
    assert wider.verdict == INCONCLUSIVE


def test_inconclusive_when_noisy_and_names_what_leaves_the_margin():
    verdict = accuracy_verdict(MAPPO, baselines(*[TIGHT_ZERO] * 4, NOISY))
    assert verdict.verdict == INCONCLUSIVE and verdict.note.endswith("leaves ±0.005 for BOHB")


def test_holm_can_withhold_what_unadjusted_intervals_would_grant():
    borderline = (0.0, 0.02, 0.04, 0.01, 0.03)  # t = 2.83 with 4 degrees of freedom: p = 0.047
    assert stats.ttest_1samp(borderline, 0.0).confidence_interval(0.95).low > 0  # unadjusted: above 0
    verdict = accuracy_verdict(MAPPO, baselines(borderline))
    assert verdict.verdict == INCONCLUSIVE and all(j.side == 0 for j in verdict.judged)
    # Holm stops at rank 1 (p = 0.047 > 0.05 / 5): every adjusted interval is the 99% one, and contains 0
    assert all(j.adjusted.low < 0 and j.level == pytest.approx(0.99) for j in verdict.judged)


def test_holm_matches_statsmodels_and_its_intervals_match_its_rejections(monkeypatch):
    # statsmodels' Holm ends with gc.collect(), which costs seconds in a test process holding torch: 100 of them
    # made this the suite's slowest test. Collecting garbage changes no number.
    monkeypatch.setattr(gc, "collect", lambda *generation: 0)
    generator = np.random.default_rng(0)
    for _ in range(50):
        differences = {n: generator.normal(generator.normal(0, 0.01), 0.01, size=5) for n in NAMES}
        judged = holm(differences)
        p = [stats.ttest_1samp(differences[n], 0.0).pvalue for n in NAMES]
        reject, adjusted, *_ = multipletests(p, alpha=0.05, method="holm")
        assert [j.side != 0 for j in judged] == list(reject)
        assert [j.adjusted_p for j in judged] == pytest.approx(list(adjusted))
        for j in judged:
            if j.side:  # a rejected baseline's adjusted interval excludes 0, on its side
                assert (j.adjusted.low > 0) if j.side > 0 else (j.adjusted.high < 0)
            assert (j.tost_p < 0.05) == (j.equivalence.low > -0.005 and j.equivalence.high < 0.005)
        ranked = sorted(judged, key=lambda j: j.rank)
        stop = next((j.rank for j in ranked if not j.side), 5)
        for k, j in enumerate(ranked, 1):  # the rank-k interval has coverage 1 - 0.05 / (6 - k), up to Holm's stop
            level = 1 - 0.05 / (6 - min(k, stop))
            low, high = stats.ttest_1samp(differences[j.baseline], 0.0).confidence_interval(level)
            assert (j.adjusted.low, j.adjusted.high) == pytest.approx((low, high)) and j.level == pytest.approx(level)
            assert (j.side != 0) == (j.adjusted.low > 0 or j.adjusted.high < 0)


def test_not_available_and_too_few_seeds():
    missing = baselines(CLEARLY_BETTER)
    missing["TPE"] = {}
    verdict = accuracy_verdict(MAPPO, missing, "retrainings")
    assert verdict.verdict == NOT_AVAILABLE and verdict.note.startswith("no retrainings of TPE;")
    assert accuracy_verdict({}, baselines(CLEARLY_BETTER)).verdict == NOT_AVAILABLE
    one = {name: {0: values[0]} for name, values in baselines(CLEARLY_BETTER).items()}
    verdict = accuracy_verdict(MAPPO, one)
    assert verdict.verdict == INCONCLUSIVE and "fewer than two seeds paired with RS" in verdict.note


def test_time_verdicts_with_holm():
    def times(*ratios):
        mappo = {s: 10.0 for s in range(5)}
        return mappo, {n: {s: 10.0 / r for s, r in enumerate(rs)} for n, rs in zip(NAMES, ratios)}

    half = (0.5, 0.52, 0.48, 0.51, 0.49)
    assert halving_verdict(*times(*[half] * 5)).verdict == REPRODUCED
    equal = (1.0, 1.05, 0.95, 1.02, 0.98)
    verdict = halving_verdict(*times(*[half] * 4, equal))
    assert verdict.verdict == NOT_REPRODUCED and verdict.note == "adjusted interval above 0.75: BOHB"
    noisy = (0.4, 1.0, 0.6, 0.9, 0.5)
    assert halving_verdict(*times(*[half] * 4, noisy)).verdict == INCONCLUSIVE
    judged = halving_verdict(*times(*[half] * 5)).judged
    assert math.exp(judged[0].mean) == pytest.approx(math.exp(np.mean(np.log(half))))
    assert math.exp(judged[0].adjusted.high) < 0.75
