"""The reviewer's commands on real smoke searches: verify, spot-check, compare, and what `make reproduce` says."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from paperlib import paths
from paperlib.cli import main
from paperlib.experiment import manifest, provenance
from paperlib.experiment.profiles import Profile
from paperlib.experiment.records import read_json, read_trials, write_json
from paperlib.experiment.run import make_experiment, run_experiment
from paperlib.report import build_report, load_runs
from paperlib.review import spot_check
from paperlib.review.compare import compare, read_markdown_table
from paperlib.review.summary import summary

ROWS = ("random", "hyperband", "mappo")
SEEDS = (0, 1)
PLAN = Profile("smoke", 1000, 500, 1000, 1, 13, SEEDS, datasets=("mnist",), methods=ROWS)
"""The fixture's reproduction: three rows of the smoke profile on MNIST, two seeds (Hyperband brings three budgets)."""


@pytest.fixture(scope="module")
def results(tmp_path_factory, data_root):
    """A results folder as `make reproduce` leaves it: run records, tables, figures, MANIFEST (recorded here)."""
    out = tmp_path_factory.mktemp("results")
    for method in ROWS:
        for seed in SEEDS:
            run = out / paths.RUN_LAYOUT.format(dataset="mnist", method=method, seed=seed)
            run_experiment(make_experiment(method, "mnist", "smoke", seed, data_root, run), progress=lambda _: None)
    build_report(out / "runs", out, progress=lambda _: None)
    manifest.write(out, "test")
    return out


def copy_of(results, tmp_path):
    """A copy of the results folder to tamper with."""
    return shutil.copytree(results, tmp_path / "copy")


def test_verify_passes_on_intact_results_and_names_each_difference(results, tmp_path, capsys):
    assert main(["verify", "--out", str(results)]) == 0
    assert "verifies (0 differences" in capsys.readouterr().out

    copy = copy_of(results, tmp_path)
    table = copy / "tables" / "table3_mnist.md"
    table.write_text(table.read_text(encoding="utf-8").replace("| RS | 2 |", "| RS | 3 |"), encoding="utf-8")
    (copy / "figures" / "figure2_search_time.pdf").unlink()
    run = read_json(copy / "runs/mnist/random/seed0/run.json")
    write_json(copy / "runs/mnist/random/seed0/run.json", run | {"evaluations": 12})
    manifest.write(copy, "after tampering")  # a rewritten MANIFEST hides nothing: the rebuild still differs
    assert main(["verify", "--out", str(copy)]) == 1
    out = capsys.readouterr().out
    assert "differs: tables/table3_mnist.md: line 5 is '| RS | 3 |" in out
    assert "differs: figures/figure2_search_time.pdf: rebuilt but not committed" in out
    assert "differs: runs/mnist/random/seed0: evaluations 12 but 13 trials" in out
    assert "does not verify" in out


def test_the_sample_spreads_over_rows_and_budgets_and_follows_its_seed(results):
    runs = load_runs(results / "runs", lambda _: None)
    picks = spot_check.sample(runs, 5, seed=3)
    assert len(picks) == 6 and picks[-1].index is None  # five trials, then one incumbent retraining
    cells = {pick.run.key[1] for pick in picks[:3]}
    assert cells == set(ROWS)  # the first round gives every row a trial
    every = spot_check.sample(runs, 5 * 3, seed=3)[:-1]
    assert {round(p.trial["budget"], 3) for p in every if p.run.key[1] == "hyperband"} == {0.111, 0.333, 1.0}
    assert len({(p.run.key, p.index) for p in every}) == len(every)  # never one trial twice
    assert [(p.run.key, p.index) for p in spot_check.sample(runs, 5, seed=3)] == [(p.run.key, p.index) for p in picks]
    assert [(p.run.key, p.index) for p in spot_check.sample(runs, 5, seed=4)] != [(p.run.key, p.index) for p in picks]


def test_spot_check_re_executes_identically_here_and_fails_on_a_changed_score(results, tmp_path, capsys):
    report = tmp_path / "spot.md"
    assert main(["spot-check", "--out", str(results), "--trials", "6", "--report", str(report)]) == 0
    text = report.read_text(encoding="utf-8")
    assert "Same numerics signature (7 re-executions): 7 identical" in text and "**PASS**" in text
    assert "retraining (test)" in text
    # the machine's speed against the recording's, from the same re-executions (6 trials; not the retraining)
    ratio = re.search(r"median ratio (\d+\.\d\d) \(range (\d+\.\d\d)–(\d+\.\d\d), 6 trials", text)
    assert ratio and 0 < float(ratio[2]) <= float(ratio[1]) <= float(ratio[3]), text

    copy = copy_of(results, tmp_path)
    for seed in SEEDS:  # every recorded score of one row moved by one part in a million
        trials = copy / f"runs/mnist/random/seed{seed}/trials.jsonl"
        lines = [json.dumps(t | {"score": t["score"] + 1e-6}) for t in read_trials(trials.parent)]
        trials.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    assert main(["spot-check", "--out", str(copy), "--trials", "6"]) == 1
    out = capsys.readouterr().out
    assert "**FAIL**" in out and "| no | same |" in out


