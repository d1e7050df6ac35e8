"""Where trials run: inline (one after another, the default) or as tasks on a Dask cluster.

A tuner hands out suggestions; an executor evaluates them and gives each result back in the order
they were submitted, so records never depend on which worker finished first
(docs/decisions.md#executor). ``open_executor`` builds one from the command line's ``--workers`` or
``--scheduler``; a local cluster listens on loopback only and serves only its own mutual-TLS
credentials (``paperlib.experiment.pool_security``, docs/cluster.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from paperlib.errors import ExecutorError, check_int
from paperlib.experiment.pool_security import client_security, local_security, read_scheduler_file

HOST = "127.0.0.1"
"""Where a local cluster's scheduler and workers listen: nothing beyond this machine."""
CONNECT_S = 20.0
"""Seconds to wait for a scheduler to answer before the command ends in one line."""


def timed(function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """``function(*args)`` and the seconds it took where it ran (a worker's clock, not the queue's)."""
    start = time.perf_counter()
    outcome = function(*args)
    return outcome, time.perf_counter() - start


class Done:
    """A result computed at submission (what the inline executor hands back)."""

    def __init__(self, value: tuple[Any, float]) -> None:
        self.value = value

    def result(self) -> tuple[Any, float]:
        return self.value


class Inline:
    """Today's behaviour: each trial runs in this process when it is submitted."""

    slots = 1
    """Trials it runs at once."""

    def submit(self, function: Callable[..., Any], *args: Any) -> Done:
        """Run ``function(*args)`` now; the returned object's ``result()`` is ``(outcome, seconds)``."""
        return Done(timed(function, *args))

    def describe(self) -> dict[str, Any]:
        """What ``run.json`` records about where the trials ran."""
        return {"kind": "inline", "slots": 1}


class DaskExecutor:
    """Trials as tasks on a Dask cluster, one thread per trial; a dead worker's task is rerun elsewhere."""

    def __init__(self, client: Any, where: str) -> None:
        self.client = client
        self.where = where
        """The scheduler, as the user named it (for error messages)."""

    @property
    def slots(self) -> int:
        """Trials the cluster runs at once: its worker threads (at least one, so a search can start)."""
        if self.client.status != "running":  # reconnecting, or given up: the scheduler is gone
            raise self.lost(f"client {self.client.status}")
        try:
            threads = self.client.nthreads()
        except (OSError, TimeoutError, CancelledError) as error:
            raise self.lost(type(error).__name__) from None
        return max(1, sum(threads.values()))

    def submit(self, function: Callable[..., Any], *args: Any) -> DaskFuture:
        """Queue ``function(*args)`` as a task (``pure=False``: two equal configurations are two trials)."""
        return DaskFuture(self, self.client.submit(timed, function, *args, pure=False))

    def lost(self, why: str) -> ExecutorError:
        """The one-line error for a scheduler that stopped answering."""
        return ExecutorError(
            f"the Dask scheduler {self.where} stopped answering ({why}); "
            "the episodes told so far are recorded: rerun the same command to resume"
        )

    def describe(self) -> dict[str, Any]:
        return {"kind": "dask", "scheduler": self.where, "slots": self.slots}


class DaskFuture:
    """A Dask future whose ``result()`` turns a lost scheduler into a one-line :class:`ExecutorError`."""

    def __init__(self, executor: DaskExecutor, future: Any) -> None:
        self.executor = executor
        self.future = future

    def result(self) -> tuple[Any, float]:
        try:
            return self.future.result()
        except Exception as error:
            if self.future.status == "error":  # the task itself raised: its error, not the cluster's
                raise
            raise self.executor.lost(type(error).__name__) from None


def in_order(executor: Any, function: Callable[..., Any], calls: list[tuple[Any, ...]]) -> Iterator[tuple[Any, float]]:
    """``function(*args)`` for each ``args`` of ``calls`` on ``executor``, as many at once as it has slots, the
    results ``(outcome, seconds)`` in the order of ``calls``. Inline (one slot) that is one after another, each
    submitted when the one before is handed back, exactly as a loop would run them."""
    pending: list[Any] = []
    calls = list(calls)
    while calls or pending:
        while calls and len(pending) < max(1, executor.slots):
            pending.append(executor.submit(function, *calls.pop(0)))
        yield pending.pop(0).result()


def check_workers(workers: Any) -> int | None:
    """``--workers``: None, or a positive integer."""
    return None if workers is None else check_int(workers, "--workers", ExecutorError, minimum=1)


def check_scheduler(scheduler: Any, security: Any = None) -> dict[str, Any] | None:
    """``--scheduler``: a scheduler file, or an address ``[tcp://|tls://]host:port``; returns Client's keywords.

    ``security`` holds the client's credentials for an address (default: Dask's configuration); a
    scheduler file of ``paperlib pool`` carries its own.
    """
    if scheduler is None:
        return None
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ExecutorError(f"--scheduler must be an address host:port or a scheduler file, got {scheduler!r}")
    if Path(scheduler).is_file():
        return read_scheduler_file(Path(scheduler))
    address = scheduler if "://" in scheduler else f"tcp://{scheduler}"
    scheme, rest = address.split("://", 1)
    _, _, port = rest.rpartition(":")
    if scheme not in ("tcp", "tls") or not port.isdigit():
        raise ExecutorError(
            f"--scheduler {scheduler!r} is neither an existing scheduler file nor an address [tcp://|tls://]host:port"
        )
    security = client_security() if security is None else security
    encrypted = bool(security.require_encryption and security.tls_client_cert)
    if scheme == "tls" and not encrypted:
        raise ExecutorError(
            f"--scheduler {address} needs TLS credentials: give --tls-ca-file, --tls-cert and --tls-key "
            "(or Dask's distributed.comm.tls settings)"
        )
    if scheme == "tcp" and security.require_encryption:
        raise ExecutorError(f"--scheduler {address} is not encrypted but TLS is required: give its tls:// address")
    return {"address": address, "security": security}


def check_pool(
    workers: Any = None, scheduler: Any = None, threads: Any = 1, security: Any = None
) -> tuple[int | None, dict[str, Any] | None, int]:
    """``--workers``, ``--scheduler`` and ``--trials-per-worker``, checked before any work: at most one pool."""
    if workers is not None and scheduler is not None:
        raise ExecutorError("give --workers (a local cluster) or --scheduler (an existing one), not both")
    check_int(threads, "--trials-per-worker", ExecutorError, minimum=1)
    return check_workers(workers), check_scheduler(scheduler, security), threads


@contextmanager
def open_executor(
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int = 1,
    gpus: int = 0,
    connect_s: float = CONNECT_S,
    security: Any = None,
) -> Iterator[Inline | DaskExecutor]:
    """Inline when neither pool is given; else a local cluster of ``workers`` processes, or the cluster at ``scheduler``.

    A local cluster's workers run ``threads`` trials each; with ``gpus`` > 0 worker i sees GPU i mod ``gpus`` only.
    ``security``: the client's credentials for an existing cluster's address (``check_scheduler``).
    """
    n, connection, threads = check_pool(workers, scheduler, threads, security)
    if n is None and connection is None:
        yield Inline()
        return
    from distributed import Client

    if n is not None:
        with local_cluster(n, threads, gpus) as cluster, Client(cluster) as client:
            yield DaskExecutor(client, cluster.scheduler_address)
        return
    where = scheduler if Path(scheduler).is_file() else connection["address"]
    try:
        client = Client(**connection, timeout=connect_s)
    except (OSError, TimeoutError, ValueError) as error:
        raise ExecutorError(f"cannot reach the Dask scheduler {where} ({type(error).__name__})") from None
    with client:
        yield DaskExecutor(client, where)


def local_cluster(workers: int, threads: int = 1, gpus: int = 0) -> Any:
    """A cluster on this machine, loopback only, mutual TLS, no dashboard: ``workers`` processes of ``threads`` threads.

    With ``gpus`` the workers are spread over the GPUs, one GPU visible to each (what dask-cuda's
    ``LocalCUDACluster`` does, without its install); each keeps its data on its GPU.
    """
    import dask

    security = local_security()
    # Dask's scheduler and workers always open an HTTP port too (dashboard, /info, /metrics), which TLS
    # does not cover: with no routes it answers nothing but 404 (docs/cluster.md).
    with dask.config.set({**NO_HTTP_ROUTES, **NO_MALLOC_TRIM}):
        return _start_cluster(workers, threads, gpus, security)


NO_HTTP_ROUTES = {"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}
"""Dask settings that leave the HTTP servers of a local cluster's scheduler and workers without pages."""

NO_MALLOC_TRIM = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
"""Workers spawned with glibc's own trim threshold: Dask's 65536 made a quick trial about 1.3x slower (docs/cluster.md)."""


def _start_cluster(workers: int, threads: int, gpus: int, security: Any) -> Any:
    from distributed import LocalCluster, Nanny, Scheduler, SpecCluster

    if not gpus:
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=threads,
            processes=True,
            host=HOST,
            dashboard_address=None,
            security=security,
        )
    scheduler = {"cls": Scheduler, "options": {"host": HOST, "dashboard": False, "security": security}}
    workers_spec = gpu_spec(workers, threads, gpus, Nanny, security)
    return SpecCluster(workers=workers_spec, scheduler=scheduler, security=security)


def gpu_spec(
    workers: int, threads: int, gpus: int, worker_class: Any = None, security: Any = None
) -> dict[str, dict[str, Any]]:
    """``SpecCluster``'s worker spec: worker i sees GPU i mod ``gpus`` and runs ``threads`` trials on it."""
    return {
        f"gpu{i % gpus}-{i}": {
            "cls": worker_class,
            "options": {
                "nthreads": threads,
                "host": HOST,
                "env": {"CUDA_VISIBLE_DEVICES": str(i % gpus)},
                "security": security,
            },
        }
        for i in range(workers)
    }
