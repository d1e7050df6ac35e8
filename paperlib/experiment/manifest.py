"""``results/<profile>/MANIFEST``: the sha256 of every result file, the commit and the commands that made them.

The file reads as ``sha256sum`` output under ``#`` header lines. It is rewritten only when a result
file changed, so a rerun that changes nothing leaves it (and ``git status``) untouched
(docs/decisions.md#clean-reruns).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from paperlib.errors import RecordError
from paperlib.experiment import provenance
from paperlib.experiment.records import atomic_write_text
from paperlib.paths import ROOT

NAME = "MANIFEST"
SKIPPED_SUFFIXES = (".part.ipynb", ".tmp")
"""In-progress files (a notebook being executed, an atomic write) are never results."""
SKIPPED_NAMES = {NAME}
"""The manifest itself."""


def _is_plan(name: str) -> bool:
    """make's generated plan, ``plan-<profile or slice>.mk`` (not a result, ignored by git)."""
    return name.startswith("plan") and name.endswith(".mk")


def result_files(out: Path) -> list[str]:
    """Every result file under ``out``, as sorted POSIX paths relative to it (hidden files and work files left out)."""
    found = []
    for path in Path(out).rglob("*"):
        relative = path.relative_to(out)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        if relative.name in SKIPPED_NAMES or relative.name.endswith(SKIPPED_SUFFIXES) or _is_plan(relative.name):
            continue
        found.append(relative.as_posix())
    return sorted(found)


def digests(out: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every result file under ``out``."""
    return {name: hashlib.sha256((Path(out) / name).read_bytes()).hexdigest() for name in result_files(out)}


def read(out: Path) -> tuple[list[str], dict[str, str]]:
    """The commands recorded in ``out/MANIFEST`` and its ``{path: sha256}``; empty when there is none."""
    path = Path(out) / NAME
    if not path.exists():
        return [], {}
    commands, recorded = [], {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# command: "):
            commands.append(line.removeprefix("# command: "))
        elif line and not line.startswith("#"):
            digest, name = line.split("  ", 1)
            recorded[name] = digest
    return commands, recorded


def differences(out: Path) -> list[str]:
    """What does not match ``out/MANIFEST``: one ``changed|missing|unlisted: path`` per file; empty when it verifies."""
    if not (Path(out) / NAME).exists():
        return [f"missing: {NAME}"]
    _, recorded = read(out)
    current = digests(out)
    found = [f"changed: {n}" for n in sorted(recorded.keys() & current.keys()) if recorded[n] != current[n]]
    found += [f"missing: {n}" for n in sorted(recorded.keys() - current.keys())]
    found += [f"unlisted: {n}" for n in sorted(current.keys() - recorded.keys())]
    return found


def check(out: Path) -> None:
    """Raise a one-line :class:`RecordError` unless every result file under ``out`` matches its MANIFEST."""
    found = differences(out)
    if found:
        shown = "; ".join(found[:3]) + (f"; and {len(found) - 3} more" if len(found) > 3 else "")
        raise RecordError(f"{Path(out) / NAME} does not verify: {shown}")


def write(out: Path, command: str) -> bool:
    """Record the result files under ``out`` if any changed since the MANIFEST was written; returns whether it wrote."""
    out = Path(out)
    if not out.is_dir():
        raise RecordError(f"{out} is not a results folder")
    commands, recorded = read(out)
    current = digests(out)
    if (out / NAME).exists() and current == recorded:
        return False
    commands = commands + ([command] if command not in commands else [])
    lines = [
        f"# sha256 of every result file in this folder; verify with `python -m paperlib manifest --check --out {_shown(out)}`",
        f"# written at commit: {_commit()}",
        *(f"# command: {c}" for c in commands),
        *(f"{digest}  {name}" for name, digest in current.items()),
    ]
    atomic_write_text(out / NAME, "\n".join(lines) + "\n")
    return True


def _shown(out: Path) -> str:
    """``out`` relative to the repository when it is inside it (no machine paths in committed files)."""
    try:
        return out.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return out.name


def _commit() -> str:
    """HEAD, with ``+dirty`` when files outside ``results/`` have uncommitted changes; ``unknown`` outside git."""
    return provenance.git_commit() or "unknown"
