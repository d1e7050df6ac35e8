"""What the notebooks display as Markdown: Table 2 with MAPPO's grids, a tuner's settings, what a profile's
numbers can say (docs/paper.md), from the run record where there is one; and an executed notebook's links
rebased to resolve from where it lies. The claims' verdicts are a table of the report (``tables/verdicts.md``)."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from paperlib.space import SearchSpace

JUDGEMENTS = {
    "smoke": "Its numbers only show that the pipeline works: they say nothing about the methods.",
    "quick": "The absolute accuracies and times are not the paper's and are not meant to be; what can be compared is "
    "the ranking of the methods and the ratios of their times, read with their intervals over seeds.",
    "paper": "Its accuracies are comparable with the paper's; its times still depend on the hardware.",
}
"""What the numbers of each named profile can and cannot say, whatever its seeds."""


def _cell(value: Any) -> str:
    """A table cell: floats to 4 significant digits, lists item by item."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def _markdown(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows])


def space_table(space: SearchSpace) -> str:
    """Table 2 as Markdown: each hyperparameter's type, range and scale, and the values MAPPO's agents choose from."""
    rows = []
    for hp in space:
        grid = hp.grid()
        values = ", ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in grid)
        scale = "log" if hp.log else "linear"
        rows.append((f"`{hp.name}`", hp.kind, f"{hp.low:g} – {hp.high:g}", scale, f"{len(grid)}: {values}"))
    return _markdown(("hyperparameter", "type", "range", "scale", "MAPPO's grid (count: values)"), rows)


def tuner_table(tuner: Mapping[str, Any]) -> str:
    """A tuner's settings from ``run.json`` as Markdown: MAPPO's agents, then every setting on its own row."""
    rows = [
        (f"agent `{agent}`", ", ".join(f"`{n}`" for n in names)) for agent, names in tuner.get("groups", {}).items()
    ]
    for key, value in tuner.items():
        if key == "groups":
            continue
        if isinstance(value, Mapping):
            rows += [(f"{key}: {k}", v) for k, v in value.items()]
        else:
            rows.append((key, value))
    return _markdown(("setting", "value"), rows)


def profile_note(source: str | Mapping[str, Any]) -> str:
    """What the numbers can say: for a run record (``run.json``), from the profile it recorded and its seed; for a
    profile name, from today's profile (a profile file gets a generic caution)."""
    if isinstance(source, Mapping):
        name, settings = source["profile"], source.get("profile_settings", {})
        scope = f"This search (seed {source['seed']}) ran with the `{name}` profile as its `run.json` records it"
        tail = "One search cannot rank the methods: the comparison over seeds, with intervals and verdicts, is "
        tail += "`04_tables_and_figures.ipynb`."
    else:
        from paperlib.experiment.profiles import PROFILES

        if source not in PROFILES:
            return f"Profile `{source}` is not one of the project's: compare with care."
        name, settings = source, PROFILES[source].to_dict()
        scope, tail = f"The `{name}` profile", "The tables' `seeds` column says how many seeds each row has."
    images = settings.get("train_size")
    scale = (
        f"{scope}: every full-budget trial trains {settings.get('epochs', 1):g} epoch(s) on "
        f"{'all 55,000' if images is None else f'{images:,}'} training images, {settings.get('episodes')} episodes "
        "per search."
    )
    judgement = JUDGEMENTS.get(name, f"Profile `{name}` is not one of the project's: compare with care.")
    return " ".join((scale, judgement, tail))


LINK = re.compile(r"(\]\()([^)\s]+)(\))")
"""A Markdown link's target."""


def shown(path: Path) -> Any:
    """What notebook 04 displays for one file the report writes: the Markdown table or the figure, or, where the
    plan has no such file (a slice without Fashion-MNIST, or without ablations), a line saying so."""
    from IPython.display import Image, Markdown

    if not path.is_file():
        return Markdown(f"*Not part of this plan: `{path.name}` is written only for the datasets and rows it runs.*")
    return Image(filename=str(path)) if path.suffix == ".png" else Markdown(filename=str(path))


def rebase_links(text: str, source: Path, target: Path) -> str:
    """Relative link targets of Markdown ``text`` written for a file in folder ``source``, rewritten to resolve
    from folder ``target`` (an executed notebook lies elsewhere than its source); URLs and anchors are kept."""

    def rebased(match: re.Match[str]) -> str:
        link = match.group(2)
        if link.startswith(("#", "/")) or "://" in link or link.startswith("mailto:"):
            return match.group(0)
        path, hashmark, fragment = link.partition("#")
        moved = os.path.relpath((Path(source) / path).resolve(), Path(target).resolve())
        return f"{match.group(1)}{Path(moved).as_posix()}{hashmark}{fragment}{match.group(3)}"

    return LINK.sub(rebased, text)


