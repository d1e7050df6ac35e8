"""Bad input: one clear line naming the problem, exit status 2, nothing written (issue 7)."""

import json
import re
import shutil

import pytest
import torch

from paperlib.cli import main
from paperlib.experiment.run import make_experiment
from paperlib.lenet.data import RAW_FILES, raw_folder


def search(out, *extra, data_dir):
    return [
        "search",
        "--dataset",
        "mnist",
        "--profile",
        "smoke",
        "--data-dir",
        str(data_dir),
        "--no-download",
        "--out",
        str(out),
        *extra,
    ]


def expect_refusal(capsys, argv, pattern, out):
    with pytest.raises(SystemExit) as stop:
        raise SystemExit(main(argv))
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert re.search(pattern, err), err
    assert not out.exists(), "a refused command must write nothing"


@pytest.mark.parametrize(
    "extra, pattern",
    [
        (["--method", "grid"], r"--method: invalid choice: 'grid'"),
        (["--method", "tpe", "--episodes", "0"], r"episodes must be a positive integer, got 0"),
        (["--method", "tpe", "--episodes", "-3"], r"episodes must be a positive integer, got -3"),
        (["--method", "tpe", "--seed", "one"], r"--seed: invalid int value: 'one'"),
        (["--method", "tpe", "--profile", "huge"], r"unknown profile 'huge'"),
        (["--method", "tpe", "--device", "tpu"], r"device 'tpu'"),
    ],
)
def test_bad_search_arguments(capsys, tmp_path, data_root, extra, pattern):
    expect_refusal(capsys, search(tmp_path / "run", *extra, data_dir=data_root), pattern, tmp_path / "run")


@pytest.mark.parametrize(
    "command",
    [
        lambda out, root: search(out, "--method", "tpe", data_dir=root),
        lambda out, root: ["trial", "--dataset", "mnist", "--data-dir", str(root), "--no-download"],
        lambda out, root: ["bench", "--quick", "--out", str(out), "--data-dir", str(root), "--no-download"],
    ],
    ids=["search", "trial", "bench"],
)
def test_an_absent_gpu_is_refused_before_any_work(capsys, monkeypatch, tmp_path, data_root, command):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    argv = [*command(tmp_path / "out", data_root), "--device", "cuda"]
    expect_refusal(capsys, argv, r"device 'cuda' asked for, but torch finds no CUDA device", tmp_path / "out")


def test_unknown_dataset(capsys, tmp_path, data_root):
    argv = ["search", "--method", "tpe", "--dataset", "cifar10", "--out", str(tmp_path / "run")]
    expect_refusal(capsys, argv, r"--dataset: invalid choice: 'cifar10'", tmp_path / "run")


def test_data_dir_without_the_dataset(capsys, tmp_path):
    argv = search(tmp_path / "run", "--method", "tpe", data_dir=tmp_path / "empty")
    expect_refusal(capsys, argv, r"train-images-idx3-ubyte not found in .*empty/MNIST/raw", tmp_path / "run")


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_corrupt_idx_file(capsys, tmp_path, data_root, damage):
    folder = raw_folder(tmp_path / "data", "mnist")
    folder.mkdir(parents=True)
    for name in RAW_FILES:
        shutil.copy(raw_folder(data_root, "mnist") / name, folder / name)
    labels = folder / "train-labels-idx1-ubyte"
    content = labels.read_bytes()
    labels.write_bytes(content[:1000] if damage == "truncate" else b"\x00\x00\x99\x99" + content[4:])
    argv = search(tmp_path / "run", "--method", "tpe", data_dir=tmp_path / "data")
    expect_refusal(capsys, argv, r"mnist: .*(truncated or corrupt|expected 60000)", tmp_path / "run")


@pytest.mark.parametrize(
    "content, pattern",
    [
        ("{not json", r"profile file .* is not valid JSON"),
        ('{"name": "mine", "train_size": 100}', r"profile file .*missing"),
        (
            '{"name": "mine", "train_size": 100, "val_size": 50, "test_size": 50, "epochs": 1, "episodes": 0, "seeds": [0]}',
            r"episodes must be a positive integer",
        ),
        ('{"name": "mine", "colour": "red"}', r"unknown field 'colour'"),
    ],
)
def test_malformed_profile_file(capsys, tmp_path, data_root, content, pattern):
    profile = tmp_path / "mine.json"
    profile.write_text(content)
    argv = search(tmp_path / "run", "--method", "tpe", data_dir=data_root)
    argv[argv.index("smoke")] = str(profile)
    expect_refusal(capsys, argv, pattern, tmp_path / "run")


