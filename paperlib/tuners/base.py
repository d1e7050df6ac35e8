"""One tuner interface for all six methods, and the public entry point :func:`run_search`.

A tuner is built with a space and a seed, then driven by ``ask`` / ``tell`` (as Optuna's samplers
are): ``ask()`` hands out a :class:`Suggestion` (a configuration and the budget to train it for),
``tell(suggestion, score)`` reports its validation accuracy. ``run(objective, episodes)`` is the
plain loop over a callable ``objective(config, budget) -> score``. One episode is one evaluation
(docs/paper.md#reading-5), at whatever budget the method asked for.

The budget is a fraction of the full training budget, in ``(0, 1]``: MAPPO and the hyperopt methods
always ask for 1.0; Hyperband and BOHB ask for less on their early rungs.
"""

from __future__ import annotations

import importlib
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

from paperlib.errors import TunerError, check_int
from paperlib.space import TABLE2, SearchSpace

Objective = Callable[[Mapping[str, Any], float], Any]
"""``objective(config, budget) -> score`` (higher is better; for LeNet the validation accuracy), or an object with
a ``score`` attribute, which the observation keeps as its ``outcome``."""


@dataclass(frozen=True)
class Suggestion:
    """One configuration a tuner asks to be evaluated."""

    index: int
    """Episode index: 0 for the first suggestion a tuner hands out, then 1, 2, ..."""
    config: Mapping[str, Any]
    """Hyperparameter values, validated against the tuner's space."""
    budget: float = 1.0
    """Fraction of the full training budget to evaluate it with, in (0, 1]."""


@dataclass
class Observation:
    """A suggestion with its score and where the time went."""

    suggestion: Suggestion
    """What was evaluated."""
    score: float
    """The objective's value (validation accuracy for LeNet)."""
    optimizer_seconds: float = 0.0
    """Seconds spent inside the tuner (ask + tell) for this episode."""
    objective_seconds: float = 0.0
    """Seconds spent inside the objective (training) for this episode."""
    outcome: Any = None
    """What the objective returned, when it was more than a number (e.g. a trial's full result)."""


@dataclass
class SearchResult:
    """What a search returns: the incumbent and the full history."""

    method: str
    """Registry name of the method."""
    history: list[Observation] = field(default_factory=list)
    """Every evaluation, in the order they were told."""

    @property
    def incumbent(self) -> Observation:
        """The best observation; among equal scores, the one at the largest budget, then the earliest."""
        if not self.history:
            raise TunerError("no evaluation has been recorded yet")
        return max(self.history, key=lambda o: (o.score, o.suggestion.budget, -o.suggestion.index))

    @property
    def best_config(self) -> dict[str, Any]:
        """Configuration of the incumbent."""
        return dict(self.incumbent.suggestion.config)

    @property
    def best_score(self) -> float:
        """Score of the incumbent."""
        return self.incumbent.score


