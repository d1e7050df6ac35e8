"""The expected test accuracy's records: the incumbent retrained with the profile's fresh seeds, resumable, and added to
a run recorded without them without touching anything else (docs/decisions.md#expected-accuracy)."""

import json

import pytest

from paperlib.cli import main
from paperlib.errors import ProfileError, TunerError
from paperlib.experiment.profiles import QUICK, SMOKE, Profile
from paperlib.experiment.records import RETRAINED, RETRAININGS, RUN, read_json, read_retrainings
from paperlib.experiment.run import make_experiment, run_experiment
from paperlib.lenet.data import load_splits
from paperlib.lenet.trial import Recipe, run_trial

FILES = ("trials.jsonl", RUN, "search.log")
"""What a retraining added later must leave byte for byte."""


@pytest.fixture(scope="module")
def searched(tmp_path_factory, data_root):
    """A two-episode smoke search of random search, with its two retrainings."""
    out = tmp_path_factory.mktemp("retraining") / "run"
    experiment = make_experiment("random", "mnist", "smoke", 0, data_root, out, episodes=2, download=False)
    run_experiment(experiment, progress=lambda line: None)
    return out


def test_profiles_hold_r_and_the_seeds_never_collide_with_a_search_seed():
    assert SMOKE.retraining_seeds == (1000, 1001) and QUICK.retrainings == 10
    assert QUICK.retraining_seeds == tuple(range(1000, 1010)) and QUICK.to_dict()["retrainings"] == 10
    with pytest.raises(ProfileError, match="search seed 1003 is one of the retraining seeds 1000-1009"):
        Profile("x", None, None, None, 1, 1, (0, 1003))
    with pytest.raises(ProfileError, match="retrainings"):
        Profile("x", None, None, None, 1, 1, (0,), retrainings=0)
    with pytest.raises(TunerError, match="search seed 1001 is one of the retraining seeds 1000-1001"):
        make_experiment("random", "mnist", "smoke", 1001, "data", "out")


def test_a_search_records_its_retrainings_and_their_mean(searched, data_root):
    run, lines = read_json(searched / RUN), read_retrainings(searched)
    summary = read_json(searched / RETRAINED)
    assert run["status"] == "complete" and run["profile_settings"]["retrainings"] == 2
    assert [r["seed"] for r in lines] == [1000, 1001] and summary["seeds"] == [1000, 1001]
    assert all(r["config"] == run["best"]["config"] and r["incumbent"] == run["best"]["index"] for r in lines)
    mean = (lines[0]["test_accuracy"] + lines[1]["test_accuracy"]) / 2
    assert summary["test_accuracy"]["mean"] == pytest.approx(mean) and summary["retrainings"] == 2
    # a retraining is the incumbent trained at full budget with its seed: the same numbers when run again
    splits = load_splits("mnist", data_root, SMOKE.train_size, SMOKE.val_size, SMOKE.test_size)
    again = run_trial(run["best"]["config"], splits, 1.0, 1000, Recipe(**run["recipe"]), evaluate_test=True)
    assert (again.val_accuracy, again.test_accuracy) == (lines[0]["val_accuracy"], lines[0]["test_accuracy"])
    assert "at full budget for the test set, then with 2 fresh seeds" in (searched / "search.log").read_text()


def test_a_run_recorded_without_retrainings_gets_them_and_nothing_else_changes(searched, data_root, tmp_path, capsys):
    run = tmp_path / "old"
    run.mkdir()
    for name in FILES:  # as committed before the retrainings existed
        (run / name).write_bytes((searched / name).read_bytes())
    before = {name: (run / name).read_bytes() for name in FILES}
    assert main(["retrain", "--out", str(run), "--data-dir", str(data_root), "--no-download"]) == 0
    assert {name: (run / name).read_bytes() for name in FILES} == before
    assert [r["test_accuracy"] for r in read_retrainings(run)] == [
        r["test_accuracy"] for r in read_retrainings(searched)
    ]
    assert read_json(run / RETRAINED)["test_accuracy"] == read_json(searched / RETRAINED)["test_accuracy"]
    assert "2 retrainings, mean test accuracy" in capsys.readouterr().out
    # complete: a second call trains nothing and writes nothing
    files = {p.name: p.read_bytes() for p in run.iterdir()}
    assert main(["retrain", "--out", str(tmp_path), "--data-dir", str(data_root), "--no-download"]) == 0
    assert {p.name: p.read_bytes() for p in run.iterdir()} == files
    assert "its 2 retrainings are recorded, nothing is run" in capsys.readouterr().out


def test_an_interrupted_retraining_resumes_at_the_next_seed(searched, data_root, tmp_path):
    run = tmp_path / "interrupted"
    run.mkdir()
    for name in FILES:
        (run / name).write_bytes((searched / name).read_bytes())
    first = (searched / RETRAININGS).read_bytes().split(b"\n")[0] + b"\n"
    (run / RETRAININGS).write_bytes(first + b'{"seed": 1001, "incu')  # killed while writing the second line
    assert main(["retrain", "--out", str(run), "--data-dir", str(data_root), "--no-download"]) == 0
    lines = (run / RETRAININGS).read_bytes().split(b"\n")
    assert lines[0] + b"\n" == first and len(lines) == 3 and json.loads(lines[1])["seed"] == 1001
    assert read_json(run / RETRAINED)["seeds"] == [1000, 1001]


def test_bad_input_is_one_line_and_writes_nothing(searched, data_root, tmp_path, capsys):
    assert main(["retrain", "--out", str(tmp_path / "none"), "--data-dir", str(data_root)]) == 2
    assert "no complete run under" in capsys.readouterr().err
    running = tmp_path / "running"
    running.mkdir()
    (running / RUN).write_text(json.dumps(dict(read_json(searched / RUN), status="running")))
    assert main(["retrain", "--out", str(running), "--data-dir", str(data_root)]) == 2
    assert "is not a complete run" in capsys.readouterr().err and sorted(p.name for p in running.iterdir()) == [RUN]
    other = tmp_path / "other"
    other.mkdir()
    for name in FILES:
        (other / name).write_bytes((searched / name).read_bytes())
    line = json.loads((searched / RETRAININGS).read_bytes().split(b"\n")[0])
    (other / RETRAININGS).write_text(json.dumps(dict(line, config={"conv_size": 2})) + "\n")
    assert main(["retrain", "--out", str(other), "--data-dir", str(data_root)]) == 2
    assert "of another configuration" in capsys.readouterr().err and not (other / RETRAINED).exists()


def test_the_plan_has_one_retraining_target_per_search(capsys):
    assert main(["plan", "--profile", "quick"]) == 0
    text = capsys.readouterr().out
    retrainings = text.split("RUN_RETRAININGS := ")[1].splitlines()[0].split()
    notebooks = text.split("RUN_NOTEBOOKS := ")[1].split()
    assert [r.removesuffix("retrainings.json") for r in retrainings] == [
        n.removesuffix("search.ipynb") for n in notebooks
    ]
