"""MAPPO's settings: one frozen dataclass, CleanRL's names, each value's reason in docs/decisions.md#mappo-settings."""

from __future__ import annotations

from dataclasses import dataclass

from paperlib.errors import TunerError, check_int


@dataclass(frozen=True)
class MAPPOConfig:
    """PPO settings of the MAPPO tuner (CleanRL names): on-policy's MAPPO where the paper is silent, and where
    a reference value does not suit 200 episodes, a value chosen on synthetic objectives only.

    No discount or GAE lambda: the one reward comes at the end of the episode and is shared
    (docs/decisions.md#mappo-rewards). Why each value: docs/decisions.md#mappo-settings and #mappo-update.
    """

    rollout_episodes: int = 20
    """Episodes (configurations) per PPO update, K (NNI's ``trials_per_update``); 200 episodes give 9 updates."""
    update_epochs: int = 15
    """Passes over each rollout per update (on-policy's ``ppo_epoch``); the critics take every one."""
    num_minibatches: int = 1
    """Minibatches per epoch (one, as on-policy)."""
    learning_rate: float = 1e-2
    """Adam step size of the actors (on-policy's ``lr`` is 5e-4, which barely moves the policy in 9 updates)."""
    critic_learning_rate: float = 1e-2
    """Adam step size of the critics, their own optimizer (on-policy's ``critic_lr``, 5e-4 there)."""
    adam_eps: float = 1e-5
    """Adam's epsilon (on-policy's ``opti_eps``, CleanRL's choice)."""
    clip_coef: float = 0.2
    """Clip range of the probability ratio in the surrogate objective (all three references)."""
    value_clip: float | None = 0.2
    """A critic's value may move at most this far from its value at the rollout, per update, in normalized units
    (on-policy's clipped value loss with ``clip_param`` 0.2); None: no value clipping."""
    ent_coef: float = 0.01
    """Weight of the entropy bonus, each agent's entropy the mean over its heads (on-policy; NNI uses 0)."""
    vf_coef: float = 1.0
    """Weight of the value loss in the critics' own loss (on-policy's ``value_loss_coef``)."""
    huber_delta: float = 10.0
    """Where the Huber value loss turns from quadratic to linear (on-policy's ``huber_delta``)."""
    max_grad_norm: float = 10.0
    """Gradient norm clip, per network: each actor and each critic separately (on-policy's 10)."""
    norm_adv: bool = True
    """Normalize each agent's advantages over the rollout (on-policy's separated runner: one buffer per agent)."""
    value_norm_beta: float = 0.99999
    """Decay of the value normalizer's running moments (on-policy's ``ValueNorm``); near 1: every rollout counts alike."""
    value_norm_floor: float = 1e-4
    """The value normalizer's variance floor, in squared reward units (on-policy's ``ValueNorm``: 1e-2, a tenth
    of an accuracy's whole range in standard deviation; 1e-4 chosen on synthetic objectives)."""
    hidden_size: int = 32
    """Width of the hidden ReLU layers of actors (one) and critics (two); why 32: docs/decisions.md#mappo-networks."""
    target_kl: float | None = None
    """An optional trust region: the actors stop stepping once their approx-KL (CleanRL's estimator) from the
    rollout's policy exceeds it, while the critics take every epoch; None (on-policy, the default): no stop."""

    def __post_init__(self) -> None:
        for name in ("rollout_episodes", "update_epochs", "num_minibatches", "hidden_size"):
            check_int(getattr(self, name), f"MAPPOConfig.{name}", TunerError, minimum=1)
        if self.num_minibatches > self.rollout_episodes:
            raise TunerError(
                f"MAPPOConfig.num_minibatches ({self.num_minibatches}) exceeds rollout_episodes ({self.rollout_episodes})"
            )
        positive = ("learning_rate", "critic_learning_rate", "adam_eps", "clip_coef", "huber_delta", "max_grad_norm")
        for name in (*positive, "value_norm_floor"):
            if not getattr(self, name) > 0:
                raise TunerError(f"MAPPOConfig.{name} must be positive, got {getattr(self, name)!r}")
        if not 0 < self.value_norm_beta < 1:
            raise TunerError(f"MAPPOConfig.value_norm_beta must lie in (0, 1), got {self.value_norm_beta!r}")
        for name in ("target_kl", "value_clip"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise TunerError(f"MAPPOConfig.{name} must be positive or None, got {value!r}")
