"""MAPPO's action heads: their maths against torch.distributions and scipy, and the grid heads unchanged."""

import json
import math
from pathlib import Path

import pytest
import torch
from scipy import stats

from paperlib.space import TABLE2, Hyperparameter, SearchSpace
from paperlib.tuners.base import TunerError, make_tuner, run_search
from paperlib.tuners.mappo import MAPPOTuner
from paperlib.tuners.mappo.heads import BetaHead, GridHead, make_head
from paperlib.tuners.synthetic import Bowl

GOLDEN = json.loads((Path(__file__).parent / "golden" / "mappo_grid_bowl_seed4.json").read_text())

LR = Hyperparameter("lr", "float", 1e-4, 1e-1, log=True)
WIDE = Hyperparameter("units", "int", 16, 512)


def test_grid_head_log_prob_and_entropy_are_the_categoricals():
    head = GridHead(TABLE2["hidden_size"])
    logits = torch.randn(7, head.n_outputs, generator=torch.Generator().manual_seed(0))
    actions = torch.tensor([0, 8, 3, 3, 5, 1, 7])
    reference = torch.distributions.Categorical(logits=logits)
    assert torch.allclose(head.log_prob(logits, actions), reference.log_prob(actions), atol=1e-6)
    assert torch.allclose(head.entropy(logits), reference.entropy(), atol=1e-6)


def test_beta_head_log_prob_and_entropy_match_scipy_and_torch():
    head = BetaHead(LR)
    outputs = torch.randn(6, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    actions = torch.tensor([0.01, 0.2, 0.5, 0.7, 0.93, 0.999], dtype=torch.float64)
    alpha, beta = (1 + torch.nn.functional.softplus(outputs)).unbind(-1)
    expected = stats.beta.logpdf(actions.numpy(), alpha.numpy(), beta.numpy())
    assert head.log_prob(outputs, actions).numpy() == pytest.approx(expected, rel=1e-9)
    assert head.entropy(outputs).numpy() == pytest.approx(stats.beta.entropy(alpha.numpy(), beta.numpy()), rel=1e-9)
    reference = torch.distributions.Beta(alpha, beta)
    assert torch.allclose(head.log_prob(outputs, actions), reference.log_prob(actions))


def test_beta_head_samples_follow_its_beta():
    head = BetaHead(LR)
    outputs = torch.tensor([0.8, -0.4])
    generator = torch.Generator().manual_seed(2)
    draws = [head.sample(outputs, generator) for _ in range(2000)]
    alpha, beta = (1 + torch.nn.functional.softplus(outputs)).tolist()
    assert stats.kstest(draws, stats.beta(alpha, beta).cdf).pvalue > 0.01
    assert stats.kstest(draws, stats.beta(beta, alpha).cdf).pvalue < 1e-6  # the test can tell the mirror image


def test_beta_head_values_span_the_range_on_its_scale():
    lr, units = BetaHead(LR), BetaHead(WIDE)
    assert lr.to_value(0.0) == pytest.approx(1e-4) and lr.to_value(1.0) == pytest.approx(1e-1)
    assert lr.to_value(0.5) == pytest.approx(math.sqrt(1e-4 * 1e-1))  # geometric midpoint on a log scale
    assert units.to_value(0.5) == 264 and type(units.to_value(0.5)) is int
    assert units.to_value(BetaHead.EDGE) == 16 and units.to_value(1 - BetaHead.EDGE) == 512


def test_continuous_heads_replace_only_floats_and_wide_ints():
    assert isinstance(make_head(LR, "continuous"), BetaHead) and isinstance(make_head(WIDE, "continuous"), BetaHead)
    assert isinstance(make_head(TABLE2["conv_size"], "continuous"), GridHead)  # 6 values: the grid holds them all
    assert isinstance(make_head(Hyperparameter("opt", "categorical", choices=("a", "b")), "continuous"), GridHead)
    assert isinstance(make_head(LR), GridHead)
    tuner = MAPPOTuner(heads="continuous")
    assert [a.n_outputs for a in tuner.team.agents] == [
        (6,),
        (2, 2),
        (2, 2),
    ]  # batch_size has 17 values, more than the grid's 9
    with pytest.raises(TunerError, match="heads must be one of"):
        MAPPOTuner(heads="gaussian")


def test_default_mappo_suggests_its_recorded_golden_trace():
    result = run_search("mappo", Bowl(), episodes=60, seed=4)
    assert [dict(o.suggestion.config) for o in result.history] == GOLDEN["configs"]


def test_continuous_mappo_is_seeded_replayable_and_leaves_the_grid():
    def trace(seed):
        return [dict(o.suggestion.config) for o in run_search("mappo", Bowl(), 45, seed, heads="continuous").history]

    first = trace(0)
    assert first == trace(0) and first != trace(1)
    assert any(c["learning_rate"] not in TABLE2["learning_rate"].grid() for c in first)
    tuner = make_tuner("mappo", seed=0, episodes=45, heads="continuous")
    tuner.replay([(c, 1.0, Bowl()(c)) for c in first[:25]])
    assert tuner.updates == 1
    assert [dict(o.suggestion.config) for o in tuner.run(Bowl()).history] == first


def test_continuous_mappo_moves_its_beta_towards_rewarded_values():
    space = SearchSpace((Hyperparameter("x", "float", 0.0, 1.0),))
    tuner = MAPPOTuner(space, seed=0, episodes=200, heads="continuous")
    before = tuner.policy(0)[0]
    tuner.run(lambda config, budget: -((config["x"] - 0.9) ** 2))
    alpha, beta = tuner.policy(0)[0].tolist()
    assert alpha / (alpha + beta) > before[0] / before.sum() + 0.1  # the mean moved up towards 0.9


def test_categorical_choices_come_back_as_declared():
    space = SearchSpace(
        (Hyperparameter("opt", "categorical", choices=("adam", "sgd", 3, True)), Hyperparameter("x", "float", 0, 1))
    )
    for heads in ("grid", "continuous"):
        result = run_search("mappo", lambda c, b: float(c["opt"] == "sgd") - c["x"], 40, 0, space, heads=heads)
        assert {o.suggestion.config["opt"] for o in result.history} <= {"adam", "sgd", 3, True}
        assert all(type(o.suggestion.config["opt"]) in (str, int, bool) for o in result.history)
