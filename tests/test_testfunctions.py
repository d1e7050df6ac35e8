"""The classic test functions (their minima checked with scipy) and the regret benchmark, run tiny."""

import itertools
import json

import numpy as np
import pytest
from scipy.optimize import minimize

from paperlib import cli
from paperlib.bench.regret import RegretSettings, run_regret_bench, summarize
from paperlib.errors import SpaceError, TunerError
from paperlib.tuners.testfunctions import TEST_FUNCTIONS, get_test_function


@pytest.mark.parametrize("name", list(TEST_FUNCTIONS))
def test_the_stated_minimum_is_what_a_local_search_from_many_starts_finds(name):
    problem = TEST_FUNCTIONS[name]
    floats = [h for h in problem.space if h.kind == "float"]
    categoricals = [h for h in problem.space if h.kind == "categorical"]
    rng = np.random.default_rng(0)
    best = np.inf
    for combo in itertools.product(*[h.choices for h in categoricals]):
        fixed = {h.name: v for h, v in zip(categoricals, combo)}

        def f(x, fixed=fixed):
            return problem.f({**fixed, **{h.name: float(v) for h, v in zip(floats, x)}})

        for _ in range(8):
            start = [rng.uniform(h.low, h.high) for h in floats]
            best = min(best, minimize(f, start, bounds=[(h.low, h.high) for h in floats], method="L-BFGS-B").fun)
    assert best == pytest.approx(problem.f_min, abs=1e-6)
    assert best >= problem.f_min - 1e-9  # nothing below the stated minimum: regret is never negative


def test_the_objective_is_the_negated_function_and_regret_is_zero_at_the_optimum():
    branin = get_test_function("branin")
    optimum = {"x1": np.pi, "x2": 2.275}
    assert branin(optimum) == pytest.approx(-branin.f_min) and branin.regret(branin(optimum)) == pytest.approx(
        0, abs=1e-12
    )
    assert branin.regret(branin({"x1": 0.0, "x2": 0.0})) > 1
    with pytest.raises(SpaceError, match="unknown test function 'ackley'"):
        get_test_function("ackley")


def test_summaries_are_scipys_t_interval():
    summary = summarize([1.0, 2.0, 3.0, 4.0])
    assert summary["mean"] == 2.5
    assert (summary["ci_high"] - summary["ci_low"]) / 2 == pytest.approx(3.182446 * np.std([1, 2, 3, 4], ddof=1) / 2)
    assert summarize([0.0, 0.0])["ci_low"] == summarize([0.0, 0.0])["ci_high"] == 0.0


def test_the_benchmark_writes_its_table_and_curves(tmp_path):
    settings = RegretSettings(
        episodes=20,
        seeds=2,
        functions=("func2c",),
        contenders=("mappo (continuous)", "tpe", "bohb"),
        checkpoints=(5, 20),
    )
    lines = []
    summary = run_regret_bench(tmp_path, settings, progress=lines.append)
    assert len(lines) == 3 and all(line.startswith("bench-tuners: func2c / ") for line in lines)
    stored = json.loads((tmp_path / "testfunctions.json").read_text())
    assert stored["regret"] == summary["regret"]
    for contender, runs in stored["curves"]["func2c"].items():
        assert len(runs) == 2
        for curve in runs:
            assert all(r >= -1e-12 for r in curve) and curve == sorted(curve, reverse=True)  # best so far only improves
            assert stored["regret"]["func2c"][contender]["20"]["mean"] <= max(run[-1] for run in runs)
    table = (tmp_path / "testfunctions.md").read_text()
    assert "| func2c (4) | 5 |" in table and "| func2c (4) | 20 |" in table and "mappo (continuous) vs tpe p =" in table


def test_a_benchmark_that_cannot_give_an_interval_is_refused_before_any_work(tmp_path, capsys):
    assert cli.main(["bench", "--tuners", "--seeds", "1", "--out", str(tmp_path)]) == 2
    assert "seeds must be an integer >= 2, got 1" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(TunerError, match="unknown contender 'smac'"):
        RegretSettings(contenders=("smac",))
