"""The MAPPO tuner: what agents and critics observe, what they suggest, how far an update moves them, that they
learn, and that they replay exactly."""

import json
import math
import statistics

import pytest
import torch

from paperlib.space import TABLE2, Hyperparameter, SearchSpace
from paperlib.tuners.base import Suggestion, TunerError, run_search
from paperlib.tuners.mappo import ppo
from paperlib.tuners.mappo.agents import LAYER_GROUPS, Team
from paperlib.tuners.mappo.tuner import MAPPOConfig, MAPPOTuner, options, streams
from paperlib.tuners.synthetic import Bowl, Coupled

GROUPINGS = ["layers", "per_hyperparameter", "single"]


def grid_index(name, value):
    return TABLE2[name].grid().index(value)


@pytest.mark.parametrize("groups", GROUPINGS)
def test_every_suggestion_is_a_grid_point_inside_table2(groups):
    result = MAPPOTuner(seed=0, episodes=60, groups=groups).run(Bowl())
    for observation in result.history:
        config = dict(observation.suggestion.config)
        assert TABLE2.validate(config) == config
        for hp in TABLE2:
            value = config[hp.name]
            assert type(value) is (int if hp.kind == "int" else float)  # plain Python, not numpy or torch
            assert hp.low <= value <= hp.high and value in hp.grid()


def test_the_paper_grouping_has_three_agents_by_layer():
    tuner = MAPPOTuner()
    assert [a.name for a in tuner.team.agents] == ["conv", "dense", "optimizer"]
    assert tuner.groups == LAYER_GROUPS
    assert [a.head_sizes for a in tuner.team.agents] == [(6,), (9, 9), (9, 9)]
    assert len(MAPPOTuner(groups="per_hyperparameter").team) == 5 and len(MAPPOTuner(groups="single").team) == 1


def test_agent_i_observes_agent_i_minus_1s_action():
    tuner = MAPPOTuner(seed=4)
    seen = []
    for actor in tuner.actors:
        actor.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0].clone()))
    config = tuner.ask().config
    start, after_conv, after_dense = seen
    width = 1 + 18  # the widest action (dense, optimizer: 9 + 9 values), plus the start token's slot
    expected = torch.zeros(3, width)
    expected[0, 18] = 1.0  # agent 0: the start token
    expected[1, grid_index("conv_size", config["conv_size"])] = 1.0  # agent 1: conv's action
    expected[2, grid_index("hidden_size", config["hidden_size"])] = 1.0  # agent 2: dense's two heads
    expected[2, 9 + grid_index("dropout_rate", config["dropout_rate"])] = 1.0
    assert torch.equal(torch.stack([start, after_conv, after_dense]), expected)


def test_the_shared_critic_sees_the_actions_so_far_and_the_agent_index():
    team = Team(TABLE2, LAYER_GROUPS)
    states = team.states([(3,), (2, 4), (0, 8)])
    assert states.shape == (3, 6 + 18 + 18 + 3)
    expected = torch.zeros(3, 45)
    expected[0, 42] = 1.0  # conv acts first: nothing seen yet
    expected[1, [3, 43]] = 1.0  # dense sees conv's action
    expected[2, [3, 6 + 2, 6 + 9 + 4, 44]] = 1.0  # optimizer sees conv's and dense's
    assert torch.equal(states, expected)
    assert torch.equal(team.critic_inputs([(3,), (2, 4), (0, 8)], "shared"), expected)


