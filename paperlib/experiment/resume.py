"""Whether a run directory can take an experiment: a folder of the caller's own that holds nothing or this very run.

Checked twice: before any work (``make_experiment``: nothing is loaded, trained or written when a
check fails) and again under the run directory's lock, where the answer is final. Each failure is one
:class:`RecordError` naming the problem.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from paperlib.errors import RecordError
from paperlib.experiment.records import RUN, check_owned, read_run_file, read_trials

TRIAL_KEYS = (
    "index",
    "config",
    "budget",
    "score",
    "status",
    "val_accuracy",
    "objective_seconds",
    "optimizer_seconds",
    "num_parameters",
)
"""What a resumed run reads back from each trial line (replay, repeats, the summary)."""


def check_out(out: Path) -> None:
    """``--out``: an existing folder of the caller's own, or a path whose nearest existing ancestor is a writable folder."""
    out = Path(out)
    ancestor = Path(os.path.abspath(out))
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if ancestor == Path(os.path.abspath(out)):
        check_owned(out)
    elif not ancestor.is_dir():
        raise RecordError(f"--out {out} cannot be made: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise RecordError(f"--out {out}: cannot write in {ancestor} (permission denied)")


def preflight(experiment: Any) -> None:
    """Every check of the run directory that can be made before any work: its owner, its ``run.json``, its trials."""
    check_out(experiment.out)
    if not Path(experiment.out).is_dir():
        return
    check_previous(experiment, read_run_file(Path(experiment.out) / RUN))
    check_records(read_trials(experiment.out), experiment.out)


def check_previous(experiment: Any, previous: dict[str, Any] | None) -> dict[str, Any] | None:
    """``run.json`` of the run directory, if any, after checking it records this very experiment.

    The identity (method, dataset, profile name, seed, episodes, space, options) must match, and so
    must the profile's settings that change what a run computes (``Profile.run_settings``): a
    profile file that reuses a name with other sizes or epochs is another run.
    """
    if previous is None:
        return None
    keys = list(experiment.identity) + [key for key in ("tuner_options", "reuse_repeats") if previous.get(key)]
    found = {key: previous.get(key) for key in keys}
    if found != experiment.identity:
        raise RecordError(f"{experiment.out} holds another run ({found}); choose another --out")
    settings = experiment.profile.run_settings
    recorded = previous.get("profile_settings")
    recorded = {key: recorded.get(key) for key in settings} if isinstance(recorded, dict) else None
    if recorded != settings:
        raise RecordError(
            f"{experiment.out} holds a run of another {experiment.profile.name!r} profile ({recorded}, not "
            f"{settings}); choose another --out"
        )
    return previous


def check_records(records: list[dict[str, Any]], out: Path) -> None:
    """Each recorded trial is an object with what a resume reads, numbered in order."""
    for number, record in enumerate(records):
        where = f"{Path(out) / 'trials.jsonl'} line {number + 1}"
        if not isinstance(record, dict):
            raise RecordError(f"{where} is not a JSON object; the run cannot be resumed")
        missing = [key for key in TRIAL_KEYS if key not in record]
        if missing:
            raise RecordError(f"{where} lacks {missing[0]!r}; the run cannot be resumed")
        if record["index"] != number:
            raise RecordError(f"{where} has index {record['index']!r}, not {number}; the run cannot be resumed")
