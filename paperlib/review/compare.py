"""A rerun, full or partial, against reference results, at the level that reproduces across machines.

Per dataset and row: whether the rerun's mean over seeds lies in the reference's 95% interval and whether
the two intervals overlap (test accuracy, kappa, best validation accuracy); per claim: whether the verdict
is the same; per search both hold: the share of episodes with the same configuration, budget and score.
The reference's tables are read as committed; the rerun's are rebuilt from its run records
(docs/reviewing.md#compare). Disagreement: a verdict that differs, or test-accuracy intervals that do
not overlap.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paperlib.errors import RecordError
from paperlib.report.build import build_report
from paperlib.report.runs import ROWS, Run, load_runs
from paperlib.report.tables import TABLES

METRICS = ("test_accuracy", "kappa", "best_validation")
"""Table columns (mean, low, high) compared; times are left out: they depend on the machine and the day."""
DECIDING = "test_accuracy"
"""The metric whose intervals must overlap (the paper's and the verdicts')."""
KEY_COLUMNS = ("dataset", "claim", "estimand", "protocol", "baseline")
"""Columns of ``verdicts.md`` that name a verdict's row, where present; every column named ``*verdict*`` is compared."""


@dataclass(frozen=True)
class RowCheck:
    """One metric of one (dataset, row): the reference's interval and the rerun's."""

    dataset: str
    row: str
    metric: str
    seeds: tuple[int, int]
    """Seeds in the reference and in the rerun."""
    reference: tuple[float | None, float | None, float | None]
    """Mean, low, high (low and high None with one seed)."""
    rerun: tuple[float | None, float | None, float | None]

    @property
    def inside(self) -> bool | None:
        """The rerun's mean in the reference's interval (None: the reference has no interval)."""
        _, low, high = self.reference
        return None if low is None or self.rerun[0] is None else low <= self.rerun[0] <= high

    @property
    def overlap(self) -> bool | None:
        """The two intervals overlap; a rerun of one seed counts as the point of its value."""
        _, low, high = self.reference
        mean, rerun_low, rerun_high = self.rerun
        if low is None or mean is None:
            return None
        rerun_low, rerun_high = (mean, mean) if rerun_low is None else (rerun_low, rerun_high)
        return max(low, rerun_low) <= min(high, rerun_high)


@dataclass(frozen=True)
class Comparison:
    """Everything ``compare`` found."""

    rows: list[RowCheck]
    verdicts: list[tuple[str, str, str, str | None]]
    """(claim key, verdict column, reference's verdict, rerun's verdict or None where not compared)."""
    not_compared: list[str]
    """Datasets whose verdicts a partial rerun cannot decide, with the reason."""
    identical: list[tuple[tuple[str, str, int], int, int]]
    """(dataset, row, seed), identical episodes, episodes compared: every search both folders hold."""

    @property
    def disagreements(self) -> list[str]:
        """What disagrees: verdicts that differ, test-accuracy intervals that do not overlap."""
        found = [
            f"verdict {key} ({column}): {ref} -> {new}"
            for key, column, ref, new in self.verdicts
            if new is not None and new != ref
        ]
        found += [
            f"{r.dataset} {r.row}: test accuracy {_interval(r.rerun)} does not overlap {_interval(r.reference)}"
            for r in self.rows
            if r.metric == DECIDING and r.overlap is False
        ]
        return found


def runs_folder(results: Path) -> Path:
    """Where a results folder keeps its run directories: ``runs/`` when it has one, else the folder itself."""
    return results / "runs" if (results / "runs").is_dir() else results


def compare(reference: Path, rerun: Path) -> Comparison:
    """Compare ``rerun`` (its records) with ``reference`` (its committed tables and records)."""
    reference, rerun = Path(reference), Path(rerun)
    for folder in (reference, rerun):
        if not folder.is_dir():
            raise RecordError(f"{folder} is not a results folder")
    if not (reference / "tables" / "verdicts.md").is_file():
        raise RecordError(f"{reference}/tables/verdicts.md not found: the reference needs its tables (make reproduce)")
    reference_runs = load_runs(runs_folder(reference), lambda _: None)
    rerun_runs = load_runs(runs_folder(rerun), lambda _: None)
    shared = {run.key for run in reference_runs} & {run.key for run in rerun_runs}
    if not shared:
        raise RecordError(f"{rerun} holds no search of {reference} (same dataset, row and seed): nothing to compare")
    with tempfile.TemporaryDirectory(prefix="paperlib-compare-") as built:
        build_report(runs_folder(rerun), Path(built), progress=lambda _: None)
        rows = _rows(reference / "tables", Path(built) / "tables")
        rerun_verdicts = read_markdown_table(Path(built) / "tables" / "verdicts.md")
    undecided = _partial(reference_runs, rerun_runs)
    verdicts = _verdicts(read_markdown_table(reference / "tables" / "verdicts.md"), rerun_verdicts, undecided)
    return Comparison(
        rows, verdicts, [f"{d}: {why}" for d, why in undecided.items()], _identical(reference_runs, rerun_runs)
    )