def test_each_agent_has_its_own_centralized_critic_by_default():
    tuner = MAPPOTuner(seed=0)
    assert tuner.critic_kind == "per_agent" and len(tuner.critics) == len(tuner.actors) == 3
    assert [c.net[0].in_features for c in tuner.critics] == [43] * 3  # the joint state, every agent's slot, and a 1
    assert (
        len(MAPPOTuner(critic="shared").critics) == 1
        and MAPPOTuner(critic="shared").critics[0].net[0].in_features == 45
    )
    assert [c.net[0].in_features for c in MAPPOTuner(critic="independent").critics] == [19] * 3  # own observation
    with pytest.raises(TunerError, match="unknown critic 'central'"):
        MAPPOTuner(critic="central")
    # Critic i is fed the actions of agents 0..i-1 in acting order: the optimizer's critic sees conv's and
    # dense's actions, which its actor (observing dense only) does not.
    team, episode = tuner.team, [(3,), (2, 4), (0, 8)]
    expected = torch.zeros(3, 43)
    expected[:, 42] = 1.0  # the constant input: agent 0's critic sees nothing else
    expected[1, 3] = 1.0
    expected[2, [3, 6 + 2, 6 + 9 + 4]] = 1.0
    assert torch.equal(team.critic_inputs(episode, "per_agent"), expected)
    assert torch.equal(team.critic_inputs(episode, "independent"), team.observations(episode))
    seen = []
    for i, critic in enumerate(tuner.critics):
        critic.register_forward_hook(lambda module, inputs, output, i=i: seen.append((i, inputs[0][0].clone())))
    scores = trace(tuner, [0.1 * (i % 9) for i in range(20)])  # one update
    assert scores and {i for i, _ in seen} == {0, 1, 2}
    first = tuner.result.history[0].suggestion.config
    conv, dense = first["conv_size"], first["hidden_size"]
    for i, state in seen[:3]:  # the rollout's first episode in the first call (the values, before shuffling)
        assert state[grid_index("conv_size", conv)].item() == (1.0 if i >= 1 else 0.0)
        assert state[6 + grid_index("hidden_size", dense)].item() == (1.0 if i >= 2 else 0.0)


@pytest.mark.parametrize("critic", ["per_agent", "shared", "independent"])
@pytest.mark.parametrize("groups", GROUPINGS)
def test_every_weight_of_every_critic_gets_a_gradient(groups, critic):
    # Agent 0's joint state is all zeros; without the constant input its critic's gradient reached only the
    # output bias (every weight's gradient exactly 0). Now every parameter of every critic gets one.
    tuner = MAPPOTuner(seed=0, groups=groups, critic=critic)
    episodes = [tuner.ask() for _ in range(4)]
    b_inputs = torch.stack([tuner.team.critic_inputs(tuner._rollout[k][1], critic) for k in range(len(episodes))])
    targets = torch.tensor([0.2, 0.9, 0.5, 0.7]).unsqueeze(1).expand(-1, len(tuner.team))
    for i, critic_net in enumerate(tuner.critics):
        critic_net.zero_grad()
        values = tuner._values(b_inputs)
        own = values if critic == "shared" else values[:, i]
        target = targets if critic == "shared" else targets[:, i]
        ppo.huber(own - target, 10.0).mean().backward()
        for name, parameter in critic_net.named_parameters():
            assert parameter.grad is not None and parameter.grad.abs().sum() > 0, (groups, critic, i, name)


def test_critics_beat_the_constant_where_the_joint_state_determines_the_reward():
    # Three agents, one per hyperparameter; the reward is fixed by the first two agents' actions (a and b), so the
    # last critic, which sees both, can predict it exactly, and the middle one (sees a) can explain a's share.
    space = SearchSpace(tuple(Hyperparameter(n, "int", 0, 8) for n in "abc"))
    objective = lambda config, budget=1.0: 0.6 * config["a"] / 8 + 0.3 * config["b"] / 8  # noqa: E731
    middle, centered_middle = [], []
    for seed in range(5):
        tuner = MAPPOTuner(space, seed=seed, episodes=101)
        tuner.run(objective)
        log = tuner.training_log()
        assert len(log) == 5
        for u in log:
            ev, mse = u["explained_variance_before"], u["critic_mse_before"]
            assert ev["a"] == pytest.approx(1 - mse["a"] / u["constant_mse"], rel=1e-4, abs=1e-5)
            # Agent 0's critic sees only the constant: a constant cannot beat the rollout's own mean.
            assert ev["a"] <= 1e-6, (seed, u["update"], ev)
        for u in log[3:]:  # from the fourth update on, the critic that sees the whole cause beats the mean clearly
            assert u["explained_variance_before"]["c"] > 0.3, (seed, u["update"], u["explained_variance_before"])
        middle += [u["explained_variance_before"]["b"] for u in log[2:]]
        centered = [u["centered_explained_variance_before"] for u in log]
        # Blind to the offset that the per-agent centering of advantages removes: agent 0's critic is exactly as
        # good as the rollout's mean, and from the second update on the last critic clearly better (measured
        # 0.31-0.98, seeds 0-4), the middle one better on average (0.42 over updates 2-5).
        assert all(abs(c["a"]) < 1e-5 for c in centered), (seed, centered)
        assert all(c["c"] > 0.25 for c in centered[1:]), (seed, centered)
        centered_middle += [c["b"] for c in centered[1:]]
    # The middle critic sees part of the cause; on average over seeds and the last three updates it beats the mean
    # (measured 0.25; single updates fall below 0 when the policy's improvement moves the rollout's mean).
    assert statistics.mean(middle) > 0.1, middle
    assert statistics.mean(centered_middle) > 0.2, centered_middle


