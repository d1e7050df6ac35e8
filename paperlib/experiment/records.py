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

Only its owner writes a run directory: one that belongs to another account, or that every account
may write, is refused; appends never follow a symbolic link; the lock is an ``flock`` the kernel
drops when its holder dies; files get the user's umask, as any other file they write.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import secrets
import socket
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from paperlib.errors import RecordError

TRIALS, RUN, UPDATES, LOG, LOCK = "trials.jsonl", "run.json", "updates.jsonl", "search.log", ".lock"
RETRAININGS, RETRAINED = "retrainings.jsonl", "retrainings.json"
"""The incumbent's retrainings with fresh seeds, one line each; their summary (docs/decisions.md#expected-accuracy)."""

LOCK_TRIES = 10
"""Attempts to lock a ``.lock`` that other processes keep releasing (and unlinking) under us."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync it, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # Created as any file is (0666 less the umask), so results can be shared as the user's files are.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
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


def dumps(payload: Any, **options: Any) -> str:
    """``payload`` as strict JSON: a NaN or an infinity is an error, never written as ``NaN`` / ``Infinity``."""
    return json.dumps(payload, allow_nan=False, **options)


def write_json(path: Path, payload: Any) -> None:
    """Atomically write ``payload`` as indented JSON."""
    atomic_write_text(path, dumps(payload, indent=2, sort_keys=False) + "\n")


def read_json(path: Path) -> Any:
    """Parse a JSON file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def append_bytes(path: Path, data: bytes) -> None:
    """Append ``data`` to ``path`` (made if missing), never through a symbolic link; flushed and fsynced."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    except OSError:
        if os.path.islink(path):
            raise RecordError(f"{path} is a symbolic link; a run's records are never written through one") from None
        raise
    with os.fdopen(fd, "ab") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def check_owned(path: Path) -> None:
    """Refuse a run directory another account owns or every account may write, or that holds another's files.

    A missing directory passes (it will be made, the caller's own). The directory itself may be a
    link to one of the caller's folders; the record files in it may not be links.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise RecordError(f"cannot use the run directory {path}: {error.strerror}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise RecordError(f"--out {path} exists and is not a directory")
    if info.st_uid != os.geteuid():
        raise RecordError(f"{path} belongs to another user (uid {info.st_uid}); choose an --out of your own")
    if info.st_mode & stat.S_IWOTH:
        raise RecordError(
            f"{path} may be written by every user (mode {stat.filemode(info.st_mode)}); "
            "choose an --out of your own or remove others' write permission (chmod o-w)"
        )
    for name in (TRIALS, RUN, UPDATES, LOG, LOCK):
        try:
            entry = os.lstat(path / name)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(entry.st_mode):
            raise RecordError(f"{path / name} is a symbolic link; a run's records are never written through one")
        if entry.st_uid != os.geteuid():
            raise RecordError(
                f"{path / name} belongs to another user (uid {entry.st_uid}); choose an --out of your own"
            )


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
        self._fd: int | None = None
        """The locked ``.lock`` file while this object holds it."""

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
        """Take the lock, or raise a :class:`RecordError` if another process holds it.

        The lock is an ``flock`` on ``.lock``: the kernel drops it when its holder dies, so a crash
        never leaves a run stuck, and two processes can never both hold it. The file names its
        holder's host and pid, for the message another process gets.
        """
        check_owned(self.path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RecordError(f"cannot make the run directory {self.path}: {error.strerror}") from None
        check_owned(self.path)  # as made, or as found if another process made it meanwhile
        lock = self.path / LOCK
        for _ in range(LOCK_TRIES):
            try:
                fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
            except OSError as error:
                raise RecordError(f"cannot take the lock {lock}: {error.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                owner = _read_owner(lock)
                raise RecordError(
                    f"{self.path} is in use by process {owner} (lock {lock}); wait for it or stop it"
                ) from None
            if _still_there(lock, fd):  # not unlinked by a holder that released it after we opened it
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{socket.gethostname()} {os.getpid()}".encode(), 0)
                self._fd = fd
                return
            os.close(fd)
        raise RecordError(f"cannot take the lock {lock}: it keeps being replaced")

    def release(self) -> None:
        """Drop the lock (only if this object holds it): unlink the file while still holding it, then unlock."""
        if self._fd is not None:
            (self.path / LOCK).unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None

    def trials(self) -> list[dict[str, Any]]:
        """The recorded evaluations; a torn last line is dropped from the file as well, so appends stay clean."""
        records = read_trials(self.path)
        if self.trials_path.exists():
            complete = b"".join(dumps(r).encode() + b"\n" for r in records)
            if self.trials_path.read_bytes() != complete:
                with self._writing(TRIALS):
                    atomic_write_bytes(self.trials_path, complete)
        return records

    def append_trial(self, record: dict[str, Any]) -> None:
        """Append one evaluation as one line, flushed and fsynced before returning."""
        line = dumps(record).encode("utf-8") + b"\n"
        with self._writing(TRIALS):
            append_bytes(self.trials_path, line)

    def retrainings(self) -> list[dict[str, Any]]:
        """The recorded retrainings; a torn last line is dropped from the file as well, so appends stay clean."""
        records = read_retrainings(self.path)
        path = self.path / RETRAININGS
        complete = b"".join(json.dumps(r).encode() + b"\n" for r in records)
        if path.exists() and path.read_bytes() != complete:
            atomic_write_bytes(path, complete)
        return records

    def append_retraining(self, record: dict[str, Any]) -> None:
        """Append one retraining as one line, flushed and fsynced before returning, never through a link."""
        with self._writing(RETRAININGS):
            append_bytes(self.path / RETRAININGS, dumps(record).encode("utf-8") + b"\n")

    def read_retrained(self) -> dict[str, Any] | None:
        """``retrainings.json``, or None before all the retrainings are recorded."""
        return read_retrained(self.path)

    def write_retrained(self, summary: dict[str, Any]) -> None:
        """Write ``retrainings.json`` atomically: all the retrainings are recorded."""
        write_json(self.path / RETRAINED, summary)

    def write_updates(self, updates: list[dict[str, Any]]) -> None:
        """Replace ``updates.jsonl`` atomically with ``updates``, one line each (a resumed run recomputes them by replay)."""
        text = "".join(dumps(u) + "\n" for u in updates)
        with self._writing(UPDATES):
            atomic_write_text(self.path / UPDATES, text)

    def append_log(self, line: str) -> None:
        """Append one progress line to ``search.log``, stamped with the UTC time."""
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._writing(LOG):
            append_bytes(self.path / LOG, f"{stamp} {line}\n".encode())

    def read_run(self) -> dict[str, Any] | None:
        """``run.json``, or None when it is not there yet; one that is not a JSON object is a :class:`RecordError`."""
        return read_run_file(self.run_path)

    def write_run(self, payload: dict[str, Any]) -> None:
        """Replace ``run.json`` atomically."""
        with self._writing(RUN):
            write_json(self.run_path, payload)

    @contextmanager
    def _writing(self, name: str) -> Iterator[None]:
        """A disk or permission error while writing ``name`` as one line: what is intact, and how to resume."""
        try:
            yield
        except OSError as error:
            try:
                told = f"the {len(read_trials(self.path))} episodes recorded in {TRIALS} are intact"
            except (OSError, RecordError):
                told = f"the episodes recorded in {TRIALS} before it are intact"
            raise RecordError(
                f"cannot write {self.path / name} ({error.strerror or error}); {told} (a torn last line is "
                "dropped): free space or fix the permissions, then rerun the same command to resume"
            ) from None


def read_run_file(path: Path) -> dict[str, Any] | None:
    """A run's ``run.json``: None when missing, else its object (a truncated, empty or non-object file is refused)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        payload = read_json(path)
    except (json.JSONDecodeError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        raise RecordError(
            f"{path} is not a JSON object (truncated or damaged); move the run directory away or choose another --out"
        )
    return payload


def _still_there(lock: Path, fd: int) -> bool:
    """Whether ``lock`` still names the file open as ``fd``."""
    try:
        return os.path.samestat(os.fstat(fd), os.lstat(lock))
    except FileNotFoundError:
        return False


def _read_owner(lock: Path) -> str:
    try:
        return lock.read_text(encoding="utf-8").strip() or "(unnamed)"
    except OSError:
        return "(unnamed)"


def iter_run_dirs(root: Path) -> Iterable[Path]:
    """Every folder under ``root`` that holds a ``run.json``, sorted."""
    return sorted(p.parent for p in Path(root).rglob(RUN))


def now() -> str:
    """The time as ``trials.jsonl`` writes it: ISO 8601, UTC, milliseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
