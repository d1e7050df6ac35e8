"""MAPPO against every other row, paired by seed; the verdict per claim; the compute-fair readings (both
incumbent rules for Hyperband and BOHB, MAPPO's time had repeats reused their score)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from paperlib.experiment.records import atomic_write_text
from paperlib.experiment.repeats import Repeats
from paperlib.report import statistics as st
from paperlib.report.runs import ROWS, Run
from paperlib.report.tables import csv_text, markdown_table
from paperlib.tuners.base import METHODS

BASELINES = tuple(m for m in METHODS if m != "mappo")
"""The paper's five baselines as it ran them (equal evaluations): what the verdicts compare MAPPO with."""


def _by_seed(runs: Sequence[Run], dataset: str, row: str, value: str) -> dict[int, float]:
    return {
        run.key[2]: run.values[value] for run in runs if run.key[:2] == (dataset, row) and run.values[value] is not None
    }


def comparisons(runs: Sequence[Run], dataset: str, rows: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """MAPPO against each other row with runs: test-accuracy difference and wall-time log ratio, paired by seed."""
    found = {run.key[1] for run in runs if run.key[0] == dataset}
    mappo_accuracy = _by_seed(runs, dataset, "mappo", "test_accuracy")
    mappo_time = _by_seed(runs, dataset, "mappo", "search_minutes")
    return [
        {
            "row": row,
            "accuracy": st.paired(mappo_accuracy, _by_seed(runs, dataset, row, "test_accuracy"), ROWS[row]),
            "time": st.paired(mappo_time, _by_seed(runs, dataset, row, "search_minutes"), ROWS[row], log_ratio=True),
        }
        for row in (rows or [r for r in ROWS if r != "mappo"])
        if row in found
    ]


COMPARISON_HEADER = (
    "MAPPO vs",
    "paired seeds",
    "test accuracy: MAPPO - row",
    "Wilcoxon p",
    "wall time: MAPPO / row",
    "Wilcoxon p (time)",
)


def comparison_cells(found: Sequence[dict[str, Any]]) -> list[list[str]]:
    """The paired comparisons as table cells: mean [95% CI]; the time ratio as a geometric mean."""
    return [
        [
            c["accuracy"].baseline,
            str(len(c["accuracy"].seeds)),
            c["accuracy"].difference.format("{:+.4f}"),
            _p(c["accuracy"].wilcoxon_p),
            c["time"].ratio.format("{:.3f}"),
            _p(c["time"].wilcoxon_p),
        ]
        for c in found
    ]


def verdicts(runs: Sequence[Run], dataset: str) -> list[list[str]]:
    """The two claims on ``dataset``: claim, evidence, paired seeds, verdict, and why when inconclusive for want of seeds."""
    found = comparisons(runs, dataset, BASELINES)
    missing = [ROWS[row] for row in METHODS if not _by_seed(runs, dataset, row, "test_accuracy")]
    if missing:
        why = f"no complete run of {', '.join(missing)}"
        return [[dataset, claim, "", "0", st.INCONCLUSIVE, why] for claim in _CLAIMS]
    means = {c["row"]: c["accuracy"].difference for c in found}
    accuracy = {
        row: st.t_interval(list(_by_seed(runs, dataset, row, "test_accuracy").values())).mean for row in METHODS
    }
    seeds = min(len(c["accuracy"].seeds) for c in found)
    why = "" if seeds >= 2 else f"{seeds} paired seed{'s' * (seeds != 1)}: no interval, so no verdict"
    best = max(BASELINES, key=lambda row: accuracy[row] or 0.0)
    slowest = max(found, key=lambda c: c["time"].ratio.mean)
    evidence = [
        f"MAPPO {accuracy['mappo']:.4f}; best baseline {ROWS[best]} {accuracy[best]:.4f} "
        f"(MAPPO - {ROWS[best]}: {means[best].format('{:+.4f}')})",
        f"MAPPO / baseline from {min(c['time'].ratio.mean for c in found):.3f} to {slowest['time'].ratio.mean:.3f} "
        f"({ROWS[slowest['row']]}: {slowest['time'].ratio.format('{:.3f}')})",
    ]
    outcome = [
        st.accuracy_verdict(accuracy, [c["accuracy"] for c in found]),
        st.halving_verdict([c["time"] for c in found]),
    ]
    if seeds < 2:
        outcome = [st.INCONCLUSIVE, st.INCONCLUSIVE]
    reasons = [why or _UNDECIDED[i] if v == st.INCONCLUSIVE else "" for i, v in enumerate(outcome)]
    return [[dataset, c, e, str(seeds), v, r] for c, e, v, r in zip(_CLAIMS, evidence, outcome, reasons)]


_CLAIMS = ("MAPPO reaches the highest accuracy", "MAPPO halves the search time (Figure 2)")
_UNDECIDED = (
    "MAPPO's mean is not the highest, or some interval of the difference contains 0",
    f"some interval of the ratio contains {st.HALVING_RATIO}",
)
VERDICT_HEADER = ("dataset", "claim", "ours", "paired seeds", "verdict", "why inconclusive")


def incumbents(runs: Sequence[Run], dataset: str) -> list[list[str]]:
    """Hyperband and BOHB under both incumbent rules, per seed: ours (best at any budget, the one retrained)
    and hpbandster's (best at the largest budget), their validation scores and whether the configuration differs."""
    body = []
    for run in sorted(runs, key=lambda r: (list(ROWS).index(r.key[1]), r.key[2])):
        if run.key[0] != dataset or run.record["method"] not in ("hyperband", "bohb") or not run.trials:
            continue
        largest = max(t["budget"] for t in run.trials)
        theirs = max((t for t in run.trials if t["budget"] == largest), key=lambda t: t["score"])
        ours = run.record["best"]
        differs = "yes" if theirs["config"] != ours["config"] else "no"
        body.append(
            [
                ROWS[run.key[1]],
                str(run.key[2]),
                f"{ours['score']:.4f}",
                f"{ours['budget']:g}",
                f"{theirs['score']:.4f}",
                f"{largest:g}",
                differs,
            ]
        )
    return body


INCUMBENT_HEADER = (
    "row",
    "seed",
    "ours: best validation (any budget)",
    "at budget",
    "hpbandster's: best validation at the largest budget",
    "largest budget",
    "configuration differs",
)


def reuse_times(runs: Sequence[Run], dataset: str) -> list[list[str]]:
    """MAPPO per seed: measured wall search time, and the time had every repeated (configuration, budget)
    reused the earlier score (the repeats' training seconds dropped), in minutes."""
    body = []
    for run in sorted((r for r in runs if r.key[:2] == (dataset, "mappo")), key=lambda r: r.key[2]):
        seen, repeated = Repeats(), 0.0
        for trial in run.trials:
            repeated += (
                trial["objective_seconds"] if seen.earlier(trial["config"], trial["budget"]) is not None else 0.0
            )
            seen.add(trial["index"], trial["config"], trial["budget"])
        measured = run.record["search_seconds"]
        body.append(
            [
                str(run.key[2]),
                f"{measured / 60:.2f}",
                f"{(measured - repeated) / 60:.2f}",
                f"{1 - repeated / measured:.3f}",
            ]
        )
    return body


REUSE_HEADER = ("seed", "measured wall time (min)", "had repeats reused their score (min)", "fraction kept")


def write_pair(stem: Path, header: Sequence[str], body: Sequence[Sequence[str]], caption: str) -> list[Path]:
    """``stem.csv`` and ``stem.md`` of one table; returns their paths."""
    atomic_write_text(stem.with_suffix(".csv"), csv_text(header, body))
    atomic_write_text(stem.with_suffix(".md"), markdown_table(header, body, caption))
    return [stem.with_suffix(".csv"), stem.with_suffix(".md")]


def _p(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"