def test_actors_that_do_not_observe_see_only_the_start_token():
    team = Team(TABLE2, LAYER_GROUPS, observe="none")
    observations = team.observations([(3,), (2, 4), (0, 8)])
    assert torch.equal(observations, torch.zeros(3, 19).index_fill_(1, torch.tensor([18]), 1.0))


def test_learning_on_bowl_beats_random_search():
    # Seeds 0-7 were not used to choose the defaults (those were chosen on seeds 100-107); numbers measured
    # with the default of docs/decisions.md#mappo-update.
    seeds, objective = range(8), Bowl()
    mappo = [MAPPOTuner(seed=s).run(objective) for s in seeds]
    best = [r.best_score for r in mappo]
    random = [run_search("random", objective, episodes=200, seed=s).best_score for s in seeds]
    # The best configuration is on average within 0.01 of the optimum (0.99), about one grid step per
    # hyperparameter, and never more than 0.02 away (measured: mean 0.9873, worst 0.9838).
    assert statistics.mean(best) >= objective.best_score - 0.01, best
    assert min(best) >= objective.best_score - 0.02, best
    # It beats hyperopt's random search at the same 200 episodes: measured 0.9873 against 0.9782 on
    # average and on 8 of the 8 seeds (the previous MAPPO: 0.9840, 7 of 8).
    assert statistics.mean(best) >= statistics.mean(random) + 0.003, (best, random)
    assert sum(m > r for m, r in zip(best, random)) >= 6, (best, random)
    # And the policy itself improved: the last rollout scores well above the first (measured: 0.85 -> 0.98).
    first = statistics.mean(o.score for r in mappo for o in r.history[:20])
    last = statistics.mean(o.score for r in mappo for o in r.history[-20:])
    assert last >= first + 0.05, (first, last)


def test_learning_on_the_coupled_objective():
    # Coupled: the best hidden size depends on the kernel size, the best learning rate on the batch size.
    # MAPPO learns it (measured over seeds 0-7: first rollout 0.81 -> last 0.98, mean best 0.9876, random search
    # 0.9861), but it did not reliably beat random search there (previous MAPPO, seeds 0-19: +0.0014 +- 0.0017).
    seeds, objective = range(8), Coupled()
    mappo = [MAPPOTuner(seed=s).run(objective) for s in seeds]
    assert statistics.mean(r.best_score for r in mappo) >= objective.best_score - 0.005
    first = statistics.mean(o.score for r in mappo for o in r.history[:20])
    last = statistics.mean(o.score for r in mappo for o in r.history[-20:])
    assert last >= first + 0.05, (first, last)


def trace(tuner, scores):
    suggestions = []
    for score in scores:
        suggestion = tuner.ask()
        suggestions.append(dict(suggestion.config))
        tuner.tell(suggestion, score)
    return suggestions


def test_same_seed_and_scores_give_the_same_suggestions():
    scores = [0.5 + 0.01 * (i % 7) for i in range(45)]  # two updates and a partial rollout
    first = trace(MAPPOTuner(seed=2), scores)
    assert first == trace(MAPPOTuner(seed=2), scores)
    assert first != trace(MAPPOTuner(seed=3), scores)
    assert first[40:] != trace(MAPPOTuner(seed=2), scores[:20] + [0.9 - s for s in scores[20:]])[40:]


