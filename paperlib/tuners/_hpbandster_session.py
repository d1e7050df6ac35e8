"""One hpbandster run on a background thread, with bounded waits and a clean shutdown.

Private plumbing under :mod:`paperlib.tuners.hpbandster_tuners`: a loopback Pyro4 name server, the
master and one relay worker, talking plain types over mutual TLS (:mod:`._pyro_tls`); every wait is
bounded and raises :class:`HpBandSterError`, and nothing is left running after :meth:`Session.stop`
(docs/decisions.md#hpbandster-session).
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from typing import Any

import numpy as np
import Pyro4
import Pyro4.naming
from hpbandster.core.worker import Worker
from hpbandster.optimizers import BOHB, HyperBand

from paperlib.errors import HpBandSterError
from paperlib.tuners._pyro_tls import HOST, secure_pyro

RUN_ID = "paperlib"
"""hpbandster's run id; each session has its own name server, so one fixed id is enough."""
LOGGER = logging.getLogger("paperlib.hpbandster")
"""Passed to hpbandster: its Worker otherwise calls ``logging.basicConfig(level=DEBUG)``."""
DONE = "done"
"""Posted by the session when the master has run all its iterations."""
STOPPED_LOSS = math.inf
"""Loss reported for a job cut short by :meth:`Session.stop`; hpbandster counts it as crashed."""
PROVISIONAL_LOSS = 0.0
"""Loss answered at once for a job that is not the last of its rung; replaced by its real loss before the rung ends."""


def wait_for(condition: Callable[[], bool], seconds: float, what: str, poll_s: float = 0.005) -> None:
    """Poll ``condition`` until it holds; raise an :class:`HpBandSterError` naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise HpBandSterError(f"hpbandster: {what} within {seconds} s")
        time.sleep(poll_s)


class _PrivateRandom:
    """A config generator run on its own numpy random state (see the module docstring)."""

    def __init__(self, generator: Any, seed: int) -> None:
        self.generator = generator
        self.state = np.random.RandomState(seed).get_state()

    @contextmanager
    def _own_state(self):
        outer = np.random.get_state()
        np.random.set_state(self.state)
        try:
            yield
        finally:
            self.state = np.random.get_state()
            np.random.set_state(outer)

    def get_config(self, budget: float):
        with self._own_state():
            return self.generator.get_config(budget)

    def new_result(self, job: Any, update_model: bool = True) -> None:
        with self._own_state():
            self.generator.new_result(job, update_model=update_model)


class _Stoppable:
    """Master mixin: seeded generator, and a ``stopping`` event after which ``run`` ends with the job in flight.

    ``Master.run`` schedules from ``active_iterations()``; once none is active and none is left to
    start it returns, so reporting no active iteration is the one hook that ends it early.
    """

    def __init__(self, *, stopping: threading.Event, seed: int, **kwargs: Any) -> None:
        self.stopping = stopping
        super().__init__(**kwargs)
        self.config_generator = _PrivateRandom(self.config_generator, seed)

    def active_iterations(self) -> list:
        return [] if self.stopping.is_set() else super().active_iterations()

    def get_next_iteration(self, iteration: int, iteration_kwargs: dict | None = None) -> Any:
        # Once stopped, ``Master.run`` would still build every iteration left in the plan (billions
        # for a huge budget) before it returns; so it ends here instead (``Session._serve`` catches it).
        if self.stopping.is_set():
            raise _Stopped
        return super().get_next_iteration(iteration, iteration_kwargs or {})

    def _submit_job(self, config_id: tuple, config: dict, budget: float) -> None:
        # The job crosses Pyro4 as serpent, which carries built-in types only: ConfigSpace's numpy
        # numbers become the equal int, float and str (the master keeps its own copy unchanged).
        super()._submit_job(config_id, {name: _plain(value) for name, value in config.items()}, float(budget))


class _Stopped(Exception):
    """Raised inside ``Master.run`` (holding its condition) to end a stopped run at once."""


def _plain(value: Any) -> Any:
    """A numpy scalar as the equal built-in number or string; anything else as it is."""
    return value.item() if isinstance(value, np.generic) else value


class _HyperBandMaster(_Stoppable, HyperBand):
    """hpbandster's HyperBand, stoppable."""


class _BOHBMaster(_Stoppable, BOHB):
    """hpbandster's BOHB, stoppable."""


def hyperband_master(**kwargs: Any) -> HyperBand:
    """A stoppable HyperBand master (keywords: HyperBand's, plus ``stopping`` and ``seed``)."""
    return _HyperBandMaster(**kwargs)


