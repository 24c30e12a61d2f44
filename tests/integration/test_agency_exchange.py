"""Matters and the agencies that decide applications, over real HTTP to the approvals
sandbox on loopback, on SQLite and PostgreSQL: what the hub owes an agency reaches it
once however often it is sent, and each decision is applied once in the feed's order,
however the feed repeats or reorders it."""

from datetime import UTC, datetime, timedelta

import eventlet
import eventlet.wsgi
import pytest
import requests

from sandboxes.server import make_app as make_sandboxes
from services.matters.adapters import HttpApprovals
from services.matters.use_cases import agency_exchange, applying
from tests.fixtures.matters import matters_uow  # noqa: F401  (the `uow` fixture)

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in the city
CERTIFICATE, AGENCY = "household-registration-certificate", "public-security"
PHONE = "f" * 64


@pytest.fixture
def sandbox_url(tmp_path):
    sock = eventlet.listen(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = eventlet.spawn(eventlet.wsgi.server, sock, make_sandboxes(tmp_path / "sandbox",
                                                                        url), log_output=False)
    yield url
    server.kill()
    sock.close()


class Agency:
    """The approvals sandbox as a test sees it: what it received, its clerk, its mood."""

    def __init__(self, url: str):
        self.url = f"{url}/v1/approvals"

    def received(self, agency=AGENCY) -> list[dict]:
        return requests.get(f"{self.url}/{agency}/messages", timeout=5).json()["items"]

    def decide(self, number: str, action: str, **more) -> None:
        answer = requests.post(f"{self.url}/{AGENCY}/decisions",
                               json={"tracking_number": number, "action": action, **more},
                               timeout=5)
        assert answer.status_code == 201, answer.text

    def behave(self, **behaviour) -> None:
        requests.put(f"{self.url}/behaviour", json=behaviour, timeout=5).raise_for_status()


@pytest.fixture
def agency(sandbox_url):
    return Agency(sandbox_url)


@pytest.fixture
def approvals(sandbox_url):
    return HttpApprovals(sandbox_url, timeout=2)


def exchange(uow, approvals, at=NOW) -> None:
    """One round each way, as the service's two timers do."""
    agency_exchange.send_round(uow, approvals, at)
    agency_exchange.read_round(uow, approvals, at)


def applied(uow, documents) -> str:
    return applying.apply(uow, "c-1", "acme", 2, CERTIFICATE, documents, PHONE,
                          NOW)["tracking_number"]


def steps(uow, number) -> list[tuple[str, str]]:
    return [(s["action"], s["to"]) for s in applying.timeline(uow, number)["timeline"]]


def test_an_application_sent_back_and_put_right_is_approved_with_every_step_told(
        uow, approvals, agency):
    number = applied(uow, ["TEST-INCOMPLETE"])
    exchange(uow, approvals)
    sent_back = applying.timeline(uow, number)
    assert sent_back["state"] == "awaiting_corrections"
    assert sent_back["corrections"] == ["photo", "proof-of-address"]
    applying.act(uow, number, "citizen", "resubmit", NOW, documents=["doc:photo"])
    exchange(uow, approvals)
    assert steps(uow, number) == [
        ("apply", "submitted"), ("accept", "in_review"),
        ("request_corrections", "awaiting_corrections"), ("resubmit", "in_review"),
        ("approve", "approved")]
    told = agency.received()
    assert [(m["kind"], m["tracking_number"]) for m in told] == [
        ("application", number), ("resubmission", number)]
    assert told[1]["documents"] == ["doc:photo"]


def test_decisions_listed_twice_and_backwards_are_each_applied_once_in_order(
        uow, approvals, agency):
    agency.behave(duplicate_decisions=True, reverse_decisions=True)
    number = applied(uow, ["TEST-APPROVE"])
    for _ in range(3):
        exchange(uow, approvals)
    assert steps(uow, number) == [("apply", "submitted"), ("accept", "in_review"),
                                  ("approve", "approved")]


def test_an_agency_that_is_down_is_sent_the_application_later_and_gets_it_once(
        uow, approvals, agency):
    agency.behave(down=True)
    number = applied(uow, ["doc:booklet-scan"])
    exchange(uow, approvals)
    exchange(uow, approvals, NOW + timedelta(seconds=1))  # before its next attempt
    agency.behave()
    assert applying.timeline(uow, number)["state"] == "submitted"
    exchange(uow, approvals, NOW + timedelta(minutes=1))
    exchange(uow, approvals, NOW + timedelta(minutes=2))
    assert [m["kind"] for m in agency.received()] == ["application"]
    assert steps(uow, number)[-1] == ("accept", "in_review")


def test_a_second_send_back_for_something_new_is_refused_and_the_agency_told_why(
        uow, approvals, agency):
    second = applied(uow, ["doc:booklet-scan"])
    exchange(uow, approvals)
    agency.decide(second, "request_corrections", items=["photo"])
    exchange(uow, approvals)
    applying.act(uow, second, "citizen", "resubmit", NOW, documents=["doc:photo"])
    agency.decide(second, "request_corrections", items=["utility bill"])
    exchange(uow, approvals)
    exchange(uow, approvals)  # the refusal, told
    assert applying.timeline(uow, second)["state"] == "in_review"
    refusals = [m for m in agency.received() if m["kind"] == "decision_refused"]
    assert [(m["tracking_number"], m["code"]) for m in refusals] == [
        (second, "not_on_first_list")]
    # control: a send-back for what was on the first list is taken
    agency.decide(second, "request_corrections", items=["photo"])
    exchange(uow, approvals)
    assert applying.timeline(uow, second)["state"] == "awaiting_corrections"


def test_a_withdrawal_reaches_the_agency_and_its_later_approval_is_refused(
        uow, approvals, agency):
    number = applied(uow, ["doc:booklet-scan"])
    exchange(uow, approvals)
    applying.act(uow, number, "citizen", "withdraw", NOW)
    applied(uow, ["doc:another"])  # keeps the agency awaited
    agency.decide(number, "approve")
    exchange(uow, approvals)
    exchange(uow, approvals)
    assert applying.timeline(uow, number)["state"] == "withdrawn"
    assert [(m["kind"], m.get("code")) for m in agency.received()
            if m["tracking_number"] == number] == [
        ("application", None), ("withdrawal", None), ("decision_refused", "not_allowed_now")]


class CountingApprovals:
    """The approvals system through its real adapter, counting each post, slowly enough
    that two replicas' rounds overlap."""

    def __init__(self, approvals):
        self.approvals, self.posted = approvals, []

    def send(self, agency, body):
        self.posted.append(body["message_id"])
        eventlet.sleep(0.02)
        return self.approvals.send(agency, body)


def two_replicas_send(uow, approvals) -> tuple[list, list]:
    """Twelve applications, sent by two replicas' rounds at once: (posted, numbers)."""
    numbers = [applying.apply(uow, f"c-{n}", "acme", 2, CERTIFICATE, ["doc:booklet-scan"],
                              PHONE, NOW)["tracking_number"] for n in range(12)]
    counting = CountingApprovals(approvals)
    pool = eventlet.GreenPool(2)
    list(pool.starmap(agency_exchange.send_round, [(uow, counting, NOW)] * 2))
    return counting.posted, numbers


def test_two_replicas_post_each_message_to_the_agency_once(uow, approvals, agency):
    posted, numbers = two_replicas_send(uow, approvals)
    assert len(posted) == len(set(posted)) == len(numbers)
    assert len(agency.received()) == len(numbers)


def test_without_taking_each_message_two_replicas_post_some_twice(uow, approvals, monkeypatch):
    """The positive control: the rounds overlap, and only the take keeps them apart."""
    monkeypatch.setattr(agency_exchange.repository, "take_message", lambda *args: True)
    posted, numbers = two_replicas_send(uow, approvals)
    assert len(posted) > len(numbers)


def test_two_replicas_read_an_agencys_decisions_one_at_a_time(uow, approvals, agency):
    """Only one reads the feed (on PostgreSQL; SQLite runs one replica): the decisions
    are applied once either way (the inbox), but the feed is not read twice."""
    number = applied(uow, ["TEST-APPROVE"])
    agency_exchange.send_round(uow, approvals, NOW)
    read = []

    class Watching:
        def decisions(self, agency_code, after):
            read.append(agency_code)
            eventlet.sleep(0.05)
            return approvals.decisions(agency_code, after)

    pool = eventlet.GreenPool(2)
    list(pool.starmap(agency_exchange.read_round, [(uow, Watching(), NOW)] * 2))
    assert steps(uow, number)[-1] == ("approve", "approved")
    with uow.core_read() as connection:
        if connection.dialect.name == "postgresql":
            assert read == [AGENCY]