def relinked(notebook: str, target: Path) -> str | None:
    """An executed notebook (its JSON text), its Markdown cells' relative links written for ``notebooks/`` (or for
    the folder its metadata names, once rebased) rebased to resolve from folder ``target``; None when they already do."""
    import nbformat

    from paperlib import paths

    parsed = nbformat.reads(notebook, as_version=4)
    where = Path(os.path.relpath(Path(target).resolve(), paths.ROOT)).as_posix()
    written_for = parsed.metadata.get("paperlib", {}).get("links_from")
    if written_for == where:
        return None
    source = paths.NOTEBOOKS if written_for is None else paths.ROOT / written_for
    for cell in parsed.cells:
        if cell.cell_type == "markdown":
            cell.source = rebase_links(cell.source, source, Path(target))
    parsed.metadata["paperlib"] = {"links_from": where}
    return nbformat.writes(parsed) + "\n"


NOTE_CALLS = {"Markdown(profile_note(run))": "run", "Markdown(profile_note(profile))": "profile"}
"""The cells that display :func:`profile_note`, by their code, and the variable each passes it."""


def refreshed_note(notebook: str, folder: Path) -> str | None:
    """An executed notebook (its JSON text) whose profile-note cell shows what today's :func:`profile_note` says for
    the same argument: the run record ``folder/run.json`` for ``run``, the executed ``profile`` parameter for
    ``profile``. Every other byte as it was; None when the note is current or the notebook has no note cell."""
    import json

    import nbformat

    parsed = nbformat.reads(notebook, as_version=4)
    cells = [c for c in parsed.cells if c.cell_type == "code" and c.source.split("#")[0].strip() in NOTE_CALLS]
    if not cells:
        return None
    (cell,) = cells
    if NOTE_CALLS[cell.source.split("#")[0].strip()] == "run":
        argument = json.loads((Path(folder) / "run.json").read_text(encoding="utf-8"))
    else:
        argument = parsed.metadata["papermill"]["parameters"]["profile"]
    results = [o for o in cell.outputs if o.output_type == "execute_result" and "text/markdown" in o.data]
    if len(results) != 1 or results[0].data["text/markdown"] == profile_note(argument):
        return None
    results[0].data["text/markdown"] = profile_note(argument)
    return nbformat.writes(parsed) + ("\n" if notebook.endswith("\n") else "")


def add_refresh_notes_parser(commands: Any) -> None:
    """``python -m paperlib refresh-notes NOTEBOOK...``: executed notebooks' profile notes rewritten by today's code."""
    refresh = commands.add_parser(
        "refresh-notes",
        help="rewrite the profile note an executed notebook displays as today's code writes it (nothing else)",
    )
    refresh.add_argument("notebooks", nargs="+", help="executed notebooks (.ipynb), each rewritten in place")


def run_refresh_notes_command(args: argparse.Namespace) -> int:
    from paperlib.errors import RecordError
    from paperlib.experiment.records import atomic_write_text

    refreshed = 0
    for path in map(Path, args.notebooks):
        try:
            text = refreshed_note(_read_notebook(path), path.parent)
        except (ValueError, KeyError, AttributeError, OSError) as error:  # not a notebook, no run.json, no parameter
            raise RecordError(
                f"{path}: its profile note cannot be refreshed ({type(error).__name__}: {error})"
            ) from None
        if text is not None:
            atomic_write_text(path, text)
            refreshed += 1
    print(f"{refreshed} of {len(args.notebooks)} notebook(s) given a current profile note; the others were current")
    return 0


def _read_notebook(path: Path) -> str:
    from paperlib.errors import RecordError

    if path.suffix != ".ipynb" or not path.is_file():
        raise RecordError(f"{path} is not a notebook file (.ipynb)")
    return path.read_text(encoding="utf-8")


def add_relink_parser(commands: Any) -> None:
    """``python -m paperlib relink NOTEBOOK``: an executed notebook's links rebased where it lies (the Makefile)."""
    relink = commands.add_parser(
        "relink",
        help="rebase the relative links of an executed notebook (written for notebooks/) to resolve where it lies",
    )
    relink.add_argument("notebook", help="the executed notebook (.ipynb), rewritten in place")


def run_relink_command(args: argparse.Namespace) -> int:
    from paperlib.errors import RecordError
    from paperlib.experiment.records import atomic_write_text

    path = Path(args.notebook)
    if path.suffix != ".ipynb" or not path.is_file():
        raise RecordError(f"{path} is not a notebook file (.ipynb)")
    try:
        text = relinked(path.read_text(encoding="utf-8"), path.parent)
    except (ValueError, KeyError, AttributeError) as error:  # nbformat: not JSON, not a notebook
        raise RecordError(f"{path} is not a readable notebook ({type(error).__name__})") from None
    if text is not None:
        atomic_write_text(path, text)
    print(f"{path}: links {'rebased' if text is not None else 'already rebased'}")
    return 0


def add_notebook_parsers(commands: Any) -> None:
    """The executed notebooks' commands, ``relink`` and ``refresh-notes``."""
    add_relink_parser(commands)
    add_refresh_notes_parser(commands)


NOTEBOOK_COMMANDS = {"relink": run_relink_command, "refresh-notes": run_refresh_notes_command}
"""Each command of :func:`add_notebook_parsers` and the function that runs it."""
