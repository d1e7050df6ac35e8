"""The agent ablation, tabled from the run records (docs/decisions.md#ablation-table).

MAPPO with one agent per LeNet layer (the reproduction's MAPPO rows, the reference), one agent per
hyperparameter, and a single agent (plain PPO): the same estimands as Tables 3-4, and each grouping
against layers paired by seed, as the main comparison pairs MAPPO with a baseline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from paperlib.experiment.records import RUN, iter_run_dirs, read_json, read_retrained, read_trials
from paperlib.lenet.data import DATASETS
from paperlib.report import statistics as st
from paperlib.report.comparisons import accuracy_cells
from paperlib.report.runs import Run

GROUPINGS = {
    "layers": "one per layer (reference)",
    "per_hyperparameter": "one per hyperparameter",
    "single": "a single agent (PPO)",
}
"""MAPPO's agent groupings (``--agents``) -> the table's label."""

HEADER = (
    "dataset",
    "agents",
    "seeds",
    "expected test accuracy",
    "test accuracy, one retraining",
    "best validation accuracy",
    "search time, wall (min)",
    "expected: grouping - layers",
    "Wilcoxon p",
    "detectable (80% power)",
    f"seeds to detect {st.DELTA}",
    "one retraining: grouping - layers",
    "Wilcoxon p (one retraining)",
    "detectable (one retraining)",
    f"seeds to detect {st.DELTA} (one retraining)",
)


def load_ablations(folder: Path, progress: Callable[[str], None] = print) -> list[Run]:
    """The complete agent-grouping runs of MAPPO under ``folder`` (none when it is absent); others are named."""
    found = []
    for path in iter_run_dirs(folder) if Path(folder).is_dir() else ():
        record = read_json(path / RUN)
        grouping = (record.get("tuner_options") or {}).get("groups")
        if record.get("status") != "complete" or record.get("tuner_options") != {"groups": grouping}:
            progress(f"skipping {path}: not a complete agent-grouping run of MAPPO")
            continue
        if grouping in GROUPINGS and record["dataset"] in DATASETS:
            found.append(Run(path, record, read_trials(path), read_retrained(path)))
    return found


def _grouping(run: Run) -> str:
    return (run.record.get("tuner_options") or {}).get("groups", "layers")


def _by_seed(runs: Sequence[Run], value: str) -> dict[int, float]:
    return {run.record["seed"]: run.values[value] for run in runs if run.values[value] is not None}


def same_mappo(ablation: Run, references: Sequence[Run]) -> bool:
    """Whether an ablation ran the reference rows' MAPPO (the same update settings, ``run.json`` ``tuner.config``):
    a grouping compared with another MAPPO's layers would measure the update, not the grouping."""
    configs = {repr(r.record.get("tuner", {}).get("config")) for r in references}
    return not references or configs == {repr(ablation.record.get("tuner", {}).get("config"))}


def ablation_cells(
    runs: Sequence[Run], ablations: Sequence[Run], progress: Callable[[str], None] = print
) -> tuple[tuple[str, ...], list[list[str]]]:
    """Header and rows: per dataset, layers (the MAPPO rows of ``runs``) then each grouping of ``ablations`` that
    ran the same MAPPO settings (others are named and left out)."""
    body = []
    for dataset in DATASETS:
        groups: dict[str, list[Run]] = {"layers": [r for r in runs if r.key[:2] == (dataset, "mappo")]}
        for run in ablations:
            if run.record["dataset"] == dataset and not same_mappo(run, groups["layers"]):
                progress(f"leaving out {run.path}: another MAPPO's settings than the reproduction's MAPPO rows")
            elif run.record["dataset"] == dataset:
                groups.setdefault(_grouping(run), []).append(run)
        if not groups["layers"] and len(groups) == 1:
            continue
        for grouping in (g for g in GROUPINGS if g in groups):
            mine = groups[grouping]
            cells = [dataset, GROUPINGS[grouping], str(len(mine))]
            for value, number in (
                ("expected_accuracy", "{:.4f}"),
                ("test_accuracy", "{:.4f}"),
                ("best_validation", "{:.4f}"),
                ("search_minutes", "{:.2f}"),
            ):
                cells.append(st.t_interval(list(_by_seed(mine, value).values())).format(number))
            for value in ("expected_accuracy", "test_accuracy"):
                if grouping == "layers":
                    cells += [""] * 4
                    continue
                paired = st.paired(_by_seed(mine, value), _by_seed(groups["layers"], value), grouping)
                cells += accuracy_cells(paired)
            body.append(cells)
    return HEADER, body
