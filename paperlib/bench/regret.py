"""``make bench-tuners``: simple regret of every method on classic test functions, mean and 95% CI over seeds.

MAPPO runs twice, with the paper's grid heads and with continuous (Beta) heads; the others with their
library defaults. The reading of the table is docs/decisions.md#bench-testfunctions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from paperlib.errors import TunerError, check_int
from paperlib.experiment import provenance, records
from paperlib.tuners.base import run_search
from paperlib.tuners.testfunctions import TEST_FUNCTIONS, get_test_function

CONTENDERS: dict[str, tuple[str, dict[str, Any]]] = {
    "mappo (grid)": ("mappo", {}),
    "mappo (continuous)": ("mappo", {"heads": "continuous"}),
    "random": ("random", {}),
    "anneal": ("anneal", {}),
    "tpe": ("tpe", {}),
    "bohb": ("bohb", {}),
}
"""Column name -> (method, tuner options)."""


@dataclass(frozen=True)
class RegretSettings:
    """What the benchmark runs."""

    episodes: int = 200
    """Evaluations per search (BOHB's plan uses at most this many, at any budget)."""
    seeds: int = 10
    """Searches per (function, method), seeds 0, 1, ..."""
    functions: tuple[str, ...] = tuple(TEST_FUNCTIONS)
    """Test functions, by name (``paperlib.tuners.testfunctions``)."""
    contenders: tuple[str, ...] = tuple(CONTENDERS)
    """Columns of the table (keys of :data:`CONTENDERS`)."""
    checkpoints: tuple[int, ...] = (50, 200)
    """Evaluation counts at which the regret is tabulated."""

    def __post_init__(self) -> None:
        check_int(self.episodes, "episodes", TunerError, minimum=1)
        check_int(self.seeds, "seeds", TunerError, minimum=2)  # a confidence interval needs two
        for name in self.functions:
            get_test_function(name)
        unknown = sorted(set(self.contenders) - set(CONTENDERS))
        if unknown:
            raise TunerError(f"unknown contender {unknown[0]!r}; choose from {list(CONTENDERS)}")


def regret_curve(function: str, contender: str, seed: int, episodes: int) -> list[float]:
    """Simple regret after each evaluation of one seeded search (the best score so far, as regret)."""
    problem = get_test_function(function)
    method, options = CONTENDERS[contender]
    result = run_search(method, problem, episodes=episodes, seed=seed, space=problem.space, **options)
    best = np.maximum.accumulate([o.score for o in result.history])
    return [problem.regret(float(score)) for score in best]


def summarize(regrets: list[float]) -> dict[str, float]:
    """Mean and Student-t 95% confidence interval of the seeds' regrets (scipy.stats)."""
    values = np.asarray(regrets, dtype=float)
    mean, sem = float(values.mean()), float(stats.sem(values))
    low, high = (mean, mean) if sem == 0 else stats.t.interval(0.95, len(values) - 1, loc=mean, scale=sem)
    return {"mean": mean, "ci_low": float(low), "ci_high": float(high), "median": float(np.median(values))}


def run_regret_bench(
    out: Path, settings: RegretSettings | None = None, progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """Run every (function, contender, seed) search; write ``testfunctions.json`` and ``testfunctions.md`` to ``out``."""
    settings = settings or RegretSettings()
    environment = provenance.describe()  # before the searches: the commit whose code runs them
    clock = time.perf_counter()
    curves: dict[str, dict[str, list[list[float]]]] = {}
    for function in settings.functions:
        curves[function] = {}
        for contender in settings.contenders:
            start = time.perf_counter()
            curves[function][contender] = [
                regret_curve(function, contender, seed, settings.episodes) for seed in range(settings.seeds)
            ]
            final = summarize([c[-1] for c in curves[function][contender]])
            progress(
                f"bench-tuners: {function} / {contender}: regret {final['mean']:.4g} "
                f"[{final['ci_low']:.4g}, {final['ci_high']:.4g}] over {settings.seeds} seeds "
                f"({time.perf_counter() - start:.0f} s)"
            )
    summary = {
        "settings": asdict(settings),
        "environment": environment,
        "seconds": time.perf_counter() - clock,
        "functions": {
            name: {"f_min": TEST_FUNCTIONS[name].f_min, "dimensions": len(TEST_FUNCTIONS[name].space)}
            for name in settings.functions
        },
        "regret": {
            function: {
                contender: {str(n): summarize([c[min(n, len(c)) - 1] for c in runs]) for n in settings.checkpoints}
                for contender, runs in by_contender.items()
            }
            for function, by_contender in curves.items()
        },
        "tests": comparisons(curves),
        "curves": {
            f: {c: [[float(f"{r:.6g}") for r in run] for run in runs] for c, runs in by.items()}
            for f, by in curves.items()
        },
    }
    records.write_json(out / "testfunctions.json", summary)
    records.atomic_write_text(out / "testfunctions.md", markdown_table(summary))
    return summary


def comparisons(curves: dict[str, dict[str, list[list[float]]]]) -> dict[str, dict[str, float]]:
    """Two-sided Mann-Whitney U p-values of the final regrets: MAPPO continuous against MAPPO grid and against TPE."""
    pairs = [("mappo (continuous)", "mappo (grid)"), ("mappo (continuous)", "tpe"), ("mappo (grid)", "tpe")]
    out = {}
    for function, by_contender in curves.items():
        out[function] = {}
        for a, b in pairs:
            if a in by_contender and b in by_contender:
                final_a = [c[-1] for c in by_contender[a]]
                final_b = [c[-1] for c in by_contender[b]]
                out[function][f"{a} vs {b}"] = float(stats.mannwhitneyu(final_a, final_b).pvalue)
    return out


def markdown_table(summary: dict[str, Any]) -> str:
    """Mean simple regret ± half the 95% CI, a row per function and checkpoint, the best mean in bold."""
    settings = summary["settings"]
    contenders = settings["contenders"]
    lines = [
        f"Simple regret (f(best) - f_min; lower is better), mean ± half-width of the 95% t-interval over "
        f"{settings['seeds']} seeds, after n evaluations. Command: `make bench-tuners`.",
        "",
        "| function (dims) | n | " + " | ".join(contenders) + " |",
        "|---|---:|" + "---:|" * len(contenders),
    ]
    for function, by_contender in summary["regret"].items():
        dims = summary["functions"][function]["dimensions"]
        for n in map(str, settings["checkpoints"]):
            cells = {c: by_contender[c][n] for c in contenders}
            best = min(cell["mean"] for cell in cells.values())
            row = []
            for cell in cells.values():
                text = f"{cell['mean']:.3g} ± {(cell['ci_high'] - cell['ci_low']) / 2:.2g}"
                row.append(f"**{text}**" if cell["mean"] == best else text)
            lines.append(f"| {function} ({dims}) | {n} | " + " | ".join(row) + " |")
    lines += ["", "Mann-Whitney U p-values of the final regrets (two-sided):", ""]
    for function, tests in summary["tests"].items():
        lines.append(f"- {function}: " + "; ".join(f"{pair} p = {p:.2g}" for pair, p in tests.items()))
    return "\n".join(lines) + "\n"
