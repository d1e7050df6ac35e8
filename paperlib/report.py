"""The paper's Tables 3-4 and Figure 2, plus convergence figures, rebuilt from run records.

:func:`build_report` reads every run directory under a folder (``records.iter_run_dirs``), keeps the
complete runs (an incomplete one is named and skipped), and writes

- ``tables/table3_mnist.{csv,md,tex}`` and ``tables/table4_fashion_mnist.{csv,md,tex}``: one row per
  method in the paper's order, test accuracy, search time (h) and Cohen's kappa as mean ± std over
  seeds (sample std, ddof 1; the value alone with one seed), the paper's published numbers beside;
- ``figures/figure2_search_time.{png,pdf}``: search time per method and dataset (the paper's Figure 2);
- ``figures/convergence_<dataset>.{png,pdf}``: best-so-far validation accuracy per method against
  episodes and against search seconds, mean over seeds.

A method or dataset without runs gives empty cells, never an error; only a folder without any
complete run is one. Files are written through ``paperlib.records`` (the only writer of results).
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from . import plots
from .data import DATASETS
from .records import RUN, RecordError, atomic_write_bytes, atomic_write_text, iter_run_dirs, read_json, read_trials
from .tuner import METHODS

LABELS = {"random": "RS", "anneal": "Anneal", "tpe": "TPE", "hyperband": "Hyperband", "bohb": "BOHB", "mappo": "MAPPO"}
"""Method name -> the paper's row label (Tables 3-4), in the tables' order (``tuner.METHODS``)."""
TABLES = {
    "mnist": ("table3_mnist", "Table 3: MNIST"),
    "fashion_mnist": ("table4_fashion_mnist", "Table 4: Fashion-MNIST"),
}
"""Dataset -> (file stem, title) of its table."""
PAPER = {
    "mnist": {
        "random": (0.9923, 2.32, 0.9914),
        "anneal": (0.9931, 2.58, 0.9923),
        "tpe": (0.9925, 2.14, 0.9917),
        "hyperband": (0.9942, 2.40, 0.9936),
        "bohb": (0.9928, 2.13, 0.9920),
        "mappo": (0.9942, 0.96, 0.9941),
    },
    "fashion_mnist": {
        "random": (0.9099, 2.31, 0.8999),
        "anneal": (0.9203, 2.00, 0.9114),
        "tpe": (0.9170, 2.27, 0.9078),
        "hyperband": (0.9191, 2.35, 0.9101),
        "bohb": (0.9178, 2.08, 0.9087),
        "mappo": (0.9222, 1.23, 0.9137),
    },
}
"""The paper's Tables 3 and 4: dataset -> method -> (test accuracy, search time in hours, kappa)."""
METRICS = (
    ("test_accuracy", "test accuracy", "{:.4f}", "{:.4f}"),
    ("search_hours", "search time (h)", "{:.3g}", "{:.2f}"),
    ("kappa", "kappa", "{:.4f}", "{:.4f}"),
)
"""The paper's three columns: (key, header, number format of ours, of the paper's as published)."""
EXTRAS = (("evaluations", "evaluations"), ("full_budget_equivalents", "full-budget equivalents"))
"""Columns of ours the paper does not have (PAPER.md reading 5): mean over seeds."""


@dataclass(frozen=True)
class Run:
    """One search read back from its run directory."""

    path: Path
    """The run directory."""
    record: dict[str, Any]
    """``run.json``."""
    trials: list[dict[str, Any]]
    """``trials.jsonl``, one dict per episode."""

    @property
    def key(self) -> tuple[str, str, int]:
        """(dataset, method, seed): what two runs of one report must not share."""
        return self.record["dataset"], self.record["method"], self.record["seed"]

    @property
    def values(self) -> dict[str, float | None]:
        """The numbers a table row aggregates (None where the final retraining diverged)."""
        final = self.record["final"]
        return {
            "test_accuracy": final["test_accuracy"],
            "kappa": final["kappa"],
            "search_hours": self.record["search_seconds"] / 3600.0,
            "evaluations": self.record["evaluations"],
            "full_budget_equivalents": self.record["full_budget_equivalents"],
        }


@dataclass(frozen=True)
class Stat:
    """Mean and sample standard deviation over seeds."""

    mean: float | None
    """Mean of the values (None without any value)."""
    std: float | None
    """Sample standard deviation (ddof 1; None with fewer than two values)."""
    n: int
    """Number of values."""

    def format(self, number: str) -> str:
        """``mean ± std``, the mean alone for one value, empty for none."""
        if self.mean is None:
            return ""
        return (
            number.format(self.mean) if self.std is None else f"{number.format(self.mean)} ± {number.format(self.std)}"
        )


