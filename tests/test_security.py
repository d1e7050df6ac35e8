"""Safe on a shared machine: a second local client, without the session's certificate, is refused.

Each probe runs as its own process (tests/_probe.py), as another user's client would, on loopback
only; every attempt is bounded by the probe's timeout. A control listener without TLS is probed the
same way and must serve, so a refusal is the listener's doing, not the probe's.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import psutil
import Pyro4
import Pyro4.errors
import pytest
from distributed.security import Security

from paperlib.errors import ExecutorError
from paperlib.experiment.executor import check_scheduler, open_executor
from paperlib.experiment.pool_security import client_security, read_scheduler_file, write_scheduler_file
from paperlib.tuners.base import make_tuner

PROBE = Path(__file__).with_name("_probe.py")
ROOT = str(Path(__file__).resolve().parents[1])
ENV = {**os.environ, "PYTHONPATH": ROOT}
CONTROL_NAME_SERVER = """
import ssl, sys, Pyro4, Pyro4.naming, Pyro4.socketutil
if sys.argv[1] == "tls":  # the session's TLS, but a client certificate not required
    from paperlib.tuners._pyro_tls import secure_pyro
    secure_pyro()
    Pyro4.socketutil.getSSLcontext(servercert="cached").verify_mode = ssl.CERT_NONE
else:
    Pyro4.config.SERIALIZERS_ACCEPTED.add("pickle")
