"""The paper's Tables 3-4 as CSV, Markdown and LaTeX: one row per method, ours beside the published numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from paperlib.experiment.records import (
    atomic_write_text,
)
from paperlib.report.runs import LABELS, Run, summarize
from paperlib.tuners.base import METHODS

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
"""Columns of ours the paper does not have (docs/paper.md#reading-5): mean over seeds."""


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
        (
            "incumbent",
            f"episode {best['index'] + 1} (counting from 1), validation accuracy {best['score']:.4f} at budget {best['budget']:g}",
        ),
        ("configuration", ", ".join(f"{k} = {v:.4g}" for k, v in best["config"].items())),
    ]
    if "distinct_configurations" in record:  # runs recorded before repeats were counted lack it
        reused = f", {record['reused']} of them not retrained (reuse_repeats)" if record.get("reuse_repeats") else ""
        rows.append(
            (
                "distinct configurations",
                f"{record['distinct_configurations']} ({record['repeats']} episodes repeat an earlier one{reused})",
            )
        )
    training = record.get("training", {})
    if training.get("updates"):
        rows.append(
            (
                "policy updates",
                f"{training['updates']}, approx-KL median {training['approx_kl']['median']:.3g} "
                f"(max {training['approx_kl']['max']:.3g}, target {training['target_kl']}), clip fraction median "
                f"{training['clip_fraction']['median']:.2f}, {training['stopped_early']} stopped early",
            )
        )
    rows += [
        (
            "final (full budget, test set)",
            f"accuracy {_number(final['test_accuracy'])}, kappa {_number(final['kappa'])} ({final['status']})",
        ),
    ]
    return "\n".join(["| | |", "|---|---|"] + [f"| {name} | {value} |" for name, value in rows])


def _number(value: float | None) -> str:
    return "none" if value is None else f"{value:.4f}"
