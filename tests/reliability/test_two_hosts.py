"""Two application servers (standing in for two hosts behind a load balancer) writing one ledger at once.

Each server is its own gunicorn master with its own workers and connections, on its own loopback port,
against the test database; the clients alternate between them. The ledger must come out gapless, with one
artifact per answer, and verify.
"""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from rmos_site.core.tokens import token_issue
from runs.models import RunArtifact
from tests.conftest import make_user
from tests.reliability.conftest import ROUTER_RING, SAW_RING, http_post

CLIENTS = 8
REQUESTS_EACH = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    params = connection.settings_dict
    credentials = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    # The embedded server listens on a socket directory: a host that is a path goes percent-encoded.
    host = quote(params["HOST"], safe="")
    return f"postgresql://{credentials}@{host}:{params['PORT']}/{params['NAME']}"


def wait_healthy(base_url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{base_url} did not come up")


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url(), "RMOS_LOG_LEVEL": "WARNING"}
    servers = []
    try:
        for name in ("host-a", "host-b"):
            port = free_port()
            log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed below)
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "rmos_site.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "--preload", "--timeout", "60", "--graceful-timeout", "5"],
                cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            servers.append((f"http://127.0.0.1:{port}", process, log))
        for base_url, process, _ in servers:
            wait_healthy(base_url, process)
        yield [base_url for base_url, _, _ in servers]
    finally:
        for _, process, _ in servers:
            process.terminate()
        for _, process, log in servers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def test_two_app_servers_write_one_gapless_verifying_ledger(default_shop, two_servers):
    token = token_issue(user=make_user("op", "operator"))
    answers, failures = [], []
    barrier = threading.Barrier(CLIENTS)

    def client(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            for n in range(REQUESTS_EACH):
                host = two_servers[(index + n) % 2]
                path = "/api/rmos/toolpaths" if n % 2 else "/api/rmos/feasibility"
                answers.append((host, *http_post(host, path, SAW_RING if n % 4 == 0 else ROUTER_RING, token)))
        except Exception as exc:  # asserted on in the main thread
            failures.append(exc)

    threads = [threading.Thread(target=client, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    assert len(answers) == CLIENTS * REQUESTS_EACH
    assert {status for _, status, _, _ in answers} <= {200, 409}
    assert {host for host, *_ in answers} == set(two_servers)
    run_ids = {body["run_id"] for *_, body in answers}
    rows = list(RunArtifact.objects.order_by("seq").values_list("seq", "run_id"))
    assert [seq for seq, _ in rows] == list(range(1, len(answers) + 1))
    assert {run_id for _, run_id in rows} == run_ids
    call_command("verify_runs", verbosity=0)