_, daemon, _ = Pyro4.naming.startNS(host="127.0.0.1", port=0)
print(daemon.locationStr.rsplit(":", 1)[1], flush=True)
daemon.requestLoop()
"""


def probe(kind: str, *targets: str) -> dict:
    done = subprocess.run([sys.executable, str(PROBE), kind, *targets], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def listening_ports(process: psutil.Process) -> list[int]:
    return sorted(c.laddr.port for c in process.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN)


@pytest.mark.parametrize("control, way", [("plain", "plain"), ("tls", "tls_without_certificate")])
def test_the_probe_is_served_by_a_name_server_that_does_not_check_it(control, way):
    command = [sys.executable, "-c", CONTROL_NAME_SERVER, control]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        port = server.stdout.readline().strip()
        assert probe("pyro", port)[port][way] == "served"
    finally:
        server.kill()
        server.wait()


@pytest.mark.parametrize("method", ["hyperband", "bohb"])
def test_a_running_search_serves_no_client_without_its_certificate(method):
    tuner = make_tuner(method, seed=0, episodes=13)
    try:
        first = tuner.ask()  # the name server, the dispatcher and the worker are up
        ports = listening_ports(psutil.Process())
        assert len(ports) == 3
        outcomes = probe("pyro", *map(str, ports))
        assert all(o.startswith("refused") for answer in outcomes.values() for o in answer.values()), outcomes
        tuner.tell(first, 0.5)  # and the search goes on, unharmed
        tuner.tell(tuner.ask(), 0.5)
    finally:
        tuner.close()


def test_even_a_client_with_the_certificate_cannot_send_pickle():
    tuner = make_tuner("hyperband", seed=0, episodes=13)
    try:
        tuner.ask()
        name_server = Pyro4.Proxy(f"PYRO:Pyro.NameServer@127.0.0.1:{listening_ports(psutil.Process())[0]}")
        name_server._pyroSerializer = "pickle"
        with pytest.raises(Pyro4.errors.CommunicationError, match="serializer that is not accepted"):
            name_server._pyroBind()
    finally:
        tuner.close()


# --- Dask: a local pool serves its own credentials only ---


def test_the_probe_is_served_by_a_scheduler_without_tls():
    from distributed import LocalCluster

    plain = {"processes": False, "protocol": "tcp://", "host": "127.0.0.1", "dashboard_address": "127.0.0.1:0"}
    with LocalCluster(n_workers=0, **plain) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://") and probe("dask", address)[address]["plain"] == "served"
        port = str(cluster.scheduler.http_server.port)
        assert probe("http", port)[port]["/info/main/workers.html"] == "served"


def test_a_local_pool_serves_no_client_without_its_certificate():
    with open_executor(workers=1) as pool:
        addresses = [pool.where, *pool.client.nthreads()]  # the scheduler and the worker
        assert all(a.startswith("tls://127.0.0.1:") for a in addresses)
        outcomes = probe("dask", *addresses)
        processes = [psutil.Process(), *psutil.Process().children(recursive=True)]
        outcomes |= probe("http", *(str(port) for process in processes for port in listening_ports(process)))
        assert len(outcomes) >= 5  # the scheduler and its HTTP port, the worker, its nanny and HTTP port
        assert all(o.startswith("refused") for answer in outcomes.values() for o in answer.values()), outcomes
        assert pool.slots == 1  # its own client still works


POOL_CHILD = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(600)"


def test_a_terminated_pool_stops_its_command_and_removes_its_private_scheduler_file(tmp_path):
    file, child_pid = tmp_path / "scheduler.json", tmp_path / "child.pid"
    command = [sys.executable, "-m", "paperlib", "pool", "--workers", "1", "--scheduler-file", str(file)]
    pool = subprocess.Popen([*command, "--", sys.executable, "-c", POOL_CHILD, str(child_pid)], env=ENV)
    try:
        for _ in range(600):  # the cluster starts, writes the file, then starts the command
            if child_pid.exists() and child_pid.read_text():
                break
            assert pool.poll() is None, "the pool ended early"
            time.sleep(0.1)
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        spec = json.loads(file.read_text())
        assert spec["address"].startswith("tls://127.0.0.1:") and set(spec["tls"]) == {"ca_file", "cert", "key"}
        assert probe("dask", spec["address"])[spec["address"]]["plain"].startswith("refused")
        with open_executor(scheduler=str(file)) as reached:  # the owner's command reaches it through the file
            assert reached.slots == 1
        child = psutil.Process(int(child_pid.read_text()))
        pool.send_signal(signal.SIGTERM)
        assert pool.wait(timeout=120) == 128 + signal.SIGTERM  # the command's status: it was terminated
        assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE
        assert not file.exists()
    finally:
        pool.kill()
        pool.wait()


def test_a_scheduler_file_with_credentials_others_can_read_is_refused(tmp_path):
    file = tmp_path / "scheduler.json"
    write_scheduler_file(file, "tls://127.0.0.1:9", Security.temporary())
    assert read_scheduler_file(file)["security"].require_encryption
    file.chmod(0o640)
    with pytest.raises(ExecutorError, match=r"holds credentials but is not yours alone \(mode -rw-r-----\)"):
        check_scheduler(str(file))


@pytest.mark.parametrize(
    "scheduler, files, pattern",
    [
        ("tls://127.0.0.1:9", {}, r"--scheduler tls://127\.0\.0\.1:9 needs TLS credentials"),
        ("127.0.0.1:9", {"ca_file": "ca", "cert": "cert", "key": "key"}, r"is not encrypted but TLS is required"),
        ("udp://127.0.0.1:9", {}, r"neither an existing scheduler file nor an address \[tcp://\|tls://\]host:port"),
    ],
)
def test_bad_tls_scheduler_settings_are_refused(tmp_path, scheduler, files, pattern):
    for name in files.values():
        (tmp_path / name).write_text("-----BEGIN-----\n")
    security = client_security(*(str(tmp_path / files[k]) for k in ("ca_file", "cert", "key"))) if files else None
    with pytest.raises(ExecutorError, match=pattern):
        check_scheduler(scheduler, security)


def test_tls_files_are_given_together_and_must_exist(tmp_path):
    with pytest.raises(ExecutorError, match=r"--tls-key is missing: give --tls-ca-file, --tls-cert and --tls-key"):
        client_security(str(tmp_path), str(tmp_path))
    with pytest.raises(ExecutorError, match=r"--tls-ca-file .*nothing.pem is not a readable file"):
        client_security(str(tmp_path / "nothing.pem"), str(tmp_path), str(tmp_path))


def test_an_existing_tls_cluster_is_reached_with_the_users_files(tmp_path):
    from distributed import LocalCluster

    security = Security.temporary()
    for name, pem in (("ca.pem", security.tls_ca_file), ("cert.pem", security.tls_client_cert)):
        (tmp_path / name).write_text(pem)
    (tmp_path / "key.pem").write_text(security.tls_client_key)
    files = [str(tmp_path / n) for n in ("ca.pem", "cert.pem", "key.pem")]
    tls = {"processes": False, "protocol": "tls://", "host": "127.0.0.1", "dashboard_address": "127.0.0.1:0"}
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, security=security, **tls) as cluster,
        open_executor(scheduler=cluster.scheduler_address, security=client_security(*files)) as pool,
    ):
        assert cluster.scheduler_address.startswith("tls://") and pool.slots == 1
