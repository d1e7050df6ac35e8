"""Trials on a Dask cluster give the records trials in one process give (issue 14).

Real parts: a LocalCluster of two worker processes with one thread each, on loopback; real LeNet
trials on the smoke profile's MNIST; real hyperopt, hpbandster and MAPPO.
"""

import json
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cloudpickle
import psutil
import pytest

from paperlib.cli import main
from paperlib.errors import ExecutorError
from paperlib.experiment import make_experiment, run_experiment
from paperlib.experiment.executor import (
    HOST,
    DaskExecutor,
    Inline,
    check_pool,
    gpu_spec,
    in_order,
    open_executor,
    timed,
)
from paperlib.experiment.profiles import SMOKE
from paperlib.experiment.task import TrialTask
from paperlib.tuners.base import METHODS, make_tuner
from paperlib.tuners.synthetic import Bowl

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module

RECORDED = ("index", "config", "budget", "epochs", "score", "val_accuracy", "status", "steps", "num_parameters")
"""What must not depend on where the trials ran (times and dates may)."""
WIDE = ("mappo", "random", "hyperband")
"""The methods whose next suggestions do not wait for the pending scores (a rollout, any number, a rung)."""


class ThreadPool(ThreadPoolExecutor):
    """Four slots in this process, trials finishing in any order: the executor contract without a cluster.

    ``most`` is the largest number of trials submitted and not yet handed back: what the tuner had in flight.
    """

    slots = 4

    def __init__(self):
        super().__init__(self.slots)
        self.in_flight, self.most = 0, 0

    def submit(self, function, *args):
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        return Counted(self, super().submit(timed, function, *args))


class Counted:
    def __init__(self, pool, future):
        self.pool, self.future = pool, future

    def result(self):
        self.pool.in_flight -= 1
        return self.future.result()


def sleepy(config, budget):
    """A Bowl whose duration varies with the configuration, so trials finish out of order."""
    time.sleep(0.001 * (int(config["conv_size"]) % 4))
    return Bowl()(config, budget)


def history(result):
    return [(o.suggestion.index, dict(o.suggestion.config), o.suggestion.budget, o.score) for o in result.history]


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_tells_the_same_history_however_wide_it_runs(method):
    inline = make_tuner(method, seed=3, episodes=40).run(Bowl())
    with ThreadPool() as pool:
        wide = make_tuner(method, seed=3, episodes=40).run(sleepy, executor=pool)
    assert history(wide) == history(inline)
    assert pool.most == (ThreadPool.slots if method in WIDE else 1)


@pytest.mark.parametrize(
    "workers, scheduler, threads, pattern",
    [
        (0, None, 1, r"--workers must be a positive integer, got 0"),
        (True, None, 1, r"--workers must be a positive integer, got True"),
        (2, "127.0.0.1:8786", 1, r"give --workers .* or --scheduler .*, not both"),
        (None, "no-such-file.json", 1, r"--scheduler 'no-such-file.json' is neither an existing scheduler file"),
        (None, "", 1, r"--scheduler must be an address host:port or a scheduler file, got ''"),
        (2, None, 0, r"--trials-per-worker must be a positive integer, got 0"),
    ],
)
def test_bad_pool_options_are_refused(workers, scheduler, threads, pattern):
    with pytest.raises(ExecutorError, match=pattern):
        check_pool(workers, scheduler, threads)


@pytest.mark.parametrize(
    "extra, pattern",
    [
        (["--workers", "0"], r"--workers must be a positive integer, got 0"),
        (["--workers", "two"], r"--workers: invalid int value: 'two'"),
        (["--scheduler", "nowhere"], r"--scheduler 'nowhere' is neither an existing scheduler file"),
        (["--workers", "2", "--scheduler", "127.0.0.1:8786"], r"not both"),
    ],
)
def test_bad_pool_arguments_are_refused_before_any_work(capsys, tmp_path, data_root, extra, pattern):
    out = tmp_path / "run"
    argv = ["search", "--method", "random", "--dataset", "mnist", "--data-dir", str(data_root), "--out", str(out)]
    with pytest.raises(SystemExit) as stop:
        raise SystemExit(main([*argv, "--no-download", *extra]))
    err = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and len(err.splitlines()) == 1 and re.search(pattern, err), err
    assert not out.exists()


def test_an_unreachable_scheduler_is_one_line_naming_it(tmp_path):
    refused = pytest.raises(ExecutorError, match=r"cannot reach the Dask scheduler tcp://127\.0\.0\.1:9 ")
    with refused, open_executor(scheduler="127.0.0.1:9", connect_s=1.0):
        pass


