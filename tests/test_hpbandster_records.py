"""Hyperband's and BOHB's records are those of the pickle-era sessions (tests/golden/hpbandster_records.json).

The golden traces were taken from the code before the Pyro4 transport changed (serpent over mutual
TLS instead of pickle): on a synthetic bowl, 80 episodes each, and from a smoke CLI search on MNIST.
"""

import json
from pathlib import Path

import pytest

from paperlib.cli import main
from paperlib.experiment.records import read_trials
from paperlib.tuners.base import run_search
from paperlib.tuners.synthetic import Bowl

GOLDEN = json.loads((Path(__file__).parent / "golden" / "hpbandster_records.json").read_text())
KEPT = ("index", "config", "budget", "epochs", "score", "val_accuracy", "status", "steps", "num_parameters")
"""The fields of a trial line that do not depend on the clock or the machine's load."""


@pytest.mark.parametrize("method", ["hyperband", "bohb"])
def test_a_bowl_search_suggests_and_scores_what_it_did(method):
    result = run_search(method, Bowl(), episodes=80, seed=3)
    trace = [[dict(o.suggestion.config), o.suggestion.budget, o.score] for o in result.history]
    assert trace == GOLDEN[f"{method}_bowl_seed3_80"]


@pytest.mark.parametrize("method", ["hyperband", "bohb"])
def test_a_smoke_search_writes_the_trials_it_did(method, tmp_path, data_root):
    out = tmp_path / method
    argv = ["search", "--method", method, "--dataset", "mnist", "--profile", "smoke", "--seed", "0"]
    assert main([*argv, "--data-dir", str(data_root), "--no-download", "--out", str(out)]) == 0
    expected = [{k: t[k] for k in KEPT} for t in GOLDEN[f"{method}_smoke_mnist_seed0"]]
    assert [{k: t[k] for k in KEPT} for t in read_trials(out)] == expected
