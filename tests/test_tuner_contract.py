"""One contract suite, run against every method of the paper (STYLE.md point 4)."""

import math

import pytest

from paperlib.space import TABLE2, SearchSpace, SpaceError
from paperlib.tuners.base import METHODS, TunerError, make_tuner, run_search
from paperlib.tuners.synthetic import Bowl

EPISODES = 30


@pytest.mark.parametrize("method", list(METHODS))
def test_run_search_evaluates_the_budget_inside_the_space(method):
    result = run_search(method, Bowl(), episodes=EPISODES, seed=3)
    n = len(result.history)
    assert 0 < n <= EPISODES
    if method not in ("hyperband", "bohb"):  # hpbandster may stop short of the budget, never past it
        assert n == EPISODES
    for observation in result.history:
        assert TABLE2.validate(observation.suggestion.config) == dict(observation.suggestion.config)
        assert 0.0 < observation.suggestion.budget <= 1.0
        assert observation.optimizer_seconds >= 0.0 and observation.objective_seconds >= 0.0
    assert [o.suggestion.index for o in result.history] == list(range(n))
    assert result.best_score == max(o.score for o in result.history)
    assert Bowl()(result.best_config, result.incumbent.suggestion.budget) == pytest.approx(result.best_score)


@pytest.mark.parametrize("method", list(METHODS))
def test_same_seed_same_suggestions(method):
    def trace(seed):
        result = run_search(method, Bowl(), episodes=EPISODES, seed=seed)
        return [(dict(o.suggestion.config), o.suggestion.budget) for o in result.history]

    first = trace(5)
    assert first == trace(5)
    assert first != trace(6)


@pytest.mark.parametrize("method", list(METHODS))
def test_replay_restores_the_state(method):
    objective = Bowl()
    full_tuner = make_tuner(method, seed=1, episodes=EPISODES)
    full = full_tuner.run(objective)
    cut = 25 if method == "mappo" else 12  # MAPPO's replay crosses its first policy update (after episode 20)
    done = [(o.suggestion.config, o.suggestion.budget, o.score) for o in full.history[:cut]]
    tuner = make_tuner(method, seed=1, episodes=EPISODES)
    tuner.replay(done)
    assert len(tuner.training_log()) == len([u for u in full_tuner.training_log() if u["after_episode"] <= cut])
    rest = tuner.run(objective)
    assert [(dict(o.suggestion.config), o.suggestion.budget) for o in rest.history] == [
        (dict(o.suggestion.config), o.suggestion.budget) for o in full.history
    ]
    assert tuner.training_log() == full_tuner.training_log()  # MAPPO's update records too (none for the others)


@pytest.mark.parametrize("method", list(METHODS))
def test_replay_of_a_foreign_record_is_refused(method):
    tuner = make_tuner(method, seed=1, episodes=EPISODES)
    foreign = dict(TABLE2.default(), conv_size=2, hidden_size=124)
    try:
        with pytest.raises(TunerError, match="cannot resume"):
            tuner.replay([(foreign, 1.0, 0.5)] * 3)
    finally:
        tuner.close()


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("bad", [{"seed": "1"}, {"seed": 1.5}, {"episodes": 0}, {"episodes": -3}])
def test_bad_arguments_are_refused(method, bad):
    arguments = {"seed": 0, "episodes": 10, **bad}
    with pytest.raises(TunerError, match="seed|episodes"):
        make_tuner(method, **arguments)


def test_unknown_method_names_the_choices():
    with pytest.raises(TunerError, match="unknown method 'grid'.*mappo"):
        make_tuner("grid")


def test_space_rejects_out_of_range_and_unknown():
    with pytest.raises(SpaceError, match="learning_rate"):
        TABLE2.validate(dict(TABLE2.default(), learning_rate=0.5))
    with pytest.raises(SpaceError, match="momentum"):
        TABLE2.validate(dict(TABLE2.default(), momentum=0.9))


# The contract again on a space a practitioner writes: a categorical, a log-scale float, a float and a wide int.
MIXED = SearchSpace.from_dict(
    {
        "optimizer": {"kind": "categorical", "choices": ["adam", "sgd", "rmsprop"]},
        "lr": {"kind": "float", "low": 1e-4, "high": 1e-1, "log": True},
        "momentum": {"kind": "float", "low": 0.0, "high": 0.99},
        "units": {"kind": "int", "low": 16, "high": 512},
    }
)
VARIANTS = [(method, {}) for method in METHODS] + [("mappo", {"heads": "continuous"})]


def mixed_objective(config, budget=1.0):
    """A smooth synthetic score with a best categorical choice (sgd), in (0, 1]."""
    bonus = {"adam": 0.8, "sgd": 1.0, "rmsprop": 0.6}[config["optimizer"]]
    return bonus * (1 - 0.1 * (math.log10(config["lr"]) + 2) ** 2 / 4 - 0.1 * (config["momentum"] - 0.9) ** 2)


@pytest.mark.parametrize(
    "method, options", VARIANTS, ids=[f"{m}{'-' if o else ''}{''.join(o.values())}" for m, o in VARIANTS]
)
def test_every_method_searches_a_space_with_a_categorical(method, options):
    def trace(seed):
        return run_search(method, mixed_objective, episodes=EPISODES, seed=seed, space=MIXED, **options)

    result = trace(2)
    assert 0 < len(result.history) <= EPISODES
    for observation in result.history:
        config = dict(observation.suggestion.config)
        assert MIXED.validate(config) == config and config["optimizer"] in ("adam", "sgd", "rmsprop")
        assert type(config["units"]) is int and type(config["lr"]) is float
    assert len({o.suggestion.config["optimizer"] for o in result.history}) > 1  # the categorical is searched
    configs = [dict(o.suggestion.config) for o in result.history]
    assert configs == [dict(o.suggestion.config) for o in trace(2).history]
    tuner = make_tuner(method, space=MIXED, seed=2, episodes=EPISODES, **options)
    tuner.replay([(o.suggestion.config, o.suggestion.budget, o.score) for o in result.history[:12]])
    assert [dict(o.suggestion.config) for o in tuner.run(mixed_objective).history] == configs