def summarize(values: Sequence[float | None]) -> Stat:
    """The :class:`Stat` of the values that are not None."""
    present = [float(v) for v in values if v is not None]
    if not present:
        return Stat(None, None, 0)
    return Stat(statistics.fmean(present), statistics.stdev(present) if len(present) > 1 else None, len(present))


def load_runs(runs_dir: Path, progress: Callable[[str], None] = print) -> list[Run]:
    """The complete runs under ``runs_dir`` (searched recursively); incomplete ones are named through ``progress``.

    Raises a :class:`RecordError` when there is no complete run, when two runs share a (dataset, method,
    seed), or when the runs differ in profile or episodes (their numbers cannot share a table).
    """
    runs: dict[tuple[str, str, int], Run] = {}
    for path in iter_run_dirs(runs_dir):
        record = read_json(path / RUN)
        if record.get("status") != "complete":
            progress(
                f"skipping {path}: {record.get('status')}, {len(read_trials(path))} of {record.get('episodes')} "
                "episodes recorded; rerun its search to finish it"
            )
            continue
        run = Run(path, record, read_trials(path))
        if run.record.get("tuner_options"):
            progress(f"skipping {path}: an ablation ({run.record['tuner_options']}), not the paper's setting")
            continue
        if run.record["method"] not in METHODS or run.record["dataset"] not in DATASETS:
            progress(
                f"skipping {path}: method {run.record['method']!r} on {run.record['dataset']!r} is not in the paper's tables"
            )
            continue
        if run.key in runs:
            raise RecordError(f"two runs of {'/'.join(map(str, run.key))}: {runs[run.key].path} and {path}; keep one")
        runs[run.key] = run
    if not runs:
        raise RecordError(f"no complete run under {runs_dir}: run the searches first (make reproduce)")
    settings = sorted(
        {f"profile {run.record['profile']} with {run.record['episodes']} episodes" for run in runs.values()}
    )
    if len(settings) > 1:
        raise RecordError(f"{runs_dir} holds runs of several settings ({'; '.join(settings)}); point at runs of one")
    return list(runs.values())


def table_rows(runs: Sequence[Run], dataset: str) -> list[dict[str, Any]]:
    """One row per method in the paper's order: seeds, a :class:`Stat` per metric, the paper's numbers."""
    rows = []
    for method in METHODS:
        mine = [run for run in runs if run.key[:2] == (dataset, method)]
        row: dict[str, Any] = {"method": LABELS[method], "seeds": len(mine)}
        for key, *_ in METRICS + EXTRAS:
            row[key] = summarize([run.values[key] for run in mine])
        row.update(zip((f"paper_{key}" for key, *_ in METRICS), PAPER[dataset][method]))
        rows.append(row)
    return rows


def _csv(rows: list[dict[str, Any]]) -> str:
    """Numbers at full precision, empty cells where there is none."""
    header = ["method", "seeds"] + [f"{key}_{part}" for key, *_ in METRICS for part in ("mean", "std")]
    header += [f"{key}_mean" for key, _ in EXTRAS] + [f"paper_{key}" for key, *_ in METRICS]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        stats = [getattr(row[key], part) for key, *_ in METRICS for part in ("mean", "std")]
        stats += [row[key].mean for key, _ in EXTRAS]
        writer.writerow(
            [
                row["method"],
                row["seeds"],
                *("" if v is None else v for v in stats),
                *(row[f"paper_{key}"] for key, *_ in METRICS),
            ]
        )
    return text.getvalue()


