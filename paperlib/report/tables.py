"""The paper's Tables 3-4 as CSV, Markdown and LaTeX: one row per method, ours beside the published numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from paperlib.experiment.records import (
    atomic_write_text,
)
from paperlib.report.runs import ROWS, Run
from paperlib.report.statistics import t_interval
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
    ("expected_accuracy", "expected test accuracy (fresh-seed retrainings)", "{:.4f}"),
    ("test_accuracy", "test accuracy (one retraining, search seed)", "{:.4f}"),
    ("kappa", "kappa", "{:.4f}"),
    ("best_validation", "best validation accuracy", "{:.4f}"),
    ("search_minutes", "search time, wall (min)", "{:.2f}"),
    ("cpu_minutes", "search time, CPU (min)", "{:.2f}"),
)
"""Ours, mean and 95% interval over seeds: (key, header, number format)."""


EXTRAS = (
    ("evaluations", "evaluations", "{:.1f}"),
    ("distinct_configurations", "distinct configurations", "{:.1f}"),
    ("full_budget_equivalents", "full-budget equivalents", "{:.1f}"),
    ("at_once", "searches at once", "{:.1f}"),
)
"""Columns of ours the paper does not have (docs/paper.md#reading-5): mean over seeds."""


PUBLISHED = (
    ("paper_test_accuracy", "paper: test accuracy", "{:.4f}"),
    ("paper_kappa", "paper: kappa", "{:.4f}"),
    ("paper_search_minutes", "paper: search time (min)", "{:.1f}"),
)
"""The paper's numbers as published (its hours in minutes), once, after ours."""


def table_rows(runs: Sequence[Run], dataset: str, at_once: Mapping[Path, float] | None = None) -> list[dict[str, Any]]:
    """One row per method in the paper's order, then the equal-compute arms that have runs: seeds, an
    :class:`Interval` per metric and extra, and the paper's numbers (None for rows the paper does not have).

    ``at_once``: run directory -> searches running at once (:func:`paperlib.report.runs.concurrency`).
    """
    rows = []
    for name, label in ROWS.items():
        mine = [run for run in runs if run.key[:2] == (dataset, name)]
        if name not in METHODS and not mine:
            continue
        row: dict[str, Any] = {"method": label, "seeds": len(mine)}
        for key, *_ in METRICS + EXTRAS[:-1]:
            row[key] = t_interval([run.values[key] for run in mine])
        row["at_once"] = t_interval([(at_once or {}).get(run.path) for run in mine])
        accuracy, hours, kappa = PAPER[dataset].get(name, (None, None, None))
        row.update(
            paper_test_accuracy=accuracy, paper_kappa=kappa, paper_search_minutes=None if hours is None else 60 * hours
        )
        rows.append(row)
    return rows


def _number(value: float | None, number: str) -> str:
    return "" if value is None else number.format(value)


def _csv(rows: list[dict[str, Any]]) -> str:
    """Numbers in the tables' formats (no float noise), empty cells where there is none."""
    header = ["method", "seeds"] + [f"{key}_{part}" for key, *_ in METRICS for part in ("mean", "low", "high")]
    header += [f"{key}_mean" for key, *_ in EXTRAS] + [key for key, *_ in PUBLISHED]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        cells = [row["method"], row["seeds"]]
        cells += [_number(getattr(row[key], part), f) for key, _, f in METRICS for part in ("mean", "low", "high")]
        cells += [_number(row[key].mean, f) for key, _, f in EXTRAS]
        writer.writerow(cells + [_number(row[key], f) for key, _, f in PUBLISHED])
    return text.getvalue()


def _cells(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Header and formatted cells shared by the Markdown and LaTeX tables."""
    header = ["method", "seeds"] + [h for _, h, _ in METRICS + EXTRAS + PUBLISHED]
    body = []
    for row in rows:
        cells = [row["method"], str(row["seeds"])] + [row[key].format(f) for key, _, f in METRICS]
        cells += [_number(row[key].mean, f) for key, _, f in EXTRAS]
        body.append(cells + [_number(row[key], f) for key, _, f in PUBLISHED])
    return header, body


def markdown_table(header: Sequence[str], body: Sequence[Sequence[str]], caption: str) -> str:
    """A caption paragraph, then a Markdown table."""
    lines = [f"{caption}\n", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(cells) + " |" for cells in body]) + "\n"


def csv_text(header: Sequence[str], body: Sequence[Sequence[Any]]) -> str:
    """A CSV table."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerows([header, *body])
    return text.getvalue()


def write_table(rows: list[dict[str, Any]], stem: Path, caption: str) -> list[Path]:
    """``stem.csv``, ``stem.md`` and ``stem.tex`` of one table; returns their paths."""
    header, body = _cells(rows)
    latex = [
        f"% {caption}",
        "\\begin{tabular}{l" + "r" * (len(header) - 1) + "}",
        "\\toprule",
        " & ".join(header) + " \\\\",
        "\\midrule",
    ]
    latex += [" & ".join(cells) + " \\\\" for cells in body]
    latex += ["\\bottomrule", "\\end{tabular}"]
    paths = [stem.with_suffix(".csv"), stem.with_suffix(".md"), stem.with_suffix(".tex")]
    for path, text in zip(paths, (_csv(rows), markdown_table(header, body, caption), "\n".join(latex) + "\n")):
        atomic_write_text(path, text)
    return paths


def describe_run(record: dict[str, Any], retrained: Mapping[str, Any] | None = None) -> str:
    """A Markdown summary of one ``run.json`` (and its ``retrainings.json``, when given) for the search notebooks."""
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
    if "explained_variance_before" in training:  # runs of an earlier MAPPO lack it
        ev = training["explained_variance_before"]
        fits = ", ".join(f"{agent} {_ev(ev['first'][agent])} → {_ev(ev['last'][agent])}" for agent in ev["first"])
        rows.append(("critics' explained variance (fresh rollout, first → last update)", fits))
    if "centered_explained_variance_before" in training:
        ev = training["centered_explained_variance_before"]
        fits = ", ".join(f"{agent} {_ev(ev['first'][agent])} → {_ev(ev['last'][agent])}" for agent in ev["first"])
        rows.append(("the same, offset removed (what the centered advantages see)", fits))
    rows += [
        (
            "final (full budget, search seed, test set)",
            f"accuracy {_final(final['test_accuracy'])}, kappa {_final(final['kappa'])} ({final['status']})",
        ),
    ]
    if retrained is not None:
        accuracy, seeds = retrained["test_accuracy"], retrained["seeds"]
        spread = "" if accuracy.get("sd") is None else f", sd {accuracy['sd']:.4f}"
        rows.append(
            (
                "expected test accuracy",
                f"{accuracy['mean']:.4f} over {len(seeds)} retrainings, seeds {seeds[0]}-{seeds[-1]}{spread}, "
                f"from {accuracy['min']:.4f} to {accuracy['max']:.4f}",
            )
        )
    return "\n".join(["| | |", "|---|---|"] + [f"| {name} | {value} |" for name, value in rows])


def _ev(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _final(value: float | None) -> str:
    return "none" if value is None else f"{value:.4f}"
