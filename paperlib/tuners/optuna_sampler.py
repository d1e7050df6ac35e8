"""``MAPPOSampler``: an Optuna study driven by MAPPO, through Optuna's own sampler interface.

The joint configuration is sampled relatively (one MAPPO episode per trial), the study's value is the
shared reward (negated when the study minimizes), and pruned or failed trials are still told, so a
rollout always completes (docs/decisions.md#optuna-sampler). Optuna is an optional dependency.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from paperlib.errors import SpaceError, TunerError
from paperlib.space import Hyperparameter, SearchSpace
from paperlib.tuners.base import Suggestion
from paperlib.tuners.mappo import MAPPOConfig, MAPPOTuner

try:
    import optuna
    from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
    from optuna.search_space import IntersectionSearchSpace
    from optuna.study import StudyDirection
    from optuna.trial import FrozenTrial, TrialState
except ImportError as missing:  # pragma: no cover - exercised only without optuna
    raise TunerError(
        "MAPPOSampler needs optuna: pip install optuna (the pinned version is in requirements.txt)"
    ) from missing


def to_space(distributions: Mapping[str, BaseDistribution]) -> SearchSpace:
    """Optuna distributions as a :class:`SearchSpace`; a categorical's choices become their indices.

    Indices let any Optuna choice (``None``, a tuple) through; a stepped distribution becomes a
    categorical over its values, in order.
    """
    hps = []
    for name, d in distributions.items():
        if isinstance(d, CategoricalDistribution):
            hps.append(Hyperparameter(name, "categorical", choices=tuple(range(len(d.choices)))))
        elif isinstance(d, (FloatDistribution, IntDistribution)) and d.step not in (None, 1):
            count = int(round((d.high - d.low) / d.step)) + 1
            hps.append(Hyperparameter(name, "categorical", choices=tuple(range(count))))
        elif isinstance(d, IntDistribution):
            hps.append(Hyperparameter(name, "int", d.low, d.high, log=d.log))
        elif isinstance(d, FloatDistribution):
            hps.append(Hyperparameter(name, "float", d.low, d.high, log=d.log))
        else:
            raise SpaceError(f"parameter {name!r}: MAPPOSampler cannot sample {type(d).__name__}")
    return SearchSpace(tuple(hps))


def to_param(distribution: BaseDistribution, value: Any) -> Any:
    """The Optuna parameter value of a MAPPO value (a categorical index back to its choice or step value)."""
    if isinstance(distribution, CategoricalDistribution):
        return distribution.choices[value]
    if distribution.step not in (None, 1):
        point = distribution.low + value * distribution.step
        return int(point) if isinstance(distribution, IntDistribution) else float(point)
    return value


def to_distributions(space: SearchSpace) -> dict[str, BaseDistribution]:
    """A :class:`SearchSpace` as Optuna distributions (for ``MAPPOSampler(search_space=...)`` and ``study.ask``)."""
    out: dict[str, BaseDistribution] = {}
    for h in space:
        if h.kind == "categorical":
            out[h.name] = CategoricalDistribution(list(h.choices))
        elif h.kind == "int":
            out[h.name] = IntDistribution(int(h.low), int(h.high), log=h.log)
        else:
            out[h.name] = FloatDistribution(float(h.low), float(h.high), log=h.log)
    return out


def suggest(trial: optuna.Trial, space: SearchSpace) -> dict[str, Any]:
    """A configuration of ``space`` suggested through ``trial``: an objective written for ``run_search`` becomes
    ``lambda trial: objective(suggest(trial, space))`` for Optuna."""
    config: dict[str, Any] = {}
    for h in space:
        if h.kind == "categorical":
            config[h.name] = trial.suggest_categorical(h.name, list(h.choices))
        elif h.kind == "int":
            config[h.name] = trial.suggest_int(h.name, int(h.low), int(h.high), log=h.log)
        else:
            config[h.name] = trial.suggest_float(h.name, float(h.low), float(h.high), log=h.log)
    return config


class MAPPOSampler(optuna.samplers.BaseSampler):
    """MAPPO as an Optuna sampler: a ``MAPPOTuner`` proposes each trial's joint configuration.

    ``search_space`` (name -> Optuna distribution) fixes the space from the first trial; without it the
    space is inferred from the first completed trial, which (like every parameter outside the space)
    is sampled by ``independent_sampler`` (Optuna's ``RandomSampler`` with ``seed`` by default).
    ``groups``, ``heads`` and ``config`` are :class:`MAPPOTuner`'s. Single-objective studies only.
    """

    def __init__(
        self,
        search_space: Mapping[str, BaseDistribution] | None = None,
        *,
        seed: int = 0,
        groups: str | Mapping[str, Sequence[str]] | None = None,
        heads: str = "grid",
        config: MAPPOConfig | Mapping[str, Any] | None = None,
        independent_sampler: optuna.samplers.BaseSampler | None = None,
    ) -> None:
        self.seed = seed
        self._options = {"groups": groups, "heads": heads, "config": config}
        self._independent = independent_sampler or optuna.samplers.RandomSampler(seed=seed)
        self._distributions: dict[str, BaseDistribution] | None = None
        self.tuner: MAPPOTuner | None = None
        """The MAPPO tuner, once the space is known (its ``result.history`` holds every reward told)."""
        self._pending: dict[int, Suggestion] = {}  # trial number -> the episode it is evaluating
        self._lock = threading.Lock()  # Optuna's n_jobs > 1 calls a sampler from several threads
        if search_space is not None:
            self._start(dict(search_space))

    def _start(self, distributions: dict[str, BaseDistribution]) -> None:
        """Fix the space and build the tuner (once)."""
        self._distributions = {name: d for name, d in distributions.items() if not d.single()}
        self.tuner = MAPPOTuner(to_space(self._distributions), seed=self.seed, **self._options)

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        """The fixed space; until there is one, the parameters of the completed trials, if any."""
        if study._is_multi_objective():
            raise TunerError("MAPPOSampler drives single-objective studies only (one shared reward)")
        with self._lock:
            if self._distributions is None:
                inferred = IntersectionSearchSpace().calculate(study)
                if any(not d.single() for d in inferred.values()):
                    self._start(inferred)
            return dict(self._distributions or {})

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """One MAPPO episode as the trial's parameters; none (independent sampling) while a full rollout awaits its values."""
        if not search_space or self.tuner is None:
            return {}
        with self._lock:
            try:
                suggestion = self.tuner.ask()
            except TunerError:  # every episode of the rollout is out: the policy cannot move until they return
                return {}
            self._pending[trial.number] = suggestion
        return {name: to_param(self._distributions[name], v) for name, v in suggestion.config.items()}

    def sample_independent(
        self, study: optuna.Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        """A parameter outside MAPPO's space (or of a trial MAPPO did not propose), from the independent sampler."""
        return self._independent.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self, study: optuna.Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        """Tell MAPPO the reward of the trial's episode: its value, a pruned trial's last report, else the worst reward so far."""
        self._independent.after_trial(study, trial, state, values)
        with self._lock:
            suggestion = self._pending.pop(trial.number, None)
            if suggestion is None:
                return
            sign = 1.0 if study.direction == StudyDirection.MAXIMIZE else -1.0
            value = None
            if state == TrialState.COMPLETE and values:
                value = values[0]
            elif state == TrialState.PRUNED and trial.intermediate_values:
                value = trial.intermediate_values[max(trial.intermediate_values)]
            if value is not None and math.isfinite(value):
                reward = sign * float(value)
            else:
                reward = min((o.score for o in self.tuner.result.history), default=0.0)
            self.tuner.tell(suggestion, reward)

    def reseed_rng(self) -> None:
        """Reseed the independent sampler (Optuna calls this for ``n_jobs > 1``); MAPPO's own stream stays seeded."""
        self._independent.reseed_rng()
