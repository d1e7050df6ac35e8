"""Spot check: re-execute a seeded sample of recorded trials, and one incumbent's retraining, and compare scores.

The sample is spread over datasets, rows (methods) and budgets: the (dataset, row) cells are taken in a
seeded random order, each round giving every cell one trial at its next budget. A trial is re-executed
exactly as the search ran it (its configuration, budget, the run's seed and recorded recipe, on the CPU);
whether its score must come out bit for bit depends on the numerics signature
(:func:`paperlib.experiment.provenance.numerics_signature`; docs/reviewing.md#spot-check).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from paperlib.errors import RecordError
from paperlib.experiment import provenance
from paperlib.experiment.task import DataSpec
from paperlib.lenet.trial import Recipe, run_trial
from paperlib.report.runs import ROWS, Run

DEFAULT_TRIALS = 40
"""Trials re-executed by default: about two minutes on one core for the quick profile (docs/reviewing.md#spot-check)."""
EXPECTED_OTHER_CPU = (130, 200)
"""Identical re-executed trials, of those compared, measured on another x86-64 CPU (docs/decisions.md#cross-machine)."""


@dataclass(frozen=True)
class Pick:
    """One recorded evaluation to re-execute: a search's trial, or (``index`` None) its incumbent's retraining."""

    run: Run
    """The search it belongs to."""
    index: int | None
    """The episode (counting from 0); None for the final retraining of the incumbent."""

    @property
    def trial(self) -> dict[str, Any]:
        """The recorded line of ``trials.jsonl``, or for a retraining the incumbent and its final scores."""
        if self.index is not None:
            return self.run.trials[self.index]
        best, final = self.run.record["best"], self.run.record["final"]
        return {"config": best["config"], "budget": 1.0, "score": final["test_accuracy"], "kappa": final["kappa"]}


@dataclass(frozen=True)
class Check:
    """A recorded score beside the one re-executed on this machine."""

    pick: Pick
    """What was re-executed."""
    found: float | None
    """The re-executed score (validation accuracy; test accuracy for a retraining)."""
    same_signature: bool
    """Whether this machine's numerics signature is the recording's."""
    seconds: float
    """Wall time of the re-execution."""

    @property
    def recorded(self) -> float | None:
        return self.pick.trial["score"]

    @property
    def identical(self) -> bool:
        return self.found == self.recorded


def sample(runs: Sequence[Run], trials: int, seed: int) -> list[Pick]:
    """``trials`` recorded trials spread over (dataset, row) cells and their budgets, then one incumbent retraining."""
    rng = np.random.default_rng(seed)
    pools: dict[tuple[str, str], dict[float, list[Pick]]] = {}
    for run in sorted(runs, key=lambda r: r.key):
        for trial in run.trials:
            if not trial.get("reused"):  # a reused score was never trained: nothing to re-execute
                cell = pools.setdefault(run.key[:2], {})
                cell.setdefault(trial["budget"], []).append(Pick(run, trial["index"]))
    if not pools:
        raise RecordError("no recorded trial to re-execute")
    cells = [sorted(pools)[i] for i in rng.permutation(len(pools))]
    start = {cell: int(rng.integers(len(pools[cell]))) for cell in cells}  # each cell's first budget, at random
    picked: list[Pick] = []
    for round_ in range(trials):
        for cell in cells:
            budgets = sorted(pools[cell])
            pool = pools[cell][budgets[(start[cell] + round_) % len(budgets)]]
            if pool and len(picked) < trials:
                picked.append(pool.pop(int(rng.integers(len(pool)))))
        if len(picked) >= trials or not any(any(p.values()) for p in pools.values()):
            break
    retrained = sorted(runs, key=lambda r: r.key)[int(rng.integers(len(runs)))]
    return picked + [Pick(retrained, None)]


def recipe_of(record: dict[str, Any]) -> Recipe:
    """The training recipe a run recorded (fields this code does not know are refused, not ignored)."""
    recorded = dict(record["recipe"])
    unknown = sorted(set(recorded) - {f.name for f in fields(Recipe)})
    if unknown:
        raise RecordError(f"run {record['dataset']}/{record['method']} seed {record['seed']}: unknown recipe {unknown}")
    return Recipe(**recorded)


def data_of(record: dict[str, Any], root: Path) -> DataSpec:
    """The splits a run trained on, on the CPU."""
    settings = record["profile_settings"]
    return DataSpec(
        record["dataset"], str(root), settings["train_size"], settings["val_size"], settings["test_size"], "cpu"
    )


@cache
def here() -> dict[str, Any]:
    """What ``run.json`` would record about this machine (read once: it asks git too)."""
    return provenance.describe()


def this_signature(record: dict[str, Any]) -> dict[str, Any]:
    """This machine's numerics signature for the run's recipe, on the CPU."""
    return provenance.numerics_signature(here(), record["recipe"], "cpu")


def recorded_signature(record: dict[str, Any]) -> dict[str, Any]:
    """The signature the run recorded."""
    return provenance.numerics_signature(record.get("environment", {}), record["recipe"], str(record.get("device")))


def re_execute(
    picks: Sequence[Pick], root: Path, download: bool = True, progress: Callable[[str], None] = print
) -> list[Check]:
    """Each pick trained again exactly as recorded; a retraining is scored on the test set."""
    checks = []
    for number, pick in enumerate(picks, 1):
        record = pick.run.record
        data = data_of(record, root)
        splits = data.load(download=download)
        if splits.sizes != record["split_sizes"]:
            raise RecordError(f"{pick.run.path}: split sizes {record['split_sizes']}, loaded {splits.sizes}")
        trial, retraining = pick.trial, pick.index is None
        started = time.perf_counter()
        result = run_trial(
            trial["config"], splits, trial["budget"], record["seed"], recipe_of(record), evaluate_test=retraining
        )
        found = result.test_accuracy if retraining else result.val_accuracy
        same = this_signature(record) == recorded_signature(record)
        checks.append(Check(pick, found, same, time.perf_counter() - started))
        what = "retraining" if retraining else f"episode {pick.index}"
        shown = "diverged" if found is None else f"{found:.4f}"
        progress(f"{number}/{len(picks)} {'/'.join(map(str, pick.run.key))} {what}: {trial['score']:.4f} -> {shown}")
    return checks


def failed(checks: Sequence[Check]) -> list[Check]:
    """Re-executions that should have been identical (same signature) and were not."""
    return [check for check in checks if check.same_signature and not check.identical]


def report(checks: Sequence[Check], out: Path, seed: int, seconds: float) -> str:
    """The spot check as Markdown: a summary, what to expect, and one line per re-executed trial."""
    same = [c for c in checks if c.same_signature]
    other = [c for c in checks if not c.same_signature]
    agree, of = EXPECTED_OTHER_CPU
    lines = [
        f"# Spot check of {out}",
        "",
        f"{len(checks) - 1} recorded trials and 1 incumbent retraining re-executed (sample seed {seed}), {seconds:.0f} s.",
        "",
        f"- This machine: {_machine(here())}.",
        f"- Recorded on: {'; '.join(sorted({_machine(c.pick.run.record.get('environment', {})) for c in checks}))}.",
    ]
    if same:
        lines.append(
            f"- Same numerics signature ({len(same)} re-executions): {sum(c.identical for c in same)} identical; "
            f"every one must be, so {len(failed(checks))} failed."
        )
    if other:
        differing = sorted({key for c in other for key in _differing(c.pick.run.record)})
        identical = sum(c.identical for c in other)
        lines.append(
            f"- Another numerics signature (differs in {', '.join(differing)}; {len(other)} re-executions): "
            f"{identical} of {len(other)} identical ({identical / len(other):.0%}); expected on another x86-64 CPU: "
            f"about {agree / of:.0%} ({agree} of {of}, docs/decisions.md#cross-machine). Not a failure: compare "
            "means, intervals and verdicts instead (`python -m paperlib compare`)."
        )
    verdict = (
        "FAIL" if failed(checks) else "PASS" if same else "REPORTED (another signature: nothing must be identical)"
    )
    timed = speed(checks)
    if timed is not None:
        median, low, high, n = timed
        lines.append(
            f"- A trial's wall time here against its recording: median ratio {median:.2f} (range {low:.2f}–{high:.2f}, "
            f"{n} trials; below 1 this machine was faster). Compare search times within one machine's runs."
        )
    lines += [f"- Result: **{verdict}**.", "", _table(checks)]
    return "\n".join(lines) + "\n"


def speed(checks: Sequence[Check]) -> tuple[float, float, float, int] | None:
    """Re-executed over recorded wall time of the sampled trials (not the retraining): median, min, max, count."""
    ratios = [
        c.seconds / c.pick.trial["objective_seconds"]
        for c in checks
        if c.pick.index is not None and c.pick.trial.get("objective_seconds")
    ]
    if not ratios:
        return None
    return statistics.median(ratios), min(ratios), max(ratios), len(ratios)


def _table(checks: Sequence[Check]) -> str:
    header = "| dataset | row | seed | episode | budget | learning rate | recorded | re-executed | difference | identical | signature |"
    lines = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for c in checks:
        dataset, row, seed = c.pick.run.key
        episode = "retraining (test)" if c.pick.index is None else str(c.pick.index)
        difference = "" if None in (c.found, c.recorded) else f"{c.found - c.recorded:+.4f}"
        cells = [dataset, ROWS.get(row, row), str(seed), episode, f"{c.pick.trial['budget']:.3g}"]
        cells += [f"{c.pick.trial['config']['learning_rate']:.3g}", _score(c.recorded), _score(c.found), difference]
        cells += ["yes" if c.identical else "no", "same" if c.same_signature else "other"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _score(value: float | None) -> str:
    return "none" if value is None else f"{value:.4f}"


def _differing(record: dict[str, Any]) -> list[str]:
    here, there = this_signature(record), recorded_signature(record)
    return [key for key in here if here[key] != there.get(key)]


def _machine(environment: dict[str, Any]) -> str:
    packages = environment.get("packages") or {}
    libraries = environment.get("math_libraries") or {}
    return (
        f"{environment.get('cpu_model')}, torch {packages.get('torch')} ({environment.get('torch_cpu_capability')}), "
        f"oneDNN {libraries.get('onednn')}, MKL {libraries.get('mkl')}"
    )
