"""One experiment: a (method, dataset, profile, seed) search on LeNet, recorded in a run directory.

The steps: check every input (before anything is written), load the data, take the run directory's lock,
replay what an interrupted run recorded, run the remaining episodes (``trials.jsonl``; MAPPO's updates in
``updates.jsonl``), retrain the incumbent at full budget with the search seed for the test set
(docs/paper.md#reading-7) and with the profile's R fresh seeds (``retrainings.jsonl``,
docs/decisions.md#expected-accuracy), mark ``run.json`` complete. Search time excludes the retrainings
(docs/paper.md#reading-8).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from paperlib.errors import ExecutorError, RecordError, SpaceError, TunerError, check_int, check_seed
from paperlib.experiment import provenance, repeats, retraining
from paperlib.experiment.executor import Inline
from paperlib.experiment.profiles import Profile, check_search_seed, get_profile
from paperlib.experiment.progress import SearchProgress
from paperlib.experiment.records import RunDirectory
from paperlib.experiment.records import now as _now
from paperlib.experiment.resume import check_previous, check_records, preflight
from paperlib.experiment.task import DataSpec, TimedTrial, TrialTask
from paperlib.lenet.data import check_dataset_name
from paperlib.lenet.device import resolve_device
from paperlib.lenet.trial import OK, Recipe, TrialResult, cpu_threads
from paperlib.space import TABLE2, SearchSpace
from paperlib.tuners.base import METHODS, Observation, SearchResult, Tuner, make_tuner


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
    """Extra keyword options for the tuner (e.g. MAPPO's grouping or critic)."""
    reuse_repeats: bool = False
    """A repeat of an earlier (configuration, budget) takes the earlier score without training (docs/decisions.md#repeats)."""

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
        if self.reuse_repeats:  # so is a run that skips retraining repeats (its search time is not the paper's)
            identity["reuse_repeats"] = True
        return identity

    @property
    def recipe(self) -> Recipe:
        """The training recipe at this profile's full budget."""
        return Recipe(epochs=self.profile.epochs)

    @property
    def torch_device(self) -> torch.device:
        """The resolved training device."""
        return resolve_device(self.device)

    @property
    def data(self) -> DataSpec:
        """The profile's splits of the dataset, as a worker loads them (once per process)."""
        p = self.profile
        return DataSpec(self.dataset, str(self.data_dir.resolve()), p.train_size, p.val_size, p.test_size, self.device)


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
    check_seed(seed, "seed", TunerError)
    check_search_seed([seed], chosen.retrainings, TunerError)
    if not isinstance(kwargs.get("reuse_repeats", False), bool):
        raise TunerError(f"reuse_repeats must be True or False, got {kwargs['reuse_repeats']!r}")
    check_int(kwargs.get("episodes", chosen.episodes), "episodes", TunerError, minimum=1)
    space = kwargs.get("space", TABLE2)
    if not isinstance(space, SearchSpace) or space.names != TABLE2.names:
        names = getattr(space, "names", space)
        raise SpaceError(f"the LeNet search space must define exactly {list(TABLE2.names)}, got {list(names)}")
    resolve_device(kwargs.get("device", "auto"))  # an unknown or absent device is refused before any work
    experiment = Experiment(method, dataset, chosen, seed, Path(data_dir), Path(out), **kwargs)
    preflight(experiment)  # the run directory: ours, and empty or holding this very run
    return experiment


def run_experiment(
    experiment: Experiment, progress: Callable[[str], None] | None = None, executor: Any = None
) -> dict[str, Any]:
    """Run (or resume, or just report) one search; returns the final ``run.json`` contents.

    The steps: open or resume the run directory, search the remaining episodes (on ``executor``:
    inline by default, see ``paperlib.experiment.executor``), test the incumbent. Progress is one bar
    per search, or one line per episode to ``progress`` when given; every line goes to ``search.log``.
    """
    executor = executor or Inline()
    if experiment.reuse_repeats and not isinstance(executor, Inline):
        raise ExecutorError(
            "reuse_repeats needs the inline executor (it reads the records told so far); drop --workers"
        )
    splits = experiment.data.load(download=experiment.download)
    with RunDirectory(experiment.out) as run_dir:
        previous = check_previous(experiment, run_dir.read_run())
        if previous is not None and previous.get("status") == "complete":
            if run_dir.read_retrained() is None:  # a run recorded before the retrainings: add them, nothing else
                retraining.retrain_experiment(experiment, run_dir, previous["best"], _label(experiment), executor)
            (progress or print)(f"{_label(experiment)} already complete: its records are read back")
            return previous
        records = run_dir.trials()
        check_records(records, experiment.out)
        tuner, summary = _open_or_resume(experiment, run_dir, previous, records, splits.sizes)
        bar = SearchProgress(run_dir, _label(experiment), experiment.episodes_total, len(records), progress)
        if records:
            bar.note(f"resuming after {len(records)} of {experiment.episodes_total} episodes")
        try:
            result = _search(experiment, tuner, run_dir, records, executor, bar)
        finally:
            bar.close()
        best = records[result.incumbent.suggestion.index]  # the tuner's rule: best score, then larger budget
        bar.note(
            f"retraining the incumbent (episode {best['index'] + 1}) at full budget for the test set, then with "
            f"{experiment.profile.retrainings} fresh seeds (expected accuracy)"
        )
        _, final = retraining.retrain_experiment(experiment, run_dir, best, _label(experiment), executor, final=True)
        summary.update(_summary(records, best, final), executor=executor.describe())
        summary.update(status="complete", finished_at=_now())
        if tuner.training_summary():
            summary["training"] = tuner.training_summary() | {"file": "updates.jsonl"}
        run_dir.write_run(summary)
        bar.note(
            f"done: test accuracy {final.test_accuracy:.4f}, kappa {final.kappa:.4f}, search {summary['search_seconds']:.0f} s"
        )
        return summary


def _open_or_resume(
    experiment: Experiment,
    run_dir: RunDirectory,
    previous: dict[str, Any] | None,
    records: list[dict[str, Any]],
    sizes: dict[str, int],
) -> tuple[Tuner, dict[str, Any]]:
    """A tuner brought to the state of the recorded episodes (resume by replay), and the ``run.json`` header."""
    episodes = experiment.episodes_total
    if len(records) > episodes:
        raise RecordError(f"{experiment.out} records {len(records)} episodes, more than the {episodes} asked for")
    tuner = make_tuner(
        experiment.method, space=experiment.space, seed=experiment.seed, episodes=episodes, **experiment.tuner_options
    )
    # Replay with the trial's thread setting too, so a resumed policy update computes what the first one did.
    with cpu_threads(experiment.recipe.threads):
        tuner.replay([(r["config"], r["budget"], r["score"]) for r in records])
    if tuner.training_log():  # recomputed by the replay, exactly as the interrupted run had it
        run_dir.write_updates(tuner.training_log())
    summary = _header(experiment, tuner.describe(), sizes)
    summary["sessions"] = [*provenance.earlier_sessions(previous), provenance.session(summary, len(records))]
    if previous is not None:  # a resumed run keeps the time it first started
        summary["started_at"] = previous.get("started_at", summary["started_at"])
    run_dir.write_run(summary)
    return tuner, summary


def _search(
    experiment: Experiment,
    tuner: Tuner,
    run_dir: RunDirectory,
    records: list[dict[str, Any]],
    executor: Any,
    progress: SearchProgress,
) -> SearchResult:
    """The remaining episodes, each trial appended to ``trials.jsonl`` (and ``records``) in episode order, and
    the tuner's training log (MAPPO's updates) to ``updates.jsonl`` whenever it grows."""
    clock = time.perf_counter()
    seen = repeats.Repeats(records)
    task = TrialTask(experiment.data, experiment.seed, experiment.recipe)

    def reusing(config: dict[str, Any], budget: float) -> TimedTrial:
        """``task``, but a repeat takes its earlier episode's score (inline only: it reads the records told so far)."""
        earlier = seen.earlier(config, budget)
        if earlier is None:
            return task(config, budget)
        started_at = _now()
        return TimedTrial(_reused(records[earlier]), started_at, _now(), reused=True)

    objective = reusing if experiment.reuse_repeats else task

    def on_episode(observation: Observation) -> None:
        suggestion = observation.suggestion
        record = _trial_record(observation, experiment.profile, seen.earlier(suggestion.config, suggestion.budget))
        seen.add(suggestion.index, suggestion.config, suggestion.budget)
        run_dir.append_trial(record)
        records.append(record)
        if len(tuner.training_log()) > len(written):
            written[:] = tuner.training_log()
            run_dir.write_updates(written)
        best = max(r["score"] for r in records)
        progress.episode(
            f"episode {len(records)}/{experiment.episodes_total}  val {record['score']:.4f}  "
            f"best {best:.4f}  elapsed {time.perf_counter() - clock:.0f}s",
            best,
        )

    written = tuner.training_log()
    with cpu_threads(experiment.recipe.threads):
        return tuner.run(objective, on_episode, executor)


def _reused(earlier: dict[str, Any]) -> TrialResult:
    """An earlier episode's result for a repeat: its status and score, no training."""
    return TrialResult(earlier["status"], earlier["val_accuracy"], 0.0, 0.0, 0, earlier["num_parameters"])


def _label(experiment: Experiment) -> str:
    return f"[{experiment.method} {experiment.dataset} seed {experiment.seed}]"


def _trial_record(observation: Observation, profile: Profile, repeat_of: int | None) -> dict[str, Any]:
    """One line of ``trials.jsonl``; ``repeat_of`` is the first earlier episode with the same configuration and budget."""
    suggestion, trial = observation.suggestion, observation.outcome
    result = trial.result
    return {
        "index": suggestion.index,
        "config": dict(suggestion.config),
        "budget": suggestion.budget,
        "epochs": suggestion.budget * profile.epochs,
        "score": observation.score,
        "val_accuracy": result.val_accuracy,
        "status": result.status,
        "started_at": trial.started_at,
        "ended_at": trial.ended_at,
        "objective_seconds": observation.objective_seconds,
        "train_seconds": result.train_seconds,
        "cpu_seconds": result.cpu_seconds,
        "load_average": os.getloadavg()[0],
        "optimizer_seconds": observation.optimizer_seconds,
        "steps": result.steps,
        "num_parameters": result.num_parameters,
        "repeat_of": repeat_of,
        "reused": trial.reused,
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
        "environment": provenance.describe(),
        "started_at": _now(),
    }


def _summary(records: list[dict[str, Any]], best: dict[str, Any], final: TrialResult) -> dict[str, Any]:
    """The results part of ``run.json``."""
    optimizer = sum(r["optimizer_seconds"] for r in records)
    objective = sum(r["objective_seconds"] for r in records)
    cpu = [r.get("cpu_seconds") for r in records]
    cpu = None if None in cpu else cpu
    statuses: dict[str, int] = {}
    for r in records:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {
        "evaluations": len(records),
        "full_budget_equivalents": sum(r["budget"] for r in records),
        "trial_statuses": statuses,
        **repeats.count(records),
        "search_seconds": optimizer + objective,
        "optimizer_seconds": optimizer,
        "objective_seconds": objective,
        "optimizer_share": optimizer / max(optimizer + objective, 1e-12),
        # Trials recorded before CPU time was (resumed runs) leave it unknown rather than undercounted.
        "objective_cpu_seconds": None if cpu is None else sum(cpu),
        "best": {k: best[k] for k in ("index", "config", "budget", "score")},
        "final": {
            "status": final.status,
            "val_accuracy": final.val_accuracy,
            "test_accuracy": final.test_accuracy,
            "kappa": final.kappa if final.status == OK else None,
            "seconds": final.seconds,
        },
    }
