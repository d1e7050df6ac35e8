"""The five baselines (hyperopt: random, anneal, tpe; hpbandster: hyperband, bohb) on synthetic objectives.

The contract suite (test_tuner_contract.py) checks the interface; these check that the libraries'
real algorithms run behind it: same suggestions as hyperopt's own ``fmin``, Hyperband's brackets and
successive halving, BOHB's model, the episode plan, and a clean shutdown of hpbandster's threads.
"""

import json
import math
import statistics
import threading
import time

import numpy as np
import psutil
import pytest
from hyperopt import Trials, anneal, fmin, rand, tpe

from paperlib.space import TABLE2, SearchSpace
from paperlib.tuners._hpbandster_session import HpBandSterError
from paperlib.tuners.base import TunerError, make_tuner, run_search
from paperlib.tuners.hpbandster_tuners import Hyperband, HyperbandPlan
from paperlib.tuners.hyperopt_tuners import hyperopt_space
from paperlib.tuners.synthetic import Bowl

HYPEROPT = {"random": rand.suggest, "anneal": anneal.suggest, "tpe": tpe.suggest}
BASELINES = ["random", "anneal", "tpe", "hyperband", "bohb"]


def trace(result):
    return [(dict(o.suggestion.config), o.suggestion.budget) for o in result.history]


# --- hyperopt ---


@pytest.mark.parametrize("method", list(HYPEROPT))
def test_hyperopt_tuners_suggest_what_fmin_suggests(method):
    # fmin with rstate=default_rng(seed) is the library's own loop; ask/tell must reproduce it.
    objective, seed, episodes = Bowl(), 4, 30  # 30 > TPE's 20 random start-up trials
    trials = Trials()
    fmin(
        lambda config: 1.0 - objective(config),
        hyperopt_space(TABLE2),
        algo=HYPEROPT[method],
        max_evals=episodes,
        trials=trials,
        rstate=np.random.default_rng(seed),
        show_progressbar=False,
    )
    expected = [TABLE2.validate({k: v[0] for k, v in t["misc"]["vals"].items()}) for t in trials.trials]
    ours = run_search(method, objective, episodes=episodes, seed=seed)
    assert [dict(o.suggestion.config) for o in ours.history] == expected


@pytest.mark.parametrize("method", list(HYPEROPT))
def test_hyperopt_runs_every_episode_at_full_budget_with_plain_types(method):
    result = run_search(method, Bowl(), episodes=40, seed=2)
    assert len(result.history) == 40
    for observation in result.history:
        config = observation.suggestion.config
        assert observation.suggestion.budget == 1.0
        assert [type(config[h.name]) for h in TABLE2] == [int if h.kind == "int" else float for h in TABLE2]
        assert TABLE2.validate(config) == dict(config)


def test_hyperopt_refuses_a_score_for_a_suggestion_it_did_not_hand_out():
    tuner = make_tuner("tpe", seed=0, episodes=5)
    suggestion = tuner.ask()
    with pytest.raises(TunerError, match="not handed out"):
        tuner.tell(type(suggestion)(index=3, config=suggestion.config), 0.5)
    tuner.tell(suggestion, 0.5)
    with pytest.raises(TunerError, match="already told"):
        tuner.tell(suggestion, 0.5)


def test_learning_rate_is_drawn_log_uniformly():
    # Log-uniform on [1e-4, 1e-1] puts half the draws below the geometric middle 10**-2.5; a uniform
    # draw would put 3 % there.
    result = run_search("random", Bowl(), episodes=200, seed=0)
    below = sum(o.suggestion.config["learning_rate"] < 10**-2.5 for o in result.history) / 200
    assert 0.4 < below < 0.6


def test_tpe_beats_random_search_on_a_bowl():
    # Seeds 0-4, 100 episodes each. Measured (hyperopt 0.3.0): mean best 0.9844 (TPE) vs 0.9732
    # (random), TPE ahead on all 5 seeds. We require half that margin and 4 of 5 seeds.
    seeds, episodes = range(5), 100
    tpe_best = [run_search("tpe", Bowl(), episodes=episodes, seed=s).best_score for s in seeds]
    random_best = [run_search("random", Bowl(), episodes=episodes, seed=s).best_score for s in seeds]
    assert statistics.mean(tpe_best) - statistics.mean(random_best) >= 0.005
    assert sum(t > r for t, r in zip(tpe_best, random_best)) >= 4


def test_describe_records_the_library_defaults():
    tpe_settings = make_tuner("tpe").describe()
    assert tpe_settings["defaults"] == {"prior_weight": 1.0, "n_startup_jobs": 20, "n_EI_candidates": 24, "gamma": 0.25}
    assert make_tuner("anneal").describe()["defaults"] == {"avg_best_idx": 2.0, "shrink_coef": 0.1}
    bohb = make_tuner("bohb", episodes=200)
    try:
        assert bohb.describe()["defaults"]["top_n_percent"] == 15
        assert bohb.describe()["defaults"]["min_points_in_model (effective)"] == 6
    finally:
        bohb.close()
    for method in BASELINES:
        tuner = make_tuner(method)
        json.dumps(tuner.describe())  # goes into run.json
        tuner.close()


