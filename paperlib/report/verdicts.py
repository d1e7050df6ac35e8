"""The paper's claims judged by the registered rules (docs/decisions.md#registered-verdicts).

MAPPO against the paper's five baselines, paired by seed, Holm's adjustment across the five; for accuracy an
equivalence margin δ (TOST) separates "equal for any practical purpose" from "too noisy to tell". Each
function takes per-seed numbers and returns a :class:`Verdict`, so every branch is tested on constructed data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import DescrStatsW

from paperlib.report.runs import ROWS, Run
from paperlib.report.statistics import ALPHA, DELTA, HALVING_RATIO, INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, Interval
from paperlib.tuners.base import METHODS

BASELINES = tuple(m for m in METHODS if m != "mappo")
"""The paper's five baselines as it ran them (equal evaluations): what the verdicts compare MAPPO with."""

EQUIVALENT, NOT_AVAILABLE = "equivalent", "not available"
"""The fourth verdict, and what stands where an estimand has no records (not a verdict)."""


@dataclass(frozen=True)
class Judged:
    """One baseline under Holm's step-down and the equivalence test."""

    baseline: str
    """The baseline's row name."""
    n: int
    """Paired seeds."""
    mean: float
    """Mean paired difference (for time, mean log ratio)."""
    p: float
    """Two-sided one-sample t test of the differences against the null value."""
    rank: int
    """Rank by ``p`` among the baselines (1 = smallest)."""
    adjusted: Interval
    """The interval at Holm's level for its rank, 1 - α / (m - rank + 1); after Holm stops, at the stopping rank's."""
    level: float
    """The adjusted interval's confidence."""
    adjusted_p: float
    """Holm-adjusted p-value (statsmodels ``multipletests``)."""
    side: int
    """+1 rejected above the null value, -1 below, 0 not rejected."""
    equivalence: Interval
    """90% interval of the difference (TOST at α = 0.05)."""
    tost_p: float | None
    """TOST p-value against (-δ, +δ); None for time."""


@dataclass(frozen=True)
class Verdict:
    """A claim's verdict on one dataset and estimand, why, and the baselines as judged."""

    verdict: str
    note: str
    judged: tuple[Judged, ...] = ()


def _interval(values: np.ndarray, confidence: float) -> Interval:
    mean = float(values.mean())
    if np.ptp(values) == 0:
        return Interval(mean, mean, mean, len(values))
    low, high = stats.ttest_1samp(values, 0.0).confidence_interval(confidence)
    return Interval(mean, float(low), float(high), len(values))


def _p(values: np.ndarray, null: float) -> float:
    if np.ptp(values) == 0:  # no spread: the mean is exactly known
        return 1.0 if values[0] == null else 0.0
    return float(stats.ttest_1samp(values, null).pvalue)


def _tost(values: np.ndarray, delta: float) -> float:
    if np.ptp(values) == 0:
        return 0.0 if abs(values[0]) < delta else 1.0
    return float(DescrStatsW(values).ttost_mean(-delta, delta)[0])


def holm(differences: Mapping[str, Sequence[float]], null: float = 0.0, delta: float | None = DELTA) -> list[Judged]:
    """Each baseline's differences judged: Holm's step-down across them at :data:`ALPHA` against ``null``, and
    (``delta`` given) the TOST equivalence test; in the order given. Every baseline needs two differences."""
    names = list(differences)
    values = {name: np.asarray(differences[name], dtype=float) for name in names}
    p = [_p(values[name], null) for name in names]
    reject, adjusted_p, *_ = multipletests(p, alpha=ALPHA, method="holm")
    ranks = {names[i]: k + 1 for k, i in enumerate(np.argsort(p, kind="stable"))}
    # Holm stops at the first rank not rejected; the ranks after it keep that step's level, so that a baseline's
    # adjusted interval excludes the null value exactly when Holm rejects it.
    stop = min((ranks[n] for i, n in enumerate(names) if not reject[i]), default=len(names))
    judged = []
    for i, name in enumerate(names):
        level = 1 - ALPHA / (len(names) - min(ranks[name], stop) + 1)
        adjusted = _interval(values[name] - null, level)
        adjusted = Interval(adjusted.mean + null, adjusted.low + null, adjusted.high + null, adjusted.n)
        side = int(np.sign(values[name].mean() - null)) if reject[i] else 0
        tost = None if delta is None else _tost(values[name], delta)
        judged.append(
            Judged(
                name,
                len(values[name]),
                float(values[name].mean()),
                p[i],
                ranks[name],
                adjusted,
                level,
                float(adjusted_p[i]),
                side,
                _interval(values[name], 1 - 2 * ALPHA),
                tost,
            )
        )
    return judged