class Tuner(ABC):
    """The interface every method implements; see the module docstring."""

    name: str = "tuner"
    """Registry name (``random``, ``anneal``, ``tpe``, ``hyperband``, ``bohb``, ``mappo``)."""
    deterministic: bool = True
    """Same seed and same scores give the same suggestions (what :meth:`replay` relies on)."""

    def __init__(self, space: SearchSpace = TABLE2, seed: int = 0, episodes: int = 200) -> None:
        check_int(seed, "seed", TunerError)
        check_int(episodes, "episodes", TunerError, minimum=1)
        self.space = space
        self.seed = seed
        self.episodes = episodes
        self.result = SearchResult(self.name)

    @abstractmethod
    def ask(self) -> Suggestion:
        """The next configuration to evaluate."""

    @abstractmethod
    def tell(self, suggestion: Suggestion, score: float) -> None:
        """Report the score of a suggestion this tuner handed out."""

    def width(self) -> int:
        """How many suggestions may be pending (asked, not told) now without changing what this tuner suggests.

        One by default: the next suggestion depends on the last score (TPE, Anneal, BOHB).
        """
        return 1

    def describe(self) -> dict[str, Any]:
        """Settings worth recording in ``run.json`` (library defaults, derived counts); JSON-serialisable."""
        return {}

    def training_log(self) -> list[dict[str, Any]]:
        """JSON-ready records of the method's own learning so far, one per step of it (MAPPO: one per policy update).

        Recomputed exactly by :meth:`replay`, like the suggestions; methods that do not learn a model have none.
        """
        return []

    def training_summary(self) -> dict[str, Any]:
        """:meth:`training_log` in a few numbers, for ``run.json``; empty when there is nothing to summarise."""
        return {}

    def close(self) -> None:  # noqa: B027 (an optional hook, not abstract)
        """Release resources (threads, sockets). Safe to call twice."""

    def run(
        self, objective: Objective, on_episode: Callable[[Observation], None] | None = None, executor: Any = None
    ) -> SearchResult:
        """Evaluate ``episodes`` suggestions of ``objective`` on ``executor`` (in this process by default) and return the result.

        An executor is anything with ``slots`` (trials it runs at once) and ``submit(function, *args)``
        returning a future whose ``result()`` is ``(outcome, seconds)``: the experiment layer plugs its
        own in from above (``paperlib.experiment.executor``). Up to :meth:`width` suggestions are
        evaluated at once; scores are told, and ``on_episode`` called, in episode order, never in the
        order trials finish (docs/decisions.md#executor).
        """
        executor = executor or _InProcess()
        pending: deque[tuple[Suggestion, Any, float]] = deque()
        try:
            while len(self.result.history) < self.episodes:
                slots = executor.slots
                while (
                    len(pending) < min(self.width(), slots) and len(self.result.history) + len(pending) < self.episodes
                ):
                    start = time.perf_counter()
                    suggestion = self.ask()
                    asked = time.perf_counter() - start
                    pending.append(
                        (suggestion, executor.submit(objective, dict(suggestion.config), suggestion.budget), asked)
                    )
                suggestion, future, asked = pending.popleft()
                outcome, objective_seconds = future.result()
                t1 = time.perf_counter()
                self.tell(suggestion, float(getattr(outcome, "score", outcome)))
                observation = self.result.history[-1]
                observation.objective_seconds = objective_seconds
                observation.optimizer_seconds = asked + (time.perf_counter() - t1)
                observation.outcome = None if isinstance(outcome, Real) else outcome
                if on_episode is not None:
                    on_episode(observation)
        finally:
            self.close()
        return self.result

    def replay(self, records: list[tuple[Mapping[str, Any], float, float]]) -> None:
        """Bring a fresh tuner to the state it had after the recorded ``(config, budget, score)`` episodes.

        Resuming an interrupted run (see ``paperlib.search``) rebuilds the tuner with the same seed and
        replays the run record instead of unpickling library state: every method here is
        deterministic given its seed and the scores it was told, so asking again yields the recorded
        suggestions. A mismatch means the record came from another seed, space or code version.
        """
        for index, (config, budget, score) in enumerate(records):
            suggestion = self.ask()
            if dict(suggestion.config) != dict(config) or abs(suggestion.budget - budget) > 1e-9:
                raise TunerError(
                    f"cannot resume: episode {index} was recorded as {dict(config)} at budget {budget}, "
                    f"but the tuner now suggests {dict(suggestion.config)} at budget {suggestion.budget}"
                )
            self.tell(suggestion, score)

    def _record(self, suggestion: Suggestion, score: float) -> None:
        """Append an observation to the history (called by subclasses' ``tell``)."""
        self.result.history.append(Observation(suggestion, float(score)))


class _InProcess:
    """The default executor: each trial runs here, when it is submitted."""

    slots = 1

    def submit(self, function: Callable[..., Any], *args: Any) -> _Done:
        start = time.perf_counter()
        outcome = function(*args)
        return _Done((outcome, time.perf_counter() - start))


@dataclass(frozen=True)
class _Done:
    """A future already resolved: ``result()`` is ``(outcome, seconds)``."""

    value: tuple[Any, float]

    def result(self) -> tuple[Any, float]:
        return self.value


# Method name -> (module, class). Imported lazily: hpbandster and torch are slow to import, and a
# user who only wants TPE should not pay for them.
METHODS: dict[str, tuple[str, str]] = {
    "random": ("paperlib.tuners.hyperopt_tuners", "RandomSearch"),
    "anneal": ("paperlib.tuners.hyperopt_tuners", "Anneal"),
    "tpe": ("paperlib.tuners.hyperopt_tuners", "TPE"),
    "hyperband": ("paperlib.tuners.hpbandster_tuners", "Hyperband"),
    "bohb": ("paperlib.tuners.hpbandster_tuners", "BOHB"),
    "mappo": ("paperlib.tuners.mappo", "MAPPOTuner"),
}
"""The six methods of the paper, in the order of its tables."""


def tuner_class(method: str) -> type[Tuner]:
    """The tuner class for ``method``; unknown names raise a :class:`TunerError` listing the known ones."""
    if method not in METHODS:
        raise TunerError(f"unknown method {method!r}; choose one of {list(METHODS)}")
    module_name, class_name = METHODS[method]
    return getattr(importlib.import_module(module_name), class_name)


def make_tuner(method: str, space: SearchSpace = TABLE2, seed: int = 0, episodes: int = 200, **options: Any) -> Tuner:
    """Build the tuner for ``method`` with its options (see each class for what it accepts)."""
    return tuner_class(method)(space=space, seed=seed, episodes=episodes, **options)


def run_search(
    method: str, objective: Objective, episodes: int, seed: int, space: SearchSpace = TABLE2, **options: Any
) -> SearchResult:
    """Search ``space`` with ``method`` for ``episodes`` evaluations of ``objective``; the one entry point for all six methods.

    The result has ``best_config``, ``best_score`` and ``history``.
    """
    tuner = make_tuner(method, space=space, seed=seed, episodes=episodes, **options)
    return tuner.run(objective)
