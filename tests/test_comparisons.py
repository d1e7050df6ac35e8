"""Paired comparisons, verdicts, both incumbent rules, MAPPO's reuse time and concurrency, from hand-made run
directories (tests/test_report.py's ``make_run``) against hand-computed values."""

import json
import math

import pytest

from paperlib.experiment.records import atomic_write_text, write_json
from paperlib.report import comparisons as cmp
from paperlib.report.runs import concurrency, load_runs
from paperlib.report.statistics import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED
from paperlib.report.tables import table_rows
from paperlib.report.verdicts import EQUIVALENT, NOT_AVAILABLE, verdict_rows
from tests.test_report import T_975_2, make_run

BASELINES = ("random", "anneal", "tpe", "hyperband", "bohb")


def three_seeds(root, mappo=(0.95, 0.96, 0.97), margin=0.0, expected=None):
    """MAPPO in 30 minutes per seed; every baseline in 60 minutes, RS at (0.90, 0.92, 0.93), the others ``margin``
    lower. ``expected``: (MAPPO's, every baseline's) expected accuracy per seed; None: no retrainings."""
    for seed in range(3):
        mine = None if expected is None else expected[0][seed]
        make_run(root, "mnist", "mappo", seed, test_accuracy=mappo[seed], search_seconds=1800.0, expected=mine)
        for i, method in enumerate(BASELINES):
            accuracy = (0.90, 0.92, 0.93)[seed] - margin * i
            theirs = None if expected is None else expected[1][seed]
            make_run(root, "mnist", method, seed, test_accuracy=accuracy, search_seconds=3600.0, expected=theirs)
    return load_runs(root, progress=lambda line: None)


def test_mappo_against_rs_over_three_paired_seeds(tmp_path):
    found = cmp.comparisons(three_seeds(tmp_path), "mnist")
    assert [c["row"] for c in found] == list(BASELINES)
    rs = found[0]
    # differences 0.05, 0.04, 0.04: mean 0.043333, s = sqrt(((0.02/3)^2 + 2 (0.01/3)^2) / 2) = 0.0057735
    half = T_975_2 * 0.0057735 / math.sqrt(3)
    difference = rs["accuracy"].difference
    assert difference.mean == pytest.approx(0.043333, abs=1e-6) and difference.n == 3
    assert (difference.low, difference.high) == pytest.approx((0.043333 - half, 0.043333 + half), abs=1e-5)
    assert rs["accuracy"].wilcoxon_p == pytest.approx(0.25)  # exact: 3 positive differences, 2 * (1/2)^3
    assert rs["time"].ratio.mean == pytest.approx(0.5) and rs["time"].ratio.high == pytest.approx(0.5)
    assert rs["expected"].difference.mean is None  # no retrainings recorded
    detectable, seeds = rs["accuracy"].power  # s = 0.0057735: effect 3.264 at 3 seeds; 0.005 / s = 0.866 needs 13
    assert detectable == pytest.approx(3.264044 * 0.0057735, rel=1e-4) and seeds == 13
    cells = cmp.comparison_cells(found)[0]
    assert cells == [
        "RS",
        "3",
        "",
        "",
        "",
        "",
        f"+0.0433 [{0.043333 - half:+.4f}, {0.043333 + half:+.4f}]",
        "0.25",
        f"{detectable:.4f}",
        "13",
        "0.500 [0.500, 0.500]",
        "0.25",
    ]


def test_verdicts_one_row_per_dataset_claim_and_estimand(tmp_path):
    expected = ((0.93, 0.94, 0.95), (0.931, 0.939, 0.951))  # MAPPO and the baselines within 0.001: equivalent
    rows = verdict_rows(three_seeds(tmp_path / "three", margin=0.001, expected=expected), "mnist")
    assert [row[1:3] for row in rows] == [
        ["MAPPO reaches the highest accuracy", "expected test accuracy (mean of the fresh-seed retrainings)"],
        ["MAPPO reaches the highest accuracy", "test accuracy of one retraining with the search seed (the paper's)"],
        ["MAPPO halves the search time (Figure 2)", "wall search time"],
    ]
    assert [row[5] for row in rows] == [EQUIVALENT, REPRODUCED, REPRODUCED] and all(row[4] == "3" for row in rows)
    assert rows[1][3].startswith("MAPPO 0.9600; best baseline RS 0.9167 (MAPPO - RS: +0.0433 [")
    one = verdict_rows(load_runs(_first_seed(tmp_path / "single")), "mnist")
    assert [row[5] for row in one] == [NOT_AVAILABLE, INCONCLUSIVE, INCONCLUSIVE]
    assert one[1][6] == "fewer than two seeds paired with RS, Anneal, TPE, Hyperband, BOHB: no interval, so no verdict"
    missing = verdict_rows(load_runs(_first_seed(tmp_path / "missing", skip="tpe")), "mnist")
    assert [row[5] for row in missing] == [NOT_AVAILABLE] * 3 and missing[1][6] == "no complete run of TPE"


