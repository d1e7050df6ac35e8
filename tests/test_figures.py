"""What a reader sees: figures that say their units, seeds and error bars; Table 2 as a table."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.container import BarContainer

from paperlib.report import figures as plots
from paperlib.report.notebook import space_table
from paperlib.space import TABLE2

PAPER = {
    "mnist": {"RS": (2.0, None), "MAPPO": (1.0, None)},
    "fashion_mnist": {"RS": (2.5, None), "MAPPO": (1.25, None)},
}


def bars(ax):
    return [[patch.get_height() for patch in c] for c in ax.containers if isinstance(c, BarContainer)]


def error_bars(ax):
    return [c.errorbar for c in ax.containers if isinstance(c, BarContainer)]


def test_figure2_in_minutes_with_a_normalised_panel_and_no_error_bar_for_one_seed():
    ours = {"mnist": {"RS": (0.05, None), "MAPPO": (0.04, None)}, "fashion_mnist": {"RS": (0.1, None)}}
    fig = plots.search_time_bars(ours, PAPER, "Ours: profile quick, 2-core CPU")
    mine, published, normalised = fig.axes
    np.testing.assert_allclose(bars(mine)[0], [3.0, 2.4])  # minutes, MNIST
    assert bars(mine)[1][0] == pytest.approx(6.0) and np.isnan(bars(mine)[1][1])  # no Fashion-MNIST MAPPO run
    np.testing.assert_allclose(bars(published)[0], [120.0, 60.0])
    assert error_bars(mine) + error_bars(published) == [None] * 4
    np.testing.assert_allclose(bars(normalised)[0], [1.0, 0.8])  # ours over RS's
    np.testing.assert_allclose(bars(normalised)[2], [1.0, 0.5])  # the paper's over RS's
    assert all(ax.get_legend() is None for ax in fig.axes) and len(fig.legends) == 1  # legend off the data
    title = fig._suptitle.get_text()
    assert "profile quick, 2-core CPU" in title and "one seed per bar, so no error bars" in title


def test_figure2_draws_95_percent_intervals_where_several_seeds_give_one():
    ours = {"mnist": {"RS": (0.05, 0.01), "MAPPO": (0.04, None)}}
    fig = plots.search_time_bars(ours, PAPER, "Ours: profile paper")
    assert error_bars(fig.axes[0])[0] is not None
    assert "error bars: 95% t intervals over seeds" in fig._suptitle.get_text()


def test_convergence_says_how_many_seeds_each_curve_is():
    curves = {"RS": (np.array([0.5, 0.7]), np.array([1.0, 2.0]))}
    fig = plots.convergence(curves, "MNIST: convergence", "one seed per method")
    assert fig._suptitle.get_text() == "MNIST: convergence; one seed per method"
    assert all("mean" not in ax.get_ylabel() + ax.get_xlabel() for ax in fig.axes)


def test_table2_shows_each_hyperparameters_range_and_mappos_grid():
    lines = space_table(TABLE2).splitlines()
    assert len(lines) == 2 + len(TABLE2)
    assert "| `conv_size` | int | 2 – 7 | linear | 6: 2, 3, 4, 5, 6, 7 |" in lines  # six values, not "grid_size 9"
    assert lines[-1].startswith("| `learning_rate` | float | 0.0001 – 0.1 | log | 9: 0.0001,")


def test_critic_fit_plots_each_agents_explained_variance_and_the_constant():
    updates = [
        {
            "update": 1,
            "explained_variance_before": {"conv": -0.5, "dense": 0.2},
            "explained_variance": {"conv": 0.0, "dense": 0.6},
        },
        {
            "update": 2,
            "explained_variance_before": {"conv": None, "dense": 0.4},
            "explained_variance": {"conv": None, "dense": 0.9},
        },
    ]
    before, after = plots.critic_fit(updates).axes
    lines = {line.get_label(): line.get_ydata() for line in before.get_lines()}
    assert list(lines["dense"]) == [0.2, 0.4] and lines["conv"][0] == -0.5 and np.isnan(lines["conv"][1])
    assert list(lines["the rollout's mean"]) == [0.0, 0.0]
    assert [list(line.get_ydata()) for line in after.get_lines()][1] == [0.6, 0.9]
    for u, centered in zip(updates, ({"conv": 0.0, "dense": 0.3}, {"conv": None, "dense": 0.5})):
        u["centered_explained_variance_before"] = centered
    before, centered, after = plots.critic_fit(updates).axes  # the offset-blind panel where it is recorded
    conv, dense = (list(line.get_ydata()) for line in centered.get_lines()[:2])
    assert dense == [0.3, 0.5] and conv[0] == 0.0 and np.isnan(conv[1])
    assert "offset removed" in centered.get_ylabel() and "after" in after.get_ylabel()
    old = plots.critic_fit([{"update": 1, "value_loss_before": 0.3}])  # an earlier MAPPO's records
    assert "no critic record" in old.axes[0].texts[0].get_text()