def _paired(mappo: Mapping[int, float], other: Mapping[int, float], log_ratio: bool = False) -> list[float]:
    seeds = sorted(set(mappo) & set(other))
    if log_ratio:
        return [math.log(mappo[s] / other[s]) for s in seeds]
    return [mappo[s] - other[s] for s in seeds]


def _missing(mappo: Mapping[int, float], baselines: Mapping[str, Mapping[int, float]], what: str) -> Verdict | None:
    """Not available when some row has no value of the estimand; inconclusive with fewer than two paired seeds."""
    absent = [name for name, values in {"MAPPO": mappo, **baselines}.items() if not values]
    if absent:
        how = "; `python -m paperlib retrain` adds them" if what == "retrainings" else ""
        return Verdict(NOT_AVAILABLE, f"no {what} of {', '.join(absent)}{how}")
    few = [name for name, values in baselines.items() if len(set(values) & set(mappo)) < 2]
    if few:
        return Verdict(INCONCLUSIVE, f"fewer than two seeds paired with {', '.join(few)}: no interval, so no verdict")
    return None


def accuracy_verdict(
    mappo: Mapping[int, float],
    baselines: Mapping[str, Mapping[int, float]],
    what: str = "complete run",
    delta: float = DELTA,
) -> Verdict:
    """ "MAPPO reaches the highest accuracy" on one estimand: per-seed values of MAPPO and of each baseline."""
    early = _missing(mappo, baselines, what)
    if early is not None:
        return early
    judged = holm({name: _paired(mappo, values) for name, values in baselines.items()}, 0.0, delta)
    means = {name: float(np.mean(list(values.values()))) for name, values in {"mappo": mappo, **baselines}.items()}
    if means["mappo"] >= max(means.values()) and all(j.side > 0 for j in judged):
        return Verdict(REPRODUCED, "", tuple(judged))
    below = [j.baseline for j in judged if j.side < 0]
    if below:
        return Verdict(NOT_REPRODUCED, f"adjusted interval below 0: {', '.join(below)}", tuple(judged))
    if all(j.tost_p < ALPHA for j in judged):
        return Verdict(EQUIVALENT, f"every 90% interval inside ±{delta:g}; MAPPO is not shown better", tuple(judged))
    wide = [j.baseline for j in judged if j.tost_p >= ALPHA]
    note = f"not shown better, and the 90% interval leaves ±{delta:g} for {', '.join(wide)}"
    return Verdict(INCONCLUSIVE, note, tuple(judged))


def halving_verdict(
    mappo: Mapping[int, float], baselines: Mapping[str, Mapping[int, float]], threshold: float = HALVING_RATIO
) -> Verdict:
    """ "MAPPO halves the search time": per-seed search times of MAPPO and of each baseline."""
    early = _missing(mappo, baselines, "complete run")
    if early is not None:
        return early
    ratios = {name: _paired(mappo, values, log_ratio=True) for name, values in baselines.items()}
    judged = holm(ratios, math.log(threshold), None)
    if all(j.side < 0 for j in judged):
        return Verdict(REPRODUCED, "", tuple(judged))
    above = [j.baseline for j in judged if j.side > 0]
    if above:
        return Verdict(NOT_REPRODUCED, f"adjusted interval above {threshold}: {', '.join(above)}", tuple(judged))
    return Verdict(INCONCLUSIVE, f"some adjusted interval of the ratio contains {threshold}", tuple(judged))


