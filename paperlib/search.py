"""One experiment: a (method, dataset, profile, seed) search on LeNet, recorded in a run directory.

The steps, in order: check every input (before anything is written), load the data, take the run
directory's lock, replay any evaluations an interrupted run already recorded, run the remaining
episodes (each one line in ``trials.jsonl``), retrain the incumbent once at full budget and score
it on the test set (PAPER.md reading 7), and mark ``run.json`` complete. Search time counts the
episodes only, final retraining excluded (reading 8).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch

from . import environment
from .data import check_dataset_name, load_splits
from .profiles import Profile, get_profile
from .records import RecordError, RunDirectory
from .space import TABLE2, SearchSpace, SpaceError
from .trial import OK, Recipe, TrialResult, cpu_threads, run_trial
from .tuner import METHODS, Observation, TunerError, make_tuner


@dataclass(frozen=True)
class Experiment:
    """Everything that identifies one search run."""

    method: str
    """One of ``tuner.METHODS``."""
    dataset: str
    """``mnist`` or ``fashion_mnist``."""
    profile: Profile
    """Data sizes, epochs and episodes (``paperlib.profiles``)."""
    seed: int
    """Search seed; also seeds every trial's initialisation and data order."""
    data_dir: Path
    """Dataset root in torchvision's layout."""
    out: Path
    """The run directory."""
    device: str = "auto"
    """``auto`` (CUDA when present, else CPU), or a torch device string."""
    episodes: int | None = None
    """Evaluations in the search; None takes the profile's."""
    space: SearchSpace = TABLE2
    """The search space (Table 2 unless a reviewer narrows or widens its ranges)."""
    download: bool = True
    """Download missing datasets (torchvision checks their MD5)."""
    tuner_options: dict[str, Any] = field(default_factory=dict)
    """Extra keyword options for the tuner (e.g. MAPPO's grouping)."""

    @property
    def episodes_total(self) -> int:
        """Evaluations in the search: the explicit ``episodes``, else the profile's."""
        return self.profile.episodes if self.episodes is None else self.episodes

    @property
    def identity(self) -> dict[str, Any]:
        """What a run directory must match to be resumed by this experiment."""
        identity = {
            "method": self.method,
            "dataset": self.dataset,
            "profile": self.profile.name,
            "seed": self.seed,
            "episodes": self.episodes_total,
            "space": self.space.to_dict(),
        }
        if self.tuner_options:  # an ablation (e.g. MAPPO's grouping) is another run, and not a table row
            identity["tuner_options"] = self.tuner_options
        return identity

    @property
    def recipe(self) -> Recipe:
        """The training recipe at this profile's full budget."""
        return Recipe(epochs=self.profile.epochs)

    @property
    def torch_device(self) -> torch.device:
        """The resolved training device."""
        return environment.resolve_device(self.device)


def make_experiment(
    method: str, dataset: str, profile: str, seed: Any, data_dir: Path, out: Path, **kwargs: Any
) -> Experiment:
    """Check every input and build the :class:`Experiment`; raises a one-line error naming the first problem.

    Notebook parameters arrive here unchecked, so every type is checked too.
    """
    for name, value in (("method", method), ("dataset", dataset), ("profile", profile)):
        if not isinstance(value, str):
            raise TunerError(f"{name} must be a string, got {value!r}")
    if method not in METHODS:
        raise TunerError(f"unknown method {method!r}; choose one of {list(METHODS)}")
    check_dataset_name(dataset)
    chosen = get_profile(profile)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TunerError(f"seed must be an integer, got {seed!r}")
    episodes = kwargs.get("episodes", chosen.episodes)
    if isinstance(episodes, bool) or not isinstance(episodes, int) or episodes <= 0:
        raise TunerError(f"episodes must be a positive integer, got {episodes!r}")
    space = kwargs.get("space", TABLE2)
    if not isinstance(space, SearchSpace) or space.names != TABLE2.names:
        names = getattr(space, "names", space)
        raise SpaceError(f"the LeNet search space must define exactly {list(TABLE2.names)}, got {list(names)}")
    environment.resolve_device(kwargs.get("device", "auto"))  # an unknown or absent device is refused before any work
    experiment = Experiment(method, dataset, chosen, seed, Path(data_dir), Path(out), **kwargs)
    if Path(out).exists() and not Path(out).is_dir():
        raise RecordError(f"--out {out} exists and is not a directory")
    return experiment


