"""MAPPOSampler against Optuna's sampler contract, one case per test, modelled on Optuna's own sampler tests
(``tests/samplers_tests/test_samplers.py``): what was evaluated, failures, stale trials, the contract's
arguments, pickling and resuming."""

import math
import pickle
import warnings

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

from paperlib.tuners.optuna_sampler import MAPPOSampler

optuna.logging.set_verbosity(optuna.logging.ERROR)

ROLLOUT = {"rollout_episodes": 5, "update_epochs": 2}
SPACE = {"x": FloatDistribution(-5.0, 5.0), "y": IntDistribution(1, 4), "c": CategoricalDistribution(["a", "b"])}


def quadratic(trial, low=-5.0):
    x = trial.suggest_float("x", low, 5.0)
    y = trial.suggest_int("y", 1, 4)
    c = trial.suggest_categorical("c", ["a", "b"])
    return (x - 1.0) ** 2 + y + (c == "b")


def told_match_evaluated(study, sampler):
    """Every episode MAPPO was told is the configuration its trial evaluated, with the trial's value."""
    by_value = {}
    for trial in study.trials:
        if trial.state == TrialState.COMPLETE:
            by_value.setdefault(trial.value, []).append(trial.params)
    sign = -1.0 if study.direction == optuna.study.StudyDirection.MINIMIZE else 1.0
    return all(sampler.proposal(o.suggestion) in by_value.get(sign * o.score, []) for o in sampler.tuner.result.history)


def test_a_float_with_step_one_is_sampled_on_its_steps():
    space = {"x": FloatDistribution(-5.0, 5.0, step=1.0), "y": IntDistribution(1, 4)}
    sampler = MAPPOSampler(space, seed=0, config=ROLLOUT)
    study = optuna.create_study(sampler=sampler)
    for _ in range(15):
        trial = study.ask(space)
        study.tell(trial, (trial.params["x"] - 1.0) ** 2 + trial.params["y"])
    history = sampler.tuner.result.history
    assert len(history) == 15 and not sampler.discarded
    assert [sampler.proposal(o.suggestion) for o in history] == [t.params for t in study.trials]
    assert all(float(t.params["x"]).is_integer() for t in study.trials)


def test_an_enqueued_trial_is_evaluated_as_enqueued_and_not_credited_to_mappo():
    sampler = MAPPOSampler(SPACE, seed=0, config=ROLLOUT)
    study = optuna.create_study(sampler=sampler)
    study.enqueue_trial({"x": 1.0})
    with pytest.warns(UserWarning, match="trial 0: the trial evaluated other values"):
        study.optimize(quadratic, n_trials=6)
    assert study.trials[0].params["x"] == 1.0
    assert [n for n, _ in sampler.discarded] == [0]
    assert len(sampler.tuner.result.history) == 5 and told_match_evaluated(study, sampler)
    assert sampler.tuner.updates == 1  # the discarded slot was filled by asking again


def test_a_range_narrowed_later_discards_the_episodes_out_of_it_with_one_warning():
    sampler = MAPPOSampler(SPACE, seed=0, config=ROLLOUT)
    study = optuna.create_study(sampler=sampler)
    study.optimize(quadratic, n_trials=5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(lambda trial: quadratic(trial, low=2.0), n_trials=20)
    ours = [w for w in caught if "MAPPOSampler" in str(w.message)]
    assert len(sampler.discarded) >= 2 and len(ours) == 1
    assert all(study.trials[n].params["x"] >= 2.0 for n, _ in sampler.discarded)
    assert told_match_evaluated(study, sampler)


def test_failed_and_pruned_trials_are_rewarded_no_better_than_the_worst_completed_one():
    sampler = MAPPOSampler(SPACE, seed=0, config=ROLLOUT)
    study = optuna.create_study(direction="minimize", sampler=sampler)

    def flaky(trial):
        value = quadratic(trial)
        if trial.number == 0:
            raise ValueError("the training diverged")
        if trial.number == 1:
            trial.report(0.0, step=0)  # the best value a minimizing study can see...
            raise optuna.TrialPruned()  # ...but the trial never finished
        return value

    study.optimize(flaky, n_trials=5, catch=(ValueError,))
    assert [t.state.name for t in study.trials] == ["FAIL", "PRUNED", "COMPLETE", "COMPLETE", "COMPLETE"]
    rewards = {o.suggestion.index: o.score for o in sampler.tuner.result.history}
    assert len(rewards) == 5 and sampler.tuner.updates == 1
    worst_completed = min(-t.value for t in study.trials[2:])
    assert rewards[0] == worst_completed and rewards[1] <= worst_completed


def test_trials_asked_and_never_told_expire():
    sampler = MAPPOSampler(SPACE, seed=0, config=ROLLOUT)
    study = optuna.create_study(sampler=sampler)
    for _ in range(5):
        study.ask(SPACE)  # a crashed worker, an abandoned ask: never told
    study.optimize(quadratic, n_trials=15)
    assert sorted(n for n, _ in sampler.discarded) == [0, 1, 2, 3, 4]
    assert len(sampler.tuner.result.history) == 10 and sampler.tuner.updates == 2
    assert told_match_evaluated(study, sampler)


def test_partial_fixed_sampler_fixes_a_parameter_and_mappo_searches_the_rest():
    base = MAPPOSampler(SPACE, seed=0, config=ROLLOUT)
    study = optuna.create_study(sampler=optuna.samplers.PartialFixedSampler({"x": 1.0}, base))
    study.optimize(quadratic, n_trials=10)
    assert all(t.params["x"] == 1.0 for t in study.trials)
    assert base.tuner.space.names == ("y", "c")
    assert len(base.tuner.result.history) == 10 and not base.discarded


def test_before_trial_reaches_the_independent_sampler():
    class Recording(optuna.samplers.RandomSampler):
        calls = 0

        def before_trial(self, study, trial):
            Recording.calls += 1

    study = optuna.create_study(sampler=MAPPOSampler(SPACE, seed=0, independent_sampler=Recording(seed=0)))
    study.optimize(quadratic, n_trials=3)
    assert Recording.calls == 3


def test_multi_objective_studies_raise_value_error_as_optunas_single_objective_samplers_do():
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=MAPPOSampler(SPACE, seed=0))
    trial = study._storage.get_trial(study._storage.create_new_trial(study._study_id))
    with pytest.raises(ValueError, match="single-objective"):
        study.sampler.sample_independent(study, trial, "x", SPACE["x"])
    with pytest.raises(ValueError, match="single-objective"):
        study.sampler.sample_relative(study, trial, study.sampler.infer_relative_search_space(study, trial))