RULES = (
    "Rules registered before the ten-seed runs (docs/decisions.md#registered-verdicts). MAPPO against the paper's "
    "five baselines as it ran them (RS, Anneal, TPE, Hyperband, BOHB), paired by seed; per baseline a two-sided "
    f"t test of the paired differences, Holm's adjustment across the five at α = {ALPHA}: the baseline ranked k by "
    "p-value is judged on its interval at confidence 1 - α/(6 - k) (its adjusted interval), in rank order until the "
    "first that contains the null value; the ranks after it keep that step's level, so an adjusted interval excludes "
    "the null value exactly when Holm rejects. "
    f"MAPPO reaches the highest accuracy, per estimand: reproduced when MAPPO's mean is the highest and every "
    f"adjusted interval of (MAPPO - baseline) lies above 0; not reproduced when some lies below 0; equivalent when "
    f"every 90% interval of the difference lies inside ±δ, δ = {DELTA} (TOST, MAPPO matches the baselines but is not "
    f"shown better); otherwise inconclusive. Estimands: the expected test accuracy (the incumbent retrained with "
    f"the same fresh training seeds 1000, 1001, ... for every search, their mean) and the paper's protocol (one "
    f"retraining with the search seed). MAPPO halves the search time: reproduced when every adjusted interval of "
    f"the wall-time ratio MAPPO / baseline (geometric mean over seeds) lies below {HALVING_RATIO}; not reproduced "
    f"when some lies above; otherwise inconclusive; a time is paired only with one measured on the same CPU model. "
    f"Fewer than two paired seeds: inconclusive; an estimand without "
    f"records: not available."
)
"""The rules in a paragraph, printed above the verdict table."""


ESTIMANDS = (
    (
        "MAPPO reaches the highest accuracy",
        "expected test accuracy (mean of the fresh-seed retrainings)",
        "expected_accuracy",
    ),
    (
        "MAPPO reaches the highest accuracy",
        "test accuracy of one retraining with the search seed (the paper's)",
        "test_accuracy",
    ),
    ("MAPPO halves the search time (Figure 2)", "wall search time", "search_minutes"),
)
"""One verdict row per (claim, estimand): claim, estimand, the run value it reads."""
VERDICT_HEADER = ("dataset", "claim", "estimand", "ours", "paired seeds", "verdict", "note")
DETAIL_HEADER = (
    "dataset",
    "estimand",
    "MAPPO vs",
    "paired seeds",
    "mean difference",
    "Holm rank",
    "adjusted interval",
    "Holm p",
    "90% interval",
    "TOST p",
)


def _values(runs: Sequence[Run], dataset: str, row: str, value: str) -> dict[int, float]:
    return {r.key[2]: r.values[value] for r in runs if r.key[:2] == (dataset, row) and r.values[value] is not None}


def cpu_of(run: Run) -> str:
    """The CPU model a run was timed on (``run.json``'s environment; empty where not recorded); a search resumed on
    other CPUs (its ``sessions``) gives them all, joined by `` + ``, which pairs with no run timed on one CPU."""
    models = {run.record.get("environment", {}).get("cpu_model")}
    models |= {session.get("cpu_model") for session in run.record.get("sessions", ())}
    return " + ".join(sorted(str(m) for m in models if m))


def same_machine_times(
    runs: Sequence[Run], dataset: str, mappo: Mapping[int, float], baselines: Mapping[str, Mapping[int, float]]
) -> tuple[dict[str, dict[int, float]], list[str]]:
    """Each baseline's times at the seeds where it ran on MAPPO's CPU model, and the baselines that lost a seed:
    a time ratio across two machines measures the machines (docs/decisions.md#registered-verdicts)."""
    cpu = {r.key[1:]: cpu_of(r) for r in runs if r.key[0] == dataset}
    kept, dropped = {}, []
    for name, values in baselines.items():
        row = next(key for key, shown in ROWS.items() if shown == name)
        kept[name] = {s: v for s, v in values.items() if s not in mappo or cpu.get((row, s)) == cpu.get(("mappo", s))}
        if set(values) & set(mappo) - set(kept[name]):
            dropped.append(name)
    return kept, dropped


