"""The notebooks: stored thin and clean, executed for real through papermill, and `make reproduce` end to end."""

import ast
import csv
import json
import os
import subprocess
import sys

import nbformat
import papermill
import pytest
from papermill.translators import PythonTranslator

from paperlib import paths
from paperlib.experiment import manifest
from paperlib.experiment.profiles import SMOKE
from paperlib.experiment.records import read_json, read_trials
from paperlib.report.runs import LABELS

PARAMETERS = {
    "01_data_and_lenet.ipynb": {"dataset": "mnist", "profile": "smoke", "data_dir": None, "seed": 0},
    "02_mappo.ipynb": {
        "dataset": "mnist",
        "method": "mappo",
        "seed": 0,
        "profile": "smoke",
        "data_dir": None,
        "run_dir": None,
        "critic": "per_agent",
        "reuse_repeats": False,
        "scheduler": None,
    },
    "03_baselines.ipynb": {
        "dataset": "mnist",
        "method": "tpe",
        "seed": 0,
        "profile": "smoke",
        "data_dir": None,
        "run_dir": None,
        "equal_compute": False,
        "scheduler": None,
    },
    "04_tables_and_figures.ipynb": {"runs_dir": None, "out_dir": None, "profile": "smoke", "plan": None},
    "05_mappo_on_your_model.ipynb": {"function": "func2c", "episodes": 100, "seed": 0, "heads": "continuous"},
}
"""Each notebook's parameters and their defaults, in order (the Makefile passes these names)."""


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def images(notebook):
    return sum("image/png" in output.get("data", {}) for cell in code_cells(notebook) for output in cell.outputs)


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_notebook_is_stored_thin_clean_and_parameterized(name):
    notebook = nbformat.read(paths.NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    cells = code_cells(notebook)
    assert all(not cell.outputs and cell.execution_count is None for cell in cells), "store notebooks without outputs"
    assert [i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])] == [0]
    statements = ast.parse(cells[0].source).body  # plain literals only: papermill replaces them
    assert {s.targets[0].id: ast.literal_eval(s.value) for s in statements} == PARAMETERS[name]
    # papermill parses every one too (a comment it cannot parse makes it warn "Passed unknown parameter")
    assert [p.name for p in PythonTranslator.inspect(cells[0])] == list(PARAMETERS[name])
    source = "\n".join(cell.source for cell in cells)
    lines = [line for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert len(lines) <= 40 and not any(
        line.lstrip().startswith(("def ", "class ", "for ", "while ")) for line in lines
    )


def test_intro_and_search_notebooks_run_with_injected_parameters(tmp_path, data_root):
    elsewhere = tmp_path / "cwd"  # papermill's working directory: paths must not depend on it
    elsewhere.mkdir()
    intro = papermill.execute_notebook(
        str(paths.NOTEBOOKS / "01_data_and_lenet.ipynb"),
        str(tmp_path / "01.ipynb"),
        kernel_name="python3",
        parameters={"dataset": "fashion_mnist", "seed": 1, "data_dir": str(data_root)},
        cwd=str(elsewhere),
        progress_bar=False,
    )
    injected = [c for c in code_cells(intro) if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'dataset = "fashion_mnist"' in injected[0].source and "seed = 1" in injected[0].source
    assert images(intro) == 1

    run_dir = tmp_path / "run"
    search = papermill.execute_notebook(
        str(paths.NOTEBOOKS / "03_baselines.ipynb"),
        str(tmp_path / "03.ipynb"),
        kernel_name="python3",
        parameters={
            "dataset": "fashion_mnist",
            "method": "random",
            "seed": 1,
            "profile": "smoke",
            "data_dir": str(data_root),
            "run_dir": str(run_dir),
        },
        cwd=str(elsewhere),
        progress_bar=False,
    )
    injected = [c for c in code_cells(search) if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'method = "random"' in injected[0].source and f'run_dir = "{run_dir}"' in injected[0].source
    run = read_json(run_dir / "run.json")
    assert {k: run[k] for k in ("method", "dataset", "seed", "profile", "status")} == {
        "method": "random",
        "dataset": "fashion_mnist",
        "seed": 1,
        "profile": "smoke",
        "status": "complete",
    }
    assert [t["index"] for t in read_trials(run_dir)] == list(range(SMOKE.episodes))
    assert images(search) == 3  # best so far, configurations, time split
    assert list(elsewhere.iterdir()) == []
    bars = [o for c in code_cells(search) for o in c.outputs if "13/13" in o.get("data", {}).get("text/plain", "")]
    assert len(bars) == 1 and "\r" not in bars[0]["data"]["text/plain"]  # the bar's final line, no frames
    frames = [o for c in code_cells(search) for o in c.outputs if "episode/s" in o.get("text", "")]
    assert frames == []


def test_mappo_notebook_takes_the_critic_and_the_repeat_option(tmp_path, data_root):
    run_dir = tmp_path / "run"
    executed = papermill.execute_notebook(
        str(paths.NOTEBOOKS / "02_mappo.ipynb"),
        str(tmp_path / "02.ipynb"),
        kernel_name="python3",
        parameters={"critic": "shared", "reuse_repeats": True, "data_dir": str(data_root), "run_dir": str(run_dir)},
        progress_bar=False,
    )
    run = read_json(run_dir / "run.json")
    assert run["tuner_options"] == {"critic": "shared"} and run["reuse_repeats"] is True
    assert run["tuner"]["critic"] == "shared" and run["status"] == "complete"
    assert "distinct_configurations" in run and all("repeat_of" in t for t in read_trials(run_dir))
    assert images(executed) == 5  # progress, configurations, time split, policy updates, critic fit (none here)


@pytest.mark.parametrize("heads", ["grid", "continuous"])
def test_practitioners_notebook_runs_mappo_both_ways_on_a_tiny_objective(tmp_path, heads):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    executed = papermill.execute_notebook(
        str(paths.NOTEBOOKS / "05_mappo_on_your_model.ipynb"),
        str(tmp_path / "05.ipynb"),
        kernel_name="python3",
        parameters={"function": "branin", "episodes": 25, "seed": 3, "heads": heads},
        cwd=str(elsewhere),
        progress_bar=False,
    )
    shown = [o["data"].get("text/markdown", "") for c in code_cells(executed) for o in c.outputs if "data" in o]
    assert any("after 25 evaluations" in text for text in shown)
    assert any("after 25 trials, 1 PPO update(s)" in text for text in shown)  # one full rollout of 20 episodes
    assert "x1" in executed.cells[-1].outputs[0]["data"]["text/plain"]  # the trials table
    assert list(elsewhere.iterdir()) == []


def test_make_reproduce_smoke_writes_every_output(tmp_path, data_root):
    """`make reproduce PROFILE=smoke`, for real, into a temporary folder: every search, table and figure."""
    out = tmp_path / "smoke"
    # -o: never reinstall the environment from a test (that would need the network); PY: this interpreter.
    command = [
        "make",
        "-C",
        str(paths.ROOT),
        "-j",
        "2",
        "-o",
        ".venv/.installed",
        "reproduce",
        "PROFILE=smoke",
        f"DATA_DIR={data_root}",
        f"OUT={out}",
        f"PY={sys.executable}",
    ]
    # Under `make test` the outer make's flags (jobserver, its command-line variables) must not leak in.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    for dataset in SMOKE.datasets:
        for method in SMOKE.methods:
            for seed in SMOKE.seeds:
                run_dir = out / "runs" / dataset / method / f"seed{seed}"
                run = read_json(run_dir / "run.json")
                assert (run["method"], run["dataset"], run["seed"], run["status"]) == (
                    method,
                    dataset,
                    seed,
                    "complete",
                )
                assert len(read_trials(run_dir)) == run["evaluations"] > 0
                assert (
                    nbformat.read(run_dir / "search.ipynb", as_version=4).metadata.papermill.parameters["method"]
                    == method
                )
    for stem in ("table3_mnist", "table4_fashion_mnist"):
        with open(out / "tables" / f"{stem}.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [row["method"] for row in rows] == list(LABELS.values())
        assert all(
            row["seeds"] == str(len(SMOKE.seeds))
            and 0.0 <= float(row["test_accuracy_mean"]) <= 1.0
            and float(row["search_minutes_mean"]) > 0.0
            for row in rows
        )
        assert all((out / "tables" / f"{stem}.{ext}").stat().st_size > 0 for ext in ("md", "tex"))
    for stem in ("figure2_search_time", "convergence_mnist", "convergence_fashion_mnist"):
        assert all((out / "figures" / f"{stem}.{ext}").stat().st_size > 0 for ext in ("png", "pdf"))
    report = nbformat.read(out / "tables_and_figures.ipynb", as_version=4)
    assert images(report) == 3 and json.dumps(report.metadata.papermill.parameters).count(str(out)) == 2
    assert images(nbformat.read(out / "data_and_lenet.ipynb", as_version=4)) == 1
    manifest.check(out)  # make reproduce wrote the MANIFEST of every file above
