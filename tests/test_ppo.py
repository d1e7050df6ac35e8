"""The PPO math of paperlib.ppo against small hand-computed cases and torch's own implementations."""

import math

import pytest
import torch

from paperlib.tuners.mappo import ppo
from paperlib.tuners.mappo.valuenorm import ValueNorm


@pytest.mark.parametrize(
    "ratio, advantage, loss, slope",
    [
        (1.1, 1.0, -1.1, -1.0),  # inside the clip range: the plain policy gradient
        (1.5, 1.0, -1.2, 0.0),  # good action pushed past 1 + clip: clipped, no further gain
        (0.5, 1.0, -0.5, -1.0),  # good action made rarer: unclipped, the full penalty remains
        (0.7, -1.0, 0.8, 0.0),  # bad action pushed below 1 - clip: clipped, no further gain
        (1.5, -1.0, 1.5, 1.0),  # bad action made likelier: unclipped, the full penalty remains
    ],
)
def test_clipped_surrogate_clips_on_both_sides(ratio, advantage, loss, slope):
    r = torch.tensor([ratio], requires_grad=True)
    value = ppo.clipped_surrogate(r, torch.tensor([advantage]), clip_coef=0.2)
    value.backward()
    assert value.item() == pytest.approx(loss)
    assert r.grad.item() == pytest.approx(slope)


def test_clipped_surrogate_is_the_mean_over_the_batch():
    ratio, advantages = torch.tensor([1.5, 0.7]), torch.tensor([1.0, -1.0])
    assert ppo.clipped_surrogate(ratio, advantages, 0.2).item() == pytest.approx((-1.2 + 0.8) / 2)


def test_normalize_advantages_per_agent_with_the_population_std():
    # Two agents (columns), each normalized on its own: column 0 has mean 2 and population std sqrt(2/3).
    out = ppo.normalize_advantages(torch.tensor([[1.0, 10.0], [2.0, 10.0], [3.0, 40.0]]))
    scale = math.sqrt(2 / 3) + 1e-5
    assert out[:, 0].tolist() == pytest.approx([-1 / scale, 0.0, 1 / scale], abs=1e-6)
    assert out[:, 1].tolist() == pytest.approx([-1 / math.sqrt(2), -1 / math.sqrt(2), math.sqrt(2)], abs=1e-4)
    assert out.mean(dim=0).tolist() == pytest.approx([0.0, 0.0], abs=1e-6)


def test_normalize_advantages_of_a_single_episode_is_zero():
    assert ppo.normalize_advantages(torch.tensor([[3.0, -1.0]])).tolist() == [[0.0, 0.0]]


@pytest.mark.parametrize(
    "value, old, target, loss, slope",
    [
        (0.1, 0.0, 1.0, 0.405, -0.9),  # inside the clip range: the plain Huber loss
        (0.5, 0.0, 1.0, 0.32, 0.0),  # moved 0.5 towards the target: clipped at 0.2, no further gain
        (-0.5, 0.0, 1.0, 1.125, -1.5),  # moved away from the target: the full loss remains
        (0.5, 0.0, 0.3, 0.02, 0.2),  # overshot the target: the unclipped loss is the larger
    ],
)
def test_clipped_value_loss(value, old, target, loss, slope):
    v = torch.tensor([value], requires_grad=True)
    out = ppo.clipped_value_loss(v, torch.tensor([old]), torch.tensor([target]), clip=0.2, delta=10.0)
    out.sum().backward()
    assert out.item() == pytest.approx(loss)
    assert v.grad.item() == pytest.approx(slope)
    plain = ppo.clipped_value_loss(torch.tensor([value]), torch.tensor([old]), torch.tensor([target]), None, 10.0)
    assert plain.item() == pytest.approx((value - target) ** 2 / 2)


def test_explained_variance_against_predicting_the_mean():
    targets = torch.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    predictions = torch.tensor([[1.0, 2.0], [2.0, 2.0], [3.0, 2.0]])  # perfect; the batch's mean
    assert ppo.explained_variance(predictions, targets).tolist() == pytest.approx([1.0, 0.0])
    worse = torch.tensor([[3.0], [2.0], [1.0]])  # mse 8/3 against the mean's 2/3
    assert ppo.explained_variance(worse, targets[:, :1]).item() == pytest.approx(1 - 4)
    assert not math.isfinite(ppo.explained_variance(torch.ones(3, 1), torch.full((3, 1), 2.0)).item())  # no spread


def test_centered_explained_variance_ignores_a_constant_offset():
    targets = torch.tensor([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])
    # the targets shifted by 5; one value for every episode; half the spread predicted
    predictions = torch.tensor([[6.0, 9.0, 1.5], [7.0, 9.0, 2.0], [8.0, 9.0, 2.5]])
    centered = ppo.centered_explained_variance(predictions, targets).tolist()
    assert centered == pytest.approx([1.0, 0.0, 0.75])
    # the uncentered figure charges the offset: far below 0 for the shifted and the constant predictions
    assert ppo.explained_variance(predictions, targets).tolist()[:2] == pytest.approx(
        [1 - 25 / (2 / 3), 1 - (149 / 3) / (2 / 3)]
    )


