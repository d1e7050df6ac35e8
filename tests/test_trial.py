import numpy as np
import pytest

from paperlib.lenet.trial import DIVERGED, OK, Recipe, kappa, run_trial
from paperlib.space import TABLE2


def test_kappa_against_hand_computed_values():
    # 2x2 table [[20, 5], [10, 15]]: p_o = 35/50 = 0.7; p_e = (25*30 + 25*20)/50^2 = 0.5; kappa = 0.4
    labels = np.array([0] * 25 + [1] * 25)
    predictions = np.array([0] * 20 + [1] * 5 + [0] * 10 + [1] * 15)
    assert kappa(labels, predictions) == pytest.approx(0.4)
    assert kappa(labels, labels) == pytest.approx(1.0)


def test_budget_sets_the_number_of_steps():
    recipe = Recipe(epochs=2)
    assert recipe.steps(1.0, 1000, 20) == 100
    assert recipe.steps(1 / 9, 1000, 20) == 12  # ceil(11.1)
    assert recipe.steps(1e-6, 1000, 20) == 1
    with pytest.raises(ValueError, match="budget"):
        recipe.steps(0.0, 1000, 20)


def test_trial_learns_and_reports_everything(tiny_splits):
    config = dict(TABLE2.default(), learning_rate=0.01, dropout_rate=0.5)
    result = run_trial(config, tiny_splits, budget=1.0, seed=0, recipe=Recipe(epochs=3), evaluate_test=True)
    assert result.status == OK
    assert result.val_accuracy > 0.9 and result.test_accuracy > 0.9  # chance is 0.1
    assert -1.0 <= result.kappa <= 1.0 and result.kappa > 0.85
    assert result.steps == 50  # 3 epochs * 400 images / batch 24
    assert result.num_parameters > 0 and result.seconds >= result.train_seconds > 0


def test_same_seed_same_result(tiny_splits):
    config = TABLE2.default()
    first = run_trial(config, tiny_splits, 0.5, seed=3)
    second = run_trial(config, tiny_splits, 0.5, seed=3)
    assert first.val_accuracy == second.val_accuracy and first.steps == second.steps


def test_divergence_is_a_status_not_a_crash(tiny_splits):
    config = dict(TABLE2.default(), learning_rate=1e6)  # far outside Table 2 on purpose
    result = run_trial(config, tiny_splits, 1.0, seed=0, recipe=Recipe(epochs=2, check_every=5), evaluate_test=True)
    assert result.status == DIVERGED
    assert result.val_accuracy == pytest.approx(0.1)
    assert result.test_accuracy is None and result.kappa is None
    assert result.steps < Recipe(epochs=2).steps(1.0, 400, config["batch_size"])  # stopped early


def test_speed_settings_leave_the_recipe_alone(tiny_splits):
    # The foundation's settings against the shipped ones: same steps and status, both learn; only rounding differs.
    import torch

    threads = torch.get_num_threads()
    config = dict(TABLE2.default(), learning_rate=0.01, dropout_rate=0.5)
    before = Recipe(epochs=3, threads=None, channels_last=False, fused_sgd=False, eval_batch_size=4096)
    shipped = run_trial(config, tiny_splits, 1.0, seed=0, recipe=Recipe(epochs=3, threads=1, eval_batch_size=64))
    reference = run_trial(config, tiny_splits, 1.0, seed=0, recipe=before)
    assert shipped.status == reference.status == OK and shipped.steps == reference.steps == 50
    assert shipped.val_accuracy > 0.9 and reference.val_accuracy > 0.9
    assert torch.get_num_threads() == threads  # a trial's thread setting does not leak