def test_a_slower_mappo_does_not_halve_the_time(tmp_path):
    def slower(root, step):
        for run in three_seeds(root):
            if run.key[1] == "mappo":
                write_json(run.path / "run.json", dict(run.record, search_seconds=3600.0 * (1 + step * run.key[2])))
        return verdict_rows(load_runs(root), "mnist")

    rows = slower(tmp_path / "steady", 0.02)
    assert rows[2][5] == NOT_REPRODUCED  # ratios 1.0, 1.02, 1.04: every adjusted interval lies above 0.75
    # ratios 1.0, 1.1, 1.2: the unadjusted 95% interval lies above 0.75, Holm's 99% (t = 9.92) reaches 0.65
    assert slower(tmp_path / "spread", 0.1)[2][5] == INCONCLUSIVE
    # every baseline at (0.90, 0.92, 0.93); MAPPO 0.02 below in every seed: the interval is the point -0.02
    below = verdict_rows(three_seeds(tmp_path / "below", mappo=(0.88, 0.90, 0.91)), "mnist")
    assert below[1][5] == NOT_REPRODUCED
    # differences 0.01, 0.01, 0.02: mean 0.0133 highest, interval 0.0133 -/+ 0.0143 contains 0
    close = verdict_rows(three_seeds(tmp_path / "close", mappo=(0.91, 0.93, 0.95)), "mnist")
    assert close[1][5] == INCONCLUSIVE and "leaves ±0.005" in close[1][6]


def _first_seed(root, skip=None):
    for method in ("mappo", *BASELINES):
        if method != skip:
            make_run(root, "mnist", method, 0, test_accuracy=0.95 if method == "mappo" else 0.9)
    return root


def test_equal_compute_runs_get_their_own_row_and_other_options_stay_ablations(tmp_path):
    make_run(tmp_path, "mnist", "hyperband", 0, test_accuracy=0.9)
    for name, method, options in (
        ("equal", "hyperband", {"equal_compute": True}),
        ("mixed", "hyperband", {"equal_compute": True, "eta": 2}),
        ("mappo", "mappo", {"equal_compute": True}),
    ):
        path = make_run(tmp_path / name, "mnist", method, 0, test_accuracy=0.8)
        write_json(path / "run.json", dict(json.loads((path / "run.json").read_text()), tuner_options=options))
    said = []
    rows = table_rows(load_runs(tmp_path, said.append), "mnist")
    assert [r["method"] for r in rows][-2:] == ["MAPPO", "Hyperband (equal compute)"]
    assert rows[-1]["test_accuracy"].mean == pytest.approx(0.8) and rows[-1]["paper_test_accuracy"] is None
    assert rows[3]["test_accuracy"].mean == pytest.approx(0.9) and rows[-2]["seeds"] == 0
    assert len(said) == 2 and all("ablation" in line for line in said)


def _rewrite_trials(path, trials):
    atomic_write_text(path / "trials.jsonl", "".join(json.dumps(t) + "\n" for t in trials))


def _trial(index, config, budget, score, start=None, end=None, seconds=1.0):
    trial = {"index": index, "config": config, "budget": budget, "score": score}
    trial.update(optimizer_seconds=0.0, objective_seconds=seconds)
    if start is not None:
        trial.update(started_at=f"2026-01-01T00:00:{start:02d}+00:00", ended_at=f"2026-01-01T00:00:{end:02d}+00:00")
    return trial


def test_both_incumbent_rules_for_hyperband(tmp_path):
    path = make_run(tmp_path, "mnist", "hyperband", 0)
    a, b = {"learning_rate": 0.1}, {"learning_rate": 0.01}
    _rewrite_trials(path, [_trial(0, a, 1 / 3, 0.8), _trial(1, b, 1.0, 0.7), _trial(2, a, 1.0, 0.6)])
    record = json.loads((path / "run.json").read_text())
    write_json(path / "run.json", dict(record, best={"index": 0, "config": a, "budget": 1 / 3, "score": 0.8}))
    assert cmp.incumbents(load_runs(tmp_path), "mnist") == [
        ["Hyperband", "0", "0.8000", "0.333333", "0.7000", "1", "yes"]
    ]