def test_spot_check_on_another_signature_reports_the_agreement_rate(results, tmp_path, capsys):
    copy = copy_of(results, tmp_path)
    for path in (copy / "runs").rglob("run.json"):
        record = read_json(path)
        record["environment"]["cpu_model"] = "Another CPU (cpu family 1, model 2, stepping 3)"
        write_json(path, record)
    assert main(["spot-check", "--out", str(copy), "--trials", "3"]) == 0
    out = capsys.readouterr().out
    assert "Another numerics signature (differs in cpu_model; 4 re-executions): 4 of 4 identical (100%)" in out
    assert "about 65% (130 of 200" in out and "REPORTED" in out


def test_numerics_signature_is_what_decides_a_trials_low_bits():
    here = provenance.describe()
    recipe = {"threads": 1}
    assert provenance.numerics_signature(here, recipe, "cpu") == provenance.numerics_signature(
        dict(here), recipe, "cpu"
    )
    for change in ({"cpu_isa": ["sse4_2"]}, {"torch_cpu_capability": "AVX2"}, {"packages": {"torch": "0"}}):
        assert provenance.numerics_signature(here | change, recipe, "cpu") != provenance.numerics_signature(
            here, recipe, "cpu"
        )
    assert provenance.numerics_signature(here, {"threads": 2}, "cpu")["threads"] == 2
    assert provenance.numerics_signature(here, recipe, "cuda")["device"] == "cuda"


def test_compare_agrees_with_a_copy(results, tmp_path):
    copy = copy_of(results, tmp_path)
    report = tmp_path / "compare.md"
    assert main(["compare", "--reference", str(results), "--rerun", str(copy), "--report", str(report)]) == 0
    text = report.read_text(encoding="utf-8")
    assert "**AGREE**" in text and "78 of 78 (100%) over 6 searches" in text
    assert "| mnist | RS | test_accuracy | 2, 2 |" in text


def written_runs(root, accuracy):
    """Complete run records of all six methods on MNIST, three seeds, test accuracy ``accuracy(method, seed)``."""
    from paperlib.tuners.base import METHODS

    for method in METHODS:
        for seed in range(3):
            path = (
                root / "runs" / paths.RUN_LAYOUT.format(dataset="mnist", method=method, seed=seed).removeprefix("runs/")
            )
            trials = [
                {"index": i, "config": {"learning_rate": 0.01 * (i + 1)}, "budget": 1.0, "score": 0.5 + 0.1 * i}
                | {"optimizer_seconds": 1.0, "objective_seconds": 10.0}
                for i in range(3)
            ]
            path.mkdir(parents=True)
            (path / "trials.jsonl").write_text("".join(json.dumps(t) + "\n" for t in trials), encoding="utf-8")
            final = {"status": "ok", "val_accuracy": 0.7, "test_accuracy": accuracy(method, seed), "kappa": 0.6}
            write_json(
                path / "run.json",
                {"method": method, "dataset": "mnist", "profile": "smoke", "seed": seed, "status": "complete"}
                | {"episodes": 3, "evaluations": 3, "full_budget_equivalents": 3.0, "search_seconds": 33.0}
                | {"optimizer_seconds": 3.0, "optimizer_share": 3 / 33, "final": final}
                | {"best": {"index": 2, "config": trials[2]["config"], "budget": 1.0, "score": 0.7}},
            )
    build_report(root / "runs", root, progress=lambda _: None)
    return root


def test_compare_disagrees_when_a_verdict_changed(tmp_path, capsys):
    noise = (0.004, -0.003, 0.001)
    reference = written_runs(tmp_path / "reference", lambda method, seed: 0.8 + noise[seed] * (method == "mappo"))
    rerun = written_runs(tmp_path / "rerun", lambda method, seed: 0.7 + noise[seed] if method == "mappo" else 0.8)
    before, after = (
        {
            " / ".join(v for k, v in row.items() if k in ("claim", "estimand")): row["verdict"]
            for row in read_markdown_table(folder / "tables" / "verdicts.md")
            if row["dataset"] == "mnist"
        }
        for folder in (reference, rerun)
    )
    accuracy = next(claim for claim in before if "accuracy" in claim and before[claim] != "not available")
    assert before[accuracy] != after[accuracy]  # the construction changed the verdict, whatever the rule's names
    comparison = compare(reference, rerun)
    changed = [line for line in comparison.disagreements if line.startswith("verdict")]
    assert changed == [f"verdict mnist / {accuracy} (verdict): {before[accuracy]} -> {after[accuracy]}"]
    assert any("mnist MAPPO: test accuracy" in line for line in comparison.disagreements)  # 0.7 against 0.8
    assert main(["compare", "--reference", str(reference), "--rerun", str(rerun)]) == 1
    out = capsys.readouterr().out
    assert "**DISAGREE**" in out and "54 of 54 (100%)" in out  # the same trials: only the retrainings differ