# --- the Hyperband plan ---


@pytest.mark.parametrize(
    "episodes, eta, min_budget, n_iterations, evaluations, full_budget",
    [
        (200, 3, 1 / 9, 30, 200, 80.0),  # brackets 13 + 4 + 3 = 20 (3 + 2 + 3 full), 10 cycles
        (30, 3, 1 / 9, 3, 20, 8.0),  # one cycle; the next bracket (13) would overshoot
        (33, 3, 1 / 9, 4, 33, 11.0),  # one cycle and the widest bracket: 20 + 13
        (200, 2, 1 / 4, 45, 195, 120.0),  # brackets 7 + 3 + 3 = 13 (3 + 2 + 3 full), 15 cycles; 5 left < 7
        (200, 3, 1 / 27, 12, 195, 45.0),  # brackets 40 + 13 + 8 + 4 = 65 (4 + 3 + 4 + 4 full), 3 cycles
    ],
)
def test_plan_against_hand_computed_counts(episodes, eta, min_budget, n_iterations, evaluations, full_budget):
    plan = HyperbandPlan(episodes, eta, min_budget)
    assert plan.n_iterations == n_iterations
    assert plan.evaluations == evaluations
    assert plan.full_budget_equivalents == pytest.approx(full_budget)


def test_plan_brackets_at_eta_3():
    plan = HyperbandPlan(200)
    assert plan.budgets == pytest.approx((1 / 9, 1 / 3, 1.0))
    assert plan.rungs(0) == [(9, pytest.approx(1 / 9)), (3, pytest.approx(1 / 3)), (1, 1.0)]
    assert plan.rungs(1) == [(3, pytest.approx(1 / 3)), (1, 1.0)]
    assert plan.rungs(2) == [(3, 1.0)]


@pytest.mark.parametrize(
    ("budget", "n_iterations", "evaluations"),
    [(200, 75, 500), (8, 3, 20), (10, 3, 20), (11, 4, 33), (3, 1, 13)],
)
def test_equal_compute_plan_spends_the_full_budgets_the_other_methods_spend(budget, n_iterations, evaluations):
    plan = HyperbandPlan(
        budget, equal_compute=True
    )  # cycle of brackets: 3 + 2 + 3 full budgets, 13 + 4 + 3 evaluations
    assert (plan.n_iterations, plan.evaluations) == (n_iterations, evaluations)
    assert plan.full_budget_equivalents <= budget + 1e-9
    assert plan.full_budget_equivalents + plan.full_budgets_of(plan.n_iterations) > budget


def test_an_equal_compute_search_trains_as_much_as_its_episodes_at_full_budget():
    result = run_search("hyperband", Bowl(), episodes=11, seed=0, equal_compute=True)
    assert len(result.history) == 33
    assert sum(o.suggestion.budget for o in result.history) == pytest.approx(
        11.0
    )  # brackets of 3 + 2 + 3, then 3 again


def test_too_few_episodes_for_one_bracket_are_refused():
    with pytest.raises(TunerError, match="fewer than the 13 evaluations"):
        make_tuner("hyperband", episodes=12)
    with pytest.raises(TunerError, match="eta"):
        make_tuner("bohb", eta=1.0)


# --- hpbandster ---


def test_hyperband_runs_exactly_the_plan():
    tuner = make_tuner("hyperband", seed=0, episodes=200)
    result = tuner.run(Bowl())
    plan = tuner.plan
    expected = [b for i in range(plan.n_iterations) for n, b in plan.rungs(i) for _ in range(n)]
    assert [o.suggestion.budget for o in result.history] == pytest.approx(expected)
    assert len(result.history) == 200
    assert sum(o.suggestion.budget for o in result.history) == pytest.approx(80.0)
    for observation in result.history:
        assert TABLE2.validate(observation.suggestion.config) == dict(observation.suggestion.config)


def test_fewer_evaluations_than_episodes_when_no_bracket_fits_the_rest():
    tuner = make_tuner("bohb", seed=0, episodes=30)
    try:
        assert tuner.describe()["planned_evaluations"] == tuner.episodes == 20
        for _ in range(20):
            suggestion = tuner.ask()
            tuner.tell(suggestion, Bowl()(suggestion.config, suggestion.budget))
        with pytest.raises(TunerError, match="20 evaluations are used up"):
            tuner.ask()
    finally:
        tuner.close()
    with pytest.raises(TunerError, match="closed"):
        tuner.ask()


def test_successive_halving_promotes_the_best_third():
    result = run_search("hyperband", Bowl(), episodes=20, seed=7)
    first_rung, second_rung = result.history[:9], result.history[9:12]
    best_three = sorted(first_rung, key=lambda o: o.score, reverse=True)[:3]
    assert sorted(map(str, (o.suggestion.config for o in second_rung))) == sorted(
        map(str, (o.suggestion.config for o in best_three))
    )
    assert result.history[12].suggestion.config == max(second_rung, key=lambda o: o.score).suggestion.config


