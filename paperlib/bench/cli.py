"""``python -m paperlib bench``: its arguments and which measurement they run (the rest of the CLI is ``paperlib.cli``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from paperlib import paths
from paperlib.errors import DeviceError
from paperlib.experiment.executor import check_pool
from paperlib.lenet.device import DEVICE_HELP, resolve_device


def add_bench_parser(commands: argparse._SubParsersAction) -> None:
    """The ``bench`` subcommand and its options."""
    bench = commands.add_parser(
        "bench",
        help="time the trainer against a DataLoader reference, the machine's "
        "throughput, the six optimizers' overhead and a trial's scaling (make bench)",
    )
    bench.add_argument("--out", default=None, help="folder for the JSON files and bench.png (default: results/bench)")
    bench.add_argument(
        "--quick", action="store_true", help="a few steps and episodes of everything (what the tests run)"
    )
    bench.add_argument("--data-dir", default=None, help="dataset root (default: $DATA_DIR, else data/)")
    bench.add_argument("--device", default="auto", help=DEVICE_HELP)
    bench.add_argument("--no-download", action="store_true", help="fail instead of downloading a missing dataset")
    section = bench.add_mutually_exclusive_group()
    section.add_argument(
        "--executor",
        action="store_true",
        help="only: quick-profile searches inline vs a local pool (make bench-executor; hours on 2 cores)",
    )
    section.add_argument(
        "--gpu", action="store_true", help="only the GPU section (trials per hour at K trials per GPU)"
    )
    bench.add_argument("--workers", type=int, default=2, help="--executor: processes in the pool (default 2)")
    bench.add_argument("--rounds", type=int, default=2, help="--gpu: trials per round at each K (default 2)")
    bench.add_argument(
        "--concurrency", type=int, nargs="+", default=None, help="--gpu: the K trials sharing the GPU (default 1 2 4 8)"
    )
    bench.add_argument(
        "--tuners",
        action="store_true",
        help="instead: simple regret of every method on classic test functions (make bench-tuners)",
    )
    bench.add_argument(
        "--rungs",
        action="store_true",
        help="instead: do Hyperband's rungs rank? 30 random-search configurations at budgets 1/9, 1/3, 1 for "
        "training sets of 6,000 to 18,000 MNIST images (about 20 CPU-minutes)",
    )
    bench.add_argument("--seeds", type=int, default=10, help="with --tuners: searches per function and method")
    bench.add_argument("--episodes", type=int, default=200, help="with --tuners: evaluations per search")


def run_bench_command(args: argparse.Namespace) -> int:
    """``python -m paperlib bench``: the whole benchmark, or one section of it."""
    from paperlib.bench import TINY, BenchSettings, run_bench
    from paperlib.lenet.data import ensure_available

    if args.tuners:
        return _bench_tuners(args)
    if args.rungs:
        return _bench_rungs(args)
    settings = TINY if args.quick else BenchSettings()
    device = resolve_device(args.device)
    check_pool(args.workers)
    if args.rounds < 1 or any(k < 1 for k in args.concurrency or ()):
        raise DeviceError(
            f"--rounds and every --concurrency must be at least 1, got {args.rounds} and {args.concurrency}"
        )
    root = paths.data_dir(args.data_dir)
    ensure_available(settings.dataset, root, download=not args.no_download)
    out = Path(args.out) if args.out else paths.RESULTS / "bench"
    if args.executor or args.gpu:
        return _bench_section(args, root, device, out)
    summary = run_bench(out, root, settings, device)
    print(
        json.dumps(
            {
                key: summary[key]
                for key in (
                    "trainer_speedup_vs_reference",
                    "machine_speedup_vs_reference",
                    "optimizer_median_ms",
                    "missing_methods",
                    "seconds",
                )
            },
            indent=2,
        )
    )
    print(f"written to {out}")
    return 0


def _bench_section(args: argparse.Namespace, root: Path, device, out: Path) -> int:
    """``bench --executor`` or ``bench --gpu``: one section, its own JSON file."""
    from paperlib.experiment import records

    if args.executor:
        from paperlib.bench.executor import TINY, bench_executor
        from paperlib.experiment.profiles import QUICK

        name, result = "executor.json", bench_executor(root, TINY if args.quick else QUICK, args.workers)
    else:
        from paperlib.bench.gpu import CONCURRENCY, bench_gpu
        from paperlib.experiment.profiles import PAPER

        concurrency = tuple(args.concurrency) if args.concurrency else CONCURRENCY
        name, result = "gpu.json", bench_gpu(root, device, profile=PAPER, rounds=args.rounds, concurrency=concurrency)
    records.write_json(out / name, result)
    print(json.dumps({k: v for k, v in result.items() if k not in ("profile", "methods", "concurrency")}, indent=2))
    print(f"written to {out / name}")
    return 0


def _bench_tuners(args: argparse.Namespace) -> int:
    from paperlib.bench.regret import RegretSettings, run_regret_bench

    settings = RegretSettings(episodes=args.episodes, seeds=args.seeds)
    out = Path(args.out) if args.out else paths.RESULTS / "bench"
    summary = run_regret_bench(out, settings, progress=lambda line: print(line, flush=True))
    print(f"{summary['seconds']:.0f} s; written to {out / 'testfunctions.json'} and {out / 'testfunctions.md'}")
    return 0


def _bench_rungs(args: argparse.Namespace) -> int:
    from paperlib.bench.rungs import bench_rungs
    from paperlib.experiment import records

    out = Path(args.out) if args.out else paths.RESULTS / "bench" / "rungs"
    sizes = [(300, 1.0)] if args.quick else [(6000, 1.0), (9000, 1.0), (12000, 1.0), (18000, 1.0)]
    result = bench_rungs(paths.data_dir(args.data_dir), sizes, configs=4 if args.quick else 30)
    records.write_json(out / "rungs.json", result)
    print(f"written to {out / 'rungs.json'}")
    return 0
