"""Inline against a local Dask pool (``make bench-executor``): wall-time ratio, identical records, per-task overhead.

The same searches run twice, one after the other, on the same machine: each in this process, then
with its trials on a pool of ``workers`` single-thread processes (docs/decisions.md#executor). Beside
them, the machine's own ceiling: ``workers`` independent trial processes side by side against one alone.
"""

from __future__ import annotations

import json
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from paperlib.experiment.executor import Inline, open_executor
from paperlib.experiment.profiles import QUICK, Profile
from paperlib.experiment.run import make_experiment, run_experiment
from paperlib.lenet.data import load_splits
from paperlib.lenet.trial import Recipe, run_trial
from paperlib.space import TABLE2
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
    ceiling_trials: int = 6,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Each of :data:`METHODS` inline and on ``workers`` processes; then the pool's cost per task on a trivial objective."""
    progress(f"bench executor: the ceiling, {workers} trial processes side by side against one alone")
    ceiling = parallel_ceiling(root, profile, workers, ceiling_trials)
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
                methods[method]["share_of_ceiling"] = methods[method]["speedup"] / ceiling["ceiling"]
                methods[method]["episodes_share_of_ceiling"] = methods[method]["episodes_speedup"] / ceiling["ceiling"]
            overhead = _overhead(pool, overhead_tasks)
    trial_seconds = statistics.median(m["median_trial_seconds"] for m in methods.values())
    return {
        "profile": profile.to_dict(),
        "workers": workers,
        "threads_per_worker": 1,
        "pool_startup_seconds": startup,
        "parallel_ceiling": ceiling,
        "methods": methods,
        "overhead_ms_per_task": overhead,
        "overhead_share_of_a_trial": overhead / 1e3 / trial_seconds,
    }


def _search(method: str, profile: Path, root: Path, out: Path, executor: Any) -> dict[str, Any]:
    """One search; its wall seconds (episodes and every retraining) and what it recorded."""
    experiment = make_experiment(method, "mnist", str(profile), 0, root, out, download=False)
    start = time.perf_counter()
    run_experiment(experiment, progress=lambda line: None, executor=executor)
    seconds = time.perf_counter() - start
    lines = (out / "trials.jsonl").read_text(encoding="utf-8").splitlines()
    return {"seconds": seconds, "trials": [json.loads(line) for line in lines]}


def _episodes_wall(trials: list[dict[str, Any]]) -> float:
    """Wall seconds from the first trial's start to the last one's end (retrainings excluded), from the records'
    timestamps (milliseconds)."""
    starts = [datetime.fromisoformat(t["started_at"]).timestamp() for t in trials]
    ends = [datetime.fromisoformat(t["ended_at"]).timestamp() for t in trials]
    return max(ends) - min(starts)


def _compare(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    inline, pool = runs["inline"], runs["pool"]
    inline_episodes, pool_episodes = _episodes_wall(inline["trials"]), _episodes_wall(pool["trials"])
    same = [{k: t[k] for k in RECORDED} for t in inline["trials"]] == [
        {k: t[k] for k in RECORDED} for t in pool["trials"]
    ]
    return {
        "inline_seconds": inline["seconds"],
        "pool_seconds": pool["seconds"],
        "speedup": inline["seconds"] / pool["seconds"],
        "inline_episodes_wall_seconds": inline_episodes,
        "pool_episodes_wall_seconds": pool_episodes,
        "episodes_speedup": inline_episodes / pool_episodes,
        "trial_seconds_pool_over_inline": sum(t["objective_seconds"] for t in pool["trials"])
        / sum(t["objective_seconds"] for t in inline["trials"]),
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


def parallel_ceiling(root: Path, profile: Profile, workers: int, trials: int) -> dict[str, Any]:
    """The speedup ``workers`` independent single-thread processes reach over one, each training ``trials`` trials.

    No pool, no tuner: the most ``workers`` processes can give on this machine (memory bandwidth, shared
    caches, SMT), against which a method's pool speedup is read.
    """
    alone = timed_trial_processes(root, profile, 1, trials)
    side_by_side = timed_trial_processes(root, profile, workers, trials)
    return {
        "trials_per_process": trials,
        "alone_seconds": alone[0],
        "side_by_side_seconds": side_by_side,
        "ceiling": workers * alone[0] / max(side_by_side),
    }


def timed_trial_processes(root: Path, profile: Profile, count: int, trials: int) -> list[float]:
    """Seconds each of ``count`` fresh processes takes for its trials, started together once their data is loaded."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(count), context.Queue()
    sizes = (profile.train_size, profile.val_size, profile.test_size, profile.epochs)
    processes = [
        context.Process(target=_time_trials, args=(str(root), sizes, trials, barrier, results)) for _ in range(count)
    ]
    for process in processes:
        process.start()
    seconds = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return seconds


def _time_trials(root: str, sizes: tuple, trials: int, barrier: Any, results: Any) -> None:
    """In a child process: load the data, wait for the others, time ``trials`` full-budget trials of the central configuration."""
    train_size, val_size, test_size, epochs = sizes
    splits = load_splits("mnist", Path(root), train_size, val_size, test_size, "cpu")
    recipe = Recipe(epochs=epochs)
    run_trial(TABLE2.default(), splits, 0.05, 0, recipe)  # warm-up
    barrier.wait()
    start = time.perf_counter()
    for seed in range(trials):
        run_trial(TABLE2.default(), splits, 1.0, seed, recipe)
    results.put(time.perf_counter() - start)
