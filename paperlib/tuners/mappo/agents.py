"""MAPPO's agents: who owns which hyperparameters, what each observes, and the actor and critic networks.

docs/paper.md#reading-3: one agent per layer with hyperparameters (``conv``, ``dense``, ``optimizer``);
agent i observes the action of agent i-1 (agent 0 a fixed start token), and each agent has its own
critic, centralized: it sees the joint state (docs/decisions.md#mappo-critic). Actions are discrete
(docs/paper.md#reading-4): every hyperparameter an agent owns is one categorical head over
:meth:`Hyperparameter.grid`, unless continuous heads are asked for (``heads``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import torch
from torch import Tensor, nn

from paperlib.space import Hyperparameter, SearchSpace
from paperlib.tuners.mappo.heads import make_head

LAYER_GROUPS: dict[str, tuple[str, ...]] = {
    "conv": ("conv_size",),
    "dense": ("hidden_size", "dropout_rate"),
    "optimizer": ("batch_size", "learning_rate"),
}
"""The paper's decomposition for Table 2: one agent per layer that has hyperparameters."""

GROUPINGS = ("layers", "per_hyperparameter", "single")
"""Named groupings: the paper's layers, and the two ablations (one agent per hyperparameter; one agent, i.e. plain PPO)."""

CRITICS = ("per_agent", "shared", "independent")
"""Who scores the actors (docs/decisions.md#mappo-critic): one centralized critic per agent (the paper's
reading, the default), one centralized critic shared by all agents (told whose value by the agent's
index), or one critic per agent that sees only its agent's observation (independent PPO, an ablation)."""

OBSERVATIONS = ("previous", "none")
"""What an actor observes: the previous agent's action (the paper's), or nothing but the start token (an ablation)."""

Choice = tuple[int | float, ...]
"""One agent's action: per hyperparameter it owns, a grid index (grid head) or a point of (0, 1) (continuous head)."""


