"""One recorded experiment: a (method, dataset, profile, seed) search on LeNet, resumable from its run directory.

``profiles``: data sizes, epochs, episodes; ``run``: the search as named steps; ``records``: the only
writer of results; ``provenance``: what ``run.json`` says the run ran on.
"""

import importlib
from typing import Any

_EXPORTS = {
    "PROFILES": "paperlib.experiment.profiles",
    "Profile": "paperlib.experiment.profiles",
    "get_profile": "paperlib.experiment.profiles",
    "Experiment": "paperlib.experiment.run",
    "make_experiment": "paperlib.experiment.run",
    "run_experiment": "paperlib.experiment.run",
}
"""Each public name -> the module that defines it, imported on first use (PEP 562): importing a light
module of this package (e.g. from ``python -m paperlib relink``) does not load torch."""

__all__ = ["PROFILES", "Experiment", "Profile", "get_profile", "make_experiment", "run_experiment"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