@pytest.mark.parametrize(
    "content, pattern",
    [
        ("[1, 2]", r"space definition must be a non-empty mapping"),
        ('{"conv_size": {"kind": "int", "low": 7, "high": 2}}', r"'conv_size': low 7 must be below high 2"),
        ('{"conv_size": {"kind": "int", "low": 2, "high": 7}}', r"must define exactly .*hidden_size"),
    ],
)
def test_malformed_space_file(capsys, tmp_path, data_root, content, pattern):
    space = tmp_path / "space.json"
    space.write_text(content)
    argv = search(tmp_path / "run", "--method", "tpe", "--space", str(space), data_dir=data_root)
    expect_refusal(capsys, argv, pattern, tmp_path / "run")


@pytest.mark.parametrize(
    "parameter, value, pattern",
    [
        ("seed", "1", r"seed must be an integer, got '1'"),
        ("seed", 1.0, r"seed must be an integer, got 1.0"),
        ("dataset", 3, r"dataset must be a string"),
        ("episodes", "200", r"episodes must be a positive integer, got '200'"),
    ],
)
def test_notebook_parameters_of_the_wrong_type(tmp_path, parameter, value, pattern):
    arguments = {"method": "tpe", "dataset": "mnist", "profile": "smoke", "seed": 0}
    extra = {}
    if parameter in arguments:
        arguments[parameter] = value
    else:
        extra[parameter] = value
    with pytest.raises(Exception, match=pattern):
        make_experiment(**arguments, data_dir=tmp_path, out=tmp_path / "run", **extra)
    assert not (tmp_path / "run").exists()


def test_trial_command_reports_a_real_trial(capsys, data_root):
    assert (
        main(
            [
                "trial",
                "--dataset",
                "fashion_mnist",
                "--profile",
                "smoke",
                "--data-dir",
                str(data_root),
                "--no-download",
                "--config",
                json.dumps(
                    {"conv_size": 3, "hidden_size": 200, "batch_size": 32, "dropout_rate": 0.5, "learning_rate": 0.01}
                ),
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "ok" and report["split_sizes"] == {"train": 1000, "val": 500, "test": 1000}
    assert 0.3 < report["test_accuracy"] <= 1.0 and report["kappa"] is not None


@pytest.mark.parametrize("option", [["--agents", "single"], ["--critic", "shared"]])
def test_mappo_options_are_for_mappo_only(capsys, tmp_path, data_root, option):
    argv = search(tmp_path / "run", "--method", "tpe", *option, data_dir=data_root)
    expect_refusal(capsys, argv, r"--agents and --critic apply to --method mappo only", tmp_path / "run")


def test_unknown_critic_is_refused(capsys, tmp_path, data_root):
    argv = search(tmp_path / "run", "--method", "mappo", "--critic", "central", data_dir=data_root)
    expect_refusal(capsys, argv, r"--critic: invalid choice: 'central'", tmp_path / "run")


def test_shared_critic_ablation_runs_and_is_recorded(tmp_path, data_root):
    run = tmp_path / "run"
    assert main(search(run, "--method", "mappo", "--critic", "shared", "--episodes", "2", data_dir=data_root)) == 0
    record = json.loads((run / "run.json").read_text())
    assert record["tuner_options"] == {"critic": "shared"} and record["tuner"]["critic"] == "shared"


def test_single_agent_ablation_runs_and_is_recorded(capsys, tmp_path, data_root):
    run = tmp_path / "run"
    assert main(search(run, "--method", "mappo", "--agents", "single", "--episodes", "2", data_dir=data_root)) == 0
    record = json.loads((run / "run.json").read_text())
    assert record["tuner_options"] == {"groups": "single"} and record["status"] == "complete"
    assert list(record["tuner"]["groups"]) == ["agent"]
