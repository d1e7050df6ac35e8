"""Random Search, Anneal and TPE: the three hyperopt algorithms of the paper, behind ask / tell.

``fmin`` owns its loop, so each ``ask`` calls the algorithm's own ``suggest`` on a ``Trials`` and
``Domain`` the way ``fmin`` does, with fmin's seed draw (docs/decisions.md#hyperopt-adapters).
Every evaluation is at the full budget.
"""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Callable
from typing import Any

import hyperopt
import numpy as np
from hyperopt import anneal, hp, rand, tpe
from hyperopt.base import JOB_STATE_DONE, JOB_STATE_RUNNING, STATUS_FAIL, STATUS_OK, Domain, Trials
from hyperopt.utils import coarse_utcnow

from paperlib.space import TABLE2, SearchSpace
from paperlib.tuners.base import Suggestion, Tuner, TunerError

SEED_BOUND = 2**31 - 1
"""Exclusive upper bound of the per-trial seeds; ``fmin`` draws ``rstate.integers(2**31 - 1)``."""


def hyperopt_space(space: SearchSpace) -> dict[str, Any]:
    """``space`` in hyperopt's native distributions (docs/paper.md#reading-4).

    Ints are ``quniform`` with step 1 (``qloguniform`` on a log scale; hyperopt hands them back as floats,
    :meth:`SearchSpace.validate` turns them into ints), log-scale floats are ``loguniform`` over the logs of the bounds, other floats
    ``uniform``, categoricals ``choice`` (hyperopt records the index; :meth:`HyperoptTuner.ask` maps it back).
    """
    expression = {}
    for h in space:
        if h.kind == "categorical":
            expression[h.name] = hp.choice(h.name, list(h.choices))
        elif h.kind == "int" and h.log:
            expression[h.name] = hp.qloguniform(h.name, math.log(h.low), math.log(h.high), 1)
        elif h.kind == "int":
            expression[h.name] = hp.quniform(h.name, h.low, h.high, 1)
        elif h.log:
            expression[h.name] = hp.loguniform(h.name, math.log(h.low), math.log(h.high))
        else:
            expression[h.name] = hp.uniform(h.name, h.low, h.high)
    return expression


def library_defaults(function: Callable) -> dict[str, Any]:
    """The keyword defaults of ``function``, read from the library so the record cannot drift from it."""
    return {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is not inspect.Parameter.empty and name != "verbose"
    }


def _never_evaluated(config: dict) -> float:
    """The ``Domain`` needs an objective; ours is evaluated outside hyperopt, by the caller of ``ask``."""
    raise TunerError("hyperopt tried to evaluate the objective itself; scores come in through tell()")


class HyperoptTuner(Tuner):
    """A hyperopt algorithm (``suggest``) driven one trial at a time; subclasses name the algorithm."""

    suggest: Callable = staticmethod(rand.suggest)
    """The algorithm: hyperopt's ``suggest(new_ids, domain, trials, seed)``."""
    defaults_from: Callable | None = None
    """Where the algorithm's defaults live (its signature), for :meth:`describe`."""

    def __init__(self, space: SearchSpace = TABLE2, seed: int = 0, episodes: int = 200) -> None:
        super().__init__(space, seed, episodes)
        self.domain = Domain(_never_evaluated, hyperopt_space(space))
        self.trials = Trials()
        self.rstate = np.random.default_rng(seed)
        self._running: dict[int, tuple[Suggestion, dict]] = {}

    def ask(self) -> Suggestion:
        # One step of FMinIter.run with max_queue_len=1: new id, suggest, insert.
        new_ids = self.trials.new_trial_ids(1)
        self.trials.refresh()
        docs = self.suggest(new_ids, self.domain, self.trials, self.rstate.integers(SEED_BOUND))
        self.trials.insert_trial_docs(docs)
        self.trials.refresh()
        doc = self.trials._dynamic_trials[-1]  # the inserted copy, which refresh() reads back
        doc["state"] = JOB_STATE_RUNNING
        doc["book_time"] = doc["refresh_time"] = coarse_utcnow()
        values = {name: _value(self.space[name], vals[0]) for name, vals in doc["misc"]["vals"].items()}
        # hyperopt's trial ids count from 0, as episode indices do.
        suggestion = Suggestion(index=doc["tid"], config=self.space.validate(values), budget=1.0)
        self._running[suggestion.index] = (suggestion, doc)
        return suggestion

    def tell(self, suggestion: Suggestion, score: float) -> None:
        asked, doc = self._running.get(suggestion.index, (None, None))
        if asked != suggestion:
            raise TunerError(f"{self.name}: suggestion {suggestion.index} was not handed out or was already told")
        del self._running[suggestion.index]
        # hyperopt minimises a loss; the score is an accuracy, so the loss is 1 - score. A non-finite
        # score is a failed trial, which the algorithms leave out of their models.
        loss = 1.0 - float(score)
        doc["result"] = {"loss": loss, "status": STATUS_OK if math.isfinite(loss) else STATUS_FAIL}
        doc["state"] = JOB_STATE_DONE
        doc["refresh_time"] = coarse_utcnow()
        self.trials.refresh()
        self._record(suggestion, score)

    def describe(self) -> dict[str, Any]:
        algorithm = self.suggest
        return {
            "library": f"hyperopt {hyperopt.__version__}",
            "algorithm": f"{algorithm.__module__}.{algorithm.__name__}",
            "defaults": library_defaults(self.defaults_from) if self.defaults_from else {},
            "space": {h.name: _distribution(h) for h in self.space},
            "budget": 1.0,
        }


def _value(h, drawn: Any) -> Any:
    """The value hyperopt drew for ``h``: for a ``choice`` its trial document holds the index."""
    return h.choices[int(drawn)] if h.kind == "categorical" else drawn


def _distribution(h) -> str:
    """How :func:`hyperopt_space` encodes ``h``, for the run record."""
    if h.kind == "categorical":
        return f"choice({list(h.choices)})"
    if h.kind == "int" and h.log:
        return f"qloguniform(log({h.low}), log({h.high}), q=1)"
    if h.kind == "int":
        return f"quniform({h.low}, {h.high}, q=1)"
    if h.log:
        return f"loguniform(log({h.low}), log({h.high}))"
    return f"uniform({h.low}, {h.high})"


class RandomSearch(HyperoptTuner):
    """Random search: independent draws from the prior (``hyperopt.rand``)."""

    name = "random"
    suggest = staticmethod(rand.suggest)

    def width(self) -> int:
        """Any number: each draw depends on the seed sequence only, never on a score."""
        return sys.maxsize


class Anneal(HyperoptTuner):
    """Simulated-annealing-like sampling around good trials (``hyperopt.anneal``)."""

    name = "anneal"
    suggest = staticmethod(anneal.suggest)
    defaults_from = anneal.AnnealingAlgo.__init__


class TPE(HyperoptTuner):
    """Tree-structured Parzen Estimator (``hyperopt.tpe``; Bergstra et al. 2011).

    With the library's defaults the first ``n_startup_jobs`` (20) trials are random draws.
    """

    name = "tpe"
    suggest = staticmethod(tpe.suggest)
    defaults_from = tpe.suggest