def run_experiment(experiment: Experiment, progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Run (or resume, or just report) one search; returns the final ``run.json`` contents."""
    splits = load_splits(
        experiment.dataset,
        experiment.data_dir,
        experiment.profile.train_size,
        experiment.profile.val_size,
        experiment.profile.test_size,
        experiment.torch_device,
        download=experiment.download,
    )
    with RunDirectory(experiment.out) as run_dir:
        previous = run_dir.read_run()
        if previous is not None:
            keys = list(experiment.identity) + (["tuner_options"] if previous.get("tuner_options") else [])
            found = {key: previous.get(key) for key in keys}
            if found != experiment.identity:
                raise RecordError(f"{experiment.out} holds another run ({found}); choose another --out")
            if previous.get("status") == "complete":
                progress(f"{experiment.out}: already complete")
                return previous
        records = run_dir.trials()
        episodes = experiment.episodes_total
        if len(records) > episodes:
            raise RecordError(f"{experiment.out} records {len(records)} episodes, more than the {episodes} asked for")
        tuner = make_tuner(
            experiment.method,
            space=experiment.space,
            seed=experiment.seed,
            episodes=episodes,
            **experiment.tuner_options,
        )
        # The tuner's own tensors (MAPPO's networks) are as small as a trial's batches: same thread
        # setting, for replay too, so a resumed policy update computes exactly what the first one did.
        with cpu_threads(experiment.recipe.threads):
            tuner.replay([(r["config"], r["budget"], r["score"]) for r in records])
        summary = _header(experiment, tuner.describe(), splits.sizes)
        if previous is not None:  # a resumed run keeps the time it first started
            summary["started_at"] = previous.get("started_at", summary["started_at"])
        run_dir.write_run(summary)
        if records:
            progress(f"resuming {experiment.out} after {len(records)} of {episodes} episodes")

        label = f"[{experiment.method} {experiment.dataset} seed {experiment.seed}]"
        last: dict[str, Any] = {}
        clock = time.perf_counter()

        def objective(config: dict[str, Any], budget: float) -> float:
            last["started_at"] = _now()
            last["result"] = result = run_trial(config, splits, budget, experiment.seed, experiment.recipe)
            last["ended_at"] = _now()
            return result.val_accuracy

        def on_episode(observation: Observation) -> None:
            record = _trial_record(
                observation, last["result"], last["started_at"], last["ended_at"], experiment.profile
            )
            run_dir.append_trial(record)
            records.append(record)
            best = max(r["score"] for r in records)
            progress(
                f"{label} episode {len(records)}/{episodes}  val {record['score']:.4f}  best {best:.4f}  "
                f"elapsed {time.perf_counter() - clock:.0f}s"
            )

        with cpu_threads(experiment.recipe.threads):
            result = tuner.run(objective, on_episode)

        best = records[result.incumbent.suggestion.index]  # the tuner's rule: best score, then larger budget
        progress(f"{label} retraining the incumbent (episode {best['index']}) at full budget for the test set")
        final = run_trial(best["config"], splits, 1.0, experiment.seed, experiment.recipe, evaluate_test=True)
        summary.update(_summary(records, best, final), status="complete", finished_at=_now())
        run_dir.write_run(summary)
        progress(
            f"{label} done: test accuracy {final.test_accuracy}, kappa {final.kappa}, "
            f"search {summary['search_seconds']:.0f}s"
        )
        return summary


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _trial_record(
    observation: Observation, result: TrialResult, started: str, ended: str, profile: Profile
) -> dict[str, Any]:
    """One line of ``trials.jsonl``."""
    suggestion = observation.suggestion
    return {
        "index": suggestion.index,
        "config": dict(suggestion.config),
        "budget": suggestion.budget,
        "epochs": suggestion.budget * profile.epochs,
        "score": observation.score,
        "val_accuracy": result.val_accuracy,
        "status": result.status,
        "started_at": started,
        "ended_at": ended,
        "objective_seconds": observation.objective_seconds,
        "train_seconds": result.train_seconds,
        "optimizer_seconds": observation.optimizer_seconds,
        "steps": result.steps,
        "num_parameters": result.num_parameters,
    }


def _header(experiment: Experiment, tuner_settings: dict[str, Any], sizes: dict[str, int]) -> dict[str, Any]:
    """The settings part of ``run.json``, written before the first episode."""
    return {
        **experiment.identity,
        "status": "running",
        "profile_settings": experiment.profile.to_dict(),
        "split_sizes": sizes,
        "recipe": vars(experiment.recipe),
        "tuner": tuner_settings,
        "device": str(experiment.torch_device),
        "environment": environment.describe(),
        "started_at": _now(),
    }


def _summary(records: list[dict[str, Any]], best: dict[str, Any], final: TrialResult) -> dict[str, Any]:
    """The results part of ``run.json``."""
    optimizer = sum(r["optimizer_seconds"] for r in records)
    objective = sum(r["objective_seconds"] for r in records)
    statuses: dict[str, int] = {}
    for r in records:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {
        "evaluations": len(records),
        "full_budget_equivalents": sum(r["budget"] for r in records),
        "trial_statuses": statuses,
        "search_seconds": optimizer + objective,
        "optimizer_seconds": optimizer,
        "objective_seconds": objective,
        "optimizer_share": optimizer / max(optimizer + objective, 1e-12),
        "best": {k: best[k] for k in ("index", "config", "budget", "score")},
        "final": {
            "status": final.status,
            "val_accuracy": final.val_accuracy,
            "test_accuracy": final.test_accuracy,
            "kappa": final.kappa if final.status == OK else None,
            "seconds": final.seconds,
        },
    }
