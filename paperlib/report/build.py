"""Tables 3-4, Figure 2 and the convergence figures, rebuilt from every complete run under a folder.

Writes ``tables/table3_mnist.*``, ``tables/table4_fashion_mnist.*``, beside them ``tables/comparisons_<dataset>``,
``verdicts``, ``verdict_details``, ``incumbents``, ``mappo_reuse``, ``protocol_gap``, ``mappo_critics``, ``mappo_learning`` and ``ablation_agents`` (csv, md), ``figures/figure2_search_time.*`` and
``figures/convergence_<dataset>.*``; a method or dataset without runs gives empty cells, never an error.
A registered slice (``plan="paper-slice"``) gets the same files for its own datasets and rows only: its tables,
comparisons and verdicts name no row it does not run, and there is no ablation table.
Files are written through the run-record module, the only writer of results.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paperlib.experiment.profiles import SLICES, Slice
from paperlib.experiment.records import (
    atomic_write_bytes,
)
from paperlib.lenet.data import DATASETS
from paperlib.report import comparisons as cmp
from paperlib.report import figures as plots
from paperlib.report import readings
from paperlib.report import verdicts as claims
from paperlib.report.ablation import ablation_cells, load_ablations
from paperlib.report.runs import LABELS, concurrency, convergence_curves, load_runs
from paperlib.report.statistics import DELTA
from paperlib.report.tables import PAPER, TABLES, table_rows, write_table


def save_figure(fig: Any, stem: Path) -> list[Path]:
    """``stem.png`` and ``stem.pdf`` of a figure (the PDF without a creation date, so reruns give the same bytes)."""
    paths = []
    for suffix, metadata in ((".png", {"Software": None}), (".pdf", {"CreationDate": None})):
        data = io.BytesIO()
        fig.savefig(data, format=suffix[1:], dpi=150, metadata=metadata)
        atomic_write_bytes(stem.with_suffix(suffix), data.getvalue())
        paths.append(stem.with_suffix(suffix))
    return paths


def build_report(
    runs_dir: Path,
    out_dir: Path,
    progress: Callable[[str], None] = print,
    ablations_dir: Path | None = None,
    plan: str | None = None,
) -> list[Path]:
    """Tables 3-4, Figure 2 and the convergence figures from the complete runs under ``runs_dir``, and the
    ablation table from those under ``ablations_dir`` (default: ``ablations/`` beside ``runs_dir``); returns the
    files written. ``plan``: what was run (``make reproduce PROFILE=...``); a registered slice restricts every
    table and figure to its datasets and rows, any other plan is the whole profile; None: the slice whose plan
    holds every run found, if one does (so ``verify`` and ``compare`` rebuild a slice's files as it was built)."""
    runs = load_runs(Path(runs_dir), progress)
    cut = slice_of(runs) if plan is None else SLICES.get(plan)
    table_specs = {d: spec for d, spec in TABLES.items() if cut is None or d in cut.datasets}
    labels = [LABELS[m] for m in LABELS if cut is None or m in cut.methods]
    baselines = tuple(m for m in claims.BASELINES if cut is None or m in cut.methods)
    others = None if cut is None else [m for m in cut.methods if m != "mappo"]
    out_dir, tables = Path(out_dir), Path(out_dir) / "tables"
    profile = runs[0].record["profile"]
    at_once = concurrency(runs)
    timing = (
        f"wall time = optimizer + training seconds of the search, final retraining excluded; CPU time = the trials' "
        f"process CPU seconds + optimizer seconds (empty for runs recorded before it was); searches running at once "
        f"(median over each run's trials, from the trial times): {_range(at_once.values())}"
    )
    written, hours = [], {}
    scope = "" if cut is None else f"; plan {cut.name}: {', '.join(labels)}, {_seeds(cut.seeds)}"
    for dataset, (stem, title) in table_specs.items():
        rows = [r for r in table_rows(runs, dataset, at_once) if cut is None or r["method"] in labels]
        caption = (
            f"{title} (profile {profile}{scope}; complete runs: {sum(r['seeds'] for r in rows)}). Ours: mean [95% t interval] "
            f"over seeds (the value alone for one seed); {timing}. Paper: as published (its hours in minutes)."
        )
        written += write_table(rows, tables / stem, caption)
        hours[dataset] = {
            r["method"]: _bar(r["search_minutes"]) for r in rows if r["seeds"] and r["method"] in LABELS.values()
        }
        written += cmp.write_pair(
            tables / f"comparisons_{dataset}",
            cmp.COMPARISON_HEADER,
            cmp.comparison_cells(cmp.comparisons(runs, dataset, others)),
            f"{title}: MAPPO against every other row, paired by seed: the expected test accuracy's difference (mean "
            "of the fresh-seed retrainings; empty for runs recorded without them), the single retraining's (the paper's "
            "protocol) and the wall-time ratio (geometric mean; only seeds timed on the same CPU model as MAPPO's), "
            "each with its 95% t interval (the value alone for one seed) and the two-sided Wilcoxon signed-rank p-value (empty with fewer than two seeds); for each accuracy, "
            "the smallest difference detectable at these seeds (80% power, two-sided 0.05, from the observed paired "
            f"spread) and the seeds that would detect {DELTA} (docs/decisions.md#power).",
        )
    written += cmp.write_pair(
        tables / "verdicts",
        claims.VERDICT_HEADER,
        [row for dataset in table_specs for row in claims.verdict_rows(runs, dataset, baselines)],
        f"The paper's claims, one verdict per dataset and estimand. {claims.RULES}{_plan_rule(cut, baselines)}",
    )
    written += cmp.write_pair(
        tables / "verdict_details",
        claims.DETAIL_HEADER,
        [row for dataset in table_specs for row in claims.detail_rows(runs, dataset, baselines)],
        "Every baseline as the verdicts judged it (docs/decisions.md#registered-verdicts): paired seeds, mean "
        "difference MAPPO - baseline (time: the ratio MAPPO / baseline), rank by p-value, the interval at Holm's "
        f"level for that rank, the Holm-adjusted p-value, and for accuracy the 90% interval and the TOST p-value "
        f"against ±{DELTA}.",
    )
    written += cmp.write_pair(
        tables / "incumbents",
        ("dataset", *cmp.INCUMBENT_HEADER),
        [[d, *row] for d in table_specs for row in cmp.incumbents(runs, d)],
        "Hyperband and BOHB under both incumbent rules (docs/decisions.md#incumbent-rule): ours, the best validation "
        "score at any budget (the configuration retrained for the test set), and hpbandster's, the best at the largest "
        "budget (not retrained, so no test accuracy).",
    )
    written += cmp.write_pair(
        tables / "mappo_reuse",
        ("dataset", *cmp.REUSE_HEADER),
        [[d, *row] for d in table_specs for row in cmp.reuse_times(runs, d)],
        "MAPPO's wall search time as measured (every repeated configuration retrained, the paper's protocol) and had "
        "each repeated (configuration, budget) reused its earlier score: the repeats' training seconds dropped.",
    )
    written += cmp.write_pair(
        tables / "protocol_gap",
        ("dataset", *readings.GAP_HEADER),
        [[d, *row] for d in table_specs for row in readings.protocol_gap(runs, d)],
        "The paper's protocol against the expected test accuracy: per search, the test accuracy of its one "
        "retraining with the search seed minus the mean over its fresh-seed retrainings; mean [95% t interval] over "
        "seeds, and at how many seeds the one retraining scored higher.",
    )
    written += cmp.write_pair(
        tables / "mappo_critics",
        ("dataset", *readings.CRITIC_HEADER),
        [[d, *row] for d in table_specs for row in readings.critic_fit(runs, d)],
        "MAPPO's critics over every policy update of every seed (updates.jsonl), each measured on the fresh rollout "
        "before the update: how often a critic's squared error is below the constant predictor's (the rollout's mean "
        "return), how often its centered explained variance (1 - var(R - V) / var(R)) is positive, and its median.",
    )
    written += cmp.write_pair(
        tables / "mappo_learning",
        ("dataset", *readings.LEARNING_HEADER),
        [[d, *row] for d in table_specs for row in readings.policy_learning(runs, d)],
        "MAPPO's policy over a search: the approx-KL of its updates over every seed, and the mean validation score of "
        "a search's first rollout (the episodes before its first update) against its last (as many episodes, at its "
        "end), mean [95% t interval] over seeds.",
    )
    if cut is None:
        written += _ablation_table(runs, ablations_dir or Path(runs_dir).parent / "ablations", tables, progress)
    paper = {
        dataset: {LABELS[m]: (values[1], None) for m, values in PAPER[dataset].items() if LABELS[m] in labels}
        for dataset in table_specs
    }
    caption = (
        f"Ours: profile {profile}{scope}, {hardware(runs)}, wall time, searches at once: {_range(at_once.values())}. "
        "Paper: as published (searches on an i9-11900K with an RTX 3090)"
        f"\nOurs timed on: {cpu_models(runs)}"
    )
    figure2 = plots.search_time_bars(hours, paper, caption)
    written += save_figure(figure2, out_dir / "figures" / "figure2_search_time")
    for dataset in (d for d in DATASETS if d in table_specs):
        title = f"{plots.DATASET_TITLES[dataset]}: convergence (profile {profile}{scope})"
        curves = plots.convergence(convergence_curves(runs, dataset), title, seeds_note(runs, dataset))
        written += save_figure(curves, out_dir / "figures" / f"convergence_{dataset}")
    return written


def _ablation_table(runs: list[Any], ablations_dir: Path, tables: Path, progress: Callable[[str], None]) -> list[Path]:
    """``tables/ablation_agents``: the agent groupings under ``ablations_dir`` against the reproduction's MAPPO."""
    ablations = load_ablations(ablations_dir, progress)
    return cmp.write_pair(
        tables / "ablation_agents",
        *ablation_cells(runs, ablations, progress),
        "MAPPO's agents (docs/decisions.md#ablation-table): one per LeNet layer (the reproduction's MAPPO rows, the "
        "reference), one per hyperparameter, a single agent (plain PPO); mean [95% t interval] over the seeds each "
        "has, then grouping - layers paired by seed for both accuracy estimands, with the Wilcoxon p-value and the "
        f"difference detectable at these seeds (80% power) and the seeds that would detect {DELTA}. No verdict.",
    )


def slice_of(runs: list[Any]) -> Slice | None:
    """The registered slice whose plan holds every one of ``runs`` (their profile, dataset, row and seed), or None."""
    for cut in SLICES.values():
        if runs and all(
            r.record["profile"] == cut.profile
            and r.key[0] in cut.datasets
            and r.key[1] in cut.methods
            and r.key[2] in cut.seeds
            for r in runs
        ):
            return cut
    return None


def _plan_rule(cut: Slice | None, baselines: tuple[str, ...]) -> str:
    """What a slice changes in the rules: the baselines it runs, and what its seeds allow."""
    if cut is None:
        return ""
    few = " One seed gives no interval: every verdict is inconclusive by the rule." if len(cut.seeds) < 2 else ""
    return (
        f" This is the {cut.name} plan: MAPPO is compared with the baselines it runs, "
        f"{', '.join(LABELS[b] for b in baselines)}, with Holm's adjustment across those {len(baselines)}.{few}"
    )


def _seeds(seeds: tuple[int, ...]) -> str:
    """``seed 0`` or ``seeds 0, 1``."""
    return f"seed{'s' if len(seeds) > 1 else ''} {', '.join(str(s) for s in seeds)}"


def hardware(runs: list[Any]) -> str:
    """What the runs trained on, from their records: e.g. ``2-core x86_64 CPU, no GPU``."""
    found = set()
    for run in runs:
        environment, device = run.record.get("environment", {}), str(run.record.get("device", "cpu"))
        cpu = f"{environment.get('cpu_count')}-core {environment.get('machine')} CPU"
        found.add(f"{cpu}, {environment.get('cuda_device')}" if device.startswith("cuda") else f"{cpu}, no GPU")
    return "; ".join(sorted(found))


def cpu_models(runs: list[Any]) -> str:
    """The CPU models the runs were timed on, with how many searches each: e.g. ``Intel Xeon family 6
    model 167 stepping 1 (88 searches); ... (70 searches)``; a search resumed on other CPUs counts under all of
    them joined (``claims.cpu_of``), and one recorded without a model under ``CPU not recorded``."""
    counts = Counter(
        " ".join(re.sub(r"\((R|TM)\)|\bcpu |\bProcessor\b|[(),]", "", claims.cpu_of(run)).split()) or "CPU not recorded"
        for run in runs
    )
    return "; ".join(f"{cpu} ({n} search{'es' if n > 1 else ''})" for cpu, n in sorted(counts.items()))


def seeds_note(runs: list[Any], dataset: str) -> str:
    """How many seeds each curve of ``dataset`` is: ``one seed``, ``mean over 3 seeds`` or a range."""
    counts: dict[str, int] = {}
    for run in runs:
        if run.key[0] == dataset:
            counts[run.key[1]] = counts.get(run.key[1], 0) + 1
    low, high = min(counts.values(), default=0), max(counts.values(), default=0)
    if high <= 1:
        return "one seed per method"
    return f"mean over {low} seeds" if low == high else f"mean over {low}-{high} seeds"


def _bar(interval: Any) -> tuple[float, float | None]:
    """Search minutes as (mean hours, half-width of the 95% interval or None) for Figure 2's error bars."""
    return interval.mean / 60, None if interval.high is None else (interval.high - interval.mean) / 60


def _range(values: Any) -> str:
    """``2`` or ``1-2``: the range of some counts."""
    low, high = min(values), max(values)
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"
