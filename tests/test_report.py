"""Tables 3-4 and the figures from hand-made run records: aggregation checked against hand-computed values."""

import csv
import json
import math
import re

import numpy as np
import pytest

from paperlib.experiment.records import RecordError, atomic_write_text, write_json
from paperlib.report import build_report, describe_run
from paperlib.report.runs import convergence_curves, load_runs
from paperlib.report.tables import PAPER, table_rows
from paperlib.report.verdicts import RULES

LABELS = ["RS", "Anneal", "TPE", "Hyperband", "BOHB", "MAPPO"]


def make_run(
    root,
    dataset,
    method,
    seed,
    test_accuracy=0.9,
    kappa=0.88,
    search_seconds=3600.0,
    scores=(0.5, 0.7),
    status="complete",
    profile="smoke",
    episodes=13,
    expected=None,
):
    """A run directory as `paperlib.search` writes it, with only the fields the report reads; ``expected``: the
    mean test accuracy of its retrainings (``retrainings.json``), None for a run recorded without them."""
    path = root / dataset / method / f"seed{seed}"
    trials = [
        {
            "index": i,
            "config": {"learning_rate": 0.01},
            "budget": 1.0,
            "score": s,
            "optimizer_seconds": 1.0,
            "objective_seconds": 1.0,
        }
        for i, s in enumerate(scores)
    ]
    atomic_write_text(path / "trials.jsonl", "".join(json.dumps(t) + "\n" for t in trials))
    record = {
        "method": method,
        "dataset": dataset,
        "profile": profile,
        "seed": seed,
        "status": status,
        "episodes": episodes,
    }  # asked for; Hyperband and BOHB may record fewer
    if status == "complete":
        record.update(
            evaluations=len(scores),
            full_budget_equivalents=float(len(scores)),
            search_seconds=search_seconds,
            optimizer_seconds=1.0,
            optimizer_share=1.0 / search_seconds,
            best={"index": 1, "config": {"learning_rate": 0.01}, "budget": 1.0, "score": max(scores)},
            final={"status": "ok", "val_accuracy": 0.9, "test_accuracy": test_accuracy, "kappa": kappa, "seconds": 1.0},
        )
    write_json(path / "run.json", record)
    if expected is not None:
        write_json(path / "retrainings.json", {"retrainings": 2, "test_accuracy": {"mean": expected}})
    return path


T_975_2 = 4.302653
"""Student's t quantile for a 95% interval with 2 degrees of freedom (three seeds), from a printed table."""


def test_rows_are_the_papers_methods_with_mean_and_95_interval_over_seeds(tmp_path):
    for seed, (accuracy, kappa, seconds) in enumerate(
        [(0.90, 0.80, 3600.0), (0.92, 0.86, 7200.0), (0.97, 0.92, 10800.0)]
    ):
        make_run(tmp_path, "mnist", "random", seed, accuracy, kappa, seconds)
    rows = table_rows(load_runs(tmp_path), "mnist")

    assert [row["method"] for row in rows] == LABELS
    rs = rows[0]
    assert rs["seeds"] == 3
    # mean 0.93; deviations -0.03, -0.01, 0.04: sample variance (0.0009 + 0.0001 + 0.0016) / 2 = 0.0013
    half = T_975_2 * math.sqrt(0.0013) / math.sqrt(3)
    assert rs["test_accuracy"].mean == pytest.approx(0.93)
    assert (rs["test_accuracy"].low, rs["test_accuracy"].high) == pytest.approx((0.93 - half, 0.93 + half), abs=1e-6)
    assert rs["kappa"].mean == pytest.approx(0.86) and rs["kappa"].high == pytest.approx(
        0.86 + T_975_2 * 0.06 / math.sqrt(3)
    )
    # 60, 120, 180 minutes: s = 60
    assert rs["search_minutes"].mean == pytest.approx(120.0)
    assert rs["search_minutes"].high == pytest.approx(120.0 + T_975_2 * 60 / math.sqrt(3), abs=1e-4)
    assert rs["cpu_minutes"].mean is None  # these records predate CPU time
    assert rs["best_validation"].mean == pytest.approx(0.7) and rs["distinct_configurations"].mean == 1.0
    assert (rs["paper_test_accuracy"], rs["paper_search_minutes"], rs["paper_kappa"]) == (
        0.9923,
        pytest.approx(139.2),
        0.9914,
    )
    for row in rows[1:]:  # no runs: empty cells, the paper's numbers still beside
        assert row["seeds"] == 0 and row["test_accuracy"].mean is None
        assert row["paper_test_accuracy"] > 0.99


