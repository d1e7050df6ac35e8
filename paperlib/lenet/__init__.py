"""The objective the paper tunes: LeNet on MNIST or Fashion-MNIST, trained once per configuration and scored.

``data`` loads the fixed splits, ``model`` builds the LeNet of a configuration, ``trial`` trains and
scores it with the recipe every method shares, ``device`` resolves ``--device``.
"""

import importlib
from typing import Any

_EXPORTS = {
    "DATASETS": "paperlib.lenet.data",
    "Splits": "paperlib.lenet.data",
    "load_splits": "paperlib.lenet.data",
    "build_lenet": "paperlib.lenet.model",
    "count_parameters": "paperlib.lenet.model",
    "Recipe": "paperlib.lenet.trial",
    "TrialResult": "paperlib.lenet.trial",
    "run_trial": "paperlib.lenet.trial",
}
"""Each public name -> the module that defines it, imported on first use (PEP 562): importing a light
module of this package (e.g. from ``python -m paperlib relink``) does not load torch."""

__all__ = ["DATASETS", "Recipe", "Splits", "TrialResult", "build_lenet", "count_parameters", "load_splits", "run_trial"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
