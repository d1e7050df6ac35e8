"""The objective the paper tunes: LeNet on MNIST or Fashion-MNIST, trained once per configuration and scored.

``data`` loads the fixed splits, ``model`` builds the LeNet of a configuration, ``trial`` trains and
scores it with the recipe every method shares, ``device`` resolves ``--device``.
"""

from paperlib import lazy

_EXPORTS = {
    "DATASETS": "paperlib.lenet.names",
    "Splits": "paperlib.lenet.data",
    "load_splits": "paperlib.lenet.data",
    "build_lenet": "paperlib.lenet.model",
    "count_parameters": "paperlib.lenet.model",
    "Recipe": "paperlib.lenet.trial",
    "TrialResult": "paperlib.lenet.trial",
    "run_trial": "paperlib.lenet.trial",
}
"""Each public name -> the module that defines it (:mod:`paperlib.lazy`)."""

__all__ = ["DATASETS", "Recipe", "Splits", "TrialResult", "build_lenet", "count_parameters", "load_splits", "run_trial"]
__getattr__ = lazy.exports(__name__, _EXPORTS)
