"""The committed quick reproduction agrees with itself: its tables are what the report computes
from its committed run records, and results/REPORT.md quotes those tables (issue 8)."""

import re

import pytest

from paperlib import paths
from paperlib.experiment.profiles import PAPER_SLICE, arm_name, planned_searches
from paperlib.experiment.profiles import QUICK as QUICK_PROFILE
from paperlib.experiment.records import iter_run_dirs, read_json, read_retrained, read_trials
from paperlib.report import build_report

QUICK = paths.RESULTS / "quick"
PAPER = paths.RESULTS / "paper"
GROUPINGS = ("per_hyperparameter", "single")
TABLES = ("table3_mnist", "table4_fashion_mnist")
PAIRS = (
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
"""The report's CSV + Markdown tables beside Tables 3-4."""


def test_every_committed_run_is_complete_and_consistent():
    runs = list(iter_run_dirs(QUICK / "runs"))
    ablations = list(iter_run_dirs(QUICK / "ablations"))
    sliced = list(iter_run_dirs(PAPER / "runs"))
    planned = {(d, m, s) for d in QUICK_PROFILE.datasets for m in QUICK_PROFILE.methods for s in QUICK_PROFILE.seeds}
    assert {(p.parts[-3], p.parts[-2], int(p.name.removeprefix("seed"))) for p in runs} == planned
    # the agent ablations committed so far: each a grouping of `make ablation`, complete (checked below)
    groupings = {(d, f"mappo_{g}", s) for d in QUICK_PROFILE.datasets for g in GROUPINGS for s in QUICK_PROFILE.seeds}
    assert {(p.parts[-3], p.parts[-2], int(p.name.removeprefix("seed"))) for p in ablations} <= groupings
    for path in ablations:
        assert read_json(path / "run.json")["tuner_options"]["groups"] == path.parts[-2].removeprefix("mappo_")
    # the paper-profile slice's runs committed so far: its registered rows, complete, retrained
    _, datasets, methods, seeds = planned_searches(PAPER_SLICE.name)
    cut = {(d, m, s) for d in datasets for m in methods for s in seeds}
    assert {(p.parts[-3], p.parts[-2], int(p.name.removeprefix("seed"))) for p in sliced} <= cut
    for path in sliced:
        assert read_json(path / "run.json")["profile"] == "paper" and read_retrained(path)["retrainings"] == 10
    for path in runs + ablations + sliced:
        run, trials = read_json(path / "run.json"), read_trials(path)
        assert run["status"] == "complete" and run["profile"] == ("paper" if path in sliced else "quick")
        assert len(trials) == run["evaluations"] and run["episodes"] == 200
        assert run["full_budget_equivalents"] == pytest.approx(sum(t["budget"] for t in trials))
        if path in runs:  # the directory names the row: a method, or Hyperband/BOHB at equal compute
            assert path.parts[-2] == arm_name(run["method"], run.get("tuner_options") or {})
        if (run.get("tuner_options") or {}).get("equal_compute"):  # episodes count full-budget equivalents
            assert run["full_budget_equivalents"] == pytest.approx(run["episodes"]) and run["evaluations"] > 200
        else:
            assert run["evaluations"] <= run["episodes"]
        assert [t["index"] for t in trials] == list(range(len(trials)))
        assert run["best"]["score"] == max(t["score"] for t in trials)
        assert run["search_seconds"] == pytest.approx(
            sum(t["objective_seconds"] + t["optimizer_seconds"] for t in trials)
        )
        assert (path / "search.ipynb").is_file() or path in ablations  # ablations ran from the command line


def test_committed_tables_are_what_the_report_computes(tmp_path):
    build_report(QUICK / "runs", tmp_path, progress=lambda line: None)
    for stem in TABLES:
        for suffix in (".csv", ".md", ".tex"):
            committed = (QUICK / "tables" / (stem + suffix)).read_text(encoding="utf-8")
            assert (tmp_path / "tables" / (stem + suffix)).read_text(encoding="utf-8") == committed, stem + suffix
    for stem in PAIRS:
        for suffix in (".csv", ".md"):
            committed = (QUICK / "tables" / (stem + suffix)).read_text(encoding="utf-8")
            assert (tmp_path / "tables" / (stem + suffix)).read_text(encoding="utf-8") == committed, stem + suffix
    assert sorted(p.name for p in (QUICK / "tables").iterdir()) == sorted(
        p.name for p in (tmp_path / "tables").iterdir()
    )
    # The figures too, byte for byte, as `make verify` compares them (deterministic under the lock).
    for name in ("figure2_search_time", "convergence_mnist", "convergence_fashion_mnist"):
        for suffix in (".png", ".pdf"):
            committed = (QUICK / "figures" / (name + suffix)).read_bytes()
            assert (tmp_path / "figures" / (name + suffix)).read_bytes() == committed, name + suffix


def test_the_slices_committed_tables_and_figures_are_what_the_report_computes(tmp_path):
    """results/paper/: the paper slice's tables and figures, rebuilt from its three runs, byte for byte; REPORT
    quotes its Table 3 rows and the MAPPO comparisons."""
    build_report(PAPER / "runs", tmp_path, progress=lambda line: None)  # the slice whose plan holds the runs
    for folder in ("tables", "figures"):
        committed = sorted(p.name for p in (PAPER / folder).iterdir())
        assert committed == sorted(p.name for p in (tmp_path / folder).iterdir()), folder
        for name in committed:
            assert (tmp_path / folder / name).read_bytes() == (PAPER / folder / name).read_bytes(), name
    report = (paths.RESULTS / "REPORT.md").read_text(encoding="utf-8")
    for stem in ("table3_mnist", "comparisons_mnist"):
        table = (PAPER / "tables" / f"{stem}.md").read_text(encoding="utf-8").strip()
        body = "\n".join(line for line in table.splitlines() if line.startswith("|"))
        assert body in report, f"results/REPORT.md does not quote paper/tables/{stem}.md as computed"


def test_report_md_quotes_the_committed_tables_and_verdicts():
    report = (paths.RESULTS / "REPORT.md").read_text(encoding="utf-8")
    for stem in (*TABLES, "verdicts", "protocol_gap", "mappo_critics", "mappo_learning", "ablation_agents"):
        table = (QUICK / "tables" / f"{stem}.md").read_text(encoding="utf-8").strip()
        body = "\n".join(line for line in table.splitlines() if line.startswith("|"))
        assert body in report, f"results/REPORT.md does not quote {stem}.md as computed"


DECIMAL = r"(?<![\d.])\d+\.\d+(?![\d.]*\d)"
"""A decimal number as a token of its own: not a piece of a longer number or of a version such as 2.14.1."""


def test_every_number_in_the_prose_of_report_and_readme_stands_in_a_committed_file():
    """REPORT.md and README.md type no number the records determine: every decimal of their prose (outside the
    tables they quote) stands as a token of its own in a table the report computed, a committed measurement
    (results/bench/), the environment's pins or, for the paper's own numbers, docs/paper.md. REPORT's section on
    the paper's own scale is held to its runs, number by number, by the slice-costs test below."""

    report = (paths.RESULTS / "REPORT.md").read_text(encoding="utf-8")
    report += "\n" + (paths.ROOT / "README.md").read_text(encoding="utf-8")
    sources = [*(QUICK / "tables").glob("*.md"), *(PAPER / "tables").glob("*.md"), paths.ROOT / "docs" / "paper.md"]
    sources.append(paths.ROOT / "environment.yml")
    sources += [p for p in (paths.RESULTS / "bench").rglob("*") if p.suffix in (".md", ".json")]
    known = {n for path in sources for n in re.findall(DECIMAL, path.read_text(encoding="utf-8"))}
    sections = re.split(r"\n(?=## )", report)
    checked = [s for s in sections if not s.startswith("## The paper's own scale")]
    assert len(checked) == len(sections) - 1, "REPORT.md has one section on the paper's own scale"
    prose = "\n".join(line for s in checked for line in s.splitlines() if not line.startswith("|"))
    typed = sorted(set(re.findall(DECIMAL, prose)) - known)
    assert not typed, f"REPORT.md or README.md states numbers no committed table or measurement holds: {typed}"


def test_readme_holds_the_committed_verdict_table():
    """README.md's results at a glance are generated: stale after a new verdicts.md until `paperlib readme --write`."""
    from paperlib.report.readme import readme_block, verdict_table

    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_block(readme) == verdict_table(QUICK), "python -m paperlib readme --write"
    assert "(results/quick/figures/figure2_search_time.png)" in readme


def test_the_quick_profiles_search_time_quoted_in_docs_is_that_of_its_committed_runs():
    costs = " ".join((paths.ROOT / "docs" / "costs.md").read_text(encoding="utf-8").split())
    decisions = (paths.ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
    records = [read_json(path / "run.json") for path in iter_run_dirs(QUICK / "runs")]
    wall = sum(r["search_seconds"] for r in records) / 3600
    cpu = sum(r["objective_cpu_seconds"] + r["optimizer_seconds"] for r in records) / 3600
    later = [r["search_seconds"] for r in records if r["seed"] >= 5]
    assert f"{len(records)} searches: **{wall:.2f} h of search time, {cpu:.2f} h of CPU time**" in costs
    assert f"seeds 5–9 ({len(later)} searches," in costs and f"took {sum(later) / 3600:.2f} h of it" in costs
    assert f"about {sum(later) / len(later) / 60:.1f} min per search" in costs
    assert f"{len(records)} searches, {wall:.2f} h of search time, {cpu:.2f} h CPU" in decisions


def test_the_slice_costs_quoted_in_docs_are_those_of_its_committed_runs():
    """docs/costs.md#paper-slice-measured, README's profile table and REPORT's paper-scale section: each measured
    number of the slice's three runs and the projection derived from them."""
    # Compared with the line breaks of the prose folded into spaces.
    costs = " ".join((paths.ROOT / "docs" / "costs.md").read_text(encoding="utf-8").split())
    report = " ".join((paths.RESULTS / "REPORT.md").read_text(encoding="utf-8").split())
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    measured, accuracy = {}, {}
    for row in ("random", "mappo", "hyperband"):
        path = PAPER / "runs" / "mnist" / row / "seed0"
        run, retrained = read_json(path / "run.json"), read_retrained(path)
        measured[row] = run["search_seconds"], (retrained["seconds"] + run["final"]["seconds"]) / 3600
        quoted = [
            f"{run['search_seconds']:,.0f} s of search time ({run['search_seconds'] / 3600:.2f} h)",
            f"{run['objective_cpu_seconds']:,.0f} s of CPU time",
            f"retraining with the search seed, {run['final']['seconds']:.0f} s",
            f"ten fresh-seed retrainings, {retrained['seconds']:,.0f} s",
            f"Test accuracy {run['final']['test_accuracy']:.4f}",
            f"expected test accuracy {retrained['test_accuracy']['mean']:.4f}",
            f"{retrained['test_accuracy']['sd']:.4f}",
        ]
        for text in quoted:
            assert text in costs, (row, text)
        accuracy[row] = f"{run['final']['test_accuracy']:.4f}"
    quoted = f"test accuracy {accuracy['random']} for random search, {accuracy['mappo']} for MAPPO and {accuracy['hyperband']}"
    assert quoted + " for Hyperband" in report
    mappo_run = read_json(PAPER / "runs" / "mnist" / "mappo" / "seed0" / "run.json")
    assert f"{mappo_run['training']['updates']} policy updates taking {mappo_run['optimizer_seconds']:.0f} s" in costs
    (rs, rs_retraining), (mp, mp_retraining), (hb, hb_retraining) = (
        measured["random"],
        measured["mappo"],
        measured["hyperband"],
    )
    per_fbe = hb / 80  # Hyperband as the paper ran it: 80 full-budget equivalents
    assert read_json(PAPER / "runs" / "mnist" / "hyperband" / "seed0" / "run.json")[
        "full_budget_equivalents"
    ] == pytest.approx(80)
    # RS, Anneal, TPE at random search's time, MAPPO at its own, Hyperband and BOHB twice (as run, equal compute)
    per_seed = (3 * rs + mp + 2 * hb + 2 * 200 * per_fbe) / 3600
    retraining = (rs_retraining + mp_retraining + hb_retraining) / 3
    total = (per_seed + 8 * retraining) * 2 * 3
    longest = max(rs, mp, 200 * per_fbe) / 3600
    end_to_end = (rs + mp + hb) / 3600 + rs_retraining + mp_retraining + hb_retraining
    paper_mappo = 0.96  # the paper's search times in hours (docs/paper.md): MAPPO, RS 2.32, Hyperband 2.40
    for text in (
        f"Hyperband took {hb / rs:.2f} of random search's time where the paper's took {2.40 / 2.32:.2f} of it",
        f"MAPPO took {mp / rs:.2f} of random search's time and {mp / hb:.2f} of Hyperband's",
        f"the paper's MAPPO took {paper_mappo / 2.32:.2f} and {paper_mappo / 2.40:.2f} of them",
    ):
        assert text in report, text
    # The load the times carry: the spot check's re-executions against their recorded wall times.
    spot = (
        paths.RESULTS / "bench" / "intel-xeon-processor-family6-model167-2cores" / "spot_check_paper.md"
    ).read_text()
    assert f"took {spot.split('(range ')[1].split(',')[0]} of their recorded wall time" in costs
    assert "3 identical" in spot and "0 of 2 identical" in spot and "**PASS**" in spot
    executor = read_json(paths.RESULTS / "bench" / "intel-xeon-processor-family6-model167-2cores" / "executor.json")
    for text in (
        f"MAPPO took **{mp / rs:.2f} of random search's search time and {mp / hb:.2f} of Hyperband's**",
        f"took {paper_mappo / 2.32:.2f} and {paper_mappo / 2.40:.2f} of them",
        f"took **{end_to_end:.1f} h of one core** in all",
        f"{rs / 200:.1f} s per trial",
        f"{mp / 200:.1f} s per trial",
        f"MAPPO at its own {mp / 3600:.2f} h",
        f"**{per_fbe:.1f} s per full-budget equivalent**",
        f"{200 * per_fbe / 3600:.2f} h at equal compute",
        f"{per_seed:.1f} h per dataset and seed",
        f"retrainings ({retraining:.2f} h, the three rows' mean)",
        f"**about {total:.0f} CPU-hours**",
        f"about {total / 2:.0f} h with",
        f"about {total:.0f} / N hours",
        f"longest search, {longest:.1f} h (at N ≈ {total / longest:.0f};",
        f"{executor['overhead_ms_per_task']:.1f} ms",
        f"is {executor['overhead_ms_per_task'] / 1e3 / (rs / 200):.3%} of a {rs / 200:.1f}-s trial",
    ):
        assert text in costs, text
    # The work, which no load changes: training steps summed over each search's trials, and per step the time
    # random search's three processes and MAPPO's took (the processes' episodes from search.log's resume lines).
    trials = {row: read_trials(PAPER / "runs" / "mnist" / row / "seed0") for row in ("random", "mappo", "hyperband")}
    steps = {row: sum(t["steps"] for t in rows) for row, rows in trials.items()}
    log = (PAPER / "runs" / "mnist" / "random" / "seed0" / "search.log").read_text(encoding="utf-8")
    bounds = [0, *(int(n) for n in re.findall(r"resuming after (\d+) of", log)), 200]

    def ms_per_step(rows):
        return sum(t["objective_seconds"] for t in rows) / sum(t["steps"] for t in rows) * 1e3

    parts = [(a + 1, b, ms_per_step(trials["random"][a:b])) for a, b in zip(bounds, bounds[1:])]
    assert len(parts) == 3
    for text in (
        f"random search took {steps['random']:,}, MAPPO {steps['mappo']:,} and Hyperband {steps['hyperband']:,}",
        f"**MAPPO did {steps['mappo'] / steps['random']:.2f} of random search's work**, Hyperband "
        f"{steps['hyperband'] / steps['random']:.2f} of it",
        f"took {parts[0][2]:.1f} ms in its first process (episodes {parts[0][0]}–{parts[0][1]}), {parts[1][2]:.1f} ms in "
        f"its second ({parts[1][0]}–{parts[1][1]}) and {parts[2][2]:.1f} ms in its third ({parts[2][0]}–{parts[2][1]})",
        f"MAPPO's {ms_per_step(trials['mappo']):.1f} ms over both of its processes",
    ):
        assert text in costs, text
    assert f"MAPPO did {steps['mappo'] / steps['random']:.2f} of random search's work" in report
    row = next(line for line in readme.splitlines() if line.startswith("| `paper-slice` |"))
    assert (
        f"search RS {rs / 3600:.2f} h, MAPPO {mp / 3600:.2f} h, Hyperband {hb / 3600:.2f} h; "
        f"with the retrainings {end_to_end:.1f} h" in row
    )
    row = next(line for line in readme.splitlines() if line.startswith("| `paper` |"))
    gpu = read_json(paths.RESULTS / "bench" / "intel-xeon-processor-family6-model207-16cores" / "gpu.json")
    assert f"about {total:.0f} CPU-hours on that Xeon, about {total:.0f} / N h" in row
    assert f"about {gpu['profile_projected_hours']:.0f} GPU-hours" in row
    quick = [read_json(path / "run.json")["search_seconds"] for path in iter_run_dirs(QUICK / "runs")]
    row = next(line for line in readme.splitlines() if line.startswith("| `quick` (default) |"))
    assert f"{len(quick)} searches, {sum(quick) / 3600:.2f} h of search time" in row


def test_the_gpu_costs_quoted_in_docs_are_those_of_the_committed_gpu_bench():
    """docs/costs.md#paper-gpu-measured quotes results/bench/<the lent GPU machine>/gpu.json."""
    costs = (paths.ROOT / "docs" / "costs.md").read_text(encoding="utf-8")
    gpu = read_json(paths.RESULTS / "bench" / "intel-xeon-processor-family6-model207-16cores" / "gpu.json")
    per_hour = {row["concurrent_trials"]: row["trials_per_hour"] for row in gpu["concurrency"]}
    assert gpu["status"] == "ok" and gpu["rounds"] == 1 and sorted(per_hour) == [1, 4]
    quoted = [
        f"PyTorch\n{gpu['torch']}",
        f"took **{gpu['seconds_per_trial']:.1f} s**",
        f"gives {per_hour[1]:.0f} trials per hour, four at once **{per_hour[4]:.0f} trials per hour**",
        f"{gpu['profile_full_budget_trials']:,.0f} full-budget trials",
        f"**about {gpu['profile_projected_hours']:.0f} GPU-hours**",
    ]
    for text in quoted:
        assert text in costs, text


def test_staged_runs_wait_apart_whole_or_resumable():
    """results/staged/<profile>/runs/: searches of seeds not yet run in every row, or stopped mid-search, kept
    where no table, MANIFEST or page reads them until their seed set is complete (results/staged/README.md)."""
    staged_root = paths.RESULTS / "staged"
    for path in iter_run_dirs(staged_root):
        profile, dataset, row, seed = path.relative_to(staged_root).parts[0], *path.parts[-3:-1], path.name
        run, trials = read_json(path / "run.json"), read_trials(path)
        assert (run["profile"], run["dataset"], f"seed{run['seed']}") == (profile, dataset, seed)
        assert row == arm_name(run["method"], run.get("tuner_options") or {})
        assert [t["index"] for t in trials] == list(range(len(trials)))
        assert not (paths.RESULTS / profile / "runs" / dataset / row / seed).exists(), "a run is in one place"
        if profile == "quick":
            assert run["seed"] not in QUICK_PROFILE.seeds, "a seed of the profile belongs in results/quick/runs"
        if (path / "search.ipynb").is_file():  # complete: the search, its notebook and its retrainings
            assert run["status"] == "complete" and len(trials) == run["evaluations"]
            assert read_retrained(path)["retrainings"] == 10
        else:  # stopped mid-search or mid-retraining: resumed by moving it back and running its make target
            assert run["status"] in ("running", "complete") and not (path / "retrainings.json").exists()


def test_the_executor_ceiling_quoted_in_docs_is_that_of_the_committed_bench():
    """docs/cluster.md#worker-speed quotes the executor benchmark rerun after the MALLOC_TRIM change."""
    cluster = " ".join((paths.ROOT / "docs" / "cluster.md").read_text(encoding="utf-8").split())
    bench = read_json(paths.RESULTS / "bench" / "intel-xeon-processor-family6-model167-2cores" / "executor.json")
    rows = bench["methods"]
    assert all(row["identical_records"] for row in rows.values())
    quoted = [f"ceiling **{bench['parallel_ceiling']['ceiling']:.2f}×**"]
    for name, label in (("random", "random search"), ("mappo", "MAPPO"), ("hyperband", "Hyperband")):
        row = rows[name]
        quoted.append(f"{label} {row['inline_seconds']:.0f} s")
        quoted.append(f"{row['pool_seconds']:.0f} s")
        quoted.append(f"{row['speedup']:.2f}×")
        quoted.append(f"{row['share_of_ceiling']:.0%}".replace("%", " %"))
    quoted.append(f"{bench['overhead_ms_per_task']:.1f} ms per task")
    for text in quoted:
        assert text in cluster, text


def test_the_one_worker_measurement_quoted_in_docs_is_that_of_its_committed_file():
    """docs/cluster.md#worker-speed: a trial inside a worker against inline on one core, the serial retrainings,
    and the bound they put on the two-worker speedup of the committed bench."""
    cluster = " ".join((paths.ROOT / "docs" / "cluster.md").read_text(encoding="utf-8").split())
    folder = paths.RESULTS / "bench" / "intel-xeon-processor-family6-model167-2cores"
    one, two = read_json(folder / "executor_one_worker.json"), read_json(folder / "executor.json")
    assert one["workers"] == 1 and all(row["identical_records"] for row in one["methods"].values())
    rows = one["methods"]
    slower = [f"{rows[m]['trial_seconds_pool_over_inline']:.2f}" for m in ("random", "mappo", "hyperband")]
    quoted = [f"are {slower[0]} for random search, {slower[1]} for MAPPO and {slower[2]} for Hyperband"]
    for name, label in (("random", "random search"), ("mappo", "MAPPO"), ("hyperband", "Hyperband")):
        row = rows[name]
        quoted.append(
            f"{label} {row['inline_seconds']:.0f} s inline against {row['pool_seconds']:.0f} s"
            if name == "random"
            else f"{label} {row['inline_seconds']:.0f} s against {row['pool_seconds']:.0f} s"
        )
        serial = row["inline_seconds"] - row["inline_episodes_wall_seconds"]
        quoted.append(
            f"{serial:.0f} s of {label if name != 'random' else 'random search'}'s {row['inline_seconds']:.0f} s"
        )
    quoted.append(f'"ceiling" of {one["parallel_ceiling"]["ceiling"]:.2f}')
    serial = rows["random"]["inline_seconds"] - rows["random"]["inline_episodes_wall_seconds"]
    inline, ceiling = two["methods"]["random"]["inline_seconds"], two["parallel_ceiling"]["ceiling"]
    bound = inline / (serial + (inline - serial) / ceiling)
    quoted.append(
        f"at most {inline:.0f} / ({serial:.0f} + {inline - serial:.0f} / {ceiling:.2f}) = {bound:.2f}× in the two-worker "
        f"run above ({bound / ceiling:.0%} of the ceiling, against the {two['methods']['random']['share_of_ceiling']:.0%}"
        " measured)".replace("%", " %")
    )
    mappo = read_json(paths.RESULTS / "quick" / "runs" / "mnist" / "mappo" / "seed0" / "run.json")
    quoted.append(f"spends {mappo['optimizer_seconds']:.1f} s of its {mappo['search_seconds']:.0f} s in the optimizer")
    for text in quoted:
        assert text in cluster, text


def test_the_executor_rerun_with_retrainings_on_the_pool_is_quoted_as_measured():
    """docs/cluster.md#worker-speed: the two-worker bench after the retrainings moved onto the pool."""
    cluster = " ".join((paths.ROOT / "docs" / "cluster.md").read_text(encoding="utf-8").split())
    folder = paths.RESULTS / "bench" / "intel-xeon-processor-family6-model167-2cores"
    bench = read_json(folder / "executor_retrainings_on_pool.json")
    assert bench["workers"] == 2 and all(row["identical_records"] for row in bench["methods"].values())

    def share(x):
        return f"{x:.0%}".replace("%", " %")

    rows = bench["methods"]
    quoted = [f"ceiling {bench['parallel_ceiling']['ceiling']:.2f}×"]
    for name in ("random", "mappo", "hyperband"):
        row = rows[name]
        quoted += [f"{row['inline_seconds']:.0f} s", f"{row['pool_seconds']:.0f} s", f"{row['speedup']:.2f}×"]
        quoted += [share(row["share_of_ceiling"]), f"{row['trial_seconds_pool_over_inline']:.2f}"]
    for name in ("random", "mappo"):
        quoted += [f"{rows[name]['episodes_speedup']:.2f}×", share(rows[name]["episodes_share_of_ceiling"])]
    for text in quoted:
        assert text in cluster, text