def bohb_master(**kwargs: Any) -> BOHB:
    """A stoppable BOHB master (keywords: BOHB's, plus ``stopping`` and ``seed``)."""
    return _BOHBMaster(**kwargs)


class _RelayWorker(Worker):
    """The one worker: ``compute`` hands the job to the session and returns the loss it is told."""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session

    def compute(self, config_id, config, budget, working_directory, **kwargs):
        # The result crosses Pyro4: built-in types only.
        return {"loss": float(self.session.relay(config, budget, tuple(config_id))), "info": {}}


class Session:
    """A name server, a master and a worker on a daemon thread, talking to the tuner through two queues.

    With ``rung_ahead`` every job but the last of its rung is answered at once with a provisional
    loss, so the rung's next job comes without waiting; the real losses replace the provisional ones
    before the rung's last job returns, that is before successive halving reads them
    (docs/decisions.md#executor). Only for masters whose sampling ignores losses (Hyperband).
    """

    def __init__(
        self,
        make_master: Callable[..., Any],
        n_iterations: int,
        wait_s: float,
        score_wait_s: float,
        rung_ahead: bool = False,
    ) -> None:
        self.make_master = make_master
        self.n_iterations = n_iterations
        self.wait_s = wait_s
        self.score_wait_s = score_wait_s
        self.rung_ahead = rung_ahead
        self.corrections: dict[tuple, float] = {}
        """Real losses of the jobs answered provisionally, by hpbandster config id, until their rung ends."""
        self.requests: queue.Queue = queue.Queue()
        """Master → tuner: ``(config, budget, ahead, job)`` per job, then :data:`DONE`, or the error that ended the run."""
        self.losses: queue.Queue = queue.Queue()
        """Tuner → worker: the loss of the job in flight, or ``None`` to stop."""
        self.stopping = threading.Event()
        self.master: Any = None
        self.thread = threading.Thread(target=self._serve, name="paperlib-hpbandster", daemon=True)
        self.thread.start()

    # --- the tuner's side (main thread) ---

    def next_request(self) -> Any:
        """The master's next job ``(config, budget)`` or :data:`DONE`; raises if the run failed or stalled."""
        try:
            request = self.requests.get(timeout=self.wait_s)
        except queue.Empty:
            raise HpBandSterError(f"hpbandster proposed no job within {self.wait_s} s") from None
        if isinstance(request, BaseException):
            raise HpBandSterError(f"hpbandster failed: {request!r}") from request
        return request

    def report(self, loss: float) -> Any:
        """Hand the worker the loss of the job in flight and return the master's next request."""
        self.losses.put(loss)
        return self.next_request()

    def correct(self, job: tuple, loss: float) -> None:
        """The real loss of a job answered provisionally; applied when its rung's last job returns."""
        self.corrections[job] = loss

    def stop(self) -> None:
        """End the run (cutting it short if needed) and wait until every thread and socket is gone."""
        self.stopping.set()
        self.losses.put(None)
        master = self.master
        if master is not None and master.thread_cond.acquire(timeout=self.wait_s):
            master.thread_cond.notify_all()  # wake a master waiting for a queue slot or a result
            master.thread_cond.release()
        self.thread.join(self.wait_s)
        if self.thread.is_alive():
            raise HpBandSterError(f"hpbandster did not shut down within {self.wait_s} s")
        unreported = [r for r in _drain(self.requests) if isinstance(r, BaseException)]
        if unreported:
            raise HpBandSterError(f"hpbandster failed: {unreported[0]!r}") from unreported[0]

    # --- the worker's side (a Pyro4 thread) ---

    def relay(self, config: dict, budget: float, job: tuple) -> float:
        """Post a job for ``ask`` and wait for its loss (or answer provisionally, see the class docstring)."""
        if self.stopping.is_set():
            return STOPPED_LOSS
        ahead = self.rung_ahead and _more_in_rung(self.master, job)
        self.requests.put((config, float(budget), ahead, job))
        if ahead:
            return PROVISIONAL_LOSS
        try:
            loss = self.losses.get(timeout=self.score_wait_s)
        except queue.Empty:
            # hpbandster's worker would swallow an exception raised here and move on, and a late
            # score would be paired with the next job; so end the run and tell the tuner instead.
            self.requests.put(HpBandSterError(f"no score came within {self.score_wait_s} s"))
            self.stopping.set()
            return STOPPED_LOSS
        if loss is None:
            return STOPPED_LOSS
        self._apply_corrections(budget)
        return loss

    def _apply_corrections(self, budget: float) -> None:
        """Write the real losses over the provisional ones (the master registered them before this job came)."""
        with self.master.thread_cond:
            for job, loss in self.corrections.items():
                datum = self.master.iterations[job[0]].data[job]
                datum.results[budget] = {"loss": loss, "info": {}}
                datum.status = "REVIEW" if math.isfinite(loss) else "CRASHED"
        self.corrections.clear()

    # --- the session thread ---

    def _serve(self) -> None:
        try:
            with ExitStack() as cleanup:
                port = _start_nameserver(cleanup, self.wait_s)
                connection = dict(run_id=RUN_ID, nameserver=HOST, nameserver_port=port, host=HOST, logger=LOGGER)
                self.master = master = self.make_master(stopping=self.stopping, **connection)
                cleanup.callback(_stop_master, master, self.wait_s)
                worker = _RelayWorker(self, **connection)
                worker.run(background=True)
                cleanup.callback(_stop_worker, worker, self.wait_s)
                wait_for(
                    lambda: _discovered(master) or self.stopping.is_set(),
                    self.wait_s,
                    "the worker did not register",
                    poll_s=0.02,
                )
                if master.dispatcher.number_of_workers() > 0:  # else stopped before it registered
                    try:
                        master.run(n_iterations=self.n_iterations, min_n_workers=1)
                    except _Stopped:
                        master.thread_cond.release()  # Master.run took it before its loop
                self.requests.put(DONE)
        except BaseException as error:  # handed to the tuner, which raises it
            self.requests.put(error)