def test_seed_none_draws_a_seed_that_reproduces_the_study():
    def params(sampler):
        study = optuna.create_study(sampler=sampler)
        study.optimize(quadratic, n_trials=6)
        return [t.params for t in study.trials]

    a, b = MAPPOSampler(SPACE, config=ROLLOUT), MAPPOSampler(SPACE, config=ROLLOUT)
    assert isinstance(a.seed, int) and a.seed != b.seed
    assert params(a) == params(MAPPOSampler(SPACE, seed=a.seed, config=ROLLOUT)) != params(b)


def test_the_sampler_and_a_study_holding_it_pickle_and_resume_as_if_never_stopped():
    def study_of(sampler):
        return optuna.create_study(sampler=sampler)

    whole = study_of(MAPPOSampler(SPACE, seed=0, config=ROLLOUT))
    whole.optimize(quadratic, n_trials=14)
    first = study_of(MAPPOSampler(SPACE, seed=0, config=ROLLOUT))
    first.optimize(quadratic, n_trials=7)
    restored = pickle.loads(pickle.dumps(first))  # the study, its storage and its sampler
    sampler = pickle.loads(pickle.dumps(first.sampler))
    restored.sampler = sampler
    restored.optimize(quadratic, n_trials=7)
    assert [t.params for t in restored.trials] == [t.params for t in whole.trials]
    assert sampler.tuner.updates == whole.sampler.tuner.updates == 2


def test_a_fresh_sampler_on_a_reloaded_study_says_what_it_does_and_does_not_replay_the_first_run(tmp_path):
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(tmp_path / "journal")))
    study = optuna.create_study(study_name="s", storage=storage, sampler=MAPPOSampler(SPACE, seed=0, config=ROLLOUT))
    study.optimize(quadratic, n_trials=11)
    reloaded = optuna.load_study(study_name="s", storage=storage, sampler=MAPPOSampler(SPACE, seed=0, config=ROLLOUT))
    with pytest.warns(UserWarning, match="already has 11 finished trials; MAPPO starts a new policy"):
        reloaded.optimize(quadratic, n_trials=11)
    params = [t.params for t in reloaded.trials]
    assert len(params) == 22 and params[11:] != params[:11]
    assert len(reloaded.sampler.tuner.result.history) == 11  # it learns from its own trials only


def test_a_log_scaled_int_gets_a_log_spaced_grid():
    space = {"n": IntDistribution(1, 1024, log=True)}
    sampler = MAPPOSampler(space, seed=0, config=ROLLOUT)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda trial: math.log2(trial.suggest_int("n", 1, 1024, log=True)), n_trials=40)
    visited = sorted({sampler.proposal(o.suggestion)["n"] for o in sampler.tuner.result.history})
    log_grid = [1024 ** (k / 8) for k in range(9)]  # 1, 2.38, 5.66, 13.5, 32, 76.1, 181, 431, 1024
    assert all(min(abs(v - g) for g in log_grid) <= 0.6 for v in visited), visited
    assert len([v for v in visited if 2 <= v <= 128]) >= 3, (
        visited
    )  # a linear grid (1, 129, 257, ...) never reaches them
