"""Verify a results folder: its MANIFEST, each run record against its own trials, and its tables and figures
rebuilt from the run records into a temporary folder, file by file (docs/reviewing.md#verify).

The figures are compared byte for byte: with the locked environment they are deterministic (the PDF
carries no creation date), measured across two x86-64 CPUs.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from paperlib.experiment import manifest
from paperlib.experiment.records import RUN, iter_run_dirs, read_json, read_trials
from paperlib.report.build import build_report

REBUILT = ("tables", "figures")
"""The folders the report writes, rebuilt and compared."""


def verify(out: Path) -> tuple[list[str], list[str]]:
    """What was checked and what differs (empty when everything verifies), one line each."""
    out = Path(out)
    checked, found = [], []
    listed = manifest.read(out)[1]
    found += [f"MANIFEST {line}" for line in manifest.differences(out)]
    checked.append(f"MANIFEST: {len(listed)} files by sha256")
    runs = list(iter_run_dirs(out))  # the table rows and the ablations
    for path in runs:
        found += [f"{path.relative_to(out).as_posix()}: {line}" for line in record_problems(path)]
    checked.append(f"run records: {len(runs)} run.json against their trials.jsonl")
    with tempfile.TemporaryDirectory(prefix="paperlib-verify-") as built:
        build_report(out / "runs", Path(built), progress=lambda _: None)
        compared = 0
        for folder in REBUILT:
            names = _files(out / folder) | _files(Path(built) / folder)
            compared += len(names)
            found += [line for name in sorted(names) if (line := _differ(out, Path(built), f"{folder}/{name}"))]
        checked.append(f"tables and figures: {compared} files rebuilt from the run records and compared")
    return checked, found


def record_problems(path: Path) -> list[str]:
    """Where a complete ``run.json`` does not summarise its ``trials.jsonl``: evaluations, incumbent, times."""
    record, trials = read_json(path / RUN), read_trials(path)
    if record.get("status") != "complete":
        return [f"status {record.get('status')!r}, not complete"]
    problems = []
    if record.get("evaluations") != len(trials):
        problems.append(f"evaluations {record.get('evaluations')} but {len(trials)} trials")
    if trials and record["best"]["score"] != max(t["score"] for t in trials):
        problems.append(f"best score {record['best']['score']} is not the trials' best")
    spent = sum(t["objective_seconds"] + t["optimizer_seconds"] for t in trials)
    if not math.isclose(record["search_seconds"], spent, rel_tol=1e-9, abs_tol=1e-6):
        problems.append(f"search_seconds {record['search_seconds']} but the trials sum to {spent}")
    budgets = sum(t["budget"] for t in trials)
    if not math.isclose(record["full_budget_equivalents"], budgets, rel_tol=1e-9):
        problems.append(f"full_budget_equivalents {record['full_budget_equivalents']} but the budgets sum to {budgets}")
    return problems


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else set()


def _differ(out: Path, built: Path, name: str) -> str | None:
    """One line naming how the committed ``name`` differs from the rebuilt one; None when they are equal."""
    committed, rebuilt = out / name, built / name
    if not committed.is_file():
        return f"{name}: rebuilt but not committed"
    if not rebuilt.is_file():
        return f"{name}: committed but not rebuilt from the run records"
    old, new = committed.read_bytes(), rebuilt.read_bytes()
    if old == new:
        return None
    if committed.suffix in (".png", ".pdf"):
        return f"{name}: differs from the rebuilt figure ({len(old)} bytes committed, {len(new)} rebuilt)"
    old_lines, new_lines = old.decode("utf-8").splitlines(), new.decode("utf-8").splitlines()
    for number, (a, b) in enumerate(zip(old_lines, new_lines), 1):
        if a != b:
            return f"{name}: line {number} is {_short(a)!r}, rebuilt {_short(b)!r}"
    return f"{name}: {len(old_lines)} lines committed, {len(new_lines)} rebuilt"


def _short(line: str, width: int = 100) -> str:
    return line if len(line) <= width else line[: width - 3] + "..."
