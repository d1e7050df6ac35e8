"""``python -m paperlib readme``: the README's verdict table, written from the committed ``tables/verdicts.md``.

README.md holds the verdict table between two marker comments and types none of its numbers: ``--write``
replaces what lies between the markers with the table of ``results/quick/tables/verdicts.md`` (its lines that
start with ``|``, as results/REPORT.md quotes it), ``--check`` exits 1 when the README holds another table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from paperlib import paths
from paperlib.errors import RecordError

BEGIN = "<!-- verdicts:begin: written by `python -m paperlib readme --write` from results/quick/tables/verdicts.md -->"
END = "<!-- verdicts:end -->"


def verdict_table(out: Path) -> str:
    """The Markdown table of ``out/tables/verdicts.md``: its lines that start with ``|``, in order."""
    source = Path(out) / "tables" / "verdicts.md"
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise RecordError(f"cannot read {source}: {error.strerror}") from None
    table = [line for line in text.splitlines() if line.startswith("|")]
    if not table:
        raise RecordError(f"{source} holds no table")
    return "\n".join(table)


def _markers(text: str, where: str) -> tuple[int, int]:
    """Where the block's text starts and ends in ``text``: after the begin marker's line, before the end marker."""
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        raise RecordError(f"{where} must hold the lines {BEGIN!r} and {END!r} once each")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    if end < start:
        raise RecordError(f"{where}: the verdicts' end marker comes before their begin marker")
    return start, end


def readme_block(text: str, where: str = "README.md") -> str:
    """The text the README holds between its verdict markers, stripped."""
    start, end = _markers(text, where)
    return text[start:end].strip()


def with_verdicts(text: str, table: str, where: str = "README.md") -> str:
    """``text`` with the block between its markers replaced by ``table``, one blank line either side."""
    start, end = _markers(text, where)
    return f"{text[:start]}\n\n{table}\n\n{text[end:]}"


def add_readme_parser(commands: argparse._SubParsersAction) -> None:
    readme = commands.add_parser(
        "readme", help="check (or --write) the README's verdict table against a results folder's tables/verdicts.md"
    )
    readme.add_argument("--out", default="results/quick", help="the results folder (default: results/quick)")
    readme.add_argument("--readme", default=None, help="the file holding the markers (default: README.md)")
    readme.add_argument("--write", action="store_true", help="write the table into the README instead of checking")


def run_readme_command(args: argparse.Namespace) -> int:
    readme = Path(args.readme) if args.readme else paths.ROOT / "README.md"
    out = Path(args.out) if Path(args.out).is_absolute() else paths.ROOT / args.out
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError as error:
        raise RecordError(f"cannot read {readme}: {error.strerror}") from None
    table = verdict_table(out)
    if readme_block(text, str(readme)) == table:
        print(f"{readme.name}: its verdict table is that of {args.out}/tables/verdicts.md")
        return 0
    if args.write:
        readme.write_text(with_verdicts(text, table, str(readme)), encoding="utf-8")
        print(f"{readme.name}: verdict table written from {args.out}/tables/verdicts.md")
        return 0
    print(
        f"{readme.name}: its verdict table differs from {args.out}/tables/verdicts.md (python -m paperlib readme --write)"
    )
    return 1