def test_papers_tables_are_copied_from_paper_md():
    assert PAPER["mnist"]["mappo"] == (0.9942, 0.96, 0.9941)
    assert PAPER["mnist"]["anneal"] == (0.9931, 2.58, 0.9923)
    assert PAPER["fashion_mnist"]["random"] == (0.9099, 2.31, 0.8999)
    assert PAPER["fashion_mnist"]["mappo"] == (0.9222, 1.23, 0.9137)
    assert (
        list(PAPER["mnist"])
        == list(PAPER["fashion_mnist"])
        == ["random", "anneal", "tpe", "hyperband", "bohb", "mappo"]
    )


def test_incomplete_runs_are_named_and_left_out(tmp_path):
    make_run(tmp_path, "mnist", "tpe", 0, test_accuracy=0.95)
    running = make_run(tmp_path, "mnist", "tpe", 1, scores=(0.2,), status="running")
    said = []
    runs = load_runs(tmp_path, said.append)
    assert [run.key for run in runs] == [("mnist", "tpe", 0)]
    assert len(said) == 1 and str(running) in said[0] and "running" in said[0]


@pytest.mark.parametrize("content", ["nothing", "only incomplete", "missing folder"])
def test_no_complete_run_is_a_one_line_error(tmp_path, content):
    if content == "only incomplete":
        make_run(tmp_path, "mnist", "tpe", 0, status="running")
    folder = tmp_path / "absent" if content == "missing folder" else tmp_path
    with pytest.raises(RecordError, match="no complete run") as error:
        build_report(folder, tmp_path / "out", progress=lambda line: None)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "out").exists()


def test_runs_that_cannot_share_a_table_are_refused(tmp_path):
    make_run(tmp_path / "copies" / "a", "mnist", "tpe", 0)
    make_run(tmp_path / "copies" / "b", "mnist", "tpe", 0)
    with pytest.raises(RecordError, match="two runs of mnist/tpe/0"):
        load_runs(tmp_path / "copies")
    make_run(tmp_path / "mixed", "mnist", "tpe", 0)
    make_run(tmp_path / "mixed", "mnist", "random", 0, profile="quick")
    with pytest.raises(RecordError, match="several settings"):
        load_runs(tmp_path / "mixed")
    make_run(tmp_path / "longer", "mnist", "tpe", 0)
    make_run(tmp_path / "longer", "mnist", "random", 0, episodes=50)
    with pytest.raises(RecordError, match="with 13 episodes; profile smoke with 50 episodes"):
        load_runs(tmp_path / "longer")


def test_convergence_averages_the_seeds_that_reached_each_episode(tmp_path):
    make_run(tmp_path, "mnist", "mappo", 0, scores=(0.1, 0.5, 0.3))
    make_run(tmp_path, "mnist", "mappo", 1, scores=(0.2, 0.1))
    curves = convergence_curves(load_runs(tmp_path), "mnist")
    assert list(curves) == ["MAPPO"]
    best, seconds = curves["MAPPO"]
    # best so far: (0.1, 0.5, 0.5) and (0.2, 0.2); two seconds per episode in both seeds
    np.testing.assert_allclose(best, [0.15, 0.35, 0.5])
    np.testing.assert_allclose(seconds, [2.0, 4.0, 6.0])
    assert convergence_curves(load_runs(tmp_path), "fashion_mnist") == {}


