"""Who may use a Dask pool: mutual TLS on a local cluster, and the credentials to reach an existing one.

A local cluster (``--workers N``, ``paperlib pool``) runs on ``Security.temporary()``: a key and a
self-signed certificate made for it, in memory, that its scheduler, workers and client present to
one another; any other client is refused. ``paperlib pool`` hands them to its command in the
scheduler file, which only its owner may read. An existing cluster is reached with the user's own
credentials (``--tls-ca-file``, ``--tls-cert``, ``--tls-key``, or Dask's ``distributed.comm.tls``
settings). docs/cluster.md describes the model.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from paperlib.errors import ExecutorError

TLS_FIELDS = ("ca_file", "cert", "key")
"""The credentials a scheduler file of ``paperlib pool`` carries (PEM texts), as Dask's client settings name them."""


def local_security() -> Any:
    """Fresh mutual-TLS credentials for a cluster on this machine (they exist in memory only)."""
    from distributed.security import Security

    return Security.temporary()


def client_security(ca_file: str | None = None, cert: str | None = None, key: str | None = None) -> Any:
    """A client's credentials: the files given (all three, or none), else Dask's own configuration."""
    from distributed.security import Security

    given = {"--tls-ca-file": ca_file, "--tls-cert": cert, "--tls-key": key}
    if not any(given.values()):
        return Security()  # Dask's distributed.comm.tls settings (none: a plain tcp:// cluster)
    for flag, value in given.items():
        if not value:
            raise ExecutorError(f"{flag} is missing: give --tls-ca-file, --tls-cert and --tls-key together")
    for flag, value in given.items():
        if not Path(value).is_file():
            raise ExecutorError(f"{flag} {value} is not a readable file")
    return Security(tls_ca_file=ca_file, tls_client_cert=cert, tls_client_key=key, require_encryption=True)


def write_scheduler_file(path: Path, address: str, security: Any) -> None:
    """Write the address and client credentials of a local cluster to ``path``, readable by its owner only."""
    path = Path(path)
    tls = {"ca_file": security.tls_ca_file, "cert": security.tls_client_cert, "key": security.tls_client_key}
    text = json.dumps({"type": "Scheduler", "address": address, "tls": tls}, indent=2) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError as error:
        raise ExecutorError(f"cannot write the scheduler file {path}: {error.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_scheduler_file(path: Path) -> dict[str, Any]:
    """``Client``'s keywords from a scheduler file: its address, and its credentials when it carries some.

    A file that carries credentials must be its reader's and readable by nobody else, or it is refused.
    """
    from distributed.security import Security

    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            info = os.fstat(handle.fileno())
            spec = json.load(handle)
    except OSError as error:
        raise ExecutorError(f"cannot read the scheduler file {path}: {error.strerror}") from None
    except json.JSONDecodeError:
        raise ExecutorError(f"the scheduler file {path} is not valid JSON") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("address"), str):
        raise ExecutorError(f"the scheduler file {path} names no scheduler address")
    tls = spec.get("tls")
    if tls is None:
        return {"address": spec["address"], "security": Security()}
    if not isinstance(tls, dict) or not all(isinstance(tls.get(f), str) and "\n" in tls[f] for f in TLS_FIELDS):
        raise ExecutorError(f"the scheduler file {path} has a malformed tls section (needs {', '.join(TLS_FIELDS)})")
    if info.st_uid != os.geteuid() or info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ExecutorError(
            f"the scheduler file {path} holds credentials but is not yours alone (mode "
            f"{stat.filemode(info.st_mode)}); refusing it"
        )
    security = Security(
        tls_ca_file=tls["ca_file"], tls_client_cert=tls["cert"], tls_client_key=tls["key"], require_encryption=True
    )
    return {"address": spec["address"], "security": security}
