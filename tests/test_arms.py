"""The reproduction's rows: the paper's six methods, then Hyperband and BOHB at equal compute, from plan to run record."""

import json

import pytest

from paperlib.cli import main
from paperlib.errors import ProfileError, TunerError
from paperlib.experiment.profiles import ARMS, PAPER, QUICK, Slice, arm_name, arm_options


def test_every_arm_names_its_method_and_options_and_back():
    assert list(ARMS)[:6] == ["random", "anneal", "tpe", "hyperband", "bohb", "mappo"]
    for name, (method, options) in ARMS.items():
        assert arm_name(method, options) == name
    assert arm_options("bohb", equal_compute=True) == {"equal_compute": True} and arm_options("tpe") == {}
    with pytest.raises(TunerError, match="equal_compute applies to hyperband and bohb only, not 'tpe'"):
        arm_options("tpe", equal_compute=True)
    with pytest.raises(TunerError, match="equal_compute must be True or False"):
        arm_options("hyperband", equal_compute="yes")


def test_the_paper_profile_plans_the_equal_compute_rows(capsys):
    assert main(["plan", "--profile", "paper", "--out", "results/paper"]) == 0
    planned = capsys.readouterr().out.split("RUN_NOTEBOOKS := ")[1].split()
    assert len(planned) == len(PAPER.datasets) * len(PAPER.seeds) * 8
    assert "results/paper/runs/mnist/bohb_equal_compute/seed2/search.ipynb" in planned
    assert QUICK.methods == PAPER.methods == tuple(ARMS)  # the quick reproduction has every row too


def test_the_paper_slice_plans_three_paper_profile_runs_under_results_paper(capsys):
    assert main(["plan", "--profile", "paper-slice"]) == 0
    planned = capsys.readouterr().out.split("RUN_NOTEBOOKS := ")[1].split()
    assert planned == [f"results/paper/runs/mnist/{row}/seed0/search.ipynb" for row in ("random", "mappo", "hyperband")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "paper-cut"}, "its name must be 'paper-slice'"),
        ({"seeds": (7,)}, "seeds must be a non-empty subset of profile 'paper'"),
        ({"methods": ()}, "methods must be a non-empty subset"),
        ({"datasets": ("cifar10",)}, "datasets must be a non-empty subset"),
    ],
)
def test_a_slice_outside_its_profile_is_refused(fields, message):
    spec = {"name": "paper-slice", "profile": "paper", "datasets": ("mnist",), "methods": ("random",), "seeds": (0,)}
    with pytest.raises(ProfileError, match=message):
        Slice(**{**spec, **fields})


def test_an_equal_compute_search_records_its_option_and_spends_its_episodes_in_full_budgets(tmp_path, data_root):
    out = tmp_path / "run"
    argv = ["search", "--method", "hyperband", "--equal-compute", "--dataset", "mnist", "--profile", "smoke"]
    argv += ["--episodes", "3", "--data-dir", str(data_root), "--no-download", "--out", str(out)]
    assert main(argv) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["tuner_options"] == {"equal_compute": True} and run["tuner"]["equal_compute"] is True
    assert run["evaluations"] == 13 and run["full_budget_equivalents"] == pytest.approx(3.0)


def test_equal_compute_for_another_method_is_one_line_before_any_work(tmp_path, data_root, capsys):
    out = tmp_path / "run"
    argv = ["search", "--method", "tpe", "--equal-compute", "--dataset", "mnist", "--data-dir", str(data_root)]
    assert main([*argv, "--out", str(out)]) == 2
    assert capsys.readouterr().err == "error: equal_compute applies to hyperband and bohb only, not 'tpe'\n"
    assert not out.exists()