def resolve_groups(space: SearchSpace, groups: str | Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    """Agent name -> the hyperparameters it owns, in acting order; ``ValueError`` if it does not partition ``space``.

    ``None`` means ``"layers"`` when ``space`` has Table 2's names and one agent per hyperparameter otherwise.
    """
    if groups is None:
        groups = "layers" if set(space.names) == {n for g in LAYER_GROUPS.values() for n in g} else "per_hyperparameter"
    if groups == "layers":
        resolved = dict(LAYER_GROUPS)
    elif groups == "per_hyperparameter":
        resolved = {name: (name,) for name in space.names}
    elif groups == "single":
        resolved = {"agent": tuple(space.names)}
    elif isinstance(groups, Mapping):
        resolved = {str(agent): (names,) if isinstance(names, str) else tuple(names) for agent, names in groups.items()}
    else:
        raise ValueError(
            f"groups must be one of {list(GROUPINGS)} or a mapping agent -> hyperparameter names, got {groups!r}"
        )
    owned = [name for names in resolved.values() for name in names]
    if any(not names for names in resolved.values()):
        raise ValueError(f"every agent must own at least one hyperparameter, got {resolved}")
    if sorted(owned) != sorted(space.names):
        raise ValueError(f"groups {resolved} must assign each of {list(space.names)} to exactly one agent")
    return resolved


@dataclass(frozen=True)
class Agent:
    """One agent: a name and the hyperparameters whose values it chooses."""

    name: str
    """Agent name (``conv``, ``dense``, ``optimizer`` in the paper's grouping)."""
    hyperparameters: tuple[Hyperparameter, ...]
    """The hyperparameters it owns, one head each."""
    head_kind: str = "grid"
    """``"grid"`` (a categorical head per hyperparameter) or ``"continuous"`` (Beta heads for floats and wide ints)."""

    @cached_property
    def grids(self) -> tuple[tuple, ...]:
        """The values each hyperparameter's grid head would choose from (:meth:`Hyperparameter.grid`), computed once."""
        return tuple(hp.grid() for hp in self.hyperparameters)

    @cached_property
    def heads(self) -> tuple:
        """One head per hyperparameter (``paperlib.tuners.mappo.heads``), computed once."""
        return tuple(make_head(hp, self.head_kind) for hp in self.hyperparameters)

    @cached_property
    def head_sizes(self) -> tuple[int, ...]:
        """Width of each head's action in observations and states (a grid head: its number of values)."""
        return tuple(head.width for head in self.heads)

    @cached_property
    def n_outputs(self) -> tuple[int, ...]:
        """Actor outputs each head reads (a grid head: one logit per value)."""
        return tuple(head.n_outputs for head in self.heads)

    def one_hot(self, choice: Choice) -> Tensor:
        """The action encoded head by head (one-hot for a grid head), concatenated."""
        return torch.cat([head.encode(action) for head, action in zip(self.heads, choice)])

    def values(self, choice: Choice) -> dict[str, Any]:
        """The action as hyperparameter values (plain Python ints, floats and choices)."""
        return {hp.name: head.to_value(a) for hp, head, a in zip(self.hyperparameters, self.heads, choice)}


class Team:
    """The agents in acting order, and the tensors their actors and critics see."""

    def __init__(
        self, space: SearchSpace, groups: Mapping[str, Sequence[str]], observe: str = "previous", heads: str = "grid"
    ) -> None:
        if observe not in OBSERVATIONS:
            raise ValueError(f"observe must be one of {list(OBSERVATIONS)}, got {observe!r}")
        self.agents = tuple(Agent(name, tuple(space[n] for n in names), heads) for name, names in groups.items())
        self.observe = observe
        # An observation is the previous agent's one-hot action padded to a common width, plus one
        # slot that only the start token sets (so it is distinct from every action).
        self.action_width = max(sum(agent.head_sizes) for agent in self.agents)
        self.obs_dim = self.action_width + 1
        # The joint state: every agent's action slot, zeros until it has acted.
        self.joint_dim = sum(sum(agent.head_sizes) for agent in self.agents)
        # The shared critic's input adds the acting agent's index.
        self.state_dim = self.joint_dim + len(self.agents)

    def __len__(self) -> int:
        return len(self.agents)

    def observation(self, index: int, previous: Choice | None) -> Tensor:
        """What agent ``index`` observes: the start token for agent 0, else agent ``index-1``'s action ``previous``.

        With ``observe="none"`` every agent observes the start token.
        """
        obs = torch.zeros(self.obs_dim)
        if index == 0 or self.observe == "none":
            obs[-1] = 1.0
        else:
            action = self.agents[index - 1].one_hot(previous)
            obs[: action.numel()] = action
        return obs

    def observations(self, episode: Sequence[Choice]) -> Tensor:
        """Every agent's observation in one episode of joint action ``episode``, shape ``(agents, obs_dim)``."""
        return torch.stack([self.observation(i, episode[i - 1] if i else None) for i in range(len(self))])

    def joint_states(self, episode: Sequence[Choice]) -> Tensor:
        """The joint state when each agent acts, shape ``(agents, joint_dim)``: a per-agent critic's input.

        Row i holds the actions of agents ``0..i-1`` in acting order (one-hot), zeros for the agents
        still to act: everything decided so far in the episode.
        """
        actions = [agent.one_hot(choice) for agent, choice in zip(self.agents, episode)]
        rows = [
            torch.cat([a if j < i else torch.zeros_like(a) for j, a in enumerate(actions)]) for i in range(len(self))
        ]
        return torch.stack(rows)

    def states(self, episode: Sequence[Choice]) -> Tensor:
        """The shared critic's input when each agent acts, shape ``(agents, state_dim)``: the joint state, then agent i's index one-hot."""
        index = torch.eye(len(self))
        return torch.cat([self.joint_states(episode), index], dim=1)

    def critic_dim(self, critic: str) -> int:
        """Input width of one critic of kind ``critic`` (one of :data:`CRITICS`)."""
        return {"per_agent": self.joint_dim + 1, "shared": self.state_dim, "independent": self.obs_dim}[critic]

    def critic_inputs(self, episode: Sequence[Choice], critic: str) -> Tensor:
        """What the critic(s) of kind ``critic`` see when each agent acts, shape ``(agents, critic_dim)``.

        A per-agent critic sees the joint state and a constant 1: agent 0's joint state is all zeros, and
        through zero biases and ReLUs a zero input reaches only the output bias; the constant gives
        every weight of every critic a gradient (docs/decisions.md#mappo-critic).
        """
        if critic == "per_agent":
            states = self.joint_states(episode)
            return torch.cat([states, torch.ones(len(self), 1)], dim=1)
        if critic == "shared":
            return self.states(episode)
        return self.observations(episode)

    def config(self, episode: Sequence[Choice]) -> dict[str, Any]:
        """The configuration the agents produced together."""
        return {
            name: value for agent, choice in zip(self.agents, episode) for name, value in agent.values(choice).items()
        }


# ReLU, as on-policy's default (``use_ReLU``; CleanRL uses tanh): torch computes tanh with a vectorized
# kernel that goes multi-threaded above 2048 elements, which the critic's batch (rollout x agents x
# hidden) can exceed; ReLU stays on the calling thread.


def linear(n_in: int, n_out: int, gain: float, generator: torch.Generator) -> nn.Linear:
    """A linear layer with orthogonal weights of ``gain`` and zero bias (CleanRL's ``layer_init``; on-policy's ``use_orthogonal``).

    Built with ``skip_init`` so torch's default initialization never draws from the global RNG.
    """
    layer = nn.utils.skip_init(nn.Linear, n_in, n_out)
    nn.init.orthogonal_(layer.weight, gain, generator=generator)
    nn.init.zeros_(layer.bias)
    return layer


class Actor(nn.Module):
    """One agent's policy: observation -> ReLU MLP -> one output layer per head (a grid head's logits)."""

    def __init__(self, obs_dim: int, head_sizes: Sequence[int], hidden: int, generator: torch.Generator) -> None:
        super().__init__()
        self.body = nn.Sequential(linear(obs_dim, hidden, math.sqrt(2), generator), nn.ReLU())
        # Gain 0.01 on the heads starts every head near uniform (CleanRL's actor, on-policy's ``gain``).
        self.heads = nn.ModuleList(linear(hidden, n, 0.01, generator) for n in head_sizes)

    def forward(self, obs: Tensor) -> list[Tensor]:
        """Outputs of every head (a grid head's logits) for a batch of observations."""
        features = self.body(obs)
        return [head(features) for head in self.heads]


class Critic(nn.Module):
    """A critic: its input (joint state, or an agent's observation) -> value of the (standardized) shared reward."""

    def __init__(self, state_dim: int, hidden: int, generator: torch.Generator) -> None:
        super().__init__()
        self.net = nn.Sequential(
            linear(state_dim, hidden, math.sqrt(2), generator),
            nn.ReLU(),
            linear(hidden, hidden, math.sqrt(2), generator),
            nn.ReLU(),
            linear(hidden, 1, 1.0, generator),
        )

    def forward(self, state: Tensor) -> Tensor:
        """Values for a batch of states (the last dimension dropped)."""
        return self.net(state).squeeze(-1)
