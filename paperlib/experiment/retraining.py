"""The estimand: a search's incumbent retrained at full budget with R fresh training seeds, scored on the test set.

The seeds (1000, 1001, ...) are the same for every method and search and never a search seed, so the mean
test accuracy is that of the configuration a method found, free of the luck of the seed that picked it
(docs/decisions.md#expected-accuracy). Each retraining is one line of ``retrainings.jsonl``, appended as it
ends, so an interrupted retraining resumes at the next seed; ``retrainings.json`` follows once all R are
there. A committed run gets them through :func:`retrain_run` without a trial being touched.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from paperlib.errors import RecordError
from paperlib.experiment.profiles import PROFILES, Profile, retraining_seeds
from paperlib.experiment.records import RUN, RunDirectory, iter_run_dirs, read_json, read_retrained
from paperlib.experiment.records import now as _now

if TYPE_CHECKING:  # the trainer loads torch: imported where a retraining runs, not by the command line's parser
    from paperlib.experiment.task import RetrainTask
    from paperlib.lenet.trial import TrialResult


def retrainings_of(record: dict[str, Any]) -> int:
    """R for a run: its recorded profile's ``retrainings``; for a run recorded before the field existed, the named
    profile's (today's), else the default."""
    settings = record.get("profile_settings", {})
    if "retrainings" in settings:
        return int(settings["retrainings"])
    named = PROFILES.get(record.get("profile", ""))
    return named.retrainings if named is not None else Profile.__dataclass_fields__["retrainings"].default


def retrain_incumbent(
    run_dir: RunDirectory,
    best: dict[str, Any],
    task: RetrainTask,
    count: int,
    label: str = "",
    executor: Any = None,
    search_seed: int | None = None,
) -> tuple[dict[str, Any], TrialResult | None]:
    """The incumbent ``best`` (a ``run.json`` ``best``) retrained with the first ``count`` retraining seeds, those
    not yet recorded first; writes and returns the summary. ``run_dir`` must be held (its lock taken).

    ``executor`` runs them (inline by default: one after another); a pool runs as many at once as it has slots,
    each recorded in seed order as it is handed back. ``search_seed``: the search's own retraining for the test
    set (``run.json`` ``final``) goes first in the same queue, and its result is returned beside the summary."""
    from paperlib.experiment.executor import Inline, in_order
    from paperlib.lenet.trial import OK

    seeds = retraining_seeds(count)
    done = run_dir.retrainings()
    _check_recorded(run_dir.path, done, best, seeds)
    first = [] if search_seed is None else [(dict(best["config"]), search_seed)]
    calls = first + [(dict(best["config"]), seed) for seed in seeds[len(done) :]]
    results = in_order(executor or Inline(), task, calls)
    final = next(results)[0].result if first else None
    bar = tqdm(total=count, initial=len(done), desc=f"{label} retraining the incumbent".strip(), unit="seed")
    try:
        for seed, (timed, _) in zip(seeds[len(done) :], results):
            result = timed.result
            record = {
                "seed": seed,
                "incumbent": best["index"],
                "config": dict(best["config"]),
                "status": result.status,
                "val_accuracy": result.val_accuracy,
                "test_accuracy": result.test_accuracy,
                "kappa": result.kappa if result.status == OK else None,
                "seconds": result.seconds,
                "started_at": timed.started_at,
                "ended_at": timed.ended_at,
            }
            run_dir.append_retraining(record)
            done.append(record)
            bar.set_postfix_str(f"test {result.test_accuracy:.4f}", refresh=False)
            bar.update()
    finally:
        bar.close()
    summary = summarize(done, best)
    run_dir.write_retrained(summary)
    return summary, final


def retrain_experiment(
    experiment: Any, run_dir: RunDirectory, best: dict[str, Any], label: str, executor: Any = None, final: bool = False
) -> tuple[dict[str, Any], TrialResult | None]:
    """:func:`retrain_incumbent` with a search's data, recipe and its profile's R (``paperlib.experiment.run``);
    ``final``: with the search seed's retraining first."""
    from paperlib.experiment.task import RetrainTask

    task = RetrainTask(experiment.data, experiment.recipe)
    seed = experiment.seed if final else None
    return retrain_incumbent(run_dir, best, task, experiment.profile.retrainings, label, executor, seed)


