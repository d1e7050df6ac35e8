"""The reviewer's commands: ``verify``, ``spot-check``, ``compare``, and ``summary`` (what ``make reproduce`` did).

Each checks its inputs before any work, writes nothing but the report asked for with ``--report``, and
exits 0 when everything agrees, 1 when something differs, 2 on bad input (``paperlib.cli``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from paperlib import paths
from paperlib.errors import RecordError, check_int


def add_review_parsers(commands: argparse._SubParsersAction) -> None:
    """The four subcommands and their options."""
    verify = commands.add_parser(
        "verify",
        help="check a results folder: its MANIFEST, each run record, and the tables and figures rebuilt from the "
        "run records into a temporary folder against the committed ones (make verify)",
    )
    verify.add_argument("--out", required=True, help="the results folder, e.g. results/quick")

    spot = commands.add_parser(
        "spot-check",
        help="re-execute a seeded sample of recorded trials and one incumbent retraining; compare the scores "
        "(make spot-check)",
    )
    spot.add_argument("--out", required=True, help="the results folder, e.g. results/quick")
    spot.add_argument("--trials", type=int, default=None, help="trials to re-execute (default: 40)")
    spot.add_argument("--seed", type=int, default=0, help="seed of the sample (default: 0)")
    spot.add_argument("--report", default=None, help="also write the Markdown report to this file")
    spot.add_argument("--data-dir", default=None, help="dataset root (default: $DATA_DIR, else data/)")
    spot.add_argument("--no-download", action="store_true", help="fail instead of downloading a missing dataset")

    compare = commands.add_parser(
        "compare",
        help="a rerun against reference results: intervals, verdicts, identical trials (make compare RERUN=DIR)",
    )
    compare.add_argument("--reference", required=True, help="the reference results folder, e.g. results/quick")
    compare.add_argument("--rerun", required=True, help="the rerun's results folder (or a folder of run directories)")
    compare.add_argument("--report", default=None, help="also write the Markdown report to this file")

    summary = commands.add_parser("summary", help="say what a reproduction did (make reproduce ends with it)")
    summary.add_argument("--profile", required=True, help="the profile reproduced")
    summary.add_argument("--out", required=True, help="its results folder, as make names it")
    summary.add_argument("--ran", type=int, required=True, help="searches make executed")


def run_verify(args: argparse.Namespace) -> int:
    from paperlib.review.verify import verify

    out = _results(args.out)
    started = time.perf_counter()
    checked, found = verify(out)
    for line in checked:
        print(f"checked {line}")
    for line in found:
        print(f"differs: {line}")
    seconds = time.perf_counter() - started
    print(f"{args.out}: {'does not verify' if found else 'verifies'} ({len(found)} differences, {seconds:.0f} s)")
    return 1 if found else 0


def run_spot_check(args: argparse.Namespace) -> int:
    from paperlib.lenet.data import ensure_available
    from paperlib.report.runs import load_runs
    from paperlib.review import spot_check as sc
    from paperlib.review.compare import runs_folder

    trials = check_int(sc.DEFAULT_TRIALS if args.trials is None else args.trials, "--trials", RecordError, minimum=1)
    _check_report(args.report)
    out, root = _results(args.out), paths.data_dir(args.data_dir)
    runs = load_runs(runs_folder(out), lambda _: None)
    for dataset in sorted({run.key[0] for run in runs}):
        ensure_available(dataset, root, download=not args.no_download)
    started = time.perf_counter()
    picks = sc.sample(runs, trials, args.seed)
    checks = sc.re_execute(picks, root, download=False, progress=lambda line: print(line, flush=True))
    text = sc.report(checks, Path(args.out), args.seed, time.perf_counter() - started)
    _emit(text, args.report)
    return 1 if sc.failed(checks) else 0


def run_compare(args: argparse.Namespace) -> int:
    from paperlib.review.compare import compare, markdown

    _check_report(args.report)
    reference, rerun = _results(args.reference), _results(args.rerun)
    if reference.resolve() == rerun.resolve():
        raise RecordError(f"--reference and --rerun are the same folder ({args.reference})")
    comparison = compare(reference, rerun)
    _emit(markdown(comparison, Path(args.reference), Path(args.rerun)), args.report)
    return 1 if comparison.disagreements else 0


def run_summary(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from paperlib.experiment.profiles import planned_searches
    from paperlib.review.summary import summary

    check_int(args.ran, "--ran", RecordError, minimum=0)
    # a profile, or a registered slice of one (PROFILE=paper-slice): the searches that plan holds
    profile, datasets, methods, seeds = planned_searches(args.profile)
    plan = replace(profile, name=args.profile, datasets=datasets, methods=methods, seeds=seeds)
    for line in summary(paths.from_root(args.out), plan, args.ran, args.out):
        print(line)
    return 0


COMMANDS = {"verify": run_verify, "spot-check": run_spot_check, "compare": run_compare, "summary": run_summary}
"""Subcommand -> the function that runs it."""


def _results(folder: str) -> Path:
    """An existing results folder (relative paths from the working directory, as a shell user means them)."""
    path = Path(folder)
    if not path.is_dir():
        raise RecordError(f"{folder} is not a results folder")
    return path


def _check_report(report: str | None) -> None:
    if report is not None and Path(report).is_dir():
        raise RecordError(f"--report {report} is a folder; give a file name")


def _emit(text: str, report: str | None) -> None:
    """Print the report, and write it where ``--report`` says (the only file these commands write)."""
    print(text, end="")
    if report is not None:
        from paperlib.experiment.records import atomic_write_text

        atomic_write_text(Path(report), text)
        print(f"report written to {report}")
