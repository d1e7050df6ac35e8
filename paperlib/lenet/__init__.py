"""The objective the paper tunes: LeNet on MNIST or Fashion-MNIST, trained once per configuration and scored.

``data`` loads the fixed splits, ``model`` builds the LeNet of a configuration, ``trial`` trains and
scores it with the recipe every method shares, ``device`` resolves ``--device``.
"""

from paperlib.lenet.data import DATASETS, Splits, load_splits
from paperlib.lenet.model import build_lenet, count_parameters
from paperlib.lenet.trial import Recipe, TrialResult, run_trial

__all__ = ["DATASETS", "Recipe", "Splits", "TrialResult", "build_lenet", "count_parameters", "load_splits", "run_trial"]
