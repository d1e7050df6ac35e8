"""``MAPPOSampler``: an Optuna study driven by MAPPO, through Optuna's own sampler interface.

The joint configuration is sampled relatively (one MAPPO episode per trial) and the study's value is the
shared reward (negated when the study minimizes). MAPPO learns only from what a trial evaluated: an episode
whose values the trial did not use (an enqueued trial, a range narrowed since, a parameter fixed) is
discarded, with one warning. Failed and pruned trials are rewarded no better than the worst completed
one; trials asked and never told expire (docs/decisions.md#optuna-sampler). Optuna is an optional dependency.
"""

from __future__ import annotations

import math
import secrets
import threading
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from paperlib.errors import TunerError, check_int
from paperlib.tuners.base import Suggestion
from paperlib.tuners.mappo import MAPPOConfig, MAPPOTuner

try:
    import optuna
    from optuna.distributions import BaseDistribution
    from optuna.search_space import IntersectionSearchSpace
    from optuna.study import StudyDirection
    from optuna.trial import FrozenTrial, TrialState
except ImportError as missing:  # pragma: no cover - exercised only without optuna
    raise TunerError("MAPPOSampler needs optuna: pip install 'paperlib[optuna]'") from missing

from paperlib.tuners._optuna_space import Param, suggest, to_distributions, to_param_space, to_space

__all__ = ["MAPPOSampler", "suggest", "to_distributions", "to_space"]

ENDLESS = 2**62
"""The tuner's episode budget: a study decides when to stop, so no rollout is ever the last."""


class _SamplerTuner(MAPPOTuner):
    """MAPPO's tuner with one more move a study needs: drop an episode no trial evaluated, freeing its slot."""

    def discard(self, suggestion: Suggestion) -> None:
        """Forget a handed-out, untold episode; the rollout is then filled by asking again."""
        self._rollout = [(s, episode) for s, episode in self._rollout if s != suggestion]