def test_build_report_writes_both_tables_and_all_figures(tmp_path):
    runs = tmp_path / "runs"
    for seed, accuracy in enumerate([0.90, 0.92, 0.97]):
        make_run(runs, "mnist", "random", seed, test_accuracy=accuracy)
    make_run(runs, "mnist", "mappo", 0, test_accuracy=0.95, search_seconds=1800.0)  # no fashion_mnist run at all
    out = tmp_path / "out"
    written = build_report(runs, out)

    tables = [
        f"tables/{stem}.{ext}" for stem in ("table3_mnist", "table4_fashion_mnist") for ext in ("csv", "md", "tex")
    ]
    tables += [
        f"tables/{stem}.{ext}"
        for stem in (
            "comparisons_mnist",
            "comparisons_fashion_mnist",
            "verdicts",
            "verdict_details",
            "incumbents",
            "mappo_reuse",
            "protocol_gap",
            "mappo_critics",
            "mappo_learning",
            "ablation_agents",
        )
        for ext in ("csv", "md")
    ]
    figures = [
        f"figures/{stem}.{ext}"
        for stem in ("figure2_search_time", "convergence_mnist", "convergence_fashion_mnist")
        for ext in ("png", "pdf")
    ]
    assert sorted(written) == sorted(out / name for name in tables + figures)
    with open(out / "tables/table3_mnist.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["method"] for row in rows] == LABELS
    half = T_975_2 * math.sqrt(0.0013) / math.sqrt(3)  # 0.0896
    assert rows[0]["test_accuracy_mean"] == "0.9300" and rows[0]["seeds"] == "3"
    assert (
        rows[0]["test_accuracy_low"] == f"{0.93 - half:.4f}" and rows[0]["test_accuracy_high"] == f"{0.93 + half:.4f}"
    )
    assert rows[5]["test_accuracy_low"] == "" and rows[5]["search_minutes_mean"] == "30.00"
    assert rows[1]["test_accuracy_mean"] == "" and rows[1]["paper_test_accuracy"] == "0.9931"
    assert rows[0]["paper_search_minutes"] == "139.2"
    markdown = (out / "tables/table3_mnist.md").read_text()
    assert f"| RS | 3 |  | 0.9300 [{0.93 - half:.4f}, {0.93 + half:.4f}] | 0.8800 [0.8800, 0.8800] |" in markdown
    assert (
        "| MAPPO | 1 |  | 0.9500 | 0.8800 | 0.7000 | 30.00 |  | 2.0 | 1.0 | 2.0 | 1.0 | 0.9942 | 0.9941 | 57.6 |"
        in markdown
    )
    assert "wall time" in markdown and "searches running at once" in markdown
    assert f"0.9300 [{0.93 - half:.4f}, {0.93 + half:.4f}]" in (out / "tables/table3_mnist.tex").read_text()
    verdicts = (out / "tables/verdicts.md").read_text()
    assert RULES in verdicts and "| not available | no complete run of Anneal, TPE, Hyperband, BOHB |" in verdicts
    assert "| not available | no retrainings of MAPPO, RS, Anneal, TPE, Hyperband, BOHB;" in verdicts
    with open(out / "tables/table4_fashion_mnist.csv", newline="") as handle:
        assert all(row["seeds"] == "0" and row["test_accuracy_mean"] == "" for row in csv.DictReader(handle))
    for name in figures:
        magic = b"\x89PNG" if name.endswith("png") else b"%PDF"
        assert (out / name).read_bytes().startswith(magic)


def test_describe_run_summarises_a_run_record(tmp_path):
    make_run(tmp_path, "mnist", "tpe", 0, test_accuracy=0.9512, kappa=0.9458)
    text = describe_run(load_runs(tmp_path)[0].record)
    assert "tpe on mnist, seed 0" in text and "accuracy 0.9512, kappa 0.9458" in text


def test_ablation_runs_are_not_averaged_into_the_papers_rows(tmp_path):
    make_run(tmp_path, "mnist", "mappo", 0, test_accuracy=0.95)
    ablation = make_run(tmp_path / "ablation", "mnist", "mappo", 1, test_accuracy=0.50)
    record = json.loads((ablation / "run.json").read_text())
    write_json(ablation / "run.json", dict(record, tuner_options={"groups": "single"}))
    said = []
    rows = table_rows(load_runs(tmp_path, said.append), "mnist")
    assert rows[-1]["seeds"] == 1 and rows[-1]["test_accuracy"].mean == pytest.approx(0.95)
    assert any("ablation" in line and "single" in line for line in said)


def test_describe_run_shows_the_expected_accuracy_when_retrained(tmp_path):
    make_run(tmp_path, "mnist", "tpe", 0, test_accuracy=0.9512, kappa=0.9458)
    retrained = {"seeds": [1000, 1001], "test_accuracy": {"mean": 0.95, "sd": 0.01, "min": 0.94, "max": 0.96}}
    text = describe_run(load_runs(tmp_path)[0].record, retrained)
    assert "| expected test accuracy | 0.9500 over 2 retrainings, seeds 1000-1001, sd 0.0100, from 0.9400" in text


def test_the_profile_note_comes_from_the_run_record():
    from paperlib.report.notebook import profile_note

    recorded = {"profile": "quick", "seed": 3, "profile_settings": {"train_size": 3000, "epochs": 2, "episodes": 50}}
    note = profile_note(recorded)
    assert note.startswith("This search (seed 3) ran with the `quick` profile as its `run.json` records it")
    assert "2 epoch(s) on 3,000 training images, 50 episodes" in note and "seeds per row" not in note
    assert "6,000 training images, 200 episodes" in profile_note("quick")  # by name: today's profile
    assert "not one of the project's" in profile_note({"profile": "mine.json", "seed": 0, "profile_settings": {}})


def test_executed_notebooks_links_resolve_from_where_they_lie(tmp_path, capsys):
    import nbformat

    from paperlib import paths
    from paperlib.cli import main
    from paperlib.report.notebook import rebase_links

    where = paths.RESULTS / "quick" / "runs" / "mnist" / "tpe" / "seed3"
    text = "[r7](../docs/paper.md#reading-7), [web](https://optuna.org), [here](#verdicts), [d](../docs/decisions.md)"
    assert rebase_links(text, paths.NOTEBOOKS, where) == (
        "[r7](../../../../../../docs/paper.md#reading-7), [web](https://optuna.org), [here](#verdicts), "
        "[d](../../../../../../docs/decisions.md)"
    )
    source = nbformat.read(paths.NOTEBOOKS / "03_baselines.ipynb", as_version=4)
    executed = tmp_path / "deep" / "er" / "search.ipynb"
    executed.parent.mkdir(parents=True)
    nbformat.write(source, executed)
    assert main(["relink", str(executed)]) == 0 and main(["relink", str(executed)]) == 0
    assert capsys.readouterr().out.count("already rebased") == 1  # once only
    relinked = nbformat.read(executed, as_version=4)
    targets = [t for c in relinked.cells if c.cell_type == "markdown" for t in re.findall(r"\]\(([^)\s]+)\)", c.source)]
    local = [t.partition("#")[0] for t in targets if "://" not in t and not t.startswith("#")]
    assert local and all((executed.parent / t).resolve().is_file() for t in local)
    assert main(["relink", str(tmp_path / "none.ipynb")]) == 2
    assert "is not a notebook file" in capsys.readouterr().err


@pytest.mark.parametrize("call", ["Markdown(profile_note(profile))", "Markdown(profile_note(run))  # the record"])
def test_refresh_notes_rewrites_the_profile_note_output_and_not_one_other_byte(tmp_path, capsys, call):
    import json
    import shutil

    import nbformat

    from paperlib import paths
    from paperlib.cli import main
    from paperlib.report.notebook import profile_note

    committed = paths.RESULTS / "quick" / "runs" / "mnist" / "random" / "seed0"
    shutil.copy(committed / "run.json", tmp_path / "run.json")
    parsed = nbformat.read(committed / "search.ipynb", as_version=4)
    (cell,) = [c for c in parsed.cells if c.source.startswith("Markdown(profile_note(")]
    cell.source = call
    cell.outputs[0].data["text/markdown"] = "The `quick` profile ... with one seed ..."  # as older code wrote it
    stale = nbformat.writes(parsed)
    (tmp_path / "search.ipynb").write_text(stale, encoding="utf-8")
    record = (tmp_path / "run.json").read_bytes()

    assert main(["refresh-notes", str(tmp_path / "search.ipynb")]) == 0
    refreshed = (tmp_path / "search.ipynb").read_text(encoding="utf-8")
    expected = profile_note(json.loads(record) if "run)" in call else "quick")
    assert ("This search (seed 0)" in expected) == ("run)" in call) and "one seed" not in expected
    (now,) = [c for c in nbformat.reads(refreshed, as_version=4).cells if c.source == call]
    assert now.outputs[0].data["text/markdown"] == expected
    old, new = (json.dumps(t)[1:-1] for t in ("The `quick` profile ... with one seed ...", expected))
    assert refreshed.count(new) == 1 and refreshed.replace(new, old) == stale  # every other byte as it was
    assert (tmp_path / "run.json").read_bytes() == record
    assert main(["refresh-notes", str(tmp_path / "search.ipynb")]) == 0
    assert "0 of 1 notebook(s)" in capsys.readouterr().out and (tmp_path / "search.ipynb").read_text() == refreshed
    (tmp_path / "run.json").unlink()  # `run` is read from the record; `profile` needs none
    assert main(["refresh-notes", str(tmp_path / "search.ipynb")]) == (2 if "run)" in call else 0)


def test_relinking_a_moved_notebook_rebases_from_where_its_links_were_written(tmp_path):
    import nbformat

    from paperlib import paths
    from paperlib.report.notebook import relinked

    parsed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("[r](../../docs/paper.md#reading-1)")])
    parsed.metadata["paperlib"] = {"links_from": "results/quick"}
    moved = tmp_path / "a" / "b"
    text = relinked(nbformat.writes(parsed), moved)
    (cell,) = nbformat.reads(text, as_version=4).cells
    target = cell.source.split("](")[1].split("#")[0]
    assert (moved / target).resolve() == paths.ROOT / "docs" / "paper.md"