def judge(
    runs: Sequence[Run], dataset: str, baselines: Sequence[str] = BASELINES
) -> list[tuple[str, str, str, Verdict]]:
    """(claim, estimand, value, verdict) for each row of :data:`ESTIMANDS` on ``dataset``, MAPPO against
    ``baselines`` (row names; a registered slice judges the ones it runs)."""
    found = []
    for claim, estimand, value in ESTIMANDS:
        mappo = _values(runs, dataset, "mappo", value)
        theirs = {ROWS[row]: _values(runs, dataset, row, value) for row in baselines}
        if value == "search_minutes":
            recorded = bool(mappo) and all(theirs.values())
            theirs, dropped = same_machine_times(runs, dataset, mappo, theirs)
            verdict = halving_verdict(mappo, theirs)
            if recorded and verdict.verdict == NOT_AVAILABLE:  # every time is there, none on MAPPO's CPU
                few = [name for name, values in theirs.items() if len(set(values) & set(mappo)) < 2]
                verdict = Verdict(INCONCLUSIVE, f"fewer than two seeds paired with {', '.join(few)}: no interval")
            if dropped:
                note = f"seeds timed on another CPU than MAPPO's left out for {', '.join(dropped)}"
                verdict = replace(verdict, note=f"{verdict.note}; {note}" if verdict.note else note)
        else:
            verdict = accuracy_verdict(mappo, theirs, "retrainings" if value == "expected_accuracy" else "complete run")
        found.append((claim, estimand, value, verdict))
    return found


def verdict_rows(runs: Sequence[Run], dataset: str, baselines: Sequence[str] = BASELINES) -> list[list[str]]:
    """The rows of ``tables/verdicts``: one per (claim, estimand) on ``dataset``."""
    rows = []
    for claim, estimand, value, verdict in judge(runs, dataset, baselines):
        seeds = min((j.n for j in verdict.judged), default=0)
        ours = _ours(runs, dataset, value, verdict, baselines)
        rows.append([dataset, claim, estimand, ours, str(seeds), verdict.verdict, verdict.note])
    return rows


def detail_rows(runs: Sequence[Run], dataset: str, baselines: Sequence[str] = BASELINES) -> list[list[str]]:
    """The rows of ``tables/verdict_details``: every baseline as judged, per estimand."""
    rows = []
    for _, estimand, value, verdict in judge(runs, dataset, baselines):
        time = value == "search_minutes"
        number = "{:.3f}" if time else "{:+.4f}"
        for j in verdict.judged:
            shown = _ratio if time else (lambda x: x)
            interval = Interval(shown(j.adjusted.mean), shown(j.adjusted.low), shown(j.adjusted.high), j.n)
            equivalence = Interval(shown(j.equivalence.mean), shown(j.equivalence.low), shown(j.equivalence.high), j.n)
            rows.append(
                [
                    dataset,
                    estimand,
                    j.baseline,
                    str(j.n),
                    number.format(shown(j.mean)),
                    str(j.rank),
                    f"{interval.format(number)} at {j.level:.2%}",
                    f"{j.adjusted_p:.3g}",
                    "" if time else equivalence.format(number),
                    "" if j.tost_p is None else f"{j.tost_p:.3g}",
                ]
            )
    return rows


def _ratio(value: float | None) -> float | None:
    return None if value is None else math.exp(value)


def _ours(runs: Sequence[Run], dataset: str, value: str, verdict: Verdict, baselines: Sequence[str]) -> str:
    """The numbers behind a verdict in a few words."""
    if not verdict.judged:
        return ""
    if value == "search_minutes":
        low = min(verdict.judged, key=lambda j: j.mean)
        high = max(verdict.judged, key=lambda j: j.mean)
        interval = Interval(*(_ratio(x) for x in (high.adjusted.mean, high.adjusted.low, high.adjusted.high)), high.n)
        return (
            f"MAPPO / baseline from {_ratio(low.mean):.3f} to {_ratio(high.mean):.3f} "
            f"({high.baseline}: {interval.format('{:.3f}')} adjusted)"
        )
    mappo = float(np.mean(list(_values(runs, dataset, "mappo", value).values())))
    best = max(baselines, key=lambda row: np.mean(list(_values(runs, dataset, row, value).values())))
    j = next(j for j in verdict.judged if j.baseline == ROWS[best])
    lows, highs = [x.equivalence.low for x in verdict.judged], [x.equivalence.high for x in verdict.judged]
    return (
        f"MAPPO {mappo:.4f}; best baseline {ROWS[best]} "
        f"{np.mean(list(_values(runs, dataset, best, value).values())):.4f} (MAPPO - {ROWS[best]}: "
        f"{j.adjusted.format('{:+.4f}')} adjusted); 90% intervals within [{min(lows):+.4f}, {max(highs):+.4f}]"
    )