def test_bohb_follows_hyperband_until_its_model_exists():
    # Both sample ConfigSpace's seeded prior until BOHB has a KDE (12 results on one budget with
    # 5 hyperparameters): the first 20 episodes agree, later ones come from the model.
    hyperband, bohb = (trace(run_search(m, Bowl(), episodes=60, seed=3)) for m in ("hyperband", "bohb"))
    assert bohb[:20] == hyperband[:20]
    assert bohb != hyperband


@pytest.mark.parametrize("method", ["hyperband", "bohb"])
def test_hpbandster_runs_repeat_even_when_the_objective_uses_numpy_global_random(method):
    # BOHB draws from numpy's global random state; the tuner keeps a private one, so an objective
    # that draws from it too (say, a data loader) cannot change the suggestions.
    def noisy(config, budget):
        np.random.rand(3)
        return Bowl()(config, budget)

    first = trace(run_search(method, Bowl(), episodes=60, seed=5))
    assert first == trace(run_search(method, noisy, episodes=60, seed=5))
    assert first != trace(run_search(method, Bowl(), episodes=60, seed=6))


class ObjectiveFailed(Exception):
    pass


def fail_at_episode(n):
    calls = []

    def objective(config, budget):
        calls.append(config)
        if len(calls) == n:
            raise ObjectiveFailed(f"episode {n}")
        return Bowl()(config, budget)

    return objective


def close_after_three_asks(tuner):
    for _ in range(2):
        suggestion = tuner.ask()
        tuner.tell(suggestion, 0.5)
    tuner.ask()  # left without a score
    tuner.close()
    tuner.close()  # idempotent


@pytest.mark.parametrize("method", ["hyperband", "bohb"])
@pytest.mark.parametrize("ending", ["complete", "objective raises", "early close", "close before ask"])
def test_hpbandster_leaves_no_thread_or_socket(method, ending):
    process = psutil.Process()
    threads_before = set(threading.enumerate())
    sockets_before = set(process.net_connections(kind="all"))
    tuner = make_tuner(method, seed=0, episodes=30)
    if ending == "complete":
        tuner.run(Bowl())
    elif ending == "objective raises":
        with pytest.raises(ObjectiveFailed):
            tuner.run(fail_at_episode(14))
    elif ending == "early close":
        close_after_three_asks(tuner)
    else:
        tuner.close()
    assert set(threading.enumerate()) == threads_before
    assert set(process.net_connections(kind="all")) == sockets_before


def test_hpbandster_refuses_out_of_order_driving():
    tuner = make_tuner("bohb", seed=0, episodes=30)
    try:
        first = tuner.ask()
        with pytest.raises(TunerError, match="suggestion 0 waits for its rung's scores"):
            tuner.ask()
        with pytest.raises(TunerError, match="not the one awaiting"):
            tuner.tell(type(first)(index=5, config=first.config, budget=first.budget), 0.5)
        tuner.tell(first, 0.5)
        with pytest.raises(TunerError, match="not the one awaiting"):
            tuner.tell(first, 0.5)
    finally:
        tuner.close()
    assert not math.isnan(tuner.result.best_score)


def test_hyperband_hands_out_a_whole_rung_and_no_more():
    tuner = make_tuner("hyperband", seed=0, episodes=30)
    try:
        rung = [tuner.ask() for _ in range(9)]  # the first bracket's first rung: 9 configurations at 1/9
        assert tuner.width() == 9 and [s.budget for s in rung] == pytest.approx([1 / 9] * 9)
        with pytest.raises(TunerError, match="suggestion 8 waits for its rung's scores"):
            tuner.ask()
        with pytest.raises(TunerError, match="not the one awaiting"):
            tuner.tell(rung[1], 0.5)
    finally:
        tuner.close()


def test_a_score_that_never_comes_fails_loudly():
    tuner = make_tuner("bohb", seed=0, episodes=30, score_wait_s=0.05)
    try:
        suggestion = tuner.ask()
        time.sleep(0.3)  # longer than score_wait_s: the worker has given up on this job
        with pytest.raises(HpBandSterError, match="no score came within 0.05 s"):
            tuner.tell(suggestion, 0.5)
    finally:
        tuner.close()


def test_a_failing_master_fails_loudly_and_cleans_up(monkeypatch):
    def broken_master(**kwargs):
        raise RuntimeError("no master today")

    monkeypatch.setattr(Hyperband, "master_factory", staticmethod(broken_master))
    threads_before = set(threading.enumerate())
    tuner = make_tuner("hyperband", seed=0, episodes=30)
    with pytest.raises(HpBandSterError, match="no master today"):
        tuner.ask()
    tuner.close()
    assert set(threading.enumerate()) == threads_before


def test_hyperopt_draws_a_log_scale_int_log_uniformly():
    space = SearchSpace.from_dict({"units": {"kind": "int", "low": 1, "high": 1000, "log": True}})
    result = run_search("random", lambda config, budget: 0.0, episodes=200, seed=0, space=space)
    units = [o.suggestion.config["units"] for o in result.history]
    assert all(type(u) is int and 1 <= u <= 1000 for u in units)
    assert 0.2 < sum(u <= 31 for u in units) / len(units) < 0.8  # about half below the geometric midpoint
