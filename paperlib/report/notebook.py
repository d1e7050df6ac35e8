"""What the notebooks display as Markdown: Table 2 with MAPPO's grids, a tuner's settings, what a profile's
numbers can say (docs/paper.md). The claims' verdicts are a table of the report (``tables/verdicts.md``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paperlib.space import SearchSpace

PROFILE_NOTES = {
    "smoke": "The `smoke` profile (13 episodes on 1,000 training images) only shows that the pipeline works: "
    "its accuracies and times say nothing about the methods.",
    "quick": "The `quick` profile trains every trial for one epoch on 6,000 images, five seeds per row, on "
    "whatever machine ran it: the absolute accuracies and times are not the paper's and are not meant to be. What "
    "can be compared is the ranking of the methods and the ratios of their times, read with their intervals over "
    "seeds: a difference inside the intervals could be reordered by other seeds.",
    "paper": "The `paper` profile is the paper's setting as we read it (55,000 training images, 10 epochs, "
    "three seeds): accuracies are comparable with the paper's; times still depend on the hardware.",
}
"""What the numbers of each named profile can and cannot say."""


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


def profile_note(profile: str) -> str:
    """What the numbers of ``profile`` can say (a profile file gets a generic caution)."""
    return PROFILE_NOTES.get(profile, f"Profile `{profile}` is not one of the project's: compare with care.")
