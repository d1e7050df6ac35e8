"""Real searches on the smoke profile: run records, resume after SIGKILL, torn lines, one writer (issues 2 and 7)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from paperlib.cli import main
from paperlib.experiment import provenance
from paperlib.experiment.records import LOCK, RecordError, RunDirectory, read_trials, read_updates
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
    "repeat_of",
    "reused",
    "cpu_seconds",
    "load_average",
}


def command(method, out, data_root, episodes, seed=0, *extra):
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
        *extra,
    ]


def trace(run_dir):
    return [(r["index"], r["config"], r["budget"], r["score"]) for r in read_trials(run_dir)]


def test_random_search_writes_complete_run_records(tmp_path, data_root, capsys):
    assert main(command("random", tmp_path / "run", data_root, episodes=3)) == 0
    shown = capsys.readouterr()
    assert "3/3" in shown.err and "episode 3/3" not in shown.out + shown.err  # one bar, not a line per episode
    logged = (tmp_path / "run" / "search.log").read_text()
    assert [f"episode {n}/3" in logged for n in (1, 2, 3)] == [True] * 3 and "episode 0/" not in logged
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
    assert run["distinct_configurations"] == 3 and run["repeats"] == 0 and "training" not in run
    assert [t["repeat_of"] for t in trials] == [None] * 3 and not (tmp_path / "run" / "updates.jsonl").exists()
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
def test_resume_after_sigkill(tmp_path, data_root, method, episodes, monkeypatch):
    """A killed search resumes to exactly the uninterrupted record (MAPPO: across its first policy update), and
    its run.json says which episodes each process recorded on which CPU."""
    killed, reference = tmp_path / "killed", tmp_path / "reference"
    done = kill_after(command(method, killed, data_root, episodes), killed, episodes_done=12 if episodes > 13 else 5)
    assert done < episodes and (killed / LOCK).exists()  # a crash leaves its lock behind...
    here, commit = provenance.cpu_model(), provenance.git_commit()
    monkeypatch.setattr(provenance, "cpu_model", lambda: "Another CPU (cpu family 1, model 2, stepping 3)")
    monkeypatch.setattr(provenance, "git_commit", lambda: "0123abc")
    assert main(command(method, killed, data_root, episodes)) == 0  # ...which a resumed run takes over
    monkeypatch.undo()
    assert [t[0] for t in trace(killed)] == list(range(len(trace(killed))))  # nothing lost, nothing twice
    run = json.loads((killed / "run.json").read_text())
    assert run["status"] == "complete"
    sessions = [(s["after_episodes"], s["cpu_model"]) for s in run["sessions"]]
    assert sessions == [(0, here), (done, "Another CPU (cpu family 1, model 2, stepping 3)")]
    assert run["sessions"][0]["started_at"] == run["started_at"] < run["sessions"][1]["started_at"]
    assert [s["git_commit"] for s in run["sessions"]] == [commit, "0123abc"]  # the header keeps only the last
    assert main(command(method, reference, data_root, episodes)) == 0
    assert [
        (s["after_episodes"], s["cpu_model"]) for s in json.loads((reference / "run.json").read_text())["sessions"]
    ] == [(0, here)]
    assert trace(killed) == trace(reference)
    # MAPPO's update (after episode 20) is recorded, and recomputed by the replay exactly as it first ran.
    assert read_updates(killed) == read_updates(reference) and len(read_updates(killed)) == (method == "mappo")
    if method == "mappo":
        run = json.loads((killed / "run.json").read_text())
        assert run["training"]["updates"] == 1 and run["training"]["file"] == "updates.jsonl"
        assert {"approx_kl", "clip_fraction", "entropy", "value_loss", "epochs"} <= set(read_updates(killed)[0])


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


TINY_SPACE = {  # 2 values per hyperparameter: 32 configurations, so 16 episodes repeat some
    "conv_size": {"kind": "int", "low": 2, "high": 3},
    "hidden_size": {"kind": "int", "low": 124, "high": 125},
    "batch_size": {"kind": "int", "low": 31, "high": 32},
    "dropout_rate": {"kind": "float", "low": 0.5, "high": 0.6, "grid_size": 2},
    "learning_rate": {"kind": "float", "low": 0.01, "high": 0.02, "grid_size": 2},
}


def test_repeats_are_named_and_reused_only_when_asked(tmp_path, data_root):
    space = tmp_path / "space.json"
    space.write_text(json.dumps(TINY_SPACE))
    retrained, reused = tmp_path / "retrained", tmp_path / "reused"
    assert main(command("mappo", retrained, data_root, 16, 0, "--space", str(space))) == 0
    assert main(command("mappo", reused, data_root, 16, 0, "--space", str(space), "--reuse-repeats")) == 0
    first, second = read_trials(retrained), read_trials(reused)
    repeats = [t for t in first if t["repeat_of"] is not None]
    assert repeats, "the tiny space should make the search repeat itself"
    for t in repeats:  # a repeat names the first episode of its configuration, and retrained it scores the same
        earlier = first[t["repeat_of"]]
        assert earlier["config"] == t["config"] and earlier["repeat_of"] is None and earlier["score"] == t["score"]
        assert not t["reused"] and t["steps"] > 0
    assert trace(reused) == trace(retrained)  # reusing changes no score, so no suggestion
    assert [t["repeat_of"] for t in second] == [t["repeat_of"] for t in first]
    for t in second:
        assert t["reused"] == (t["repeat_of"] is not None)
        assert (t["steps"] == 0 and t["train_seconds"] == 0.0) == t["reused"]
    run, reference = (json.loads((path / "run.json").read_text()) for path in (reused, retrained))
    assert run["reuse_repeats"] is True and "reuse_repeats" not in reference
    assert run["distinct_configurations"] == reference["distinct_configurations"] == 16 - len(repeats)
    assert run["repeats"] == reference["repeats"] == len(repeats) and run["reused"] == len(repeats)
    assert reference["reused"] == 0
    assert main(command("mappo", reused, data_root, 16, 0, "--space", str(space))) == 2  # another setting, another run
