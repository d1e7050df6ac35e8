"""MAPPOSampler in real Optuna studies: ask / tell, study.optimize, direction, pruned and failed trials (the contract's
other cases: tests/test_optuna_contract.py)."""

import math

import optuna
import pytest

from paperlib.tuners.optuna_sampler import MAPPOSampler, suggest, to_distributions
from paperlib.tuners.testfunctions import get_test_function

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = {
    "x": optuna.distributions.FloatDistribution(-5.0, 10.0),
    "lr": optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True),
    "layers": optuna.distributions.IntDistribution(1, 4),
    "width": optuna.distributions.IntDistribution(16, 256, step=16),
    "activation": optuna.distributions.CategoricalDistribution(["relu", "tanh", None]),
}
ROLLOUT = {"rollout_episodes": 5, "update_epochs": 2}


def objective(trial):
    x = trial.suggest_float("x", -5.0, 10.0)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 4)
    width = trial.suggest_int("width", 16, 256, step=16)
    activation = trial.suggest_categorical("activation", ["relu", "tanh", None])
    return (x - 1) ** 2 + (math.log10(lr) + 2) ** 2 + layers + width / 256 + (activation is None)


@pytest.mark.parametrize("direction, sign", [("minimize", -1.0), ("maximize", 1.0)])
def test_ask_and_tell_drive_mappo_with_the_study_value_as_reward(direction, sign):
    sampler = MAPPOSampler(SPACE, seed=0, config=ROLLOUT)
    study = optuna.create_study(direction=direction, sampler=sampler)
    values = []
    for _ in range(2 * ROLLOUT["rollout_episodes"]):
        trial = study.ask(SPACE)
        values.append(objective(trial))
        study.tell(trial, values[-1])
    history = sampler.tuner.result.history
    assert [o.score for o in history] == pytest.approx([sign * v for v in values])
    assert sampler.tuner.updates == 2
    for trial, observation in zip(study.trials, history):
        config = observation.suggestion.config
        assert trial.params["x"] == config["x"] and trial.params["layers"] == config["layers"]
        assert trial.params["width"] == 16 + 16 * config["width"]  # a stepped int is a categorical over its steps
        assert trial.params["activation"] == ["relu", "tanh", None][config["activation"]]


def test_study_optimize_infers_the_space_and_is_seeded():
    def run(seed, heads="grid"):
        study = optuna.create_study(sampler=MAPPOSampler(seed=seed, heads=heads, config=ROLLOUT))
        study.optimize(objective, n_trials=16)
        return study

    study = run(0)
    assert len(study.sampler.tuner.result.history) == 15  # the first trial, before a space is known, is random
    assert set(study.sampler.tuner.space.names) == set(SPACE)
    assert study.best_value == min(t.value for t in study.trials)
    params = [t.params for t in study.trials]
    assert params == [t.params for t in run(0).trials] and params != [t.params for t in run(1).trials]
    continuous = run(0, "continuous")
    assert len({t.params["x"] for t in continuous.trials}) == 16  # Beta heads: no two x alike


def test_pruned_and_failed_trials_are_told_once_the_rest_of_the_rollout_is():
    sampler = MAPPOSampler(SPACE, seed=0, config=ROLLOUT)
    study = optuna.create_study(direction="maximize", sampler=sampler)

    def flaky(trial):
        value = objective(trial)
        if trial.number == 1:
            trial.report(-7.0, step=0)
            trial.report(-3.0, step=1)
            raise optuna.TrialPruned()
        if trial.number == 2:
            raise ValueError("the training diverged")
        if trial.number == 3:
            return math.nan
        return value

    study.optimize(flaky, n_trials=5, catch=(ValueError,))
    assert [t.state.name for t in study.trials] == ["COMPLETE", "PRUNED", "FAIL", "FAIL", "COMPLETE"]
    scores = {o.suggestion.index: o.score for o in sampler.tuner.result.history}
    assert list(scores) == [0, 4, 1, 2, 3]  # the failed and pruned ones after the rest of their rollout
    worst = min(study.trials[0].value, study.trials[4].value)
    assert scores[1] == min(-3.0, worst)  # a pruned trial's last report, if no better than the worst completed
    assert scores[2] == scores[3] == worst  # a failure: the worst completed reward
    assert sampler.tuner.updates == 1


def test_trials_beyond_a_pending_rollout_fall_back_to_the_independent_sampler():
    sampler = MAPPOSampler(SPACE, seed=0, config=ROLLOUT)
    study = optuna.create_study(sampler=sampler)
    trials = [study.ask(SPACE) for _ in range(ROLLOUT["rollout_episodes"] + 2)]
    assert len(sampler._pending) == ROLLOUT["rollout_episodes"]
    assert all(set(t.params) == set(SPACE) for t in trials)
    for trial in trials:
        study.tell(trial, objective(trial))
    assert sampler.tuner.updates == 1 and not sampler._pending


def test_a_run_search_objective_runs_in_optuna_through_suggest():
    problem = get_test_function("func2c")
    sampler = MAPPOSampler(to_distributions(problem.space), seed=0, config=ROLLOUT)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(lambda trial: problem(suggest(trial, problem.space)), n_trials=10)
    assert [t.value for t in study.trials] == [problem(t.params) for t in study.trials]
    choices = problem.space["h1"].choices  # MAPPO's side holds a categorical as the index of its choice
    told = [o.suggestion.config for o in sampler.tuner.result.history]
    assert [{**c, "h1": choices[c["h1"]], "h2": choices[c["h2"]]} for c in told] == [t.params for t in study.trials]
    assert sampler.tuner.updates == 2
