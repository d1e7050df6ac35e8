"""paperlib: the tested library behind the MAPPO hyperparameter-optimization artifact.

Start with :func:`run_search` (any of the six methods on any ``objective(config, budget)``),
:data:`TABLE2` (the paper's search space) and :func:`run_trial` (train and score one LeNet).
"""

from .space import TABLE2, Hyperparameter, SearchSpace, SpaceError
from .tuner import METHODS, SearchResult, Suggestion, Tuner, TunerError, make_tuner, run_search

__all__ = [
    "TABLE2",
    "Hyperparameter",
    "SearchSpace",
    "SpaceError",
    "METHODS",
    "SearchResult",
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
        from .trial import run_trial

        return run_trial
    raise AttributeError(f"module 'paperlib' has no attribute {name!r}")
