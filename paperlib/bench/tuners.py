"""Milliseconds per episode inside each method's ``ask`` / ``tell`` on the synthetic ``Bowl`` (no training)."""

from __future__ import annotations

import statistics
import time
from typing import Any

import torch

from paperlib.bench.common import BenchSettings
from paperlib.lenet.trial import Recipe, cpu_threads
from paperlib.tuners.base import METHODS, run_search
from paperlib.tuners.synthetic import Bowl


def bench_overhead(settings: BenchSettings) -> dict[str, Any]:
    """Milliseconds per episode inside ask/tell for every method on :class:`Bowl`; a method not importable yet is ``missing``.

    Measured with the trainer's thread count and again with torch's default: a trial restores the
    thread count when it ends, so a search's tuner (MAPPO's policy updates) runs with torch's default.
    """
    threads = Recipe().threads
    methods = {}
    for method in METHODS:
        try:
            with cpu_threads(threads):
                methods[method] = _overhead(method, settings.episodes)
            methods[method]["at_torch_default_threads"] = _overhead(method, settings.episodes)
        except ImportError as error:
            methods[method] = {"status": "missing", "error": str(error)}
        except Exception as error:  # another agent's method mid-way: record it, keep measuring the rest
            methods[method] = {"status": "error", "error": f"{type(error).__name__}: {error}"}
    return {
        "objective": "Bowl",
        "episodes": settings.episodes,
        "threads": threads,
        "torch_default_threads": torch.get_num_threads(),
        "methods": methods,
    }


def _overhead(method: str, episodes: int) -> dict[str, Any]:
    """One seeded search of ``method`` on :class:`Bowl`: its ask/tell milliseconds per episode."""
    start = time.perf_counter()
    result = run_search(method, Bowl(), episodes=episodes, seed=0)
    overhead_ms = [o.optimizer_seconds * 1e3 for o in result.history]
    return {
        "status": "ok",
        "episodes": len(overhead_ms),
        "median_ms": statistics.median(overhead_ms),
        "mean_ms": statistics.mean(overhead_ms),
        "max_ms": max(overhead_ms),
        "total_seconds": sum(overhead_ms) / 1e3,
        "wall_seconds": time.perf_counter() - start,
        "best_score": result.best_score,
    }
