"""The six search methods behind one ask / tell interface (``base``), one module per library.

``hyperopt_tuners``: Random Search, Anneal, TPE; ``hpbandster_tuners``: Hyperband, BOHB; ``mappo``: the
paper's method; ``synthetic``: cheap objectives for the optimizers' own tests. The libraries are
imported only when their method is built.
"""

from paperlib.tuners.base import (
    METHODS,
    Objective,
    Observation,
    SearchResult,
    Suggestion,
    Tuner,
    make_tuner,
    run_search,
    tuner_class,
)

__all__ = [
    "METHODS",
    "Objective",
    "Observation",
    "SearchResult",
    "Suggestion",
    "Tuner",
    "make_tuner",
    "run_search",
    "tuner_class",
]
