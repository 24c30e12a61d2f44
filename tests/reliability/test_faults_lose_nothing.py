"""Faults lose nothing and apply nothing twice."""

import signal
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.fixtures.platform import GATEWAY_WORKERS, SANDBOX
from tests.reliability.journeys import registration

pytestmark = pytest.mark.e2e

REGISTRATIONS = 200


def welcomes_to(platform, citizen_ids) -> int:
    """Only these citizens' welcomes: other tests' messages may still be arriving."""
    ids = sorted(set(citizen_ids))
    placeholders = ", ".join(f":c{n}" for n in range(len(ids)))
    return platform.scalar("notify", "SELECT count(*) FROM notifications WHERE template_id = "
                           f"'welcome' AND citizen_id IN ({placeholders})",
                           **{f"c{n}": citizen_id for n, citizen_id in enumerate(ids)})


def wait_for(probe, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return True
        time.sleep(0.2)
    return probe()


def test_killing_notify_mid_stream_still_ends_with_exactly_one_welcome_per_citizen(platform):
    run = uuid.uuid4().hex[:8]
    sent = []

    def register(n):
        citizen = platform.register(f"kill-{run}-{n}")
        sent.append(citizen["citizen_id"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(register, n) for n in range(REGISTRATIONS)]
        while len(sent) < REGISTRATIONS // 4:
            time.sleep(0.01)
        platform.kill("notify", signal.SIGKILL)  # mid-stream, no chance to clean up
        while len(sent) < REGISTRATIONS * 3 // 4:
            time.sleep(0.01)
        platform.start("notify")
        for future in futures:
            future.result()

    assert len(set(sent)) == REGISTRATIONS
    assert wait_for(lambda: welcomes_to(platform, sent) >= REGISTRATIONS, 60)
    time.sleep(1)  # any duplicate would land now
    assert welcomes_to(platform, sent) == REGISTRATIONS
    for citizen_id in sent[:: REGISTRATIONS // 10]:
        assert len(platform.inbox(citizen_id)) == 1


def test_killing_identity_mid_stream_gives_each_partner_user_one_citizen_and_one_welcome(
        platform):
    run = uuid.uuid4().hex[:8]
    users = [f"kill-identity-{run}-{n}" for n in range(100)]
    answered = []

    def register(user):
        answered.append((user, registration(platform, SANDBOX, user)))

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(register, user) for user in users]
        while len(answered) < 25:
            time.sleep(0.01)
        platform.kill("identity", signal.SIGKILL)  # committed events may be unpublished
        time.sleep(1)
        platform.start("identity")
        for future in futures:
            future.result()

    citizens = {citizen_id for _, citizen_id in answered}
    assert len(citizens) == len(users)
    # Asked again, each user is still the citizen the partner was given.
    assert all(registration(platform, SANDBOX, user) == citizen_id
               for user, citizen_id in answered[::10])
    assert wait_for(lambda: welcomes_to(platform, citizens) >= len(users), 60)
    time.sleep(1)  # any duplicate would land now
    assert welcomes_to(platform, citizens) == len(users)


def test_after_the_broker_drops_every_connection_the_next_calls_work_and_nothing_is_lost(
        platform):
    run = uuid.uuid4().hex[:8]
    before = [platform.register(f"blip-{run}-{n}")["citizen_id"] for n in range(5)]
    subprocess.run(["rabbitmqctl", "close_all_connections", "-p", platform.vhost,
                    "test: broker restart"], check=True, capture_output=True)
    time.sleep(0.5)  # every process has been told its connection is closed

    # No 504s while the processes find their way back: each reconnects on its
    # next publish or at once in its consumers.
    after = [platform.register(f"blip-{run}-after-{n}")["citizen_id"] for n in range(5)]

    for citizen_id in before + after:
        assert wait_for(lambda c=citizen_id: len(platform.inbox(c)) == 1, 10)
    time.sleep(1)  # any duplicate would land now
    assert all(len(platform.inbox(c)) == 1 for c in before + after)


def test_readiness_names_a_service_that_is_down_and_recovers_when_it_is_back(platform):
    platform.kill("payments", signal.SIGKILL)
    try:
        response = requests.get(f"{platform.url}/readyz", timeout=10)
        assert response.status_code == 503
        assert response.json()["down"] == ["payments"]
        catalogue = platform.call("GET", "/v1/fees/catalogue")
        assert catalogue.status_code == 504
        assert catalogue.json()["error"]["code"] == "upstream_timeout"
    finally:
        platform.start("payments")
    platform.wait_ready()
    assert platform.call("GET", "/v1/fees/catalogue").status_code == 200


def test_personal_data_never_reaches_the_logs(platform):
    canary_phone = "+8613987654321"
    citizen = platform.register(f"canary-{uuid.uuid4().hex[:8]}", phone=canary_phone)
    platform.call("POST", "/v1/citizens", {"partner_user_id": "bad phone",
                                           "phone": "+86139876543210000", "locale": "en"})
    wait_for(lambda: platform.inbox(citizen["citizen_id"]), 5)
    logs = platform.logs()
    assert logs, "the platform wrote no logs at all"
    assert "13987654321" not in logs
    # The real-name tests in this session sent these to identity and the registry.
    for personal in ("11010519491231002X", "440524188001010014", "310115198001011238",
                     "张三", "李四"):
        assert personal not in logs


def test_requests_that_cannot_start_in_time_are_refused_at_once_and_never_run_later(platform):
    """Workers held by calls to a dead service: later requests are answered 503 within
    the queue limit, probes still answer, and a refused request is never carried out."""
    run = uuid.uuid4().hex[:8]
    users = [f"deadline-{run}-{n}" for n in range(6)]
    business_workers = GATEWAY_WORKERS - 2  # two are kept for probes
    platform.kill("payments", signal.SIGKILL)  # its calls now hold a worker until 504
    try:
        with ThreadPoolExecutor(max_workers=business_workers + 8) as pool:
            held = [pool.submit(platform.call, "GET", "/v1/fees/catalogue")
                    for _ in range(business_workers)]
            time.sleep(1.0)  # every business worker is now waiting on payments
            registrations = [pool.submit(platform.call, "POST", "/v1/citizens", {
                "partner_user_id": user, "phone": "+8613812345678", "locale": "en"})
                for user in users]
            health = requests.get(f"{platform.url}/healthz", timeout=3)
            ready = requests.get(f"{platform.url}/readyz", timeout=8)
            refused = [future.result() for future in registrations]
            held = [f.result() for f in held]
            assert [r.status_code for r in held] == [
                504] * business_workers, {r.text for r in held if r.status_code != 504}
    finally:
        platform.start("payments")
    assert health.status_code == 200
    assert (ready.status_code, ready.json()["down"]) == (503, ["payments"])
    assert [(r.status_code, r.json()["error"]["code"], r.headers["Retry-After"])
            for r in refused] == [(503, "temporarily_unavailable", "1")] * len(users)
    platform.wait_ready()
    time.sleep(1)  # anything queued would have run by now
    # Control: each user is new to identity now, so the refused calls did nothing.
    assert [platform.call("POST", "/v1/citizens", {
        "partner_user_id": user, "phone": "+8613812345678", "locale": "en"}).status_code
        for user in users] == [201] * len(users)
