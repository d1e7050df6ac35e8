"""Repeats: an episode whose configuration and budget an earlier episode of the same search already evaluated.

A trial is a function of (configuration, budget, seed) (docs/decisions.md#training-recipe), so a repeat
scores exactly what the earlier episode scored. Every trial record names the episode it repeats;
``run.json`` counts distinct configurations; with ``reuse_repeats`` a repeat takes the earlier score
without training (docs/decisions.md#repeats). The paper's protocol retrains, which is the default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def config_key(config: Mapping[str, Any]) -> str:
    """A configuration as text, the same for equal configurations whatever their key order."""
    return json.dumps(dict(config), sort_keys=True)


class Repeats:
    """The first episode that evaluated each (configuration, budget) of a search."""

    def __init__(self, records: Sequence[Mapping[str, Any]] = ()) -> None:
        self._first: dict[tuple[str, float], int] = {}
        for record in records:
            self.add(record["index"], record["config"], record["budget"])

    def earlier(self, config: Mapping[str, Any], budget: float) -> int | None:
        """Index of the first episode that evaluated ``config`` at ``budget``, or None."""
        return self._first.get((config_key(config), float(budget)))

    def add(self, index: int, config: Mapping[str, Any], budget: float) -> None:
        """Note episode ``index``; a repeat keeps pointing at the first one."""
        self._first.setdefault((config_key(config), float(budget)), index)


def count(records: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Distinct configurations (at any budget), repeated (configuration, budget) episodes, and repeats whose score was reused."""
    repeats = Repeats()
    repeated = 0
    for record in records:
        repeated += repeats.earlier(record["config"], record["budget"]) is not None
        repeats.add(record["index"], record["config"], record["budget"])
    return {
        "distinct_configurations": len({config_key(r["config"]) for r in records}),
        "repeats": repeated,
        "reused": sum(bool(r.get("reused")) for r in records),
    }
