"""The paper's method: multi-agent PPO, one agent per LeNet layer, centralized training and decentralized execution.

``agents``: who owns which hyperparameters, what each observes, the actor and critic networks;
``ppo``: the loss pieces, each checked against hand-computed values; ``tuner``: the rollout and update;
``stats``: the updates' records summarised.
"""

from paperlib.tuners.mappo.tuner import MAPPOConfig, MAPPOTuner, options

__all__ = ["MAPPOConfig", "MAPPOTuner", "options"]