def test_compare_of_a_partial_rerun_leaves_undecidable_verdicts_out(results, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(results / "runs/mnist/random/seed0", partial / "runs/mnist/random/seed0")
    comparison = compare(results, partial)
    assert comparison.disagreements == []
    assert all(new is None for key, _, _, new in comparison.verdicts if key.startswith("mnist"))
    assert comparison.not_compared and "fewer than two seeds" in comparison.not_compared[0]
    assert [(key, same, n) for key, same, n in comparison.identical] == [(("mnist", "random", 0), 13, 13)]


def test_compare_refuses_folders_with_nothing_in_common(results, tmp_path, capsys):
    assert main(["compare", "--reference", str(results), "--rerun", str(results)]) == 2
    assert main(["compare", "--reference", str(results), "--rerun", str(tmp_path / "absent")]) == 2
    assert "is not a results folder" in capsys.readouterr().err


def test_summary_of_a_registered_slice_counts_its_searches_and_names_it(tmp_path, capsys):
    """make reproduce PROFILE=paper-slice ends with the summary of the slice's three searches, not the profile's."""
    out = tmp_path / "paper"
    out.mkdir()
    assert main(["summary", "--profile", "paper-slice", "--out", str(out), "--ran", "0"]) == 0
    printed = capsys.readouterr().out
    assert "3 searches planned: 0 run now, 3 already complete and skipped, 0 of these verified" in printed
    assert "make reproduce PROFILE=paper-slice OUT=/tmp/rerun" in printed


def test_summary_says_nothing_ran_and_how_to_rerun(results, tmp_path):
    lines = summary(results, PLAN, 0, "results/x")
    assert lines[0] == (
        "results/x: 6 searches planned: 0 run now, 6 already complete and skipped, 6 of these verified against "
        "results/x/MANIFEST."
    )
    assert "  make reproduce PROFILE=smoke OUT=/tmp/rerun" in lines
    copy = copy_of(results, tmp_path)
    (copy / "runs/mnist/mappo/seed1/search.log").write_text("changed\n", encoding="utf-8")
    lines = summary(copy, PLAN, 1, "copy")
    assert lines == [
        "copy: 6 searches planned: 1 run now, 5 already complete and skipped, 5 of these verified against copy/MANIFEST."
    ]


def test_bench_folders_are_named_by_cpu_model_and_cores(tmp_path, data_root):
    xeon = {"model name": "Intel(R) Xeon(R) Processor", "cpu family": "6", "model": "207"}
    epyc = {"model name": "AMD EPYC 7B13 64-Core Processor", "cpu family": "25", "model": "1"}
    assert provenance.machine_name(xeon, 2) == "intel-xeon-processor-family6-model207-2cores"
    assert provenance.machine_name(epyc, 2) == "amd-epyc-7b13-64-core-processor-family25-model1-2cores"
    assert provenance.machine_name({"model name": "Intel(R) Core(TM) i9-11900K CPU @ 3.50GHz"}, 16) == (
        "intel-core-i9-11900k-16cores"
    )
    installed = tmp_path / "installed"
    installed.touch()
    command = ["make", "-n", "bench", f"PY={sys.executable}", f"INSTALLED={installed}", f"DATA_DIR={data_root}"]
    done = subprocess.run(
        command,
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(paths.ROOT)},
    )
    assert f"--out results/bench/{provenance.machine_name()}" in done.stdout, done.stdout + done.stderr


def test_the_docs_quote_what_the_checks_use():
    text = (paths.ROOT / "docs" / "reviewing.md").read_text(encoding="utf-8")
    agree, of = spot_check.EXPECTED_OTHER_CPU
    assert f"{agree} of {of} in the review's rerun" in text
    assert f"(default {spot_check.DEFAULT_TRIALS})" in text
    for command in ("make verify", "make spot-check", "make compare RERUN=DIR"):
        assert command in text and command.split()[1] in (paths.ROOT / "Makefile").read_text(encoding="utf-8")