def test_gpu_workers_each_see_one_gpu_and_listen_on_loopback():
    spec = gpu_spec(workers=4, threads=2, gpus=2)
    assert [w["options"]["env"]["CUDA_VISIBLE_DEVICES"] for w in spec.values()] == ["0", "1", "0", "1"]
    assert {w["options"]["nthreads"] for w in spec.values()} == {2}
    assert {w["options"]["host"] for w in spec.values()} == {HOST}


# --- a real local cluster: two worker processes, one thread each, loopback only ---


@pytest.fixture(scope="module")
def pool():
    with open_executor(workers=2) as executor:
        yield executor


@pytest.fixture(scope="module")
def inline_runs(tmp_path_factory, data_root):
    """The reference: each method's smoke search in this process (run once per module)."""
    root, done = tmp_path_factory.mktemp("inline"), {}

    def run(method):
        if method not in done:
            out = root / method
            run_experiment(experiment(method, out, data_root), progress=lambda line: None)
            done[method] = out
        return done[method]

    return run


def experiment(method, out, data_root):
    return make_experiment(method, "mnist", "smoke", 0, data_root, out, download=False)


def records(out: Path):
    lines = (out / "trials.jsonl").read_text(encoding="utf-8").splitlines()
    return [{key: json.loads(line)[key] for key in RECORDED} for line in lines]


def final(out: Path):
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    return run["best"], {key: run["final"][key] for key in ("status", "val_accuracy", "test_accuracy", "kappa")}


def retrained(out: Path):
    """The fresh-seed retrainings as recorded, times aside (a pool runs them side by side)."""
    lines = (out / "retrainings.jsonl").read_text(encoding="utf-8").splitlines()
    timing = ("seconds", "started_at", "ended_at")
    return [{key: value for key, value in json.loads(line).items() if key not in timing} for line in lines]


class Slots:
    """An executor of ``slots`` slots that runs nothing until a result is asked for, and counts what is in flight."""

    def __init__(self, slots):
        self.slots, self.in_flight, self.most = slots, 0, 0

    def submit(self, function, *args):
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        outer = self

        class Future:
            def result(self):
                outer.in_flight -= 1
                return function(*args), 0.0

        return Future()


@pytest.mark.parametrize("slots", [1, 2, 3])
def test_in_order_keeps_the_slots_busy_and_hands_results_back_in_call_order(slots):
    executor = Slots(slots)
    results = [outcome for outcome, _ in in_order(executor, pow, [(2, n) for n in range(7)])]
    assert results == [2**n for n in range(7)] and executor.most == slots and executor.in_flight == 0
    # Inline: each call runs when the one before is handed back, as a loop would run them (progress as they end)
    ran = []
    handed = in_order(Inline(), lambda n: ran.append(n) or n, [(n,) for n in range(3)])
    assert ran == [] and next(handed)[0] == 0 and ran == [0] and next(handed)[0] == 1 and ran == [0, 1]


