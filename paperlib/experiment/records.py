"""Run records: the only module that writes results.

A run directory holds ``trials.jsonl`` (append-only, one line per evaluation, each flushed and
fsynced), ``run.json`` (settings and summary, replaced atomically), ``search.log`` (the search's
progress lines, for people), for a method that learns (MAPPO) ``updates.jsonl`` (one line per policy
update, replaced atomically), once the search is done ``retrainings.jsonl`` (the incumbent retrained with
fresh training seeds, one line each, appended like the trials) and ``retrainings.json`` (their mean, written
once all are there), and ``.lock`` while a process owns it. Every whole-file write goes to a
temporary file that is renamed into place, so no reader
ever sees half a file; a torn last line of ``trials.jsonl`` (the writer died mid-line) is dropped
when the run is read back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from paperlib.errors import RecordError

TRIALS, RUN, UPDATES, LOG, LOCK = "trials.jsonl", "run.json", "updates.jsonl", "search.log", ".lock"
RETRAININGS, RETRAINED = "retrainings.jsonl", "retrainings.json"
"""The incumbent's retrainings with fresh seeds, one line each; their summary (docs/decisions.md#expected-accuracy)."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync it, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """:func:`atomic_write_bytes` for text (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, payload: Any) -> None:
    """Atomically write ``payload`` as indented JSON."""
    atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=False) + "\n")


def read_json(path: Path) -> Any:
    """Parse a JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_trials(run_dir: Path) -> list[dict[str, Any]]:
    """The complete lines of ``trials.jsonl``; a torn (unterminated or unparsable) last line is left out."""
    path = Path(run_dir) / TRIALS
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")
    records = []
    for number, line in enumerate(lines[:-1]):  # the part after the last newline is never complete
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            raise RecordError(
                f"{path}: line {number + 1} is corrupt (not a torn last line); the run cannot be resumed"
            ) from None
    return records


def read_updates(run_dir: Path) -> list[dict[str, Any]]:
    """The lines of ``updates.jsonl`` (MAPPO's policy updates); none for a method that does not learn, or an older run."""
    path = Path(run_dir) / UPDATES
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def read_retrainings(run_dir: Path) -> list[dict[str, Any]]:
    """The complete lines of ``retrainings.jsonl`` (none before the first); a torn last line is left out."""
    path = Path(run_dir) / RETRAININGS
    lines = path.read_bytes().split(b"\n") if path.exists() else [b""]
    try:
        return [json.loads(line) for line in lines[:-1]]  # the part after the last newline is never complete
    except json.JSONDecodeError:
        raise RecordError(f"{path}: a line is corrupt (not a torn last line); delete the file to retrain") from None


def read_retrained(run_dir: Path) -> dict[str, Any] | None:
    """``retrainings.json`` (the retrainings' summary), or None before all of them are recorded."""
    path = Path(run_dir) / RETRAINED
    return read_json(path) if path.exists() else None


class RunDirectory:
    """One run's folder, owned by one process at a time (use as a context manager)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._locked = False

    @property
    def trials_path(self) -> Path:
        return self.path / TRIALS

    @property
    def run_path(self) -> Path:
        return self.path / RUN

    def __enter__(self) -> RunDirectory:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock, or raise a :class:`RecordError` if a live process holds it.

        The lock file names its owner's host and pid; a lock whose process is gone (it crashed) is
        taken over, so a crash never leaves a run stuck.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        lock = self.path / LOCK
        mine = f"{socket.gethostname()} {os.getpid()}"
        for _ in range(2):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = lock.read_text(encoding="utf-8").strip() if lock.exists() else ""
                if _owner_alive(owner):
                    raise RecordError(
                        f"{self.path} is in use by process {owner} (lock {lock}); wait for it or stop it"
                    ) from None
                lock.unlink(missing_ok=True)  # stale: its process died
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(mine)
            self._locked = True
            return
        raise RecordError(f"cannot take the lock {lock}")

    def release(self) -> None:
        """Drop the lock (only if this object holds it)."""
        if self._locked:
            (self.path / LOCK).unlink(missing_ok=True)
            self._locked = False

    def trials(self) -> list[dict[str, Any]]:
        """The recorded evaluations; a torn last line is dropped from the file as well, so appends stay clean."""
        records = read_trials(self.path)
        if self.trials_path.exists():
            complete = b"".join(json.dumps(r).encode() + b"\n" for r in records)
            if self.trials_path.read_bytes() != complete:
                atomic_write_bytes(self.trials_path, complete)
        return records

    def append_trial(self, record: dict[str, Any]) -> None:
        """Append one evaluation as one line, flushed and fsynced before returning."""
        line = json.dumps(record).encode("utf-8") + b"\n"
        with open(self.trials_path, "ab") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def retrainings(self) -> list[dict[str, Any]]:
        """The recorded retrainings; a torn last line is dropped from the file as well, so appends stay clean."""
        records = read_retrainings(self.path)
        path = self.path / RETRAININGS
        complete = b"".join(json.dumps(r).encode() + b"\n" for r in records)
        if path.exists() and path.read_bytes() != complete:
            atomic_write_bytes(path, complete)
        return records

    def append_retraining(self, record: dict[str, Any]) -> None:
        """Append one retraining as one line, flushed and fsynced before returning."""
        with open(self.path / RETRAININGS, "ab") as handle:
            handle.write(json.dumps(record).encode("utf-8") + b"\n")
            handle.flush()
            os.fsync(handle.fileno())

    def read_retrained(self) -> dict[str, Any] | None:
        """``retrainings.json``, or None before all the retrainings are recorded."""
        return read_retrained(self.path)

    def write_retrained(self, summary: dict[str, Any]) -> None:
        """Write ``retrainings.json`` atomically: all the retrainings are recorded."""
        write_json(self.path / RETRAINED, summary)

    def write_updates(self, updates: list[dict[str, Any]]) -> None:
        """Replace ``updates.jsonl`` atomically with ``updates``, one line each (a resumed run recomputes them by replay)."""
        atomic_write_text(self.path / UPDATES, "".join(json.dumps(u) + "\n" for u in updates))

    def append_log(self, line: str) -> None:
        """Append one progress line to ``search.log``, stamped with the UTC time."""
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with open(self.path / LOG, "a", encoding="utf-8") as handle:
            handle.write(f"{stamp} {line}\n")

    def read_run(self) -> dict[str, Any] | None:
        """``run.json``, or None when it is not there yet."""
        return read_json(self.run_path) if self.run_path.exists() else None

    def write_run(self, payload: dict[str, Any]) -> None:
        """Replace ``run.json`` atomically."""
        write_json(self.run_path, payload)


def _owner_alive(owner: str) -> bool:
    """Whether the ``host pid`` written in a lock file is a live process on this host."""
    try:
        host, pid = owner.rsplit(" ", 1)
        pid_number = int(pid)
    except ValueError:
        return False
    if host != socket.gethostname():
        return True  # another machine's process: we cannot tell, so do not steal its lock
    try:
        os.kill(pid_number, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def iter_run_dirs(root: Path) -> Iterable[Path]:
    """Every folder under ``root`` that holds a ``run.json``, sorted."""
    return sorted(p.parent for p in Path(root).rglob(RUN))
