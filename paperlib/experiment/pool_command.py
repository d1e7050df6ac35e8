"""``python -m paperlib pool``: a local Dask cluster for the length of one command (``make reproduce WORKERS=N``)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from paperlib.errors import ExecutorError
from paperlib.experiment.executor import check_pool, open_executor
from paperlib.experiment.pool_security import write_scheduler_file
from paperlib.lenet.device import resolve_device


def gpus_for(device: str, pool: tuple) -> int:
    """GPUs a local cluster spreads its workers over: all of them when trials train on CUDA, else none."""
    import torch

    workers = pool[0]
    return torch.cuda.device_count() if workers and resolve_device(device).type == "cuda" else 0


def run_pool_command(args: argparse.Namespace) -> int:
    """Start the cluster, write its scheduler file (owner-only), run the command; SIGTERM ends all three."""
    import subprocess

    command = args.run[1:] if args.run[:1] == ["--"] else args.run
    if not command:
        raise ExecutorError("pool needs a command to run after --")
    pool = check_pool(args.workers, None, args.trials_per_worker)
    file = Path(args.scheduler_file)
    if not file.parent.is_dir():
        raise ExecutorError(f"--scheduler-file {file}: its folder {file.parent} does not exist")
    with open_executor(args.workers, None, args.trials_per_worker, gpus_for(args.device, pool)) as executor:
        write_scheduler_file(file, executor.where, executor.client.security)
        try:
            print(f"pool: {args.workers} workers at {executor.where}, scheduler file {file}", flush=True)
            child = subprocess.Popen(command)
            with _terminating(child):
                status = child.wait()
            return 128 - status if status < 0 else status  # a signal's number as the shell reports it
        finally:
            file.unlink(missing_ok=True)  # the pool is gone: its address is no use


@contextmanager
def _terminating(child) -> Iterator[None]:
    """While ``child`` runs, SIGTERM is passed on to it (a second one kills it); the pool stops once it exits."""
    import signal

    def forward(signum: int, frame: object) -> None:
        if child.poll() is None:
            child.kill() if forward.seen else child.terminate()
        forward.seen = True

    forward.seen = False
    previous = signal.signal(signal.SIGTERM, forward)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