def test_value_norm_is_debiased_and_floored():
    norm = ValueNorm(beta=0.99999, floor=1e-2)
    assert norm.mean_var() == (0.0, 1e-2)  # nothing seen: mean 0, the floor
    norm.update(torch.tensor([0.2, 0.4, 0.6, 0.8]))  # mean 0.5, population variance 0.05
    mean, var = norm.mean_var()
    assert mean == pytest.approx(0.5, rel=1e-6) and var == pytest.approx(0.05, rel=1e-4)  # debiased after one batch
    norm.update(torch.tensor([0.7, 0.9]))  # every batch counts about alike: the mean of the batch moments
    mean, var = norm.mean_var()
    assert mean == pytest.approx((0.5 + 0.8) / 2, rel=1e-4)
    assert var == pytest.approx((0.3 + 0.65) / 2 - mean**2, rel=1e-3)  # E[r^2] of the batches: 0.3, 0.65
    values = torch.tensor([0.1, 0.95])
    assert torch.allclose(norm.denormalize(norm.normalize(values)), values, atol=1e-6)
    close = ValueNorm(floor=1e-2)
    close.update(torch.tensor([0.98, 0.99]))  # variance 2.5e-5: floored
    assert close.mean_var()[1] == 1e-2
    assert close.normalize(torch.tensor([0.985])).item() == pytest.approx(0.0, abs=1e-5)
    assert close.normalize(torch.tensor([1.085])).item() == pytest.approx(1.0, rel=1e-4)


def test_entropy_of_known_categoricals():
    uniform = ppo.categorical_entropy(torch.zeros(4))
    assert uniform.item() == pytest.approx(math.log(4))
    skewed = ppo.categorical_entropy(torch.tensor([0.0, math.log(3.0)]))  # p = (1/4, 3/4)
    assert skewed.item() == pytest.approx(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)), rel=1e-6)
    assert ppo.categorical_entropy(torch.tensor([0.0, -200.0])).item() == pytest.approx(0.0, abs=1e-6)


def test_log_prob_of_a_known_categorical():
    logits = torch.tensor([[0.0, math.log(3.0)], [0.0, math.log(3.0)]])
    out = ppo.categorical_log_prob(logits, torch.tensor([1, 0]))
    assert out.tolist() == pytest.approx([math.log(0.75), math.log(0.25)], rel=1e-6)


def test_batched_math_matches_torch_distributions():
    logits = torch.randn(6, 9, generator=torch.Generator().manual_seed(0)) * 3
    actions = torch.tensor([0, 8, 3, 3, 5, 1])
    reference = torch.distributions.Categorical(logits=logits)
    assert torch.allclose(ppo.log_softmax(logits), torch.log_softmax(logits, -1), atol=1e-6)
    assert torch.allclose(ppo.categorical_log_prob(logits, actions), reference.log_prob(actions), atol=1e-6)
    assert torch.allclose(ppo.categorical_entropy(logits), reference.entropy(), atol=1e-6)


@pytest.mark.parametrize(
    "error, delta, loss",
    [
        (0.5, 1.0, 0.125),  # quadratic: e^2 / 2
        (-3.0, 1.0, 2.5),  # linear: delta * (|e| - delta / 2)
        (1.0, 1.0, 0.5),  # both pieces meet at |e| = delta
        (4.0, 10.0, 8.0),  # on-policy's delta 10: still quadratic
        (-12.0, 10.0, 70.0),
    ],
)
def test_huber(error, delta, loss):
    assert ppo.huber(torch.tensor(error), delta).item() == pytest.approx(loss)


def test_approx_kl_is_cleanrls_estimator():
    logratio = torch.tensor([math.log(2.0), math.log(0.5), 0.0])  # ratios 2, 1/2, 1
    expected = ((2 - 1) - math.log(2.0) + (0.5 - 1) - math.log(0.5) + 0.0) / 3
    assert ppo.approx_kl(logratio).item() == pytest.approx(expected)
    assert ppo.approx_kl(torch.zeros(5)).item() == 0.0  # nothing moved
    assert ppo.approx_kl(torch.randn(100, generator=torch.Generator().manual_seed(0))).item() > 0.0


def test_approx_kl_estimates_the_kl_of_two_categoricals():
    old = torch.tensor([0.5, 0.3, 0.2])
    new = torch.tensor([0.4, 0.4, 0.2])
    exact = float((old * (old / new).log()).sum())  # KL(old || new)
    actions = torch.multinomial(old, 200_000, replacement=True, generator=torch.Generator().manual_seed(0))
    logratio = new.log()[actions] - old.log()[actions]  # sampled under the old policy, as a rollout is
    assert ppo.approx_kl(logratio).item() == pytest.approx(exact, rel=0.05)


def test_clip_fraction_counts_ratios_outside_the_clip_range():
    ratio = torch.tensor([1.0, 1.1, 1.25, 0.79, 0.81, 3.0])
    assert ppo.clip_fraction(ratio, 0.2).item() == pytest.approx(3 / 6)