class MAPPOSampler(optuna.samplers.BaseSampler):
    """MAPPO as an Optuna sampler: a ``MAPPOTuner`` proposes each trial's joint configuration.

    MAPPO's space is the relative search space of the first trial it samples: ``search_space`` (name ->
    Optuna distribution) when given, else the parameters of the completed trials (the first trial is then
    sampled by ``independent_sampler``, Optuna's ``RandomSampler`` with ``seed`` by default, as is every
    parameter outside the space). ``seed=None`` draws one (kept in :attr:`seed`). ``groups``, ``heads`` and
    ``config`` are :class:`MAPPOTuner`'s. A trial still running once ``stale_after`` (default: a rollout's
    episodes) later trials have finished is taken as abandoned and its episode discarded.

    A sampler meeting a study that already has finished trials starts a new policy and does not learn from
    them (they are not MAPPO's episodes); its policy is seeded from ``seed`` and their number, so it does not
    repeat a first sampler's configurations. To resume a policy, pickle the sampler with the study (Optuna's
    RDB tutorial). Single-objective studies only.
    """

    def __init__(
        self,
        search_space: Mapping[str, BaseDistribution] | None = None,
        *,
        seed: int | None = None,
        groups: str | Mapping[str, Sequence[str]] | None = None,
        heads: str = "grid",
        config: MAPPOConfig | Mapping[str, Any] | None = None,
        independent_sampler: optuna.samplers.BaseSampler | None = None,
        stale_after: int | None = None,
    ) -> None:
        self.seed = secrets.randbits(32) if seed is None else check_int(seed, "seed", TunerError)
        """The seed MAPPO and the default independent sampler use (drawn when ``None`` was given)."""
        self._options = {"groups": groups, "heads": heads, "config": config}
        self._independent = independent_sampler or optuna.samplers.RandomSampler(seed=self.seed)
        self._given = None if search_space is None else {n: d for n, d in search_space.items() if not d.single()}
        self._intersection = IntersectionSearchSpace()
        self._params: dict[str, Param] | None = None
        self.tuner: _SamplerTuner | None = None
        """The MAPPO tuner, once the space is known (its ``result.history`` holds every reward told)."""
        self._stale_after = stale_after
        self._pending: dict[int, Suggestion] = {}  # trial number -> the episode it is evaluating
        self._unrewarded: list[tuple[Suggestion, float | None]] = []  # failed or pruned: told when the rest is
        self._worst: float | None = None  # the worst reward of a completed trial so far
        self._seen_before_start = 0  # trials this sampler saw finish before MAPPO's space was known
        self.discarded: list[tuple[int, str]] = []
        """``(trial number, why)`` of every episode MAPPO did not learn from."""
        self._lock = threading.Lock()  # Optuna's n_jobs > 1 calls a sampler from several threads

    # --- pickling (Optuna's RDB tutorial saves the sampler to resume a study) -----------------------

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # --- Optuna's sampler interface -------------------------------------------------------------------

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        """MAPPO's space once fixed; before that the given space, else the parameters of the completed trials."""
        _single_objective(study)
        with self._lock:
            if self._params is not None:
                return {name: p.distribution for name, p in self._params.items()}
            if self._given is not None:
                return dict(self._given)
            inferred = self._intersection.calculate(study)
            return {name: d for name, d in inferred.items() if not d.single()}

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """One MAPPO episode as the trial's parameters of ``search_space``; none while a whole rollout is out."""
        _single_objective(study)
        search_space = {name: d for name, d in search_space.items() if not d.single()}
        if not search_space:
            return {}
        with self._lock:
            if self.tuner is None:
                self._start(study, search_space)
            self._expire(study)
            try:
                suggestion = self.tuner.ask()
            except TunerError:  # every episode of the rollout is out: the policy cannot move until they return
                return {}
            self._pending[trial.number] = suggestion
            proposal = self.proposal(suggestion)
        return {name: value for name, value in proposal.items() if _contains(search_space.get(name), value)}

    def sample_independent(
        self, study: optuna.Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        """A parameter outside MAPPO's space (or of a trial MAPPO did not propose), from the independent sampler."""
        _single_objective(study)
        return self._independent.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        """Passed on to the independent sampler."""
        self._independent.before_trial(study, trial)

    def after_trial(
        self, study: optuna.Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        """Tell MAPPO the reward of the trial's episode, if the trial evaluated it (see the class docstring)."""
        self._independent.after_trial(study, trial, state, values)
        with self._lock:
            self._seen_before_start += self.tuner is None
            suggestion = self._pending.pop(trial.number, None)
            if suggestion is not None:
                sign = 1.0 if study.direction == StudyDirection.MAXIMIZE else -1.0
                self._settle(trial, state, values, suggestion, sign)

    def reseed_rng(self) -> None:
        """Reseed the independent sampler (Optuna calls this for ``n_jobs > 1``); MAPPO's own stream stays seeded."""
        self._independent.reseed_rng()

    # --- the episodes' fate -----------------------------------------------------------------------------

    def _start(self, study: optuna.Study, search_space: dict[str, BaseDistribution]) -> None:
        """Fix MAPPO's space and build the tuner (once); warn if the study has trials it will not learn from."""
        self._params = to_param_space(search_space)
        space = to_space(search_space)
        finished = sum(t.state.is_finished() for t in study.get_trials(deepcopy=False)) - self._seen_before_start
        seed = self.seed
        if finished:
            seed = int(np.random.SeedSequence([self.seed, finished]).generate_state(1)[0])
            warnings.warn(
                f"MAPPOSampler: the study already has {finished} finished trials; MAPPO starts a new policy and "
                "does not learn from them (to resume a policy, pickle the sampler with the study)",
                UserWarning,
                stacklevel=4,
            )
        self.tuner = _SamplerTuner(space, seed=seed, episodes=ENDLESS, **self._options)
        if self._stale_after is None:
            self._stale_after = self.tuner.config.rollout_episodes
        check_int(self._stale_after, "stale_after", TunerError, minimum=1)

    def proposal(self, suggestion: Suggestion) -> dict[str, Any]:
        """The Optuna parameter values of one of MAPPO's episodes (e.g. of ``tuner.result.history``)."""
        return {name: self._params[name].to_param(value) for name, value in suggestion.config.items()}

    def _settle(
        self, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None, suggestion: Suggestion, sign: float
    ) -> None:
        """A finished trial's episode: told (completed), held until the rest of its rollout is (failed, pruned), or discarded."""
        if any(trial.params.get(name, _MISSING) != value for name, value in self.proposal(suggestion).items()):
            self._discard(trial.number, suggestion, "the trial evaluated other values than MAPPO proposed")
            return
        if state == TrialState.COMPLETE and values and math.isfinite(values[0]):
            reward = sign * float(values[0])
            self._worst = reward if self._worst is None else min(self._worst, reward)
            self.tuner.tell(suggestion, reward)
        else:
            reports = [v for _, v in sorted(trial.intermediate_values.items()) if math.isfinite(v)]
            own = sign * reports[-1] if state == TrialState.PRUNED and reports else None
            self._unrewarded.append((suggestion, own))
        self._reward_the_failures()

    def _reward_the_failures(self) -> None:
        """Once every other episode of the rollout is told, tell the failed and pruned ones: the worst completed
        reward, or a pruned trial's own last report where that is lower."""
        if not self._unrewarded or self.tuner.width() != len(self._unrewarded):
            return
        owns = [own for _, own in self._unrewarded if own is not None]
        worst = self._worst if self._worst is not None else min(owns, default=0.0)
        held, self._unrewarded = self._unrewarded, []
        for suggestion, own in held:
            self.tuner.tell(suggestion, worst if own is None else min(own, worst))

    def _discard(self, number: int, suggestion: Suggestion, why: str) -> None:
        """MAPPO does not learn from this episode; the first discard warns."""
        self.tuner.discard(suggestion)
        if not self.discarded:
            warnings.warn(
                f"MAPPOSampler: trial {number}: {why}; MAPPO does not learn from such trials "
                "(this warning is shown once; MAPPOSampler.discarded lists them all)",
                UserWarning,
                stacklevel=4,
            )
        self.discarded.append((number, why))
        self._reward_the_failures()

    def _expire(self, study: optuna.Study) -> None:
        """Settle pending trials the study finished without us (another process, a heartbeat), discard abandoned ones."""
        if not self._pending:
            return
        trials = {t.number: t for t in study.get_trials(deepcopy=False)}
        finished = sorted(n for n, t in trials.items() if t.state.is_finished())
        sign = 1.0 if study.direction == StudyDirection.MAXIMIZE else -1.0
        for number in sorted(self._pending):
            trial = trials.get(number)
            if trial is None:
                continue
            if trial.state.is_finished():
                self._settle(trial, trial.state, trial.values, self._pending.pop(number), sign)
            elif len(finished) - int(np.searchsorted(finished, number, side="right")) >= self._stale_after:
                self._discard(
                    number, self._pending.pop(number), f"still running after {self._stale_after} later trials finished"
                )


_MISSING = object()


def _contains(distribution: BaseDistribution | None, value: Any) -> bool:
    """Whether Optuna would take ``value`` for a parameter of ``distribution`` (``None``: not in the space)."""
    if distribution is None:
        return False
    try:
        return distribution._contains(distribution.to_internal_repr(value))
    except ValueError:  # e.g. a choice the distribution does not have
        return False


def _single_objective(study: optuna.Study) -> None:
    """MAPPO has one shared reward: a multi-objective study is refused as Optuna's single-objective samplers do."""
    if study._is_multi_objective():
        raise ValueError("MAPPOSampler drives single-objective studies only (one shared reward)")
