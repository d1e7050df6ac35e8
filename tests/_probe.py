"""A second local client with neither key nor certificate: what a listener answers it (run as its own process).

``python tests/_probe.py pyro PORT...``, ``... dask HOST:PORT...`` or ``... http PORT...`` prints one
JSON object: target -> {way of asking: outcome}. Nothing harmful is sent: a Pyro4 name-server bind
(plain pickle, then TLS with no client certificate), a Dask ``identity`` call (plain TCP, then TLS
with no certificate), or GETs of the pages Dask's HTTP servers offer.
An outcome is ``served`` or ``refused: <what the client saw>``.
"""

import asyncio
import json
import ssl
import sys

TIMEOUT_S = 10.0
"""Every attempt gives up after this long (a refusal may be a connection that never answers)."""


def anonymous_tls() -> ssl.SSLContext:
    """TLS without a client certificate, trusting any server: only the server's own checks can refuse."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def pyro(port: int) -> dict:
    import Pyro4
    import Pyro4.errors
    import Pyro4.socketutil

    def bind() -> str:
        proxy = Pyro4.Proxy(f"PYRO:Pyro.NameServer@127.0.0.1:{port}")
        proxy._pyroTimeout = TIMEOUT_S
        try:
            proxy._pyroBind()
            proxy.list()
            return "served"
        except (Pyro4.errors.PyroError, OSError) as error:
            return f"refused: {type(error).__name__}"
        finally:
            proxy._pyroRelease()

    Pyro4.config.SERIALIZER = "pickle"  # what the old sessions accepted
    Pyro4.config.COMMTIMEOUT = TIMEOUT_S
    outcomes = {"plain": bind()}
    Pyro4.config.SERIALIZER = "serpent"
    Pyro4.config.SSL = True
    setattr(Pyro4.socketutil, "__ssl_client_context", anonymous_tls())  # Pyro4's cached client context
    outcomes["tls_without_certificate"] = bind()
    return outcomes


def dask(address: str) -> dict:
    from distributed.comm import connect

    async def identity(url: str, **connection_args) -> str:
        try:
            comm = await asyncio.wait_for(connect(url, timeout=TIMEOUT_S, **connection_args), TIMEOUT_S)
            try:
                await comm.write({"op": "identity", "reply": True})
                await asyncio.wait_for(comm.read(), TIMEOUT_S)
                return "served"
            finally:
                comm.abort()
        except Exception as error:  # whatever the client library makes of a refusal
            return f"refused: {type(error).__name__}"

    host_port = address.split("://", 1)[-1]
    return {
        "plain": asyncio.run(identity(f"tcp://{host_port}")),
        "tls_without_certificate": asyncio.run(identity(f"tls://{host_port}", ssl_context=anonymous_tls())),
    }


def http(port: int) -> dict:
    """The pages Dask's HTTP servers offer by default: served only when one answers 200."""
    import urllib.error
    import urllib.request

    outcomes = {}
    for page in ("/health", "/info/main/workers.html", "/json/identity.json", "/metrics"):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{page}", timeout=TIMEOUT_S) as answer:
                outcomes[page] = "served" if answer.status == 200 else f"refused: {answer.status}"
        except urllib.error.HTTPError as error:
            outcomes[page] = f"refused: {error.code}"
        except Exception as error:
            outcomes[page] = f"refused: {type(error).__name__}"
    return outcomes


if __name__ == "__main__":
    kind, targets = sys.argv[1], sys.argv[2:]
    probe = {"pyro": pyro, "dask": dask, "http": http}[kind]
    print(json.dumps({t: probe(t if kind == "dask" else int(t)) for t in targets}))
