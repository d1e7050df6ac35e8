"""``paperlib pool``: a local Dask cluster that lives as long as one command, found through an owner-only file.

The cluster starts (mutual TLS, loopback), its address and credentials go to the scheduler file
(0600), the command runs; when the command ends, or ``pool`` is sent SIGTERM (passed on to the
command; a second one kills it), the cluster stops and the file is removed (docs/cluster.md).
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from paperlib.errors import ExecutorError
from paperlib.experiment.executor import open_executor
from paperlib.experiment.pool_security import write_scheduler_file


def run_on_pool(command: Sequence[str], workers: int, threads: int, gpus: int, scheduler_file: Path) -> int:
    """Run ``command`` against a fresh local cluster; returns its exit status (128 + N for signal N)."""
    file = Path(scheduler_file)
    if not file.parent.is_dir():
        raise ExecutorError(f"--scheduler-file {file}: its folder {file.parent} does not exist")
    with open_executor(workers, None, threads, gpus) as executor:
        write_scheduler_file(file, executor.where, executor.client.security)
        try:
            print(f"pool: {workers} workers at {executor.where}, scheduler file {file}", flush=True)
            child = subprocess.Popen(list(command))
            with _terminating(child):
                status = child.wait()
            return 128 - status if status < 0 else status  # a signal's number as the shell reports it
        finally:
            file.unlink(missing_ok=True)  # the pool is gone: its address is no use


@contextmanager
def _terminating(child: subprocess.Popen) -> Iterator[None]:
    """While ``child`` runs, SIGTERM is passed on to it (a second one kills it); the pool stops once it exits."""
    seen = []

    def forward(signum: int, frame: object) -> None:
        if child.poll() is None:
            child.kill() if seen else child.terminate()
        seen.append(signum)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
