"""Records only their owner writes: planted directories and links refused, a kernel lock, the user's umask,
the profile's settings in a run's identity, and committed runs still recognised (issue 22)."""

import json
import multiprocessing
import os
import shutil
import stat
import subprocess
import sys

import pytest

from paperlib import paths
from paperlib.cli import main
from paperlib.errors import RecordError
from paperlib.experiment.records import LOCK, RunDirectory, atomic_write_text, read_json, read_trials
from paperlib.experiment.run import _open_or_resume, make_experiment, run_experiment

NOBODY = 65534
"""The uid a root test gives a planted directory (the account ``nobody``)."""


def search(out, data_root, *extra, episodes=2):
    argv = ["search", "--method", "random", "--dataset", "mnist", "--profile", "smoke", "--episodes", str(episodes)]
    return [*argv, "--data-dir", str(data_root), "--no-download", "--out", str(out), *extra]


def refused(capsys, argv, pattern):
    capsys.readouterr()  # what earlier commands of the test printed
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert pattern in err, err


def planted_complete_run(tmp_path, data_root):
    """A complete run directory, as another account would plant it (made here, then handed over)."""
    out = tmp_path / "shared" / "run"
    assert main(search(out, data_root)) == 0
    return out


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another account needs root")
def test_a_run_directory_planted_by_another_account_is_refused(capsys, tmp_path, data_root):
    out = planted_complete_run(tmp_path, data_root)
    for path in (out, *out.iterdir()):
        os.chown(path, NOBODY, NOBODY)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    refused(
        capsys, search(out, data_root), f"{out} belongs to another user (uid {NOBODY}); choose an --out of your own"
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_run_directory_every_account_may_write_is_refused(capsys, tmp_path, data_root):
    out = planted_complete_run(tmp_path, data_root)
    out.chmod(0o777)
    refused(capsys, search(out, data_root), "may be written by every user (mode drwxrwxrwx)")
    out.chmod(0o755)
    assert main(search(out, data_root)) == 0  # once it is the owner's alone, it is read back as before


@pytest.mark.parametrize("name", ["trials.jsonl", "search.log"])
def test_records_are_never_appended_through_a_planted_link(capsys, tmp_path, data_root, name):
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched\n")
    out = tmp_path / "run"
    out.mkdir()
    (out / name).symlink_to(victim)
    refused(capsys, search(out, data_root), f"{out / name} is a symbolic link")
    with RunDirectory(tmp_path / "other") as run_dir:  # planted after the checks: the append itself refuses
        (run_dir.path / name).symlink_to(victim)
        with pytest.raises(RecordError, match="is a symbolic link; a run's records are never written through one"):
            run_dir.append_trial({"index": 0}) if name == "trials.jsonl" else run_dir.append_log("x")
    assert victim.read_text() == "untouched\n"


def test_a_retraining_is_never_appended_through_a_planted_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched\n")
    with RunDirectory(tmp_path / "run") as run_dir:
        (run_dir.path / "retrainings.jsonl").symlink_to(victim)
        with pytest.raises(RecordError, match="is a symbolic link; a run's records are never written through one"):
            run_dir.append_retraining({"seed": 1000, "test_accuracy": 0.9})
    assert victim.read_text() == "untouched\n"


def contend(path, barrier, outcomes, hold):
    barrier.wait()
    try:
        with RunDirectory(path):
            outcomes.put("acquired")
            hold.wait(120)
    except RecordError:
        outcomes.put("refused")


@pytest.mark.parametrize("left_behind", [None, "", "vm 999999999"])
def test_of_processes_racing_for_a_lock_exactly_one_holds_it(tmp_path, left_behind):
    """Also over a lock file left empty, or naming a dead process (both were judged stale and taken twice)."""
    if left_behind is not None:
        (tmp_path / LOCK).write_text(left_behind)
    context = multiprocessing.get_context("fork")
    n = 6
    barrier, outcomes, hold = context.Barrier(n), context.Queue(), context.Event()
    racers = [context.Process(target=contend, args=(tmp_path, barrier, outcomes, hold)) for _ in range(n)]
    for racer in racers:
        racer.start()
    try:
        seen = sorted(outcomes.get(timeout=120) for _ in range(n))  # the holder holds until all have answered
    finally:
        hold.set()
        for racer in racers:
            racer.join(120)
    assert seen == ["acquired"] + ["refused"] * (n - 1)
    assert not (tmp_path / LOCK).exists()


def test_the_lock_of_a_killed_holder_is_free_and_a_live_unnamed_one_is_not(tmp_path):
    holder = "from paperlib.experiment.records import RunDirectory; import os; RunDirectory(%r).acquire(); os._exit(0)"
    subprocess.run(
        [sys.executable, "-c", holder % str(tmp_path)], check=True, env=os.environ | {"PYTHONPATH": str(paths.ROOT)}
    )
    assert (tmp_path / LOCK).exists()  # left behind, but unlocked by the kernel
    with RunDirectory(tmp_path):
        assert (tmp_path / LOCK).read_text().endswith(f" {os.getpid()}")
    # A holder that locked the file but has not yet written its name (the empty-lock window) still holds it.
    (tmp_path / LOCK).write_text("")
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(tmp_path / LOCK)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert locker.stdout.readline() == "locked\n"
        with pytest.raises(RecordError, match=r"is in use by process \(unnamed\)"):
            RunDirectory(tmp_path).acquire()
    finally:
        locker.stdin.close()
        locker.wait(120)
    with RunDirectory(tmp_path):  # and free once it has gone
        pass


LOCKER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_written_files_follow_the_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "table.csv", "a,b\n")
        with RunDirectory(tmp_path / "run") as run_dir:
            run_dir.append_trial({"index": 0})
            run_dir.write_run({"status": "running"})
    finally:
        os.umask(previous)
    for path in (tmp_path / "table.csv", tmp_path / "run" / "trials.jsonl", tmp_path / "run" / "run.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path


def test_a_profile_of_the_same_name_with_other_settings_is_another_run(capsys, tmp_path, data_root):
    out = tmp_path / "run"
    assert main(search(out, data_root)) == 0
    spec = {
        "name": "smoke",
        "train_size": 900,
        "val_size": 500,
        "test_size": 1000,
        "epochs": 1,
        "episodes": 13,
        "seeds": [0],
    }
    (tmp_path / "smoke.json").write_text(json.dumps(spec))
    argv = search(out, data_root)
    argv[argv.index("smoke")] = str(tmp_path / "smoke.json")
    before = (out / "run.json").read_bytes()
    refused(capsys, argv, "holds a run of another 'smoke' profile")
    assert (out / "run.json").read_bytes() == before
    (tmp_path / "smoke.json").write_text(json.dumps(spec | {"train_size": 1000, "seeds": [0, 1]}))
    assert main(argv) == 0  # the same settings (seeds choose runs, not what one computes): read back
    assert "already complete" in capsys.readouterr().out


QUICK_RUN = paths.RESULTS / "quick" / "runs" / "mnist"


@pytest.mark.parametrize("method", ["hyperband", "bohb", "tpe"])
def test_a_committed_quick_run_is_complete_and_resumes_where_it_stopped(tmp_path, data_root, method):
    committed = QUICK_RUN / method / "seed0"
    out = tmp_path / "run"
    shutil.copytree(committed, out)
    experiment = make_experiment(method, "mnist", "quick", 0, data_root, out, download=False)
    assert run_experiment(experiment) == read_json(committed / "run.json")  # complete: read back, nothing run
    # The rendered page's figures (search_files/) are a folder; the records are the files.
    before = {p.name: p.read_bytes() for p in committed.iterdir() if p.is_file()}
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert {name: after[name] for name in before} == before  # every committed file as it was
    assert set(after) - set(before) <= {"retrainings.jsonl", "retrainings.json"}  # only the retrainings added
    # Cut short at episode 150: the checks pass, and the replayed tuner proposes what the run did next.
    trials = read_trials(committed)
    (out / "trials.jsonl").write_text("".join(json.dumps(t) + "\n" for t in trials[:150]))
    atomic_write_text(out / "run.json", json.dumps(read_json(committed / "run.json") | {"status": "running"}))
    experiment = make_experiment(method, "mnist", "quick", 0, data_root, out, download=False)
    with RunDirectory(out) as run_dir:
        tuner, summary = _open_or_resume(experiment, run_dir, run_dir.read_run(), run_dir.trials(), {})
        try:
            following = tuner.ask()
        finally:
            tuner.close()
    assert (following.index, following.config, following.budget) == (150, trials[150]["config"], trials[150]["budget"])
    # Recorded before run.json had sessions: the earlier process is known by its CPU only.
    recorded_on = read_json(committed / "run.json")["environment"]["cpu_model"]
    assert [(s["after_episodes"], s["cpu_model"]) for s in summary["sessions"]] == [
        (None, recorded_on),
        (150, summary["environment"]["cpu_model"]),
    ]
