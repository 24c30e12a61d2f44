"""`make up` with several replicas: refused on SQLite before anything starts, with what
to do instead."""

import os
import subprocess
from pathlib import Path

import pytest

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