def test_the_pool_is_two_single_thread_workers_on_loopback(pool):
    assert isinstance(pool, DaskExecutor) and pool.slots == 2
    assert pool.where.startswith(f"tls://{HOST}:")
    assert all(address.startswith(f"tls://{HOST}:") for address in pool.client.nthreads())
    assert set(pool.client.nthreads().values()) == {1}
    processes = [psutil.Process(), *psutil.Process().children(recursive=True)]
    listening = {c.laddr.ip for p in processes for c in p.net_connections("inet") if c.status == psutil.CONN_LISTEN}
    assert listening == {HOST}, "something listens beyond loopback"
    # Dask spawns workers with MALLOC_TRIM_THRESHOLD_=65536, which slows a trial (docs/cluster.md#worker-speed)
    assert set(pool.client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_").values()) == {None}


@pytest.mark.parametrize("method", ["mappo", "random", "hyperband"])
def test_two_workers_write_the_records_one_process_writes(pool, inline_runs, tmp_path, data_root, method):
    out = tmp_path / method
    run = run_experiment(experiment(method, out, data_root), progress=lambda line: None, executor=pool)
    assert records(out) == records(inline_runs(method))
    assert final(out) == final(inline_runs(method))
    # the search seed's retraining and the fresh-seed ones ran on the pool, two at a time, recorded in seed order
    assert retrained(out) == retrained(inline_runs(method)) and len(retrained(out)) == SMOKE.retrainings
    assert run["executor"] == {"kind": "dask", "scheduler": pool.where, "slots": 2}


class KillOnce:
    """The real trial, but the first worker to finish one dies before handing it back (once per marker file)."""

    def __init__(self, task, marker):
        self.task, self.marker = task, str(marker)

    def __call__(self, config, budget):
        outcome = self.task(config, budget)
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return outcome
        os._exit(1)  # the worker process dies mid-task; its nanny starts a new one


def test_a_worker_killed_mid_trial_changes_no_record(pool, inline_runs, tmp_path, data_root):
    reference = experiment("random", tmp_path / "unused", data_root)
    task = TrialTask(reference.data, reference.seed, reference.recipe)
    marker = tmp_path / "killed"
    told = []
    make_tuner("random", seed=0, episodes=13).run(KillOnce(task, marker), told.append, executor=pool)
    assert marker.exists(), "no worker was killed: the test tested nothing"
    expected = records(inline_runs("random"))
    got = [(o.suggestion.index, dict(o.suggestion.config), o.score, o.outcome.result.steps) for o in told]
    assert got == [(r["index"], r["config"], r["score"], r["steps"]) for r in expected]


def test_a_scheduler_that_disappears_ends_in_one_line_and_the_rerun_resumes(inline_runs, tmp_path, data_root):
    out = tmp_path / "random"
    with open_executor(workers=1) as doomed:
        where = doomed.where

        def progress(line):
            if "episode 3/" in line:
                doomed.client.cluster.close()  # the scheduler and its worker go away mid-search

        with pytest.raises(ExecutorError, match=rf"the Dask scheduler {re.escape(where)} stopped answering"):
            run_experiment(experiment("random", out, data_root), progress=progress, executor=doomed)
    assert 3 <= len(records(out)) < 13
    run_experiment(experiment("random", out, data_root), progress=lambda line: None)  # rerun, inline: resumes
    assert records(out) == records(inline_runs("random"))


def test_the_executor_benchmark_reports_ratios_and_identical_records(tmp_path, data_root):
    argv = ["bench", "--executor", "--quick", "--out", str(tmp_path), "--data-dir", str(data_root), "--no-download"]
    assert main(argv) == 0
    result = json.loads((tmp_path / "executor.json").read_text(encoding="utf-8"))
    assert set(result["methods"]) == {"mappo", "random", "hyperband"} and result["workers"] == 2
    for method, row in result["methods"].items():
        assert row["identical_records"] is True and row["episodes"] == 13, method
        assert row["speedup"] == pytest.approx(row["inline_seconds"] / row["pool_seconds"]), method
    assert isinstance(result["overhead_ms_per_task"], float)
    ceiling = result["parallel_ceiling"]  # two trial processes side by side against one alone
    assert len(ceiling["side_by_side_seconds"]) == 2 and ceiling["trials_per_process"] == 6
    assert ceiling["ceiling"] == pytest.approx(2 * ceiling["alone_seconds"] / max(ceiling["side_by_side_seconds"]))
    for method, row in result["methods"].items():
        assert row["share_of_ceiling"] == pytest.approx(row["speedup"] / ceiling["ceiling"]), method
        # the episodes alone (first trial's start to last trial's end, retrainings excluded): within the run's time
        assert 0 < row["inline_episodes_wall_seconds"] < row["inline_seconds"], method
        assert 0 < row["pool_episodes_wall_seconds"] < row["pool_seconds"], method
        episodes = row["inline_episodes_wall_seconds"] / row["pool_episodes_wall_seconds"]
        assert row["episodes_speedup"] == pytest.approx(episodes), method
        assert row["episodes_share_of_ceiling"] == pytest.approx(episodes / ceiling["ceiling"]), method
        assert row["trial_seconds_pool_over_inline"] > 0, method  # how much longer a trial runs inside a worker


def test_the_pool_command_runs_its_command_against_a_live_scheduler_file(tmp_path):
    # What `make reproduce WORKERS=N` does: the command (there, make) finds the pool through the file.
    file = tmp_path / "scheduler.json"
    check = (
        "from paperlib.experiment.executor import open_executor\n"
        f"with open_executor(scheduler={str(file)!r}) as pool: assert pool.slots == 1"
    )
    assert main(["pool", "--workers", "1", "--scheduler-file", str(file), "--", sys.executable, "-c", check]) == 0
    assert not file.exists(), "the file of a stopped pool is removed"
    assert main(["pool", "--workers", "1", "--scheduler-file", str(file), "--", sys.executable, "-c", "exit(3)"]) == 3


def test_the_pool_command_needs_a_command(capsys, tmp_path):
    assert main(["pool", "--workers", "2", "--scheduler-file", str(tmp_path / "s.json")]) == 2
    assert capsys.readouterr().err.strip() == "error: pool needs a command to run after --"
