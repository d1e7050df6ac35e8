"""Inline against a local Dask pool (``make bench-executor``): wall-time ratio, identical records, per-task overhead.

The same searches run twice, one after the other, on the same machine: each in this process, then
with its trials on a pool of ``workers`` single-thread processes (docs/decisions.md#executor).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paperlib.experiment.executor import Inline, open_executor
from paperlib.experiment.profiles import QUICK, Profile
from paperlib.experiment.run import make_experiment, run_experiment
from paperlib.tuners.base import make_tuner

METHODS = ("mappo", "random", "hyperband")
"""The methods that can keep several trials in flight (a rollout, any number, a rung)."""
RECORDED = ("index", "config", "budget", "score", "val_accuracy", "status", "steps")
"""The fields of ``trials.jsonl`` that must not depend on where trials ran."""
TINY = Profile("bench-tiny", train_size=200, val_size=100, test_size=100, epochs=0.25, episodes=13, seeds=(0,))
"""``--quick``: checks the machinery in seconds, measures nothing."""


def bench_executor(
    root: Path,
    profile: Profile = QUICK,
    workers: int = 2,
    overhead_tasks: int = 200,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Each of :data:`METHODS` inline and on ``workers`` processes; then the pool's cost per task on a trivial objective."""
    methods = {}
    with tempfile.TemporaryDirectory(prefix="paperlib-bench-") as scratch:
        folder = Path(scratch)
        (folder / "profile.json").write_text(json.dumps(profile.to_dict()), encoding="utf-8")
        start = time.perf_counter()
        with open_executor(workers=workers) as pool:
            startup = time.perf_counter() - start
            for method in METHODS:
                runs = {}
                for name, executor in (("inline", Inline()), ("pool", pool)):
                    progress(f"bench executor: {method} on the {profile.name} profile, {name}")
                    runs[name] = _search(method, folder / "profile.json", root, folder / method / name, executor)
                methods[method] = _compare(runs)
            overhead = _overhead(pool, overhead_tasks)
    trial_seconds = statistics.median(m["median_trial_seconds"] for m in methods.values())
    return {
        "profile": profile.to_dict(),
        "workers": workers,
        "threads_per_worker": 1,
        "pool_startup_seconds": startup,
        "methods": methods,
        "overhead_ms_per_task": overhead,
        "overhead_share_of_a_trial": overhead / 1e3 / trial_seconds,
    }


def _search(method: str, profile: Path, root: Path, out: Path, executor: Any) -> dict[str, Any]:
    """One search; its wall seconds (episodes and final retraining) and what it recorded."""
    experiment = make_experiment(method, "mnist", str(profile), 0, root, out, download=False)
    start = time.perf_counter()
    run_experiment(experiment, progress=lambda line: None, executor=executor)
    seconds = time.perf_counter() - start
    lines = (out / "trials.jsonl").read_text(encoding="utf-8").splitlines()
    return {"seconds": seconds, "trials": [json.loads(line) for line in lines]}


def _compare(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    inline, pool = runs["inline"], runs["pool"]
    same = [{k: t[k] for k in RECORDED} for t in inline["trials"]] == [
        {k: t[k] for k in RECORDED} for t in pool["trials"]
    ]
    return {
        "inline_seconds": inline["seconds"],
        "pool_seconds": pool["seconds"],
        "speedup": inline["seconds"] / pool["seconds"],
        "identical_records": same,
        "episodes": len(inline["trials"]),
        "median_trial_seconds": statistics.median(t["objective_seconds"] for t in inline["trials"]),
    }


def _trivial(config: dict[str, Any], budget: float) -> float:
    return 0.5


def _overhead(pool: Any, tasks: int) -> float:
    """Milliseconds a task costs on the pool beyond inline, for an objective that costs nothing (random search)."""
    seconds = {}
    for name, executor in (("inline", Inline()), ("pool", pool)):
        start = time.perf_counter()
        make_tuner("random", seed=0, episodes=tasks).run(_trivial, executor=executor)
        seconds[name] = time.perf_counter() - start
    return (seconds["pool"] - seconds["inline"]) / tasks * 1e3