def test_a_search_time_is_paired_only_with_one_timed_on_the_same_cpu(tmp_path):
    from paperlib.report.verdicts import cpu_of, judge, same_machine_times

    rows = ("random", "anneal", "tpe", "hyperband", "bohb", "mappo")
    for seed in range(4):
        for method in rows:
            path = make_run(tmp_path, "mnist", method, seed, search_seconds=60.0 if method == "mappo" else 600.0)
            record = json.loads((path / "run.json").read_text())
            # MAPPO and RS at seeds 0-1 timed on CPU "B", everything else on "A"
            cpu = "B" if method in ("mappo", "random") and seed < 2 else "A"
            write_json(path / "run.json", record | {"environment": {"cpu_model": cpu}})
    runs = load_runs(tmp_path)
    mappo = {s: 1.0 for s in range(4)}
    kept, dropped = same_machine_times(runs, "mnist", mappo, {"RS": dict(mappo), "TPE": dict(mappo)})
    assert kept == {"RS": mappo, "TPE": {2: 1.0, 3: 1.0}} and dropped == ["TPE"]
    time = next(v for claim, _, value, v in judge(runs, "mnist") if value == "search_minutes")
    assert {j.baseline: j.n for j in time.judged} == {"RS": 4, "Anneal": 2, "TPE": 2, "Hyperband": 2, "BOHB": 2}
    assert "seeds timed on another CPU than MAPPO's left out for Anneal, TPE, Hyperband, BOHB" in time.note
    # Every seed of the baselines timed on another CPU than MAPPO's: the times are recorded, none pairs, so the
    # registered rule's "fewer than two paired seeds" applies (inconclusive), not "without records".
    for seed in range(4):
        for method in rows[:-1]:
            path = tmp_path / "mnist" / method / f"seed{seed}"
            record = json.loads((path / "run.json").read_text())
            write_json(path / "run.json", record | {"environment": {"cpu_model": "A"}})
        path = tmp_path / "mnist" / "mappo" / f"seed{seed}"
        write_json(path / "run.json", json.loads((path / "run.json").read_text()) | {"environment": {"cpu_model": "B"}})
    time = next(v for claim, _, value, v in judge(load_runs(tmp_path), "mnist") if value == "search_minutes")
    assert time.verdict == "inconclusive" and not time.judged
    assert time.note.startswith("fewer than two seeds paired with RS, Anneal, TPE, Hyperband, BOHB: no interval")
    assert "seeds timed on another CPU than MAPPO's left out for RS, Anneal, TPE, Hyperband, BOHB" in time.note
    from paperlib.report.comparisons import comparisons

    found = comparisons(load_runs(tmp_path), "mnist")
    assert [c["time"].seeds for c in found] == [()] * 5 and all(len(c["accuracy"].seeds) == 4 for c in found)
    # A search resumed on another CPU was timed on both: it pairs with neither.
    path = tmp_path / "mnist" / "random" / "seed0"
    sessions = [{"after_episodes": 0, "cpu_model": "B"}, {"after_episodes": 7, "cpu_model": "A"}]
    write_json(path / "run.json", json.loads((path / "run.json").read_text()) | {"sessions": sessions})
    assert cpu_of(next(r for r in load_runs(tmp_path) if r.key == ("mnist", "random", 0))) == "A + B"
    for seed in range(4):  # MAPPO on B: RS at seed 0 now pairs with it no more than at seeds timed on A
        path = tmp_path / "mnist" / "random" / f"seed{seed}"
        write_json(path / "run.json", json.loads((path / "run.json").read_text()) | {"environment": {"cpu_model": "B"}})
    found = {c["row"]: c for c in comparisons(load_runs(tmp_path), "mnist")}
    assert found["random"]["time"].seeds == (1, 2, 3)


