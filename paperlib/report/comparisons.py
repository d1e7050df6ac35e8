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
from paperlib.report.verdicts import cpu_of


def by_seed(runs: Sequence[Run], dataset: str, row: str, value: str) -> dict[int, float]:
    """``dataset``'s ``row``: each seed's ``value`` (a key of ``Run.values``), where recorded."""
    return {
        run.key[2]: run.values[value] for run in runs if run.key[:2] == (dataset, row) and run.values[value] is not None
    }


def comparisons(runs: Sequence[Run], dataset: str, rows: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """MAPPO against each other row with runs, paired by seed: the expected test accuracy's difference (empty
    for runs without retrainings), the single retraining's, and the wall-time log ratio (only at seeds both
    timed on the same CPU model: a ratio across two machines measures the machines)."""
    found = {run.key[1] for run in runs if run.key[0] == dataset}
    mine = {name: by_seed(runs, dataset, "mappo", value) for name, value in _VALUES.items()}
    cpu = {run.key[1:]: cpu_of(run) for run in runs if run.key[0] == dataset}

    def theirs(row: str, name: str, value: str) -> dict[int, float]:
        """The row's values by seed; a time only where it was measured on MAPPO's CPU model (as the verdict)."""
        values = by_seed(runs, dataset, row, value)
        if name != "time":
            return values
        return {s: v for s, v in values.items() if cpu.get((row, s)) == cpu.get(("mappo", s))}

    return [
        {
            name: st.paired(mine[name], theirs(row, name, value), ROWS[row], log_ratio=name == "time")
            for name, value in _VALUES.items()
        }
        | {"row": row}
        for row in (rows or [r for r in ROWS if r != "mappo"])
        if row in found
    ]


_VALUES = {"expected": "expected_accuracy", "accuracy": "test_accuracy", "time": "search_minutes"}
"""What a comparison pairs: its name -> the run value (paperlib.report.runs.Run.values)."""

COMPARISON_HEADER = (
    "MAPPO vs",
    "paired seeds",
    "expected test accuracy: MAPPO - row",
    "Wilcoxon p",
    "detectable (80% power)",
    f"seeds to detect {st.DELTA}",
    "test accuracy, one retraining (paper): MAPPO - row",
    "Wilcoxon p (one retraining)",
    "detectable (one retraining)",
    f"seeds to detect {st.DELTA} (one retraining)",
    "wall time: MAPPO / row",
    "Wilcoxon p (time)",
)


def accuracy_cells(comparison: st.Comparison) -> list[str]:
    """An accuracy comparison's cells: difference [95% CI], Wilcoxon p, detectable difference, seeds to detect δ."""
    detectable, seeds = comparison.power
    return [
        comparison.difference.format("{:+.4f}"),
        _p(comparison.wilcoxon_p),
        "" if detectable is None else f"{detectable:.4f}",
        "" if seeds is None else str(seeds),
    ]


def comparison_cells(found: Sequence[dict[str, Any]]) -> list[list[str]]:
    """The paired comparisons as table cells: mean [95% CI] and power per accuracy estimand; the time ratio as a
    geometric mean. Paired seeds are those of the single retraining (every complete run has it)."""
    return [
        [
            c["accuracy"].baseline,
            str(len(c["accuracy"].seeds)),
            *accuracy_cells(c["expected"]),
            *accuracy_cells(c["accuracy"]),
            c["time"].ratio.format("{:.3f}"),
            _p(c["time"].wilcoxon_p),
        ]
        for c in found
    ]


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
