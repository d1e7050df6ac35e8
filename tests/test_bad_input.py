"""Bad input of the shared-machine review: one line naming the problem, before any work, nothing half-written.

Also a disk that fills (or a permission that goes) during a search: one line saying what is intact
and how to resume, and the rerun then gives the uninterrupted run's records.
"""

import errno
import json
import math
import os
import re

import pytest

from paperlib.cli import main
from paperlib.errors import ProfileError, SpaceError, TunerError
from paperlib.experiment import records
from paperlib.experiment.profiles import profile_from_file
from paperlib.experiment.records import read_trials, write_json
from paperlib.space import TABLE2, Hyperparameter
from paperlib.tuners.base import make_tuner
from paperlib.tuners.hpbandster_tuners import HyperbandPlan


def search(out, data_root, *extra, method="random", episodes=3):
    argv = ["search", "--method", method, "--dataset", "mnist", "--profile", "smoke", "--episodes", str(episodes)]
    return [*argv, "--data-dir", str(data_root), "--no-download", "--out", str(out), *extra]


def refused(capsys, argv, pattern):
    """The command ends with status 2 and one line on stderr matching ``pattern``."""
    capsys.readouterr()  # what earlier commands of the test printed
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and re.search(pattern, err), err


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else None


@pytest.mark.parametrize(
    "text, what",
    [(b'{"method": "random", "datas', "truncated"), (b"", "empty"), (b"[]", "not an object"), (b"\xff\xfe", "binary")],
)
def test_a_damaged_run_json_is_one_line_and_left_alone(capsys, tmp_path, data_root, text, what):
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_bytes(text)
    before = snapshot(out)
    refused(capsys, search(out, data_root), r"run\.json is not a JSON object \(truncated or damaged\)")
    assert snapshot(out) == before, what


@pytest.mark.parametrize(
    "lines, pattern",
    [
        ('{"index": 2}\n', r"trials\.jsonl line 1 lacks 'config'; the run cannot be resumed"),
        ("[1, 2]\n", r"trials\.jsonl line 1 is not a JSON object"),
    ],
)
def test_a_trial_line_without_what_a_resume_reads_is_one_line(capsys, tmp_path, data_root, lines, pattern):
    out = tmp_path / "run"
    assert main(search(out, data_root, episodes=2)) == 0
    run = json.loads((out / "run.json").read_text())
    write_json(out / "run.json", run | {"status": "running"})
    (out / "trials.jsonl").write_text(lines)
    before = snapshot(out)
    refused(capsys, search(out, data_root, episodes=2), pattern)
    assert snapshot(out) == before


def test_an_out_under_a_file_is_one_line(capsys, tmp_path, data_root):
    (tmp_path / "file").write_text("not a folder")
    refused(capsys, search(tmp_path / "file" / "run", data_root), r"cannot be made: .*file is a file, not a folder")


def test_a_seed_below_zero_is_refused_before_a_run_directory_exists(capsys, tmp_path, data_root):
    out = tmp_path / "run"
    refused(capsys, search(out, data_root, "--seed", "-1"), r"seed must be from 0 to 4294967295, got -1")
    assert not out.exists()


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN"])
def test_a_profile_with_infinite_epochs_is_refused(capsys, tmp_path, data_root, value):
    fields = '"name": "mine", "train_size": 100, "val_size": 100, "test_size": 100, "episodes": 3, "seeds": [0]'
    (tmp_path / "mine.json").write_text(f'{{{fields}, "epochs": {value}}}')
    out = tmp_path / "run"
    argv = search(out, data_root)
    argv[argv.index("smoke")] = str(tmp_path / "mine.json")
    refused(capsys, argv, r"profile 'mine': epochs must be a (finite|positive) number, got (inf|-inf|nan)")
    assert not out.exists()


def space_file(tmp_path, name, **change):
    spec = TABLE2.to_dict()
    spec[name] = spec[name] | change
    (tmp_path / "space.json").write_text(json.dumps(spec))
    return str(tmp_path / "space.json")


