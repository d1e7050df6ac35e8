"""The command line: ``python -m paperlib {search,retrain,trial,data,plan,report,readme,bench,verify,spot-check,compare} ...``.

Every input is checked before any work starts; a bad one ends the command with one line on
stderr naming the problem and exit status 2, having written nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from paperlib import paths
from paperlib.bench.cli import add_bench_parser, run_bench_command
from paperlib.errors import ExecutorError, PaperlibError, SpaceError, TunerError
from paperlib.experiment.executor import check_pool, open_executor
from paperlib.experiment.pool_security import client_security
from paperlib.experiment.profiles import PROFILES, SLICES
from paperlib.experiment.retraining import add_retrain_parser, run_retrain_command
from paperlib.lenet.device import DEVICE_HELP, resolve_device
from paperlib.lenet.names import DATASETS
from paperlib.report.html import add_html_parser, run_html_command
from paperlib.report.notebook import NOTEBOOK_COMMANDS, add_notebook_parsers
from paperlib.report.readme import add_readme_parser, run_readme_command
from paperlib.review.cli import COMMANDS as REVIEW_COMMANDS
from paperlib.review.cli import add_review_parsers
from paperlib.tuners.base import METHODS


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the problem (the usage is one --help away)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, choices=list(DATASETS), help="dataset to search on")
    parser.add_argument(
        "--profile",
        default="smoke",
        metavar="{" + ",".join(PROFILES) + "} or FILE.json",
        help="data sizes, epochs, episodes: a named profile (paperlib/profiles.py) or a JSON file "
        "of the same fields (default: smoke)",
    )
    parser.add_argument("--seed", type=int, default=0, help="search seed; also seeds each trial (default: 0)")
    parser.add_argument(
        "--data-dir",
        default=None,
        help="dataset root in torchvision's layout (default: $DATA_DIR, else data/ in the project)",
    )
    parser.add_argument("--device", default="auto", help=DEVICE_HELP)
    parser.add_argument("--no-download", action="store_true", help="fail instead of downloading a missing dataset")


TRIALS_HELP = "trials each worker runs at once (default 1; on a GPU: K trials share it)"


def _add_pool(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", type=int, default=None, help="run trials on a local Dask cluster of N processes (loopback only)"
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS|FILE",
        help="run trials on an existing Dask cluster: its scheduler's [tcp://|tls://]host:port or scheduler file "
        "(docs/cluster.md)",
    )
    parser.add_argument("--trials-per-worker", type=int, default=1, help=TRIALS_HELP)
    for flag, what in (("ca-file", "CA certificate"), ("cert", "client certificate"), ("key", "client key")):
        parser.add_argument(
            f"--tls-{flag}",
            default=None,
            metavar="FILE",
            help=f"--scheduler tls://...: the {what} (PEM); default: Dask's distributed.comm.tls settings",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m paperlib", description="MAPPO hyperparameter optimization: the paper's artifact.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    search = commands.add_parser("search", help="run (or resume) one search and write its run records")
    search.add_argument("--method", required=True, choices=list(METHODS), help="search method")
    _add_common(search)
    search.add_argument(
        "--agents",
        default="layers",
        choices=["layers", "per_hyperparameter", "single"],
        help="MAPPO only: one agent per LeNet layer (the paper's reading, default), one per "
        "hyperparameter, or a single agent (plain PPO); the last two are ablations",
    )
    search.add_argument(
        "--critic",
        default="per_agent",
        choices=["per_agent", "shared", "independent"],
        help="MAPPO only: one centralized critic per agent (the paper's reading, default), one centralized "
        "critic shared by all agents, or one critic per agent on its own observation; the last two are ablations",
    )
    search.add_argument(
        "--equal-compute",
        action="store_true",
        help="Hyperband and BOHB only: as many full-budget equivalents as the other methods spend (the episodes "
        "count full budgets: 200 = 500 evaluations) instead of the paper's equal evaluations",
    )
    search.add_argument(
        "--reuse-repeats",
        action="store_true",
        help="a configuration already evaluated takes its earlier score without training (the episode still "
        "counts); off by default, as the paper's protocol retrains",
    )
    search.add_argument("--episodes", type=int, default=None, help="evaluations in the search (default: the profile's)")
    search.add_argument(
        "--space",
        default=None,
        help="JSON file {name: {kind, low, high, log}} replacing Table 2's ranges (same five names)",
    )
    search.add_argument("--out", required=True, help="run directory (trials.jsonl, run.json); rerun to resume")
    _add_pool(search)

    add_retrain_parser(commands, DEVICE_HELP)

    pool = commands.add_parser(
        "pool",
        help="start a local Dask cluster (loopback only), write its scheduler file, run COMMAND, stop the cluster "
        "(make reproduce WORKERS=N)",
    )
    pool.add_argument("--workers", type=int, required=True, help="worker processes")
    pool.add_argument("--trials-per-worker", type=int, default=1, help=TRIALS_HELP)
    pool.add_argument("--device", default="auto", help="cuda or auto on a GPU machine: one GPU per worker, round robin")
    pool.add_argument("--scheduler-file", required=True, help="where to write the scheduler's address (JSON)")
    pool.add_argument("run", nargs=argparse.REMAINDER, metavar="-- COMMAND", help="the command to run on the pool")

    trial = commands.add_parser(
        "trial", help="train and score one configuration at full budget (default: the space's central one)"
    )
    _add_common(trial)
    trial.add_argument("--config", default=None, help="JSON object of hyperparameters, e.g. '{\"conv_size\": 5, ...}'")

    data = commands.add_parser("data", help="check (or download) both datasets under the data root")
    data.add_argument("--data-dir", default=None, help="dataset root (default: $DATA_DIR, else data/)")
    data.add_argument("--no-download", action="store_true", help="fail instead of downloading a missing dataset")

    plan = commands.add_parser("plan", help="print the make variables of a profile's reproduction (for the Makefile)")
    plan.add_argument(
        "--profile", required=True, choices=[*PROFILES, *SLICES], help="profile (or registered slice) to plan"
    )
    plan.add_argument(
        "--out", default=None, help="the reproduction's results folder, written as given (default: results/<profile>)"
    )

    add_bench_parser(commands)

    report = commands.add_parser("report", help="build Tables 3-4 and the figures from run directories")
    report.add_argument("--runs", required=True, help="folder searched recursively for run directories")
    report.add_argument("--out", required=True, help="folder for tables/ and figures/")

    add_notebook_parsers(commands)
    add_html_parser(commands)
    add_readme_parser(commands)

    manifest = commands.add_parser("manifest", help="write (or --check) the MANIFEST of a results folder")
    manifest.add_argument("--out", required=True, help="the results folder, e.g. results/quick")
    manifest.add_argument("--check", action="store_true", help="verify the MANIFEST instead of writing it")
    manifest.add_argument(
        "--command", dest="made_by", default="python -m paperlib manifest", help="the command that made the files"
    )
    add_review_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "search":
            return _search(args)
        commands = {
            "retrain": run_retrain_command,
            "trial": _trial,
            "data": _data,
            "plan": _plan,
            "report": _report,
            "bench": run_bench_command,
            "manifest": _manifest,
            **NOTEBOOK_COMMANDS,
            "html": run_html_command,
            "readme": run_readme_command,
            "pool": _pool,
            **REVIEW_COMMANDS,
        }
        return commands[args.command](args)
    except PaperlibError as error:  # the input is wrong: one line, never a traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: rerun the same command to resume", file=sys.stderr)
        return 130


def _search(args: argparse.Namespace) -> int:
    from paperlib.experiment.run import make_experiment, run_experiment

    options = {"device": args.device, "download": not args.no_download}
    if args.episodes is not None:
        options["episodes"] = args.episodes
    if args.agents != "layers" or args.critic != "per_agent":  # the default stays option-free: the paper's rows
        if args.method != "mappo":
            raise TunerError(f"--agents and --critic apply to --method mappo only, not {args.method!r}")
        from paperlib.tuners.mappo import options as mappo_options

        options["tuner_options"] = mappo_options(args.agents, args.critic)
    if args.equal_compute:
        from paperlib.experiment.profiles import arm_options

        options["tuner_options"] = arm_options(args.method, equal_compute=True)
    if args.reuse_repeats:
        options["reuse_repeats"] = True
    if args.space is not None:
        options["space"] = _read_space(Path(args.space))
    security = client_security(args.tls_ca_file, args.tls_cert, args.tls_key)
    pool = check_pool(args.workers, args.scheduler, args.trials_per_worker, security)  # before any work
    experiment = make_experiment(
        args.method, args.dataset, args.profile, args.seed, paths.data_dir(args.data_dir), Path(args.out), **options
    )
    gpus = _gpus(experiment.device, pool)
    with open_executor(args.workers, args.scheduler, args.trials_per_worker, gpus, security=security) as pooled:
        run_experiment(experiment, executor=pooled)
    return 0


def _gpus(device: str, pool: tuple) -> int:
    """GPUs a local cluster spreads its workers over: all of them when trials train on CUDA, else none."""
    import torch

    workers = pool[0]
    return torch.cuda.device_count() if workers and resolve_device(device).type == "cuda" else 0


def _pool(args: argparse.Namespace) -> int:
    """Start a local cluster, write its owner-only scheduler file, run the command (``paperlib.experiment.pool``)."""
    from paperlib.experiment.pool import run_on_pool

    command = args.run[1:] if args.run[:1] == ["--"] else args.run
    if not command:
        raise ExecutorError("pool needs a command to run after --")
    pool = check_pool(args.workers, None, args.trials_per_worker)
    return run_on_pool(command, args.workers, args.trials_per_worker, _gpus(args.device, pool), args.scheduler_file)


def _read_space(path: Path):
    from paperlib.space import SearchSpace

    try:
        return SearchSpace.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except OSError as error:
        raise SpaceError(f"cannot read space file {path}: {error.strerror}") from None
    except (json.JSONDecodeError, TypeError) as error:
        raise SpaceError(f"space file {path} is malformed ({error})") from None


def _trial(args: argparse.Namespace) -> int:
    from paperlib.experiment.profiles import get_profile
    from paperlib.lenet.data import load_splits
    from paperlib.lenet.trial import Recipe, run_trial
    from paperlib.space import TABLE2

    try:
        config = TABLE2.default() if args.config is None else json.loads(args.config)
    except json.JSONDecodeError as error:
        raise SpaceError(f"--config is not valid JSON ({error})") from None
    config = TABLE2.validate(config)
    profile = get_profile(args.profile)
    device = resolve_device(args.device)
    splits = load_splits(
        args.dataset,
        paths.data_dir(args.data_dir),
        profile.train_size,
        profile.val_size,
        profile.test_size,
        device,
        download=not args.no_download,
    )
    result = run_trial(config, splits, 1.0, args.seed, Recipe(epochs=profile.epochs), evaluate_test=True)
    print(
        json.dumps(
            {
                "config": config,
                "profile": profile.name,
                "dataset": args.dataset,
                "device": str(device),
                "split_sizes": splits.sizes,
                **vars(result),
            },
            indent=2,
        )
    )
    return 0


def _report(args: argparse.Namespace) -> int:
    from paperlib.report.build import build_report

    for path in build_report(Path(args.runs), Path(args.out)):
        print(path)
    return 0


def _manifest(args: argparse.Namespace) -> int:
    from paperlib.experiment import manifest

    out = Path(args.out)
    if args.check:
        manifest.check(out)
        print(f"{args.out}/MANIFEST verifies")
    elif manifest.write(out, args.made_by):
        print(f"{args.out}/MANIFEST written")
    else:
        print(f"{args.out}/MANIFEST unchanged: every result file is as recorded")
    return 0


def _data(args: argparse.Namespace) -> int:
    from paperlib.lenet.data import ensure_available, load_splits

    root = paths.data_dir(args.data_dir)
    for name in DATASETS:
        ensure_available(name, root, download=not args.no_download)
        print(f"{name}: {load_splits(name, root, download=False).sizes} from {root}")
    return 0


def _plan(args: argparse.Namespace) -> int:
    from paperlib.experiment.profiles import planned_searches

    profile, datasets, methods, seeds = planned_searches(args.profile)
    out = args.out or paths.profile_results(profile.name).relative_to(paths.ROOT)  # make matches targets as text
    notebooks = [
        f"{out}/{paths.RUN_LAYOUT.format(dataset=d, method=m, seed=s)}/search.ipynb"
        for s in seeds  # seed by seed: an interrupted reproduction holds whole seeds of every row
        for d in datasets
        for m in methods
    ]
    print("# generated by `python -m paperlib plan`: the searches of the profile, one make target each")
    print("# the incumbents' retrainings with fresh seeds, one target per search (docs/decisions.md#expected-accuracy)")
    print("RUN_RETRAININGS := " + " ".join(n.removesuffix("search.ipynb") + "retrainings.json" for n in notebooks))
    print("RUN_NOTEBOOKS := " + " ".join(notebooks))
    return 0