def test_the_readings_report_states_in_prose_come_from_the_records(tmp_path):
    """The protocol gap, the critics' fit and the policy's learning, checked against hand-computed values."""
    from paperlib.report.readings import critic_fit, policy_learning, protocol_gap

    make_run(tmp_path, "mnist", "random", 0, test_accuracy=0.90, expected=0.88)
    make_run(tmp_path, "mnist", "random", 1, test_accuracy=0.90, expected=0.89)
    make_run(tmp_path, "mnist", "tpe", 0, test_accuracy=0.90)  # no retrainings: no gap, no row
    for seed, scores in enumerate([(0.2, 0.4, 0.6, 0.8, 0.9, 0.7), (0.3, 0.5, 0.5, 0.5, 0.8, 1.0)]):
        path = make_run(tmp_path, "mnist", "mappo", seed, test_accuracy=0.91, expected=0.92, scores=scores)
        updates = [
            {
                "after_episode": 2,
                "approx_kl": kl,
                "stopped_early": kl > 0.5,
                "constant_mse": 0.1,
                "critic_mse_before": {"conv": 0.2, "dense": mse},
                "centered_explained_variance_before": {"conv": 0.0, "dense": ev},
            }
            for kl, mse, ev in [(0.1 + seed, 0.05, 0.3), (0.3, 0.15, -0.2)]
        ]
        atomic_write_text(path / "updates.jsonl", "".join(json.dumps(u) + "\n" for u in updates))
    runs = load_runs(tmp_path)
    half = 12.706205 * math.sqrt(0.00005) / math.sqrt(2)  # t(0.975, 1) x sd of (0.02, 0.01) / sqrt(2)
    assert protocol_gap(runs, "mnist") == [
        ["RS", "2", f"+0.0150 [{0.015 - half:+.4f}, {0.015 + half:+.4f}]", "2 of 2"],
        ["MAPPO", "2", "-0.0100 [-0.0100, -0.0100]", "0 of 2"],
    ]
    assert protocol_gap(runs, "fashion_mnist") == []
    # per agent over the four updates: conv never below 0.1, dense twice; centered > 0 never / twice
    assert critic_fit(runs, "mnist") == [
        ["conv", "2", "4", "0 %", "0 %", "0.00"],
        ["dense", "2", "4", "50 %", "50 %", "0.05"],
    ]
    # first rollout: the two episodes before the first update (means 0.3, 0.4); last: the final two (0.8, 0.9)
    assert policy_learning(runs, "mnist") == [
        [
            "2",
            "4",
            "0.30 (1.10)",
            "1",
            f"0.350 [{0.35 - 12.706205 * 0.05:.3f}, {0.35 + 12.706205 * 0.05:.3f}]",
            f"0.850 [{0.85 - 12.706205 * 0.05:.3f}, {0.85 + 12.706205 * 0.05:.3f}]",
        ]
    ]
    assert critic_fit(runs, "fashion_mnist") == [] and policy_learning(runs, "fashion_mnist") == []