def _more_in_rung(master: Any, job: tuple) -> bool:
    """Whether the rung of ``job`` has jobs still to hand out after it (queued, or still to be sampled)."""
    with master.thread_cond:
        iteration = master.iterations[job[0]]
        stage = iteration.stage
        queued = sum(1 for datum in iteration.data.values() if datum.status == "QUEUED")
        return queued + iteration.num_configs[stage] - iteration.actual_num_configs[stage] > 0


def _discovered(master: Any) -> bool:
    """Whether the dispatcher knows the worker; if not, ask it to look (it otherwise looks every 60 s)."""
    if master.dispatcher.number_of_workers() > 0:
        return True
    master.dispatcher.trigger_discover_worker()
    return False


def _drain(q: queue.Queue) -> list:
    items = []
    while not q.empty():
        items.append(q.get_nowait())
    return items


def _start_nameserver(cleanup: ExitStack, wait_s: float) -> int:
    """Start a Pyro4 name server on :data:`HOST` and a free port; return the port."""
    secure_pyro()  # before any daemon or proxy exists
    _, daemon, _ = Pyro4.naming.startNS(host=HOST, port=0)  # no broadcast server on 127.*
    thread = threading.Thread(target=daemon.requestLoop, name="paperlib-pyro-nameserver", daemon=True)
    thread.start()
    cleanup.callback(_stop_daemon, daemon, thread, wait_s, "the name server")
    return int(daemon.locationStr.rsplit(":", 1)[1])


def _stop_daemon(daemon: Any, thread: threading.Thread, wait_s: float, what: str) -> None:
    daemon.shutdown()
    thread.join(wait_s)
    if thread.is_alive():
        raise HpBandSterError(f"hpbandster: {what} did not stop within {wait_s} s")


def _stop_worker(worker: Worker, wait_s: float) -> None:
    # The worker's thread creates its Pyro4 daemon; wait for it rather than race it.
    wait_for(lambda: hasattr(worker, "pyro_daemon") or not worker.thread.is_alive(), wait_s, "the worker did not start")
    if hasattr(worker, "pyro_daemon"):
        _stop_daemon(worker.pyro_daemon, worker.thread, wait_s, "the worker")


def _stop_master(master: Any, wait_s: float) -> None:
    dispatcher = master.dispatcher
    wait_for(
        lambda: hasattr(dispatcher, "pyro_daemon") or not master.dispatcher_thread.is_alive(),
        wait_s,
        "the dispatcher did not start",
    )
    if hasattr(dispatcher, "pyro_daemon"):
        _stop_daemon(dispatcher.pyro_daemon, master.dispatcher_thread, wait_s, "the dispatcher")
    for worker in dispatcher.worker_pool.values():
        worker.proxy._pyroRelease()  # its connection to the (stopped) worker
