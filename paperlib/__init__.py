"""paperlib: the tested library behind the MAPPO hyperparameter-optimization artifact.

Start with :func:`run_search` (any of the six methods on any ``objective(config, budget)``),
:data:`TABLE2` (the paper's search space) and :func:`run_trial` (train and score one LeNet).
The subpackages follow the data flow: ``lenet`` (the objective), ``tuners`` (the methods),
``experiment`` (a recorded search), ``report`` (tables and figures), ``bench``.
"""

from paperlib.errors import PaperlibError, SpaceError, TunerError
from paperlib.space import TABLE2, Hyperparameter, SearchSpace
from paperlib.tuners.base import METHODS, SearchResult, Suggestion, Tuner, make_tuner, run_search

__all__ = [
    "METHODS",
    "TABLE2",
    "Hyperparameter",
    "PaperlibError",
    "SearchResult",
    "SearchSpace",
    "SpaceError",
    "Suggestion",
    "Tuner",
    "TunerError",
    "make_tuner",
    "run_search",
    "run_trial",
]


def __getattr__(name: str):
    # torch is imported only when the trial is asked for, so ``import paperlib`` stays light.
    if name == "run_trial":
        from paperlib.lenet.trial import run_trial

        return run_trial
    raise AttributeError(f"module 'paperlib' has no attribute {name!r}")