def test_width_hands_out_the_whole_rollout_and_the_batch_equals_repeated_ask():
    config = MAPPOConfig(rollout_episodes=8)
    batched, single = MAPPOTuner(seed=1, config=config), MAPPOTuner(seed=1, config=config)
    for _ in range(3):  # three rollouts, each handed out at once as a parallel run would
        batch = []
        while len(batch) < batched.width():
            batch.append(batched.ask())
        assert len(batch) == 8
        assert batch == [single.ask() for _ in range(8)]
        for suggestion in reversed(batch):  # told out of order, as parallel workers would
            batched.tell(suggestion, Bowl()(suggestion.config))
            single.tell(suggestion, Bowl()(suggestion.config))
    assert batched.updates == single.updates == 3


def test_the_policy_updates_after_each_full_rollout():
    tuner = MAPPOTuner(seed=0, config=MAPPOConfig(rollout_episodes=4))
    before = [p.clone() for p in tuner.actors.parameters()]
    trace(tuner, [0.1, 0.9, 0.5, 0.3])
    assert tuner.updates == 1
    assert any(not torch.equal(a, b) for a, b in zip(before, tuner.actors.parameters()))


def test_tell_refuses_unknown_duplicate_and_non_finite():
    tuner = MAPPOTuner(seed=0)
    suggestion = tuner.ask()
    with pytest.raises(TunerError, match="not pending"):
        tuner.tell(Suggestion(7, suggestion.config), 0.5)
    with pytest.raises(TunerError, match="not pending"):
        tuner.tell(Suggestion(0, dict(suggestion.config, conv_size=99)), 0.5)
    with pytest.raises(TunerError, match="finite"):
        tuner.tell(suggestion, float("nan"))
    tuner.tell(suggestion, 0.5)
    with pytest.raises(TunerError, match="not pending"):
        tuner.tell(suggestion, 0.5)


def test_ask_past_the_rollout_without_telling_is_refused():
    tuner = MAPPOTuner(seed=0, config=MAPPOConfig(rollout_episodes=2))
    tuner.ask(), tuner.ask()
    with pytest.raises(TunerError, match="tell their scores"):
        tuner.ask()


def test_groups_for_another_space():
    space = SearchSpace((Hyperparameter("a", "int", 1, 3), Hyperparameter("b", "float", 0.0, 1.0, grid_size=4)))
    assert list(MAPPOTuner(space).groups) == ["a", "b"]  # default: one agent per hyperparameter
    tuner = MAPPOTuner(space, groups={"both": ["b", "a"]})
    assert tuner.team.agents[0].head_sizes == (4, 3)
    config = tuner.ask().config
    assert config["a"] in (1, 2, 3) and config["b"] in space["b"].grid()
    assert MAPPOTuner(space, groups={"x": "a", "y": ["b"]}).groups == {"x": ("a",), "y": ("b",)}
    for bad in [
        "layers",
        "nonsense",
        {"x": ("a",)},
        {"x": ("a", "b"), "y": ("b",)},
        {"x": ("a", "b", "c")},
        {"x": (), "y": ("a", "b")},
    ]:
        with pytest.raises(TunerError):
            MAPPOTuner(space, groups=bad)


def test_config_is_checked_and_describe_round_trips():
    for bad in [dict(rollout_episodes=0), dict(update_epochs=1.5), dict(num_minibatches=30), dict(learning_rate=0.0)]:
        with pytest.raises(TunerError):
            MAPPOConfig(**bad)
    described = json.loads(json.dumps(MAPPOTuner(groups="single", episodes=200).describe()))
    assert described["groups"] == {"agent": list(TABLE2.names)}
    assert described["updates"] == 9  # after episodes 20, 40, ..., 180: none after the last episode
    assert described["critic"] == "per_agent" and described["observe"] == "previous"
    assert MAPPOTuner(config=described["config"]).config == MAPPOConfig()
    with pytest.raises(TunerError, match="target_kl"):
        MAPPOConfig(target_kl=0.0)
    with pytest.raises(TunerError, match="gamma"):
        MAPPOTuner(config={"gamma": 0.99})


