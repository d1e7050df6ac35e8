"""The pure math of PPO, as small functions on tensors (no networks, no state).

Each function names its step of the algorithm and its reference: CleanRL's ``ppo.py`` (clipped
surrogate, approx-KL) and marlbenchmark/on-policy (per-agent advantage normalization, Huber value loss,
value clipping); see docs/decisions.md#mappo-rewards and #mappo-update.
"""

from __future__ import annotations

import torch
from torch import Tensor


def normalize_advantages(advantages: Tensor, eps: float = 1e-5) -> Tensor:
    """Each agent's advantages shifted to mean 0 and scaled to standard deviation 1 over the rollout.

    ``advantages`` is ``(episodes, agents)``; every column is normalized on its own, as on-policy's
    separated runner does with one buffer per agent: the population standard deviation (numpy's
    ``nanstd``) plus 1e-5. A rollout of one episode comes out as 0.
    """
    centred = advantages - advantages.mean(dim=0, keepdim=True)
    return centred / (centred.pow(2).mean(dim=0, keepdim=True).sqrt() + eps)


def clipped_surrogate(ratio: Tensor, advantages: Tensor, clip_coef: float) -> Tensor:
    """PPO's clipped surrogate objective, as a loss to minimize (Schulman et al. 2017, eq. 7).

    ``mean(max(-A * r, -A * clip(r, 1 - clip_coef, 1 + clip_coef)))``: the policy gains nothing from
    moving an action's probability ratio ``r`` past the clip range in the direction its advantage
    ``A`` favours, while moves against it stay fully penalized (CleanRL's ``pg_loss``).
    """
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip_coef, 1.0 + clip_coef)
    return torch.max(unclipped, clipped).mean()


def log_softmax(logits: Tensor) -> Tensor:
    """Log-probabilities of the categorical distribution(s) over the last dimension of ``logits``.

    Written as ``logits - logsumexp(logits)`` rather than ``torch.log_softmax``: torch's softmax
    kernels open an OpenMP parallel region even for a few rows, and on a busy two-core machine each
    such region can stall for milliseconds; this form stays on the calling thread.
    """
    return logits - torch.logsumexp(logits, dim=-1, keepdim=True)


def categorical_entropy(logits: Tensor) -> Tensor:
    """Entropy ``-sum(p log p)`` of the categorical distribution(s) over the last dimension of ``logits``."""
    log_p = log_softmax(logits)
    return -(log_p.exp() * log_p).sum(dim=-1)


def categorical_log_prob(logits: Tensor, actions: Tensor) -> Tensor:
    """Log-probability of integer ``actions`` under the categorical distribution(s) given by ``logits``."""
    return log_softmax(logits).gather(-1, actions.unsqueeze(-1)).squeeze(-1)


def huber(error: Tensor, delta: float) -> Tensor:
    """Elementwise Huber loss: ``e**2 / 2`` for ``|e| <= delta``, ``delta * (|e| - delta / 2)`` beyond.

    The value loss of on-policy's MAPPO (``huber_loss`` with ``huber_delta`` 10): quadratic near the
    target, linear far away, so one badly predicted reward cannot swamp the update.
    """
    small = error.abs() <= delta
    return torch.where(small, error**2 / 2, delta * (error.abs() - delta / 2))


def clipped_value_loss(values: Tensor, old_values: Tensor, targets: Tensor, clip: float | None, delta: float) -> Tensor:
    """On-policy's clipped value loss, elementwise: the larger of the Huber losses of ``values`` and of
    ``values`` kept within ``clip`` of ``old_values`` (the critics' values at the rollout).

    So a critic gains nothing from moving a value more than ``clip`` past its value at the rollout
    in one update (PPO's value clipping); ``clip=None`` gives the plain Huber loss.
    """
    loss = huber(values - targets, delta)
    if clip is None:
        return loss
    clipped = old_values + torch.clamp(values - old_values, -clip, clip)
    return torch.max(loss, huber(clipped - targets, delta))


def explained_variance(predictions: Tensor, targets: Tensor) -> Tensor:
    """Per column, ``1 - mse(predictions, targets) / mse(mean(targets), targets)``: 1 for a perfect critic, 0
    for one as good as predicting the batch's own mean, negative for a worse one; not finite where the
    targets do not vary. ``(episodes, agents)`` in, ``(agents,)`` out.
    """
    mse = (targets - predictions).pow(2).mean(dim=0)
    constant = (targets - targets.mean(dim=0, keepdim=True)).pow(2).mean(dim=0)
    return 1.0 - mse / constant


def centered_explained_variance(predictions: Tensor, targets: Tensor) -> Tensor:
    """Per column, ``1 - var(targets - predictions) / var(targets)``: the explained variance of CleanRL's and
    Stable-Baselines3's logs, blind to a constant offset. With advantages centered per agent (``norm_adv``) an
    offset does not reach the update, so above 0 the critic lowers the variance of what the actor learns from;
    a critic that predicts one value for every episode (agent 0's) gives exactly 0. ``(episodes, agents)`` in.
    """
    return 1.0 - (targets - predictions).var(dim=0, unbiased=False) / targets.var(dim=0, unbiased=False)


def approx_kl(logratio: Tensor) -> Tensor:
    """How far the policy has moved from the one that sampled the rollout: CleanRL's ``approx_kl``.

    ``mean((r - 1) - log r)`` with ``log r = new log-prob - old log-prob`` of the sampled actions: an
    unbiased, never negative estimate of KL(old || new) (Schulman, "Approximating KL divergence", 2020;
    the ``k3`` estimator), 0 exactly when nothing moved.
    """
    return ((logratio.exp() - 1.0) - logratio).mean()


def clip_fraction(ratio: Tensor, clip_coef: float) -> Tensor:
    """The share of probability ratios outside ``[1 - clip_coef, 1 + clip_coef]`` (CleanRL's ``clipfrac``)."""
    return ((ratio - 1.0).abs() > clip_coef).float().mean()
