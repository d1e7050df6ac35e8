"""Real searches on the smoke profile: run records, resume after SIGKILL, torn lines, one writer (issues 2 and 7)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from paperlib.cli import main
from paperlib.experiment.records import LOCK, RecordError, RunDirectory, read_trials
from paperlib.space import TABLE2

TRIAL_FIELDS = {
    "index",
    "config",
    "budget",
    "epochs",
    "score",
    "val_accuracy",
    "status",
    "started_at",
    "ended_at",
    "objective_seconds",
    "train_seconds",
    "optimizer_seconds",
    "steps",
    "num_parameters",
    "cpu_seconds",
    "load_average",
}


def command(method, out, data_root, episodes, seed=0):
    return [
        "search",
        "--method",
        method,
        "--dataset",
        "mnist",
        "--profile",
        "smoke",
        "--seed",
        str(seed),
        "--episodes",
        str(episodes),
        "--data-dir",
        str(data_root),
        "--no-download",
        "--out",
        str(out),
    ]


def trace(run_dir):
    return [(r["index"], r["config"], r["budget"], r["score"]) for r in read_trials(run_dir)]


def test_random_search_writes_complete_run_records(tmp_path, data_root, capsys):
    assert main(command("random", tmp_path / "run", data_root, episodes=3)) == 0
    assert "episode 3/3" in capsys.readouterr().out
    trials = read_trials(tmp_path / "run")
    assert [t["index"] for t in trials] == [0, 1, 2]
    for t in trials:
        assert set(t) == TRIAL_FIELDS and t["budget"] == 1.0 and t["status"] == "ok"
        assert TABLE2.validate(t["config"]) == t["config"] and 0.0 <= t["val_accuracy"] <= 1.0
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["status"] == "complete" and run["method"] == "random" and run["profile"] == "smoke"
    assert run["evaluations"] == 3 and run["tuner"]["library"].startswith("hyperopt")
    assert run["search_seconds"] == pytest.approx(sum(t["objective_seconds"] + t["optimizer_seconds"] for t in trials))
    assert run["best"]["score"] == max(t["score"] for t in trials)
    assert all(t["cpu_seconds"] > 0 for t in trials)
    assert run["objective_cpu_seconds"] == pytest.approx(sum(t["cpu_seconds"] for t in trials))
    assert 0.1 < run["final"]["test_accuracy"] <= 1.0 and -1.0 <= run["final"]["kappa"] <= 1.0
    assert run["environment"]["packages"]["torch"] and run["device"] == "cpu"
    assert not (tmp_path / "run" / LOCK).exists()
    # Running the same command again on a complete run changes nothing.
    before = (tmp_path / "run" / "trials.jsonl").read_bytes()
    assert main(command("random", tmp_path / "run", data_root, episodes=3)) == 0
    assert (tmp_path / "run" / "trials.jsonl").read_bytes() == before


def kill_after(argv, run_dir, episodes_done):
    """Start a real search process and SIGKILL it once it has recorded `episodes_done` trials."""
    process = subprocess.Popen(
        [sys.executable, "-m", "paperlib", *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 300
    while len(read_trials(run_dir)) < episodes_done:
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the search recorded too few episodes in 5 minutes"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return len(read_trials(run_dir))


@pytest.mark.parametrize("method, episodes", [("mappo", 25), ("tpe", 25), ("hyperband", 13)])
def test_resume_after_sigkill(tmp_path, data_root, method, episodes):
    killed, reference = tmp_path / "killed", tmp_path / "reference"
    done = kill_after(command(method, killed, data_root, episodes), killed, episodes_done=12 if episodes > 13 else 5)
    assert done < episodes and (killed / LOCK).exists()  # a crash leaves its lock behind...
    assert main(command(method, killed, data_root, episodes)) == 0  # ...which a resumed run takes over
    assert [t[0] for t in trace(killed)] == list(range(len(trace(killed))))  # nothing lost, nothing twice
    assert json.loads((killed / "run.json").read_text())["status"] == "complete"
    assert main(command(method, reference, data_root, episodes)) == 0
    assert trace(killed) == trace(reference)


def test_torn_last_line_is_dropped_and_redone(tmp_path, data_root):
    run = tmp_path / "run"
    assert main(command("tpe", run, data_root, episodes=4)) == 0
    reference = trace(run)
    lines = (run / "trials.jsonl").read_bytes().splitlines(keepends=True)
    (run / "trials.jsonl").write_bytes(b"".join(lines[:2]) + lines[2][:40])  # died while writing episode 2
    status = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps(dict(status, status="running")))
    assert len(read_trials(run)) == 2
    assert main(command("tpe", run, data_root, episodes=4)) == 0
    assert trace(run) == reference


def test_a_corrupt_middle_line_is_not_mistaken_for_a_torn_one(tmp_path):
    (tmp_path / "trials.jsonl").write_bytes(b'{"index": 0}\n{"ind\n{"index": 2}\n')
    with pytest.raises(RecordError, match="line 2 is corrupt"):
        read_trials(tmp_path)


def test_one_writer_per_run(tmp_path, data_root, capsys):
    run = tmp_path / "run"
    with RunDirectory(run):  # this live process holds the lock
        assert main(command("tpe", run, data_root, episodes=2)) == 2
        assert "in use by process" in capsys.readouterr().err
        assert not (run / "trials.jsonl").exists() and not (run / "run.json").exists()
    assert not (run / LOCK).exists()


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    tmp_path.joinpath(LOCK).write_text(f"{os.uname().nodename} {dead.pid}")
    with RunDirectory(tmp_path) as run_dir:
        assert tmp_path.joinpath(LOCK).read_text().endswith(str(os.getpid()))
        run_dir.append_trial({"index": 0})
    assert read_trials(tmp_path) == [{"index": 0}]


def test_another_run_in_the_directory_is_refused(tmp_path, data_root, capsys):
    run = tmp_path / "run"
    assert main(command("tpe", run, data_root, episodes=2)) == 0
    before = (run / "trials.jsonl").read_bytes()
    assert main(command("random", run, data_root, episodes=2)) == 2
    assert "holds another run" in capsys.readouterr().err
    assert (run / "trials.jsonl").read_bytes() == before


def test_an_ablation_is_another_run_than_the_default(tmp_path, data_root):
    from paperlib.experiment.run import make_experiment, run_experiment

    def experiment(**options):
        return make_experiment(
            "mappo", "mnist", "smoke", 0, data_root, tmp_path / "run", episodes=2, download=False, **options
        )

    assert "tuner_options" not in experiment().identity  # what the committed runs were recorded with
    run = run_experiment(experiment(tuner_options={"groups": "single"}), progress=lambda line: None)
    assert run["tuner_options"] == {"groups": "single"} and run["status"] == "complete"
    with pytest.raises(RecordError, match="holds another run"):
        run_experiment(experiment(), progress=lambda line: None)