def _cells(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Header and formatted cells shared by the Markdown and LaTeX tables."""
    header = ["method", "seeds"] + [h for _, title, *_ in METRICS for h in (title, "paper")] + [h for _, h in EXTRAS]
    body = []
    for row in rows:
        cells = [row["method"], str(row["seeds"])]
        for key, _, ours, published in METRICS:
            cells += [row[key].format(ours), published.format(row[f"paper_{key}"])]
        body.append(cells + ["" if row[key].mean is None else f"{row[key].mean:g}" for key, _ in EXTRAS])
    return header, body


def write_table(rows: list[dict[str, Any]], stem: Path, caption: str) -> list[Path]:
    """``stem.csv``, ``stem.md`` and ``stem.tex`` of one table; returns their paths."""
    header, body = _cells(rows)
    markdown = [f"{caption}\n", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    markdown += ["| " + " | ".join(cells) + " |" for cells in body]
    latex = [
        f"% {caption}",
        "\\begin{tabular}{l" + "r" * (len(header) - 1) + "}",
        "\\toprule",
        " & ".join(header) + " \\\\",
        "\\midrule",
    ]
    latex += [" & ".join(c.replace("±", "$\\pm$") for c in cells) + " \\\\" for cells in body]
    latex += ["\\bottomrule", "\\end{tabular}"]
    paths = [stem.with_suffix(".csv"), stem.with_suffix(".md"), stem.with_suffix(".tex")]
    for path, text in zip(paths, (_csv(rows), "\n".join(markdown) + "\n", "\n".join(latex) + "\n")):
        atomic_write_text(path, text)
    return paths


def convergence_curves(runs: Sequence[Run], dataset: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Method label -> (best-so-far validation accuracy, cumulative search seconds) per episode, mean over seeds.

    Seeds may stop at different episode counts (Hyperband, BOHB): episode k averages the seeds that reached it.
    """
    curves = {}
    for method in METHODS:
        mine = [run.trials for run in runs if run.key[:2] == (dataset, method) and run.trials]
        if mine:
            padded = np.full((2, len(mine), max(len(t) for t in mine)), np.nan)
            for i, trials in enumerate(mine):
                padded[0, i, : len(trials)] = plots.best_so_far(trials)
                padded[1, i, : len(trials)] = plots.cumulative_seconds(trials)
            curves[LABELS[method]] = tuple(np.nanmean(padded, axis=1))
    return curves


def save_figure(fig: Any, stem: Path) -> list[Path]:
    """``stem.png`` and ``stem.pdf`` of a figure (the PDF without a creation date, so reruns give the same bytes)."""
    paths = []
    for suffix, metadata in ((".png", {"Software": None}), (".pdf", {"CreationDate": None})):
        data = io.BytesIO()
        fig.savefig(data, format=suffix[1:], dpi=150, metadata=metadata)
        atomic_write_bytes(stem.with_suffix(suffix), data.getvalue())
        paths.append(stem.with_suffix(suffix))
    return paths


def build_report(runs_dir: Path, out_dir: Path, progress: Callable[[str], None] = print) -> list[Path]:
    """Tables 3-4, Figure 2 and the convergence figures from the complete runs under ``runs_dir``; returns the files written."""
    runs = load_runs(Path(runs_dir), progress)
    out_dir = Path(out_dir)
    profile = runs[0].record["profile"]
    written, hours = [], {}
    for dataset, (stem, title) in TABLES.items():
        rows = table_rows(runs, dataset)
        caption = (
            f"{title} (profile {profile}; complete runs: {sum(r['seeds'] for r in rows)}). Ours: mean ± std over "
            "seeds (sample std; the value alone for one seed); search time excludes the final retraining. "
            "Paper: as published."
        )
        written += write_table(rows, out_dir / "tables" / stem, caption)
        hours[dataset] = {r["method"]: (r["search_hours"].mean, r["search_hours"].std) for r in rows if r["seeds"]}
    paper = {dataset: {LABELS[m]: (values[1], None) for m, values in PAPER[dataset].items()} for dataset in TABLES}
    written += save_figure(plots.search_time_bars(hours, paper, profile), out_dir / "figures" / "figure2_search_time")
    for dataset in DATASETS:
        title = f"{plots.DATASET_TITLES[dataset]}: convergence (profile {profile})"
        written += save_figure(
            plots.convergence(convergence_curves(runs, dataset), title), out_dir / "figures" / f"convergence_{dataset}"
        )
    return written


def describe_run(record: dict[str, Any]) -> str:
    """A Markdown summary of one ``run.json`` for the search notebooks."""
    best, final = record["best"], record["final"]
    rows = [
        ("run", f"{record['method']} on {record['dataset']}, seed {record['seed']}, profile {record['profile']}"),
        (
            "episodes",
            f"{record['evaluations']} evaluations = {record['full_budget_equivalents']:g} full-budget equivalents",
        ),
        (
            "search time",
            f"{record['search_seconds']:.1f} s, of which optimizer {record['optimizer_seconds']:.1f} s "
            f"({record['optimizer_share']:.1%})",
        ),
        ("incumbent", f"episode {best['index']}, validation accuracy {best['score']:.4f} at budget {best['budget']:g}"),
        ("configuration", ", ".join(f"{k} = {v:.4g}" for k, v in best["config"].items())),
        (
            "final (full budget, test set)",
            f"accuracy {_number(final['test_accuracy'])}, kappa {_number(final['kappa'])} ({final['status']})",
        ),
    ]
    return "\n".join(["| | |", "|---|---|"] + [f"| {name} | {value} |" for name, value in rows])


def _number(value: float | None) -> str:
    return "none" if value is None else f"{value:.4f}"