def test_global_torch_state_is_left_alone():
    rng, threads = torch.random.get_rng_state(), torch.get_num_threads()
    MAPPOTuner(seed=0, episodes=25).run(Bowl())
    assert torch.equal(torch.random.get_rng_state(), rng) and torch.get_num_threads() == threads


def test_no_update_after_the_last_episode():
    tuner = MAPPOTuner(seed=0, episodes=40)
    trace(tuner, [0.5 + 0.01 * (i % 7) for i in range(40)])
    assert tuner.updates == 1 and [u["after_episode"] for u in tuner.training_log()] == [20]
    assert MAPPOTuner(episodes=40).describe()["updates"] == 1


def test_initialisation_sampling_and_minibatch_order_draw_from_separate_streams():
    seeds = [g.initial_seed() for g in streams(0)]
    assert len(set(seeds)) == 3 and seeds == [g.initial_seed() for g in streams(0)]  # apart, and repeatable
    assert [g.initial_seed() for g in streams(1)] != seeds
    assert MAPPOTuner(seed=0)._sampler.initial_seed() == seeds[1]


@pytest.mark.parametrize("target_kl", [0.02, None])
def test_every_update_records_how_far_it_moved_the_policy(target_kl):
    tuner = MAPPOTuner(seed=3, config=MAPPOConfig(target_kl=target_kl))
    tuner.run(Bowl())
    log = json.loads(json.dumps(tuner.training_log()))  # JSON-ready
    assert [u["update"] for u in log] == list(range(1, 10))
    assert [u["after_episode"] for u in log] == list(range(20, 181, 20))
    for u in log:
        assert set(u["entropy"]) == set(u["entropy_before"]) == {"conv", "dense", "optimizer"}
        assert u["approx_kl"] >= 0.0 and 0.0 <= u["clip_fraction"] <= 1.0 and u["value_loss"] >= 0.0
        assert u["approx_kl_per_epoch"][0] == 0.0  # the first epoch starts from the rollout's own policy
        if target_kl is None:
            assert u["epochs"] == 15 and not u["stopped_early"] and len(u["approx_kl_per_epoch"]) == 15
        else:  # every step was taken from a policy inside the trust region; the one found outside was not
            assert u["stopped_early"] == (u["epochs"] < 15)
            assert all(kl <= target_kl for kl in u["approx_kl_per_epoch"][: u["epochs"]])
            if u["stopped_early"]:
                assert u["approx_kl_per_epoch"][-1] > target_kl
                assert u["approx_kl"] == pytest.approx(u["approx_kl_per_epoch"][-1], rel=1e-4)  # stopped right there
    summary = tuner.training_summary()
    assert summary["updates"] == 9 and summary["target_kl"] == target_kl
    assert summary["approx_kl"]["max"] == max(u["approx_kl"] for u in log)
    assert summary["entropy_first"]["conv"] == pytest.approx(math.log(6), abs=1e-3)  # uniform over 6 kernel sizes
    for key in ("explained_variance_before", "centered_explained_variance_before"):
        assert summary[key] == {"first": log[0][key], "last": log[-1][key]}


def test_mappo_options_record_only_what_differs_from_the_papers_reading():
    assert options() == {} and options(critic="shared") == {"critic": "shared"}
    assert options("single", "independent") == {"groups": "single", "critic": "independent"}
    with pytest.raises(TunerError, match="unknown critic"):
        options(critic="central")


def test_replay_across_updates_restores_policy_and_training_log():
    objective = Coupled()
    full = MAPPOTuner(seed=4, episodes=70)
    full.run(objective)
    resumed = MAPPOTuner(seed=4, episodes=70)
    resumed.replay([(o.suggestion.config, o.suggestion.budget, o.score) for o in full.result.history[:45]])
    assert resumed.updates == 2  # the replay crossed two policy updates
    rest = resumed.run(objective)
    assert [dict(o.suggestion.config) for o in rest.history] == [dict(o.suggestion.config) for o in full.result.history]
    assert resumed.training_log() == full.training_log()
