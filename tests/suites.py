"""`make test`: every test, in three lanes side by side, then the fault tests.

The platforms (SQLite, PostgreSQL, and two replicas of everything on PostgreSQL) share
no port, broker vhost, Redis database or database (tests/fixtures/platform.py), and the
unit, service-layer and integration tests use their own, so the suites run at once,
each in a pytest of its own (a backend's end-to-end and reliability tests share its
platform). The machine has two cores, so the replicas' end-to-end tier runs after the
three lanes rather than beside them; the cluster test (a RabbitMQ cluster of its own) runs
after the unit tests in their lane. The one test that restarts RabbitMQ itself (marked
`broker_restart`) would break the others' connections, so it runs last, alone.

pytest-xdist would be the usual tool, but its workers talk to pytest over threads that
eventlet's monkey-patching (which every test process needs first) stops: they hang.

    python -m tests.suites            # what `make test` runs
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ALONE = "broker_restart"
DEADLINE_MINUTES, GRACE_SECONDS = 45, 120
# The end-to-end modules run on two replicas of everything: between them every route of
# the API at least once (the OpenAPI conformance tests), and the journeys whose work
# the replicas share (registration, paying, booking, matters, webhooks, live streams,
# racing creates through two gateways).
REPLICATED = ["tests/e2e/test_openapi_conformance.py", "tests/e2e/test_real_name.py",
              "tests/e2e/test_payments.py", "tests/e2e/test_appointments.py",
              "tests/e2e/test_matters.py", "tests/e2e/test_webhooks.py",
              "tests/e2e/test_live_notifications.py", "tests/e2e/test_racing_creates.py",
              "tests/e2e/test_refunds.py", "tests/e2e/test_inbox.py"]
CLUSTER = ["tests/reliability/test_cluster_loses_nothing.py", "--backend", "cluster"]
LANES = [
    # The cluster test follows the unit tests, which end some ten minutes before the
    # end-to-end lanes: its three nodes then share the cores with two platforms, not three.
    {"unit, service layer and integration": ["tests/unit", "tests/service_layer",
                                             "tests/integration"],
     "a RabbitMQ node and a replica of everything lost under load": CLUSTER},
    {"end-to-end and reliability on SQLite": ["tests/e2e", "tests/reliability", "--backend",
                                              "sqlite", "-m", f"not {ALONE}"]},
    {"end-to-end and reliability on PostgreSQL": ["tests/e2e", "tests/reliability",
                                                  "--backend", "postgresql", "-m",
                                                  f"not {ALONE}"]},
]
# Two replicas of everything beside the other two platforms overran two cores (the
# lanes took 45 min, not 20): the replicas tier runs after them, then the broker restart.
AFTER = [{"end-to-end on two replicas of everything (PostgreSQL)": [*REPLICATED, "--backend",
                                                                    "replicas"],
          "RabbitMQ restarted, both backends": ["tests/reliability", "-m", ALONE]}]


def run(lanes: list[dict[str, list[str]]], log_dir: Path) -> bool:
    """Run the lanes at once, each lane's suites one after another; print each suite's
    report as it ends. True if all passed."""
    started = time.monotonic()
    waiting = [list(lane.items()) for lane in lanes]
    running = {lane: _start(*waiting[lane].pop(0), log_dir) for lane in range(len(lanes))}
    passed = True
    while running:
        for lane, (name, process, log) in list(running.items()):
            if process.poll() is None:
                _stop_if_over(name, process, log, started)
                continue
            del running[lane]
            minutes = (time.monotonic() - started) / 60
            print(f"\n===== {name}: {'passed' if process.returncode == 0 else 'FAILED'} "
                  f"after {minutes:.1f} min =====", flush=True)
            print(log.read_text(), flush=True)
            passed = passed and process.returncode == 0
            if waiting[lane]:
                running[lane] = _start(*waiting[lane].pop(0), log_dir)
        time.sleep(1)
    return passed


def _start(name: str, args: list[str], log_dir: Path):
    log = log_dir / f"{name.replace(' ', '-').replace(',', '')}.log"
    return name, subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--durations=10", *args],
        stdout=log.open("w"), stderr=subprocess.STDOUT,
        env={**os.environ, "CITYHUB_TEST_NOW": str(log.with_suffix(".now"))}), log


def _stop_if_over(name: str, process: subprocess.Popen, log: Path, started: float) -> None:
    """A suite still running at its deadline is hung, not slow (each takes about half of
    it in CI). Rather than CI's limit stopping everything with nothing said, the test it
    hung in is named (tests/conftest.py writes it down) and the suite is interrupted as
    Ctrl-C would, then killed if that did not end it (eventlet's hub, blocked, may not
    hear the signal); its services die with it (die_with_parent)."""
    over = time.monotonic() - started - DEADLINE_MINUTES * 60
    if over < 0:
        return
    if not getattr(process, "interrupted", False):
        print(f"\n===== {name}: still running after {DEADLINE_MINUTES} min, in "
              f"{_test_now(log)}: interrupted =====", flush=True)
        process.send_signal(signal.SIGINT)
        process.interrupted = True
    elif over > GRACE_SECONDS:
        process.kill()


def _test_now(log: Path) -> str:
    now = log.with_suffix(".now")
    return now.read_text() if now.exists() else "no test yet"


def main() -> int:
    log_dir = Path(tempfile.mkdtemp(prefix="cityhub-tests-"))
    ok = run(LANES, log_dir)
    ok = run(AFTER, log_dir) and ok
    print(f"\n===== every suite {'passed' if ok else 'did not pass'} (logs in {log_dir}) =====")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
