"""`make up` with several replicas: refused on SQLite before anything starts, with what
to do instead; several gateways, which may share SQLite, all start."""

import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from cityhub.deployables import DEPLOYABLES
from cityhub.runner import metrics_port
from tests.fixtures.servers import ensure_vhost, purge_vhost
from tests.fixtures.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"

pytestmark = pytest.mark.integration


def test_make_up_refuses_two_replicas_of_each_service_on_sqlite_and_starts_nothing(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("CITYHUB_")}
    env.update({"PATH": f"{BIN}:{env['PATH']}", "CITYHUB_REPLICAS": "2",
                "CITYHUB_VAR_DIR": str(tmp_path / "var"),
                "CITYHUB_AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/",
                "CITYHUB_REDIS_URL": "redis://127.0.0.1:6379/9"})
    done = subprocess.run(["bash", str(ROOT / "deploy/local-up.sh")], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert "identity replica 2: a second replica of a service needs PostgreSQL" in done.stderr
    assert "CITYHUB_IDENTITY_DATABASE_URL" in done.stderr
    assert not (tmp_path / "var").exists()  # nothing migrated, nothing started


def test_make_up_with_two_gateways_starts_every_process_and_both_gateways_answer(tmp_path):
    """Several gateways may share SQLite: `CITYHUB_GATEWAY_PROCESSES=2 make up` runs
    all seven processes and the two gateways (each with its own metrics port)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CITYHUB_")}
    sandbox, vhost_uri = "http://127.0.0.1:38101", ensure_vhost("cityhub_make_up")
    purge_vhost(vhost_uri, "cityhub_make_up")  # nothing left by an earlier run
    env.update({"PATH": f"{BIN}:{env['PATH']}", "CITYHUB_GATEWAY_PROCESSES": "2",
                "CITYHUB_VAR_DIR": str(tmp_path / "var"),
                "CITYHUB_AMQP_URI": vhost_uri,
                "CITYHUB_REDIS_URL": "redis://127.0.0.1:6379/9",
                "CITYHUB_GATEWAY_PORT": "38000", "CITYHUB_METRICS_PORT_OFFSET": "30000",
                "CITYHUB_SANDBOX_PORT": "38101", "CITYHUB_SANDBOX_SMTP_PORT": "38125",
                "CITYHUB_SMTP_PORT": "38125",
                **{f"CITYHUB_{name}_URL": sandbox for name in (
                    "REGISTRY", "SMS", "FACE", "AGENCY", "APPROVALS", "PAYMENT_PROVIDER")}})
    output = tmp_path / "make-up.log"
    up = subprocess.Popen(["bash", str(ROOT / "deploy/local-up.sh")], env=env,
                          stdout=output.open("w"), stderr=subprocess.STDOUT,
                          start_new_session=True)
    try:
        ready = eventually(lambda: answers("http://127.0.0.1:38000/readyz"), timeout=180,
                           interval=1)
        assert ready, f"make up was not ready in 180 s:\n{output.read_text()[-3000:]}"
        gateways = [metrics_port(DEPLOYABLES["gateway"].metrics_port, 30000, n)
                    for n in (1, 2)]
        assert all(answers(f"http://127.0.0.1:{port}/metrics") for port in gateways)
        processes = (tmp_path / "var" / "Procfile.replicas").read_text().splitlines()
        assert len(processes) == 8  # five services, two gateways, the sandboxes
    finally:
        os.killpg(up.pid, signal.SIGINT)  # Ctrl-C
        up.wait(timeout=60)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False
