"""Hyperband and BOHB: the two hpbandster methods of the paper, behind ask / tell.

The real masters run on a background thread whose worker relays each job to :meth:`ask` and waits for
:meth:`tell`, in lock step, so runs are repeatable; budgets are fractions of the full training
budget (docs/paper.md#reading-5, docs/decisions.md#hyperband-iterations).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from importlib.metadata import version
from itertools import accumulate
from typing import Any

import ConfigSpace as CS
import numpy as np
from hpbandster.optimizers import BOHB as LibraryBOHB

from paperlib.space import TABLE2, SearchSpace
from paperlib.tuners._hpbandster_session import DONE, Session, bohb_master, hyperband_master
from paperlib.tuners.base import Suggestion, Tuner, TunerError


@dataclass(frozen=True)
class HyperbandPlan:
    """How many Hyperband iterations fit in an episode budget, and what they cost."""

    episodes: int
    """What the run may use at most: evaluations (one at any budget is one episode), or full budgets."""
    eta: float = 3.0
    """Successive halving keeps the best 1/eta of each rung and gives it eta times the budget."""
    min_budget: float = 1.0 / 9.0
    """Smallest budget, as a fraction of the full training budget."""
    max_budget: float = 1.0
    """Largest budget: the full training budget."""
    equal_compute: bool = False
    """Count ``episodes`` in full-budget equivalents, as the other methods spend them, not in evaluations.

    The paper's plan gives Hyperband and BOHB equal evaluations (200 = 80 full budgets); this one gives
    them equal training (docs/decisions.md#hyperband-iterations)."""

    def __post_init__(self) -> None:
        if not self.eta > 1:
            raise TunerError(f"eta must be above 1, got {self.eta!r}")
        if not 0 < self.min_budget < self.max_budget <= 1:
            raise TunerError(f"need 0 < min_budget < max_budget <= 1, got {self.min_budget!r} and {self.max_budget!r}")

    @property
    def max_sh_iter(self) -> int:
        """Number of rungs of the widest bracket; hpbandster's own expression (``optimizers/hyperband.py``)."""
        return -int(np.log(self.min_budget / self.max_budget) / np.log(self.eta)) + 1

    @property
    def budgets(self) -> tuple[float, ...]:
        """The rung budgets ``max_budget * eta**-k``, smallest first, as hpbandster computes them."""
        exponents = -np.linspace(self.max_sh_iter - 1, 0, self.max_sh_iter)
        return tuple(float(b) for b in self.max_budget * np.power(self.eta, exponents))

    def rungs(self, iteration: int) -> list[tuple[int, float]]:
        """``(configurations, budget)`` per rung of ``iteration``; hpbandster's ``get_next_iteration``.

        Iterations cycle through the brackets s = max_sh_iter - 1, ..., 0 (Li et al. 2018, Alg. 1).
        """
        s = self.max_sh_iter - 1 - (iteration % self.max_sh_iter)
        n0 = int(np.floor(self.max_sh_iter / (s + 1)) * self.eta**s)
        ns = [max(int(n0 * self.eta ** (-i)), 1) for i in range(s + 1)]
        return list(zip(ns, self.budgets[-s - 1 :]))

    def evaluations_of(self, iteration: int) -> int:
        """Evaluations iteration ``iteration`` runs (failed runs are replaced, so the count is fixed)."""
        return sum(n for n, _ in self.rungs(iteration))

    def full_budgets_of(self, iteration: int) -> float:
        """Training iteration ``iteration`` spends, in full-budget evaluations."""
        return sum(n * b / self.max_budget for n, b in self.rungs(iteration))

    def _cycle(self, cost: Any) -> list:
        """``cost`` of iterations 0 .. max_sh_iter - 1: one cycle through the brackets, which then repeats."""
        return [cost(i) for i in range(self.max_sh_iter)]

    @property
    def _cycles(self) -> tuple[int, int]:
        """``n_iterations`` as (whole cycles, iterations of the last partial cycle)."""
        return divmod(self.n_iterations, self.max_sh_iter)

    @property
    def n_iterations(self) -> int:
        """The most iterations whose cost (evaluations, or full budgets with ``equal_compute``) fits in ``episodes``.

        With c_i the cost of iteration i and a cycle of C = c_0 + ... + c_{m-1} (m = max_sh_iter),
        n = m * (episodes // C) + #{j < m : c_0 + ... + c_j <= episodes % C}.
        For eta = 3, min_budget = 1/9: evaluations c = (13, 4, 3), C = 20, so 200 episodes give 30
        iterations (80 full budgets); full budgets c = (3, 2, 3), C = 8, so 200 give 75 (500 evaluations).
        """
        cycle = self._cycle(self.full_budgets_of if self.equal_compute else self.evaluations_of)
        full_cycles, rest = divmod(self.episodes, sum(cycle))
        # A tolerance absorbs float round-off in the full-budget sums (1/9 and 1/3 are not exact).
        return self.max_sh_iter * int(full_cycles) + sum(1 for used in accumulate(cycle) if used <= rest + 1e-9)

    @property
    def evaluations(self) -> int:
        """Evaluations the planned iterations run (at most ``episodes``), in closed form: whole cycles, then the rest."""
        cycle, (full_cycles, rest) = self._cycle(self.evaluations_of), self._cycles
        return full_cycles * sum(cycle) + sum(cycle[:rest])

    @property
    def full_budget_equivalents(self) -> float:
        """Total training spent, in full-budget evaluations (closed form, as ``evaluations``)."""
        cycle, (full_cycles, rest) = self._cycle(self.full_budgets_of), self._cycles
        return full_cycles * sum(cycle) + sum(cycle[:rest])


def config_space(space: SearchSpace, seed: int) -> CS.ConfigurationSpace:
    """``space`` as a seeded ConfigSpace: uniform integers, uniform or log-uniform floats, and categoricals."""
    cs = CS.ConfigurationSpace(seed=seed)
    for h in space:
        if h.kind == "categorical":
            cs.add(CS.CategoricalHyperparameter(h.name, list(h.choices)))
        elif h.kind == "int":
            cs.add(CS.UniformIntegerHyperparameter(h.name, int(h.low), int(h.high), log=h.log))
        else:
            cs.add(CS.UniformFloatHyperparameter(h.name, float(h.low), float(h.high), log=h.log))
    return cs


class HpBandSterTuner(Tuner):
    """An hpbandster master driven through ask / tell, one evaluation at a time; subclasses pick the master."""

    master_factory = staticmethod(hyperband_master)
    """Builds the (stoppable, privately seeded) master; see ``hpbandster_session``."""
    master_name = "hpbandster.optimizers.HyperBand"
    """The library class that runs, for the record."""
    rung_ahead = True
    """Hand out a rung's jobs before their scores: Hyperband samples without looking at losses."""

    def __init__(
        self,
        space: SearchSpace = TABLE2,
        seed: int = 0,
        episodes: int = 200,
        *,
        eta: float = 3.0,
        min_budget: float | None = None,
        equal_compute: bool = False,
        wait_s: float = 120.0,
        score_wait_s: float = 86_400.0,
    ) -> None:
        super().__init__(space, seed, episodes)
        self.plan = HyperbandPlan(episodes, eta, eta**-2 if min_budget is None else min_budget, 1.0, equal_compute)
        if self.plan.n_iterations == 0:
            raise TunerError(
                f"{self.name}: {episodes} episodes are fewer than the "
                f"{self.plan.evaluations_of(0)} evaluations of the first Hyperband iteration"
            )
        self.requested_episodes = episodes
        """The episodes asked for; ``episodes`` becomes the planned count, which ``run`` loops over."""
        self.episodes = self.plan.evaluations
        self.wait_s = wait_s
        """Longest wait, in seconds, for hpbandster to start, propose a job, or shut down."""
        self.score_wait_s = score_wait_s
        """Longest wait, in seconds, for the score of a suggestion (one training run)."""
        self._session: Session | None = None
        self._pending: list[tuple[Suggestion, bool, tuple]] = []  # (suggestion, rung goes on after it, job id)
        self._next: Any = None
        self._closed = False

    def width(self) -> int:
        """The pending runs of a rung (Hyperband), or one (BOHB: its model reads every loss)."""
        return len(self._pending) + 1 if not self._pending or self._pending[-1][1] else len(self._pending)

    def ask(self) -> Suggestion:
        if self._closed:
            raise TunerError(f"{self.name}: the tuner is closed")
        if self._pending and not self._pending[-1][1]:
            index = self._pending[-1][0].index
            raise TunerError(f"{self.name}: suggestion {index} waits for its rung's scores; tell them first")
        if self._session is None:
            self._session = Session(
                self._make_master, self.plan.n_iterations, self.wait_s, self.score_wait_s, self.rung_ahead
            )
        request = self._session.next_request() if self._next is None else self._next
        self._next = None
        if request is DONE:
            raise TunerError(f"{self.name}: the plan's {self.plan.evaluations} evaluations are used up")
        config, budget, ahead, job = request
        # ConfigSpace hands back numpy numbers, in its own key order; validate gives ours as int / float.
        index = len(self.result.history) + len(self._pending)
        suggestion = Suggestion(index, self.space.validate(config), float(budget))
        self._pending.append((suggestion, ahead, job))
        return suggestion

    def tell(self, suggestion: Suggestion, score: float) -> None:
        if not self._pending or suggestion != self._pending[0][0]:
            raise TunerError(f"{self.name}: suggestion {suggestion.index} is not the one awaiting a score")
        _, ahead, job = self._pending.pop(0)
        self._record(suggestion, score)
        # hpbandster minimises a loss; the score is an accuracy.
        if ahead:
            self._session.correct(job, 1.0 - float(score))
        else:
            self._next = self._session.report(1.0 - float(score))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._session is not None:
            self._session.stop()

    def _make_master(self, **connection: Any):
        """The master for this tuner, connected as ``Session`` says."""
        return type(self).master_factory(
            configspace=config_space(self.space, self.seed),
            seed=self.seed,
            eta=self.plan.eta,
            min_budget=self.plan.min_budget,
            max_budget=self.plan.max_budget,
            **connection,
        )

    def describe(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "library": f"hpbandster {version('hpbandster')}, ConfigSpace {version('ConfigSpace')}",
            "master": self.master_name,
            "eta": plan.eta,
            "min_budget": plan.min_budget,
            "max_budget": plan.max_budget,
            "budgets": list(plan.budgets),
            "n_iterations": plan.n_iterations,
            "requested_episodes": self.requested_episodes,
            "planned_evaluations": plan.evaluations,
            "full_budget_equivalents": plan.full_budget_equivalents,
            "equal_compute": plan.equal_compute,
            "defaults": self.library_defaults(),
            "space": [str(h) for h in config_space(self.space, self.seed).values()],
        }

    def library_defaults(self) -> dict[str, Any]:
        """The master's settings we leave at the library's defaults."""
        return {"config_generator": "RandomSampling (ConfigSpace prior)"}


class Hyperband(HpBandSterTuner):
    """Hyperband (Li et al. 2018): random configurations raced by successive halving."""

    name = "hyperband"


class BOHB(HpBandSterTuner):
    """BOHB (Falkner et al. 2018): Hyperband whose configurations come from a TPE-like KDE model."""

    name = "bohb"
    master_factory = staticmethod(bohb_master)
    master_name = "hpbandster.optimizers.BOHB"
    rung_ahead = False  # each new configuration comes from a model of every loss so far

    def library_defaults(self) -> dict[str, Any]:
        ours = {"self", "configspace", "eta", "min_budget", "max_budget", "kwargs"}
        defaults = {
            name: p.default
            for name, p in inspect.signature(LibraryBOHB.__init__).parameters.items()
            if name not in ours and p.default is not inspect.Parameter.empty
        }
        # None means "number of hyperparameters + 1" (hpbandster's config_generators/bohb.py).
        defaults["min_points_in_model (effective)"] = len(self.space) + 1
        return defaults
