"""MAPPO's training made visible: the per-update records summarised for ``run.json`` (docs/decisions.md#mappo-trust-region)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any


def summarize_updates(updates: Sequence[dict[str, Any]], target_kl: float | None) -> dict[str, Any]:
    """How far the policy moved per update, in a few numbers: median and largest approx-KL and clip fraction,
    epochs run and how many updates the trust region stopped early, each agent's entropy before the first
    update and after the last, and the critics' value loss on a fresh rollout (before updating) first and last.
    """
    summary: dict[str, Any] = {"updates": len(updates), "target_kl": target_kl}
    if not updates:
        return summary
    kl = [u["approx_kl"] for u in updates]
    clip = [u["clip_fraction"] for u in updates]
    epochs = [u["epochs"] for u in updates]
    if "explained_variance_before" in updates[0]:  # an earlier MAPPO's records do not have it
        first, last = updates[0]["explained_variance_before"], updates[-1]["explained_variance_before"]
        summary["explained_variance_before"] = {"first": first, "last": last}
    if "centered_explained_variance_before" in updates[0]:
        centered = [u["centered_explained_variance_before"] for u in updates]
        summary["centered_explained_variance_before"] = {"first": centered[0], "last": centered[-1]}
    return summary | {
        "approx_kl": {"median": _short(statistics.median(kl)), "max": max(kl)},
        "clip_fraction": {"median": _short(statistics.median(clip)), "max": max(clip)},
        "epochs": {"mean": _short(statistics.fmean(epochs)), "min": min(epochs), "max": max(epochs)},
        "stopped_early": sum(bool(u["stopped_early"]) for u in updates),
        "entropy_first": updates[0]["entropy_before"],
        "entropy_last": updates[-1]["entropy"],
        "value_loss_before": {"first": updates[0]["value_loss_before"], "last": updates[-1]["value_loss_before"]},
    }


def _short(value: float) -> float:
    """Six significant digits, as the update records have (a median of two is their mean, with float noise)."""
    return float(f"{value:.6g}")
