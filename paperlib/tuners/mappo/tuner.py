"""The paper's method: hyperparameter search by multi-agent PPO (MAPPO), one episode per configuration.

In an episode the agents act in order, each given the previous agent's action; the configuration's
validation accuracy is the reward they share. After every rollout but the last the actors and their
centralized critics take a PPO update as on-policy's MAPPO does where the paper is silent: actors and
critics with their own optimizers, the critics' targets normalized (``ValueNorm``) and their values
clipped, each agent's advantages normalized on their own (docs/decisions.md#mappo-update): centralized
training, decentralized execution (docs/paper.md#reading-3). Every update leaves a record of how far
it moved the policy and how well each critic predicted the rollout (:meth:`MAPPOTuner.training_log`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
import torch

from paperlib.errors import TunerError
from paperlib.space import TABLE2, SearchSpace
from paperlib.tuners.base import Suggestion, Tuner
from paperlib.tuners.mappo import ppo
from paperlib.tuners.mappo.agents import CRITICS, GROUPINGS, OBSERVATIONS, Actor, Choice, Critic, Team, resolve_groups
from paperlib.tuners.mappo.config import MAPPOConfig
from paperlib.tuners.mappo.heads import HEADS
from paperlib.tuners.mappo.stats import summarize_updates
from paperlib.tuners.mappo.valuenorm import ValueNorm


def streams(seed: int, n: int = 3) -> list[torch.Generator]:
    """``n`` independent torch generators from one seed (numpy's ``SeedSequence.spawn``): initialisation, sampling, minibatch order."""
    children = np.random.SeedSequence(seed % 2**64).spawn(n)
    return [torch.Generator().manual_seed(int(c.generate_state(1, np.uint64)[0])) for c in children]


class MAPPOTuner(Tuner):
    """Multi-agent PPO over the discrete grid of ``space`` (docs/paper.md#reading-3 and #reading-4).

    ``groups`` says which agent owns which hyperparameters: ``"layers"`` (the paper's three agents,
    the default for Table 2), ``"per_hyperparameter"`` (the default for any other space),
    ``"single"`` (one agent: plain PPO), or a mapping agent name -> hyperparameter names, in acting order.
    ``critic`` says who scores the actors: ``"per_agent"`` (one centralized critic per agent, the
    paper's reading), ``"shared"`` (one centralized critic for all) or ``"independent"`` (one critic per
    agent on its own observation); ``observe="none"`` hides the previous agent's action from the actors.
    ``heads="continuous"`` gives floats and wide ints a Beta head over their range instead of the grid
    (docs/decisions.md#mappo-continuous); the paper's reproduction keeps ``"grid"``.
    """

    name = "mappo"

    def __init__(
        self,
        space: SearchSpace = TABLE2,
        seed: int = 0,
        episodes: int = 200,
        config: MAPPOConfig | Mapping[str, Any] | None = None,
        groups: str | Mapping[str, Sequence[str]] | None = None,
        critic: str = "per_agent",
        observe: str = "previous",
        heads: str = "grid",
    ) -> None:
        super().__init__(space, seed, episodes)
        if heads not in HEADS:
            raise TunerError(f"heads must be one of {list(HEADS)}, got {heads!r}")
        self.heads = heads
        if isinstance(config, Mapping):  # e.g. the "config" of a run record's describe()
            unknown = sorted(set(config) - set(MAPPOConfig.__dataclass_fields__))
            if unknown:
                raise TunerError(f"unknown MAPPOConfig field {unknown[0]!r}")
            config = MAPPOConfig(**config)
        self.config = config if config is not None else MAPPOConfig()
        for value, known, what in ((critic, CRITICS, "critic"), (observe, OBSERVATIONS, "observe")):
            if value not in known:
                raise TunerError(f"unknown {what} {value!r}; choose one of {list(known)}")
        try:
            self.groups = resolve_groups(space, groups)
        except ValueError as error:
            raise TunerError(str(error)) from None
        self.critic_kind, self.observe = critic, observe
        self.team = Team(space, self.groups, observe, heads)
        # Local generators only, one stream each: the global torch RNG and thread settings are left alone.
        init, self._sampler, self._shuffler = streams(seed)
        hidden = self.config.hidden_size
        self.actors = torch.nn.ModuleList(Actor(self.team.obs_dim, a.n_outputs, hidden, init) for a in self.team.agents)
        n_critics = 1 if critic == "shared" else len(self.team)
        self.critics = torch.nn.ModuleList(Critic(self.team.critic_dim(critic), hidden, init) for _ in range(n_critics))
        # Actors and critics each have their own Adam (on-policy's ``actor_optimizer``, ``critic_optimizer``).
        cfg = self.config
        self.actor_optimizer = torch.optim.Adam(self.actors.parameters(), lr=cfg.learning_rate, eps=cfg.adam_eps)
        self.critic_optimizer = torch.optim.Adam(
            self.critics.parameters(), lr=cfg.critic_learning_rate, eps=cfg.adam_eps
        )
        self.value_norm = ValueNorm(cfg.value_norm_beta, cfg.value_norm_floor)
        """Running statistics of the shared reward: the critics' targets are in its units."""
        self._rollout: list[tuple[Suggestion, list[Choice]]] = []  # handed out in this rollout, in order
        self._scores: dict[int, float] = {}  # index -> score told, for this rollout
        self._next_index = 0
        self.updates = 0
        """PPO updates done so far."""
        self.update_log: list[dict[str, Any]] = []
        """One record per update: epochs run, approx-KL, clip fraction, entropy per agent, value loss."""

    # --- decentralized execution -------------------------------------------------------------------

    def ask(self) -> Suggestion:
        """The next episode: every agent in turn samples its action from its actor and its observation."""
        if len(self._rollout) == self.config.rollout_episodes:
            raise TunerError(
                f"all {self.config.rollout_episodes} episodes of this rollout are handed out; "
                "tell their scores before asking for more (the policy updates in between)"
            )
        episode: list[Choice] = []
        with torch.no_grad():
            for i, actor in enumerate(self.actors):
                outputs = actor(self.team.observation(i, episode[-1] if episode else None))
                heads = self.team.agents[i].heads
                episode.append(tuple(head.sample(out, self._sampler) for head, out in zip(heads, outputs)))
        suggestion = Suggestion(self._next_index, self.space.validate(self.team.config(episode)), 1.0)
        self._next_index += 1
        self._rollout.append((suggestion, episode))
        return suggestion

    def width(self) -> int:
        """The whole rollout may be pending: the policy is fixed until its last episode is told."""
        return self.config.rollout_episodes - len(self._scores)

    def tell(self, suggestion: Suggestion, score: float) -> None:
        """Record the shared reward of an episode; the last one of a rollout triggers the PPO update."""
        handed = {s.index: s for s, _ in self._rollout if s.index not in self._scores}
        if handed.get(suggestion.index) != suggestion:
            raise TunerError(
                f"tell for suggestion {suggestion.index} that is not pending (never handed out, or already told)"
            )
        if not math.isfinite(float(score)):
            raise TunerError(f"score of suggestion {suggestion.index} must be finite, got {score!r}")
        self._record(suggestion, score)
        self._scores[suggestion.index] = float(score)
        if len(self._scores) == self.config.rollout_episodes:
            # No update after the search's last episode: no suggestion would ever come from it.
            if len(self.result.history) != self.episodes:
                self._update()
            self._rollout, self._scores = [], {}

    # --- centralized training ----------------------------------------------------------------------

    def _evaluate(self, b_obs: torch.Tensor, b_actions: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-probability and entropy of every agent's action, each of shape ``(episodes, agents)``.

        An agent's heads are independent given its observation, so its log-probability and entropy
        are the sums over its heads (the bonus in the loss takes the mean over heads: :meth:`_actor_step`).
        """
        logprobs, entropies = [], []
        for i, actor in enumerate(self.actors):
            outputs = actor(b_obs[:, i])
            heads = self.team.agents[i].heads
            logprobs.append(
                sum(head.log_prob(out, b_actions[i][:, h]) for h, (head, out) in enumerate(zip(heads, outputs)))
            )
            entropies.append(sum(head.entropy(out) for head, out in zip(heads, outputs)))
        return torch.stack(logprobs, dim=1), torch.stack(entropies, dim=1)

    def _values(self, b_inputs: torch.Tensor) -> torch.Tensor:
        """Every agent's value, shape ``(episodes, agents)``, from the critics' inputs ``(episodes, agents, dim)``."""
        if self.critic_kind == "shared":
            return self.critics[0](b_inputs)
        return torch.stack([critic(b_inputs[:, i]) for i, critic in enumerate(self.critics)], dim=1)

    def _update(self) -> None:
        """One PPO update of all actors and critics on the rollout just completed, and its record in :attr:`update_log`."""
        cfg = self.config
        episodes = [episode for _, episode in self._rollout]
        rewards = torch.tensor([self._scores[s.index] for s, _ in self._rollout])
        b_obs = torch.stack([self.team.observations(e) for e in episodes])  # (K, agents, obs_dim)
        b_inputs = torch.stack([self.team.critic_inputs(e, self.critic_kind) for e in episodes])  # (K, agents, dim)
        b_actions = [torch.tensor([e[i] for e in episodes]) for i in range(len(self.team))]  # per agent (K, heads)
        b_rewards = rewards.unsqueeze(1).expand(-1, len(self.team))  # the shared reward, once per agent

        # The behaviour policy is the current one: the parameters have not moved since the rollout began.
        with torch.no_grad():
            b_logprobs, entropy_before = self._evaluate(b_obs, b_actions)
            b_values = self._values(b_inputs)  # in the normalizer's units, as the critics learned them
        # Advantage of each agent = shared reward minus its own critic's value, in units of the reward (on-policy
        # denormalizes with the statistics the critics were trained under), normalized per agent.
        b_predicted = self.value_norm.denormalize(b_values)
        b_advantages = b_rewards - b_predicted
        if cfg.norm_adv:
            b_advantages = ppo.normalize_advantages(b_advantages)
        # The critics' targets: the reward in units of every rollout so far, this one included (ValueNorm).
        self.value_norm.update(rewards)
        b_returns = self.value_norm.normalize(b_rewards)

        kl_per_epoch, clip_per_epoch, epochs, stopped = [], [], 0, False
        for _ in range(cfg.update_epochs):
            order = torch.randperm(len(episodes), generator=self._shuffler)
            kls, clips = [], []
            for mb in torch.tensor_split(order, cfg.num_minibatches):
                if not stopped:
                    mb_actions = [a[mb] for a in b_actions]
                    stopped = self._actor_step(b_obs[mb], mb_actions, b_logprobs[mb], b_advantages[mb], kls, clips)
                # The critics train every epoch, whatever the actors do (on-policy's ``r_mappo.py``).
                self._critic_step(b_inputs[mb], b_values[mb], b_returns[mb])
            if kls:
                kl_per_epoch.append(sum(kls) / len(kls))
                clip_per_epoch.append(sum(clips) / len(clips))
            epochs += not stopped
        self.updates += 1
        self.update_log.append(
            self._update_record(b_obs, b_actions, b_logprobs, b_inputs, b_returns, entropy_before, b_values)
            | self._critic_record(b_inputs, b_predicted, b_rewards)
            | {"epochs": epochs, "stopped_early": stopped}
            | {"approx_kl_per_epoch": _rounded(kl_per_epoch), "clip_fraction_per_epoch": _rounded(clip_per_epoch)}
        )

    def _actor_step(self, obs, actions, old_logprobs, advantages, kls: list, clips: list) -> bool:
        """One step of the actors on a minibatch; True, and no step, when ``target_kl`` is set and already exceeded."""
        cfg = self.config
        newlogprob, entropy = self._evaluate(obs, actions)
        logratio = newlogprob - old_logprobs
        ratio = logratio.exp()
        with torch.no_grad():  # how far the policy has moved before this step (CleanRL's approx_kl, clipfrac)
            kls.append(float(ppo.approx_kl(logratio)))
            clips.append(float(ppo.clip_fraction(ratio, cfg.clip_coef)))
        if cfg.target_kl is not None and kls[-1] > cfg.target_kl:
            return True  # the optional trust region: no step from a policy already target_kl away
        # Policy loss: each agent's probability ratio in the clipped surrogate (PPO eq. 7), and the entropy
        # bonus with each agent's entropy averaged over its heads (on-policy's ``act.py``): more heads, no more bonus.
        heads = torch.tensor([len(agent.heads) for agent in self.team.agents])
        loss = ppo.clipped_surrogate(ratio, advantages, cfg.clip_coef) - cfg.ent_coef * (entropy / heads).mean()
        self.actor_optimizer.zero_grad()
        loss.backward()
        for actor in self.actors:  # clipped per network, as on-policy clips each agent's actor
            torch.nn.utils.clip_grad_norm_(actor.parameters(), cfg.max_grad_norm)
        self.actor_optimizer.step()
        return False

    def _critic_step(self, inputs, old_values, returns) -> None:
        """One step of the critics on a minibatch: the clipped Huber value loss against the normalized reward."""
        cfg = self.config
        values = self._values(inputs)
        v_loss = ppo.clipped_value_loss(values, old_values, returns, cfg.value_clip, cfg.huber_delta).mean()
        self.critic_optimizer.zero_grad()
        (cfg.vf_coef * v_loss).backward()
        for critic in self.critics:
            torch.nn.utils.clip_grad_norm_(critic.parameters(), cfg.max_grad_norm)
        self.critic_optimizer.step()

    def _critic_record(self, b_inputs, b_predicted, b_rewards) -> dict:
        """How well each critic predicted the rollout, in units of the reward, against predicting its mean.

        ``explained_variance_before`` is ``1 - critic_mse_before / constant_mse`` on the fresh rollout (the
        critics had not trained on it); above 0 the critic beats the rollout's own mean, which a critic
        that sees nothing (agent 0's) cannot. ``explained_variance``: the same after the update.
        ``centered_explained_variance_before``: ``1 - var(reward - value) / var(reward)`` on the fresh rollout,
        blind to the critic's offset, which the per-agent centering of the advantages removes anyway: above 0
        the critic's values make the actor's advantages less noisy than the rollout's mean would (agent 0's: 0).
        """
        with torch.no_grad():
            after = self.value_norm.denormalize(self._values(b_inputs))
        names = [agent.name for agent in self.team.agents]
        mse = (b_rewards - b_predicted).pow(2).mean(dim=0)
        constant = float((b_rewards[:, 0] - b_rewards[:, 0].mean()).pow(2).mean())
        mean, var = self.value_norm.mean_var()

        def per_agent(values: torch.Tensor) -> dict[str, float | None]:
            return {n: (_rounded(float(v)) if constant > 0 else None) for n, v in zip(names, values)}

        return {
            "critic_mse_before": dict(zip(names, _rounded(mse.tolist()))),
            "constant_mse": _rounded(constant),
            "explained_variance_before": per_agent(ppo.explained_variance(b_predicted, b_rewards)),
            "explained_variance": per_agent(ppo.explained_variance(after, b_rewards)),
            "centered_explained_variance_before": per_agent(ppo.centered_explained_variance(b_predicted, b_rewards)),
            "value_norm": {"mean": _rounded(mean), "std": _rounded(var**0.5)},
        }

    def _update_record(self, b_obs, b_actions, b_logprobs, b_inputs, b_returns, entropy_before, b_values) -> dict:
        """Where the update left the policy and critics, measured on the rollout it learned from."""
        with torch.no_grad():
            newlogprob, entropy = self._evaluate(b_obs, b_actions)
            logratio = newlogprob - b_logprobs
            value_after = ppo.huber(self._values(b_inputs) - b_returns, self.config.huber_delta).mean()
        value_before = ppo.huber(b_values - b_returns, self.config.huber_delta).mean()
        names = [agent.name for agent in self.team.agents]
        return {
            "update": self.updates,
            "after_episode": len(self.result.history),
            "approx_kl": _rounded(float(ppo.approx_kl(logratio))),
            "clip_fraction": _rounded(float(ppo.clip_fraction(logratio.exp(), self.config.clip_coef))),
            "entropy_before": dict(zip(names, _rounded(entropy_before.mean(0).tolist()))),
            "entropy": dict(zip(names, _rounded(entropy.mean(0).tolist()))),
            "value_loss_before": _rounded(float(value_before)),
            "value_loss": _rounded(float(value_after)),
        }

    def training_log(self) -> list[dict[str, Any]]:
        """One JSON-ready record per PPO update (:attr:`update_log`); a run directory keeps it as ``updates.jsonl``."""
        return list(self.update_log)

    def training_summary(self) -> dict[str, Any]:
        """The updates in a few numbers, for ``run.json`` (:func:`paperlib.tuners.mappo.stats.summarize_updates`)."""
        return summarize_updates(self.update_log, self.config.target_kl)

    def policy(self, agent: int = 0, previous: Choice | None = None) -> list[torch.Tensor]:
        """Agent ``agent``'s probabilities over each grid head (a Beta head: its two concentrations), given the previous agent's action."""
        with torch.no_grad():
            outputs = self.actors[agent](self.team.observation(agent, previous))
            return [head.summary(out) for head, out in zip(self.team.agents[agent].heads, outputs)]

    def describe(self) -> dict[str, Any]:
        """The PPO settings, the agents and what they own, their critics, and the number of updates the budget allows."""
        return {
            "config": asdict(self.config),
            "groups": {name: list(names) for name, names in self.groups.items()},
            "critic": self.critic_kind,
            "observe": self.observe,
            "heads": self.heads,
            "updates": (self.episodes - 1) // self.config.rollout_episodes,  # none after the last episode
        }


def options(agents: str = "layers", critic: str = "per_agent") -> dict[str, str]:
    """MAPPO's tuner options as a run records them: only those that differ from the paper's reading, so a
    default run has none and is a row of the tables, while an ablation is a run of its own."""
    for value, known, what in ((agents, GROUPINGS, "agents"), (critic, CRITICS, "critic")):
        if value not in known:
            raise TunerError(f"unknown {what} {value!r}; choose one of {list(known)}")
    return ({"groups": agents} if agents != "layers" else {}) | ({"critic": critic} if critic != "per_agent" else {})


def _rounded(values: Any, digits: int = 6) -> Any:
    """A float, or a list of them, to ``digits`` significant digits (the records stay readable)."""
    if isinstance(values, list):
        return [_rounded(v, digits) for v in values]
    return float(f"{values:.{digits}g}")