def summarize(records: list[dict[str, Any]], best: dict[str, Any]) -> dict[str, Any]:
    """``retrainings.json``: the incumbent, the seeds, and the mean (the estimand) and spread of the test accuracies."""
    accuracy = [r["test_accuracy"] for r in records]
    kappa = [r["kappa"] for r in records if r["kappa"] is not None]
    statuses: dict[str, int] = {}
    for r in records:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {
        "incumbent": best["index"],
        "config": dict(best["config"]),
        "budget": 1.0,
        "seeds": [r["seed"] for r in records],
        "retrainings": len(records),
        "statuses": statuses,
        "test_accuracy": {
            "mean": statistics.fmean(accuracy),
            "sd": statistics.stdev(accuracy) if len(accuracy) > 1 else None,
            "min": min(accuracy),
            "max": max(accuracy),
        },
        "kappa_mean": statistics.fmean(kappa) if kappa else None,
        "seconds": sum(r["seconds"] for r in records),
        "finished_at": _now(),
    }


def _check_recorded(path: Path, done: list[dict[str, Any]], best: dict[str, Any], seeds: tuple[int, ...]) -> None:
    """The recorded retrainings must be the first seeds' of this very incumbent."""
    if len(done) > len(seeds):
        raise RecordError(f"{path}: {len(done)} retrainings recorded, more than the {len(seeds)} asked for")
    for record, seed in zip(done, seeds):
        if record.get("seed") != seed or record.get("config") != best["config"]:
            raise RecordError(
                f"{path}: retrainings.jsonl records seed {record.get('seed')} of another configuration or order "
                f"than the incumbent's seeds {seeds[0]}-{seeds[-1]}; delete it to retrain"
            )


def retrain_run(
    path: Path, data_dir: Path, device: str = "auto", download: bool = True, echo: Callable[[str], None] = print
) -> dict[str, Any]:
    """Add the missing retrainings to the complete run at ``path`` from its records alone (its data sizes,
    recipe and incumbent); writes nothing else. Returns ``retrainings.json``."""
    path = Path(path)
    if not (path / RUN).is_file():
        raise RecordError(f"{path} is not a run directory (no {RUN})")
    record = read_json(path / RUN)
    if not isinstance(record, dict) or record.get("status") != "complete":
        raise RecordError(f"{path} is not a complete run: finish its search first (rerun it)")
    count = retrainings_of(record)
    found = read_retrained(path)
    if found is not None and found["retrainings"] == count:
        echo(f"{path}: its {count} retrainings are recorded, nothing is run")
        return found
    from paperlib.experiment.task import DataSpec, RetrainTask
    from paperlib.lenet.trial import Recipe

    settings, started = record["profile_settings"], time.perf_counter()
    sizes = (settings["train_size"], settings["val_size"], settings["test_size"])
    data = DataSpec(record["dataset"], str(Path(data_dir).resolve()), *sizes, device)
    data.load(download=download)  # downloaded (or refused) before the lock is taken
    task = RetrainTask(data, Recipe(**record["recipe"]))
    with RunDirectory(path) as run_dir:
        summary, _ = retrain_incumbent(run_dir, record["best"], task, count, str(path))
    echo(
        f"{path}: {count} retrainings, mean test accuracy {summary['test_accuracy']['mean']:.4f} "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return summary


def retrain_all(root: Path, data_dir: Path, **options: Any) -> list[dict[str, Any]]:
    """:func:`retrain_run` for ``root`` if it is a run directory, else for every complete run under it."""
    root = Path(root)
    if (root / RUN).is_file():
        return [retrain_run(root, data_dir, **options)]
    runs = [p for p in iter_run_dirs(root) if read_json(p / RUN).get("status") == "complete"]
    if not runs:
        raise RecordError(f"no complete run under {root}")
    return [retrain_run(p, data_dir, **options) for p in runs]


def add_retrain_parser(commands: Any, device_help: str) -> None:
    """``python -m paperlib retrain``: the retrainings added to complete runs that lack them."""
    retrain = commands.add_parser(
        "retrain",
        help="add the incumbent's retrainings with fresh seeds to complete runs that lack them (no trial is touched)",
    )
    retrain.add_argument(
        "--out", required=True, help="a run directory, or a folder searched recursively for complete runs"
    )
    retrain.add_argument(
        "--data-dir", default=None, help="dataset root (default: $DATA_DIR, else data/ in the project)"
    )
    retrain.add_argument("--device", default="auto", help=device_help)
    retrain.add_argument("--no-download", action="store_true", help="fail instead of downloading a missing dataset")


def run_retrain_command(args: argparse.Namespace) -> int:
    from paperlib import paths
    from paperlib.lenet.device import resolve_device

    resolve_device(args.device)  # an unknown device is refused before any work
    retrain_all(Path(args.out), paths.data_dir(args.data_dir), device=args.device, download=not args.no_download)
    return 0