def read_markdown_table(path: Path) -> list[dict[str, str]]:
    """The first Markdown table of a file, one dict per row keyed by the header's cells."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    table = [line for line in lines if line.startswith("|")]
    if len(table) < 2:
        raise RecordError(f"{path} holds no Markdown table")
    header = _cells(table[0])
    return [dict(zip(header, _cells(line))) for line in table[2:]]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _rows(reference: Path, rerun: Path) -> list[RowCheck]:
    found = []
    for dataset, (stem, _) in TABLES.items():
        ours, theirs = _table(reference / f"{stem}.csv"), _table(rerun / f"{stem}.csv")
        for label, row in ours.items():
            other = theirs.get(label)
            if other is None or not int(other["seeds"]) or not int(row["seeds"]):
                continue
            for metric in METRICS:
                if f"{metric}_mean" in row and f"{metric}_mean" in other:
                    found.append(
                        RowCheck(
                            dataset, label, metric, (int(row["seeds"]), int(other["seeds"])),
                            _triple(row, metric), _triple(other, metric),
                        )
                    )  # fmt: skip
    return found


def _table(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        raise RecordError(f"{path} not found")
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["method"]: row for row in csv.DictReader(handle)}


def _triple(row: dict[str, str], metric: str) -> tuple[float | None, float | None, float | None]:
    return tuple(
        float(row[f"{metric}_{part}"]) if row.get(f"{metric}_{part}") else None for part in ("mean", "low", "high")
    )


def _partial(reference: Sequence[Run], rerun: Sequence[Run]) -> dict[str, str]:
    """Datasets whose verdicts the rerun cannot decide: a row of the reference it lacks, or fewer than two seeds."""
    undecided = {}
    for dataset in TABLES:
        wanted = sorted({run.key[1] for run in reference if run.key[0] == dataset})
        seeds = {row: sum(run.key[:2] == (dataset, row) for run in rerun) for row in wanted}
        short = [f"{ROWS.get(row, row)} ({n} seeds)" for row, n in seeds.items() if n < 2]
        if wanted and short:
            undecided[dataset] = "the rerun has fewer than two seeds of " + ", ".join(short)
    return undecided


def _verdicts(
    reference: list[dict[str, str]], rerun: list[dict[str, str]], undecided: dict[str, str]
) -> list[tuple[str, str, str, str | None]]:
    if not reference:
        return []
    keys = [column for column in KEY_COLUMNS if column in reference[0]]
    columns = [column for column in reference[0] if "verdict" in column.lower()]
    if not keys or not columns:
        raise RecordError(f"verdicts.md has no {' or '.join(KEY_COLUMNS)} column, or no verdict column")
    theirs = {tuple(row.get(k) for k in keys): row for row in rerun}
    found = []
    for row in reference:
        key = tuple(row[k] for k in keys)
        other = None if row.get("dataset") in undecided else theirs.get(key)
        for column in columns:
            found.append((" / ".join(key), column, row[column], None if other is None else other.get(column)))
    return found


def _identical(reference: Sequence[Run], rerun: Sequence[Run]) -> list[tuple[tuple[str, str, int], int, int]]:
    theirs = {run.key: run.trials for run in rerun}
    found = []
    for run in sorted(reference, key=lambda r: r.key):
        if run.key in theirs:
            pairs = list(zip(run.trials, theirs[run.key]))
            same = sum(_episode(a) == _episode(b) for a, b in pairs)
            found.append((run.key, same, max(len(run.trials), len(theirs[run.key]))))
    return found


def _episode(trial: dict[str, Any]) -> tuple[Any, ...]:
    return trial["config"], trial["budget"], trial["score"]


def _interval(values: tuple[float | None, float | None, float | None]) -> str:
    mean, low, high = values
    if mean is None:
        return "none"
    return f"{mean:.4f}" if low is None else f"{mean:.4f} [{low:.4f}, {high:.4f}]"


def markdown(comparison: Comparison, reference: Path, rerun: Path) -> str:
    """The comparison as a Markdown report."""
    disagreements = comparison.disagreements
    same = sum(s for _, s, _ in comparison.identical)
    total = sum(n for _, _, n in comparison.identical)
    lines = [
        f"# {rerun} against {reference}",
        "",
        f"- Result: **{'DISAGREE' if disagreements else 'AGREE'}** ({len(disagreements)} disagreements; a verdict "
        "that differs, or test-accuracy intervals that do not overlap).",
        f"- Identical episodes (same configuration, budget and score): {same} of {total} ({same / max(total, 1):.0%}) "
        f"over {len(comparison.identical)} searches both hold; all on the same CPU and build, about two thirds "
        "on another x86-64 CPU (docs/decisions.md#cross-machine).",
        *(f"- Verdicts not compared for {line}." for line in comparison.not_compared),
        *(f"- Disagrees: {line}." for line in disagreements),
        "",
        "## Verdicts",
        "",
        "| claim | column | reference | rerun | same |",
        "|---|---|---|---|---|",
    ]
    for key, column, ref, new in comparison.verdicts:
        lines.append(
            f"| {key} | {column} | {ref} | {new or 'not compared'} | {_yes(None if new is None else new == ref)} |"
        )
    lines += [
        "",
        "## Rows: mean [95% interval] over seeds",
        "",
        "| dataset | row | metric | seeds (reference, rerun) | reference | rerun | rerun's mean inside | intervals overlap |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in comparison.rows:
        cells = [r.dataset, r.row, r.metric, f"{r.seeds[0]}, {r.seeds[1]}", _interval(r.reference), _interval(r.rerun)]
        lines.append("| " + " | ".join(cells + [_yes(r.inside), _yes(r.overlap)]) + " |")
    lines += ["", "## Identical episodes per search", "", "| search | identical | episodes |", "|---|---|---|"]
    lines += [f"| {'/'.join(map(str, key))} | {same} | {n} |" for key, same, n in comparison.identical]
    return "\n".join(lines) + "\n"


def _yes(value: bool | None) -> str:
    return "n/a" if value is None else "yes" if value else "**no**"
