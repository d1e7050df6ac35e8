"""Figures, as matplotlib ``Figure`` objects on the Agg canvas: the report's and the notebooks'.

No pyplot and no global backend: every function builds its own figure and returns it, so the
report saves it (through ``paperlib.records``) and a notebook displays it, and nothing here touches
matplotlib's global state. Functions take plain numbers or run records, never report objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from paperlib.report.runs import best_so_far, cumulative_seconds
from paperlib.space import TABLE2, SearchSpace

CLASS_NAMES = {
    "mnist": tuple(str(digit) for digit in range(10)),
    "fashion_mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
}
"""Label -> class name, per dataset."""


DATASET_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
"""How the paper names the datasets."""


def new_figure(width: float, height: float, ncols: int = 1, nrows: int = 1) -> tuple[Figure, Any]:
    """A figure on the Agg canvas with a grid of axes (``fig.subplots``' return value)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def examples(images: np.ndarray, labels: np.ndarray, dataset: str, per_class: int = 2) -> Figure:
    """The first ``per_class`` images of every class, one column per class, titled by class name."""
    names = CLASS_NAMES[dataset]
    fig, axes = new_figure(1.1 * len(names), 1.2 * per_class, ncols=len(names), nrows=per_class)
    for label, name in enumerate(names):
        chosen = np.flatnonzero(labels == label)[:per_class]
        for row, index in enumerate(chosen):
            axes[row, label].imshow(images[index].squeeze(), cmap="gray")
        axes[0, label].set_title(name, fontsize=8)
    for ax in axes.flat:
        ax.set_axis_off()
    fig.suptitle(f"{DATASET_TITLES[dataset]}: first training images of each class")
    return fig


def search_progress(trials: Sequence[Mapping[str, Any]], title: str = "") -> Figure:
    """One search: every episode's validation accuracy and the incumbent, against episodes and search seconds."""
    fig, axes = new_figure(10, 3.6, ncols=2)
    episodes = np.arange(1, len(trials) + 1)
    budgets = np.array([t["budget"] for t in trials], dtype=float)
    by_episode, by_time = axes[0]
    by_episode.scatter(
        episodes, [t["score"] for t in trials], s=12 + 40 * budgets, alpha=0.6, label="episode (marker size: budget)"
    )
    by_episode.step(episodes, best_so_far(trials), where="post", color="black", label="best so far")
    by_episode.set(xlabel="episode", ylabel="validation accuracy")
    by_episode.legend(loc="lower right", fontsize=8)
    by_time.step(cumulative_seconds(trials), best_so_far(trials), where="post", color="black")
    by_time.set(xlabel="cumulative search seconds", ylabel="best validation accuracy so far")
    fig.suptitle(title)
    return fig


def configurations(trials: Sequence[Mapping[str, Any]], space: SearchSpace = TABLE2) -> Figure:
    """Every configuration tried: one panel per hyperparameter, its value against the validation accuracy."""
    fig, axes = new_figure(3.0 * len(space), 3.0, ncols=len(space))
    scores = [t["score"] for t in trials]
    order = np.arange(len(trials))
    for ax, hyperparameter in zip(axes[0], space):
        points = ax.scatter([t["config"][hyperparameter.name] for t in trials], scores, c=order, cmap="viridis", s=18)
        ax.set(xlabel=hyperparameter.name, xscale="log" if hyperparameter.log else "linear")
    axes[0, 0].set_ylabel("validation accuracy")
    fig.colorbar(points, ax=axes[0, -1], label="episode")
    fig.suptitle("Configurations tried (colour: episode, early dark to late light)")
    return fig


def time_split(trials: Sequence[Mapping[str, Any]]) -> Figure:
    """Where each episode's time went: the optimizer (ask + tell) and the objective (training + scoring)."""
    fig, axes = new_figure(10, 3.2)
    ax = axes[0, 0]
    episodes = np.arange(1, len(trials) + 1)
    objective = np.array([t["objective_seconds"] for t in trials])
    optimizer = np.array([t["optimizer_seconds"] for t in trials])
    ax.bar(episodes, objective, label=f"training + scoring ({objective.sum():.1f} s)")
    ax.bar(episodes, optimizer, bottom=objective, label=f"optimizer ({optimizer.sum():.1f} s)")
    share = optimizer.sum() / max(optimizer.sum() + objective.sum(), 1e-12)
    ax.set(xlabel="episode", ylabel="seconds", title=f"Search time per episode: optimizer share {share:.1%}")
    ax.legend(fontsize=8)
    return fig


def policy_updates(updates: Sequence[Mapping[str, Any]], target_kl: float | None = None) -> Figure:
    """MAPPO's training, one point per policy update (``updates.jsonl``): how far each update moved the policy
    (approx-KL and clip fraction, with the trust region ``target_kl``), each agent's entropy, the critics'
    value loss on the fresh rollout, and the epochs each update ran; a run without updates says so."""
    fig, axes = new_figure(15, 3.2, ncols=5)
    kl, clip, entropy, value, epochs = axes[0]
    if not updates:
        kl.text(0.5, 0.5, "no policy update in this run", ha="center", transform=kl.transAxes)
        fig.suptitle("MAPPO's policy updates")
        return fig
    x = np.array([u["update"] for u in updates])
    kl.plot(x, [u["approx_kl"] for u in updates], "o-", label="after the update")
    if target_kl is not None:
        kl.axhline(target_kl, color="grey", linestyle="--", label=f"target_kl {target_kl:g}")
    kl.set(xlabel="update", ylabel="approx-KL from the rollout's policy", yscale="log")
    kl.legend(fontsize=7)
    clip.plot(x, [u["clip_fraction"] for u in updates], "o-")
    clip.set(xlabel="update", ylabel="clip fraction", ylim=(0, 1.05))
    for agent in updates[0]["entropy"]:
        start = updates[0]["entropy_before"][agent]
        entropy.plot(np.r_[0, x], [start] + [u["entropy"][agent] for u in updates], "o-", label=agent)
    entropy.set(xlabel="update (0: initial policy)", ylabel="entropy (nats)")
    entropy.legend(fontsize=7)
    value.plot(x, [u["value_loss_before"] for u in updates], "o-", label="before the update")
    value.plot(x, [u["value_loss"] for u in updates], "o-", label="after")
    value.set(xlabel="update", ylabel="value loss (Huber, standardized)")
    value.legend(fontsize=7)
    epochs.bar(x, [u["epochs"] for u in updates], color=["C1" if u["stopped_early"] else "C0" for u in updates])
    epochs.set(xlabel="update", ylabel="epochs run (orange: stopped at target_kl)")
    fig.suptitle("MAPPO's policy updates: how far each moved the policy, and what the critics learned")
    return fig


def critic_fit(updates: Sequence[Mapping[str, Any]]) -> Figure:
    """How well each agent's critic predicted each fresh rollout (``updates.jsonl``): its explained variance
    against predicting the rollout's own mean (0, the dashed line) before the update, the same blind to a
    constant offset (what the actors' centered advantages see; where recorded) and after the update;
    records without these fields (an earlier MAPPO's) say so."""
    fitted = [u for u in updates if "explained_variance_before" in u]
    panels = [("explained_variance_before", "fresh rollout")]
    if fitted and "centered_explained_variance_before" in fitted[0]:
        panels.append(("centered_explained_variance_before", "fresh rollout, offset removed"))
    panels.append(("explained_variance", "after the update"))
    fig, axes = new_figure(5 * len(panels), 3.2, ncols=len(panels))
    if not fitted:
        axes[0][0].text(0.5, 0.5, "no critic record in this run", ha="center", transform=axes[0][0].transAxes)
        fig.suptitle("MAPPO's critics against the rollout's mean")
        return fig
    x = np.array([u["update"] for u in fitted])
    for ax, (key, when) in zip(axes[0], panels):
        for agent in fitted[0][key]:
            ax.plot(x, [np.nan if u[key][agent] is None else u[key][agent] for u in fitted], "o-", label=agent)
        ax.axhline(0.0, color="grey", linestyle="--", label="the rollout's mean")
        ax.set(xlabel="update", ylabel=f"explained variance ({when})", ylim=(max(ax.get_ylim()[0], -3.0), 1.05))
        ax.legend(fontsize=7)
    fig.suptitle("MAPPO's critics: explained variance per agent (1 exact, 0 no better than the rollout's mean)")
    return fig


def search_time_bars(
    ours: Mapping[str, Mapping[str, tuple[float, float | None]]],
    paper: Mapping[str, Mapping[str, tuple[float, float | None]]],
    caption: str,
) -> Figure:
    """The paper's Figure 2: search time per method in minutes, ours and the paper's, and each over RS's time.

    Both map ``dataset -> method label -> (mean hours, half-width of the 95% interval or None)``; a
    half-width (several seeds) draws an error bar, None draws none. A method missing from ``ours`` has no bar. ``caption`` says profile and hardware.
    """
    labels, datasets = list(next(iter(paper.values()))), list(paper)
    fig, axes = new_figure(15, 4.8, ncols=3)
    x = np.arange(len(labels))
    width = 0.8 / len(datasets)
    spread_drawn = False
    for ax, (title, hours) in zip(axes[0], (("this reproduction", ours), ("the paper", paper))):
        for offset, dataset in enumerate(datasets):
            found = [hours.get(dataset, {}).get(label, (np.nan, None)) for label in labels]
            spreads = np.array([np.nan if s is None else 60 * s for _, s in found])
            spread_drawn |= bool(np.isfinite(spreads).any())
            ax.bar(
                x + (offset - (len(datasets) - 1) / 2) * width,
                [60 * m for m, _ in found],
                width,
                yerr=spreads if np.isfinite(spreads).any() else None,
                capsize=3,
                color=f"C{offset}",
            )
        ax.set_xticks(x, labels)
        ax.set(ylabel="search time (minutes)", title=title)
    _normalised_bars(axes[0, 2], ours, paper, labels, datasets)
    fig.legend(loc="outside lower center", ncols=2 * len(datasets), fontsize=8)
    spread = (
        "error bars: 95% t intervals over seeds (bars of one seed have none)"
        if spread_drawn
        else "one seed per bar, so no error bars"
    )
    fig.suptitle(f"Figure 2: search time per method\n{caption}\n{spread}", fontsize=10)
    return fig


def _normalised_bars(ax: Any, ours: Mapping, paper: Mapping, labels: list[str], datasets: list[str]) -> None:
    """Each method's mean search time over the first method's (RS), ours (plain) beside the paper's (hatched)."""
    x = np.arange(len(labels))
    width = 0.8 / (2 * len(datasets))
    for source, (name, hours) in enumerate((("ours", ours), ("paper", paper))):
        for offset, dataset in enumerate(datasets):
            times = hours.get(dataset, {})
            base = times.get(labels[0], (np.nan, None))[0]
            ratios = [times.get(label, (np.nan, None))[0] / base for label in labels]
            position = source * len(datasets) + offset - (2 * len(datasets) - 1) / 2
            ax.bar(
                x + position * width,
                ratios,
                width,
                color=f"C{offset}",
                hatch="//" if source else None,
                edgecolor="white",
                label=f"{name}: {DATASET_TITLES[dataset]}",
            )
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xticks(x, labels)
    ax.set(ylabel=f"search time / {labels[0]}'s", title=f"normalised ({labels[0]} = 1; dotted: half)")


def convergence(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], title: str, seeds: str = "") -> Figure:
    """Best-so-far validation accuracy per method against episodes and against search seconds.

    ``curves[label] = (best, seconds)`` at every episode (the mean when there are several seeds, which
    ``seeds`` says, e.g. "one seed"); an empty mapping gives a figure that says there was nothing to draw.
    """
    fig, axes = new_figure(11, 4.2, ncols=2)
    by_episode, by_time = axes[0]
    for label, (best, seconds) in curves.items():
        by_episode.plot(np.arange(1, len(best) + 1), best, drawstyle="steps-post", label=label)
        by_time.plot(seconds, best, drawstyle="steps-post")
    by_episode.set(xlabel="episode (from 1)", ylabel="best validation accuracy so far")
    by_time.set(xlabel="search seconds (optimizer + training)")
    if curves:
        fig.legend(loc="outside lower center", ncols=len(curves), fontsize=8)
        # Zoom on where the methods differ: from the lowest best-so-far after the first tenth of the
        # episodes (the first few episodes' near-chance values would squash every curve into one line).
        tenth = [best[max(len(best) // 10 - 1, 0)] for best, _ in curves.values() if len(best)]
        top = max(float(np.max(best)) for best, _ in curves.values() if len(best))
        bottom = min(tenth)
        if bottom < top:
            margin = 0.05 * (top - bottom)
            for ax in (by_episode, by_time):
                ax.set_ylim(bottom - margin, top + margin)
    else:
        by_episode.text(0.5, 0.5, "no complete run", ha="center", transform=by_episode.transAxes)
    fig.suptitle(f"{title}; {seeds}" if seeds else title)
    return fig