def test_mappo_time_had_repeats_reused_their_score(tmp_path):
    path = make_run(tmp_path, "mnist", "mappo", 0, search_seconds=60.0)
    a, b = {"learning_rate": 0.1}, {"learning_rate": 0.01}
    trials = [
        _trial(0, a, 1.0, 0.5, seconds=10),
        _trial(1, b, 1.0, 0.6, seconds=20),
        _trial(2, a, 1.0, 0.5, seconds=12),
    ]
    _rewrite_trials(path, trials)
    # the repeat of episode 0 took 12 s: 60 s measured, 48 s had it reused the score
    assert cmp.reuse_times(load_runs(tmp_path), "mnist") == [["0", "1.00", "0.80", "0.800"]]


def test_concurrency_counts_the_runs_whose_trials_overlap(tmp_path):
    spans = {"random": [(0, 10), (10, 20)], "tpe": [(5, 15)], "anneal": [(30, 40), (41, 50)]}
    for method, times in spans.items():
        path = make_run(tmp_path, "mnist", method, 0)
        _rewrite_trials(path, [_trial(i, {"learning_rate": 0.1}, 1.0, 0.5, s, e) for i, (s, e) in enumerate(times)])
    at_once = {path.parent.name: n for path, n in concurrency(load_runs(tmp_path)).items()}
    assert at_once == {"random": 2.0, "tpe": 2.0, "anneal": 1.0}


def test_agent_ablation_table_pairs_each_grouping_with_layers(tmp_path):
    from paperlib.report.ablation import ablation_cells, load_ablations

    for seed, (layers, single) in enumerate([(0.95, 0.93), (0.96, 0.95), (0.97, 0.94)]):
        make_run(tmp_path / "runs", "mnist", "mappo", seed, test_accuracy=layers, expected=layers - 0.01)
        path = make_run(tmp_path / "ablations", "mnist", "mappo_single", seed, test_accuracy=single, expected=single)
        write_json(
            path / "run.json", dict(json.loads((path / "run.json").read_text()), tuner_options={"groups": "single"})
        )
    critic = make_run(tmp_path / "ablations", "mnist", "mappo_shared", 0)
    write_json(
        critic / "run.json", dict(json.loads((critic / "run.json").read_text()), tuner_options={"critic": "shared"})
    )
    said = []
    header, body = ablation_cells(load_runs(tmp_path / "runs"), load_ablations(tmp_path / "ablations", said.append))
    assert len(said) == 1 and "mappo_shared" in said[0]  # another ablation than the agents': named, left out
    assert [row[:3] for row in body] == [
        ["mnist", "one per layer (reference)", "3"],
        ["mnist", "a single agent (PPO)", "3"],
    ]
    assert body[0][header.index("expected test accuracy")].startswith("0.9500 [")
    # single - layers, expected: 0.93 - 0.94, 0.95 - 0.95, 0.94 - 0.96 = -0.01, 0, -0.02; mean -0.01, s = 0.01
    half = T_975_2 * 0.01 / math.sqrt(3)
    cell = body[1][header.index("expected: grouping - layers")]
    assert cell == f"-0.0100 [{-0.01 - half:+.4f}, {-0.01 + half:+.4f}]"
    assert body[1][header.index("seeds to detect 0.005")] == "34"  # 0.005 / 0.01 = 0.5: 34 seeds (TTestPower)
    assert body[1][header.index("one retraining: grouping - layers")].startswith("-0.0200 [")  # -0.02, -0.01, -0.03
    assert load_ablations(tmp_path / "absent") == []
    # an ablation of another MAPPO's update settings than the reference rows' is named and left out
    other = tmp_path / "ablations" / "mnist" / "mappo_single" / "seed0" / "run.json"
    write_json(other, dict(json.loads(other.read_text()), tuner={"config": {"target_kl": 0.02}}))
    said = []
    header, body = ablation_cells(load_runs(tmp_path / "runs"), load_ablations(tmp_path / "ablations"), said.append)
    assert [row[2] for row in body] == ["3", "2"] and len(said) == 1 and "another MAPPO's settings" in said[0]
