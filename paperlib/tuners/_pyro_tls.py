"""Pyro4 for an hpbandster session: plain types (serpent) over mutual TLS with a key only this process holds.

hpbandster builds its own Pyro4 daemons and proxies, so the settings are Pyro4's process-wide ones.
Pyro4 builds one server and one client SSL context per process and caches them: they are built once
from a fresh key and a self-signed certificate written to a private temporary folder (0700), and the
files are deleted at once. From then on the key exists in this process's memory only, and every
daemon of every session serves only a client that presents that certificate
(docs/decisions.md#hpbandster-session, docs/cluster.md).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import tempfile
import threading
from pathlib import Path

import Pyro4
import Pyro4.socketutil
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOST = "127.0.0.1"
"""Every Pyro4 daemon of a session listens here only; the certificate names this address."""
VALID_DAYS = 3650
"""The certificate lives as long as its process; it need not expire before a long search ends."""
_READY = threading.Lock()
_configured = False


def secure_pyro() -> None:
    """Switch Pyro4 to serpent and mutual TLS with this process's own certificate (once per process)."""
    global _configured
    with _READY:
        if _configured:
            return
        Pyro4.config.SERIALIZER = "serpent"  # plain types only: nothing a peer sends is unpickled
        Pyro4.config.SERIALIZERS_ACCEPTED = {"serpent"}
        folder = Path(tempfile.mkdtemp(prefix="paperlib-pyro-"))  # 0700: only this user can enter it
        try:
            cert, key = folder / "cert.pem", folder / "key.pem"
            _write_credentials(cert, key)
            Pyro4.config.SSL = True
            Pyro4.config.SSL_REQUIRECLIENTCERT = True
            Pyro4.config.SSL_SERVERCERT = Pyro4.config.SSL_CLIENTCERT = Pyro4.config.SSL_CACERTS = str(cert)
            Pyro4.config.SSL_SERVERKEY = Pyro4.config.SSL_CLIENTKEY = str(key)
            # Build (and let Pyro4 cache) both contexts now, while the files exist.
            Pyro4.socketutil.getSSLcontext(servercert=str(cert), serverkey=str(key), cacerts=str(cert))
            Pyro4.socketutil.getSSLcontext(clientcert=str(cert), clientkey=str(key), cacerts=str(cert))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        _configured = True


def _write_credentials(cert_path: Path, key_path: Path) -> None:
    """A new P-256 key and a self-signed certificate for :data:`HOST`, usable by the servers and the clients."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "paperlib hpbandster session")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(key_path, private)
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file only its owner may read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