@pytest.mark.parametrize(
    "name, change, pattern",
    [
        ("learning_rate", {"high": math.inf}, r"'learning_rate': high must be a finite number, got inf"),
        ("hidden_size", {"low": -math.inf}, r"'hidden_size': low must be a finite number, got -inf"),
        ("learning_rate", {"log": "no"}, r"'learning_rate': log must be true or false, got 'no'"),
        (
            "dropout_rate",
            {"grid_size": 1e12},
            r"'dropout_rate': grid_size must be an integer >= 2, got 1000000000000\.0",
        ),
        ("dropout_rate", {"grid_size": 10**12}, r"'dropout_rate': grid_size must be at most 1000, got 1000000000000"),
    ],
)
def test_bad_space_files_are_one_line(capsys, tmp_path, data_root, name, change, pattern):
    out = tmp_path / "run"
    refused(capsys, search(out, data_root, "--space", space_file(tmp_path, name, **change)), pattern)
    assert not out.exists()


def test_the_checks_hold_for_code_too(tmp_path):
    with pytest.raises(SpaceError, match="log must be true or false, got 1"):
        Hyperparameter("x", "float", 0.1, 1.0, log=1)
    (tmp_path / "p.json").write_text(
        '{"name": "p", "train_size": null, "val_size": null, "test_size": null, '
        '"epochs": 1, "episodes": 3, "seeds": [-1]}'
    )
    with pytest.raises(ProfileError, match=r"profile 'p': seed must be from 0 to 4294967295, got -1"):
        profile_from_file(tmp_path / "p.json")
    with pytest.raises(TunerError):
        make_tuner("hyperband", episodes=12)


def test_json_records_never_hold_nan_or_infinity(tmp_path):
    for value in (math.nan, math.inf):
        with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
            write_json(tmp_path / "x.json", {"epochs": value})
    assert list(tmp_path.iterdir()) == []  # not even a temporary file


@pytest.mark.parametrize("equal_compute", [False, True])
def test_a_huge_hyperband_budget_is_planned_in_closed_form(equal_compute):
    plan = HyperbandPlan(10**10, equal_compute=equal_compute)
    # eta 3, min budget 1/9: 20 evaluations (8 full budgets) per cycle of 3 iterations.
    per_cycle = 8 if equal_compute else 20
    assert plan.n_iterations == 3 * 10**10 // per_cycle
    assert plan.evaluations == plan.n_iterations // 3 * 20
    assert plan.full_budget_equivalents == pytest.approx(plan.n_iterations // 3 * 8)
    tuner = make_tuner("hyperband", seed=0, episodes=10**10, equal_compute=equal_compute)
    try:
        assert tuner.episodes == plan.evaluations and tuner.ask().index == 0
    finally:
        tuner.close()


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EACCES])
def test_a_disk_error_during_a_search_is_one_line_and_the_rerun_resumes(
    capsys, tmp_path, data_root, monkeypatch, error
):
    out, reference = tmp_path / "run", tmp_path / "reference"
    assert main(search(reference, data_root, episodes=4)) == 0
    capsys.readouterr()
    real, appended = records.append_bytes, []

    def failing(path, data):
        if path.name == "trials.jsonl" and len(appended) == 2:
            raise OSError(error, os.strerror(error))
        appended.append(path.name) if path.name == "trials.jsonl" else None
        real(path, data)

    monkeypatch.setattr(records, "append_bytes", failing)
    assert main(search(out, data_root, episodes=4)) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.fullmatch(
        r"error: cannot write .*trials\.jsonl \(.+\); the 2 episodes recorded in trials\.jsonl are intact "
        r"\(a torn last line is dropped\): free space or fix the permissions, then rerun the same command to resume",
        last,
    ), last
    monkeypatch.setattr(records, "append_bytes", real)
    assert main(search(out, data_root, episodes=4)) == 0
    keys = ("index", "config", "budget", "score", "status")
    assert [{k: t[k] for k in keys} for t in read_trials(out)] == [
        {k: t[k] for k in keys} for t in read_trials(reference)
    ]


@pytest.mark.parametrize("extra", [["--rounds", "0"], ["--concurrency", "1", "0"]])
def test_the_gpu_bench_refuses_zero_rounds_or_trials_at_once(capsys, tmp_path, data_root, extra):
    argv = ["bench", "--gpu", "--data-dir", str(data_root), "--no-download", "--out", str(tmp_path / "b"), *extra]
    refused(capsys, argv, r"--rounds and every --concurrency must be at least 1")
    assert not (tmp_path / "b").exists()