def test_figure2_names_the_cpu_models_its_searches_were_timed_on(tmp_path):
    from paperlib.report.build import cpu_models

    xeon = "Intel(R) Xeon(R) Processor (cpu family 6, model {}, stepping 2)"
    for seed, cpu in enumerate([xeon.format(207), xeon.format(207), xeon.format(167), None]):
        path = make_run(tmp_path, "mnist", "random", seed)
        if cpu:
            write_json(
                path / "run.json", json.loads((path / "run.json").read_text()) | {"environment": {"cpu_model": cpu}}
            )
    path = make_run(tmp_path, "mnist", "mappo", 0)
    resumed = {"environment": {"cpu_model": "B"}, "sessions": [{"cpu_model": "A"}, {"cpu_model": "B"}]}
    write_json(path / "run.json", json.loads((path / "run.json").read_text()) | resumed)
    assert cpu_models(load_runs(tmp_path)) == (
        "A + B (1 search); CPU not recorded (1 search); Intel Xeon family 6 model 167 stepping 2 (1 search); "
        "Intel Xeon family 6 model 207 stepping 2 (2 searches)"
    )


def test_a_slice_gets_the_tables_of_its_own_rows_and_a_one_seed_verdict_is_inconclusive(tmp_path):
    """The paper-slice plan (MNIST, seed 0: RS, MAPPO, Hyperband at the paper profile): found from the runs,
    its files name no other row or dataset; MAPPO is judged against the two baselines it runs."""
    from paperlib.report.build import slice_of
    from paperlib.report.notebook import shown

    runs = tmp_path / "runs"
    for method, accuracy, seconds in (
        ("random", 0.990, 20_000.0),
        ("hyperband", 0.991, 9_000.0),
        ("mappo", 0.992, 12_000.0),
    ):
        make_run(
            runs,
            "mnist",
            method,
            0,
            test_accuracy=accuracy,
            search_seconds=seconds,
            profile="paper",
            expected=accuracy - 0.002,
        )
    out = tmp_path / "out"
    written = {p.relative_to(out).as_posix() for p in build_report(runs, out)}
    assert written == {
        *(f"tables/table3_mnist.{ext}" for ext in ("csv", "md", "tex")),
        *(
            f"tables/{stem}.{ext}"
            for stem in (
                "comparisons_mnist",
                "verdicts",
                "verdict_details",
                "incumbents",
                "mappo_reuse",
                "protocol_gap",
                "mappo_critics",
                "mappo_learning",
            )
            for ext in ("csv", "md")
        ),
        *(f"figures/{stem}.{ext}" for stem in ("figure2_search_time", "convergence_mnist") for ext in ("png", "pdf")),
    }
    with open(out / "tables/table3_mnist.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["method"], r["test_accuracy_mean"], r["paper_test_accuracy"]) for r in rows] == [
        ("RS", "0.9900", "0.9923"),
        ("Hyperband", "0.9910", "0.9942"),
        ("MAPPO", "0.9920", "0.9942"),
    ]
    assert (
        "plan paper-slice: RS, Hyperband, MAPPO, seed 0; complete runs: 3"
        in (out / "tables/table3_mnist.md").read_text()
    )
    verdicts = (out / "tables/verdicts.md").read_text()
    assert "This is the paper-slice plan: MAPPO is compared with the baselines it runs, RS, Hyperband" in verdicts
    assert verdicts.count("| inconclusive | fewer than two seeds paired with RS, Hyperband: no interval") == 3
    comparisons = (out / "tables/comparisons_mnist.md").read_text()
    assert "| RS | 1 | +0.0020 |" in comparisons and "| Hyperband | 1 | +0.0010 |" in comparisons
    assert (
        "Anneal" not in comparisons + verdicts.split(RULES)[1] and "| 0.600 |  |" in comparisons
    )  # 12,000 s / 20,000 s
    assert shown(out / "tables/table4_fashion_mnist.md").data.startswith("*Not part of this plan")
    assert "| MAPPO | 1 |" in shown(out / "tables/table3_mnist.md").data
    # One run outside the plan (another row, or the quick profile): the whole profile's tables again.
    make_run(runs, "mnist", "anneal", 0, profile="paper")
    assert slice_of(load_runs(runs)) is None
    assert build_report(runs, tmp_path / "whole", progress=lambda _: None, plan="paper")[0].name == "table3_mnist.csv"
    assert (tmp_path / "whole" / "tables/table4_fashion_mnist.md").is_file()
