"""Live notifications: Server-Sent Events, signed, resumable, on any gateway."""

import json
import subprocess
import time
import uuid

import pytest
import requests

from gateway.signing import signed_headers
from tests.e2e.test_phone_confirmation import confirm, new_phone, request_code, texted_code
from tests.e2e.test_real_name import error
from tests.fixtures.platform import SANDBOX
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e


class Stream:
    """An open SSE stream, read a line at a time."""

    def __init__(self, response):
        self.response = response
        self.lines = response.iter_lines(chunk_size=1, decode_unicode=True)

    def next_event(self, until: float | None = None) -> dict:
        """The next notification event (skipping heartbeats), as {"id", "data"}; with
        `until` (time.monotonic()), AssertionError once it has passed: heartbeats keep a
        stream that gets no events open for ever."""
        event = {}
        for line in self.lines:
            if until is not None and time.monotonic() > until:
                raise AssertionError("no event before the deadline")
            if line == "" and "data" in event:
                return event
            if line.startswith("id: "):
                event["id"] = line[4:]
            elif line.startswith("data: "):
                event["data"] = json.loads(line[6:])
        raise AssertionError("the stream ended")

    def next_of(self, template_id: str) -> dict:
        """The next event of `template_id` (the welcome may still be on its way)."""
        while (event := self.next_event())["data"]["template_id"] != template_id:
            pass
        return event

    def next_line(self) -> str:
        return next(self.lines)

    def close(self):
        self.response.close()


def open_stream(base_url, citizen_id, last_event_id=None, partner=SANDBOX):
    path = f"/v1/citizens/{citizen_id}/notifications/stream"
    headers = signed_headers(partner[0], partner[1], "GET", path) | {
        "Accept": "text/event-stream"}
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    response = requests.get(base_url + path, headers=headers, stream=True, timeout=(5, 10))
    if response.status_code != 200:
        return response
    assert response.headers["Content-Type"].startswith("text/event-stream")
    stream = Stream(response)
    assert stream.next_line() == "retry: 2000"  # subscribed: what happens now, it gets
    return stream


@pytest.fixture
def registered(platform):
    phone = new_phone()
    citizen_id = platform.register(f"live-{phone[1:]}", phone=phone)["citizen_id"]
    eventually(lambda: platform.inbox(citizen_id))  # the welcome is in
    return citizen_id, phone


def reach_level_1(platform, citizen_id, phone):
    request_code(platform, citizen_id)
    assert confirm(platform, citizen_id, texted_code(platform, phone)).status_code == 200


def test_a_new_notification_reaches_an_open_stream(platform, registered):
    citizen_id, phone = registered
    stream = open_stream(platform.url, citizen_id)
    try:
        reach_level_1(platform, citizen_id, phone)
        event = stream.next_of("level_reached")
    finally:
        stream.close()
    assert event["id"] == event["data"]["notification_id"]
    assert event["data"]["read"] is False


def test_a_client_that_comes_back_with_last_event_id_gets_what_it_missed(platform,
                                                                       registered):
    citizen_id, phone = registered
    (welcome,) = platform.inbox(citizen_id)
    reach_level_1(platform, citizen_id, phone)  # while no stream is open
    eventually(lambda: len(platform.inbox(citizen_id)) == 2)
    stream = open_stream(platform.url, citizen_id, last_event_id=welcome["notification_id"])
    try:
        missed = stream.next_event()
    finally:
        stream.close()
    assert missed["data"]["template_id"] == "level_reached"


def test_an_idle_stream_gets_a_heartbeat_comment(platform, registered):
    stream = open_stream(platform.url, registered[0])
    try:
        started = time.monotonic()
        while not (line := stream.next_line()).startswith(":"):
            pass  # the welcome may still be on its way
        assert line == ": heartbeat"
    finally:
        stream.close()
    assert time.monotonic() - started < 10


def test_a_last_event_id_that_is_not_the_citizens_is_refused(platform, registered):
    assert error(open_stream(platform.url, registered[0], str(uuid.uuid4()))) == (
        422, "invalid_last_event_id")


def test_another_partners_citizen_has_no_stream(platform, registered):
    assert error(open_stream(platform.url, registered[0],
                             partner=platform.other_partner)) == (404, "citizen_not_found")


def test_a_citizen_connected_to_a_second_gateway_gets_every_notification(platform,
                                                                       registered):
    citizen_id, phone = registered
    port = platform.gateway_port + 1
    platform.start("gateway-other", "gateway", CITYHUB_GATEWAY_PORT=str(port),
                   CITYHUB_METRICS_PORT_OFFSET=str(platform.metrics_offset + 100))
    second = f"http://127.0.0.1:{port}"
    try:
        assert eventually(lambda: _ready(second), timeout=30)
        stream = open_stream(second, citizen_id)
        try:
            reach_level_1(platform, citizen_id, phone)  # through the first gateway
            assert stream.next_of("level_reached")["data"]["read"] is False
        finally:
            stream.close()
    finally:
        platform.kill("gateway-other")


def _ready(url) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def test_after_the_broker_drops_every_connection_a_resuming_client_misses_nothing(
        platform, registered):
    citizen_id, phone = registered
    (welcome,) = platform.inbox(citizen_id)
    last = welcome["notification_id"]
    stream = open_stream(platform.url, citizen_id, last_event_id=last)
    subprocess.run(["rabbitmqctl", "close_all_connections", "-p", platform.vhost,
                    "test: broker restart"], check=True, capture_output=True)
    time.sleep(0.5)
    reach_level_1(platform, citizen_id, phone)
    received = []
    deadline = time.monotonic() + 30
    while "level_reached" not in received and time.monotonic() < deadline:
        try:
            event = stream.next_event()  # the hub may end the stream after its outage
            received.append(event["data"]["template_id"])
            last = event["id"]
        except (AssertionError, requests.RequestException):
            stream.close()
            time.sleep(0.2)
            stream = open_stream(platform.url, citizen_id, last_event_id=last)
    stream.close()
    assert received == ["level_reached"]
    # Nothing twice either: resuming from the last event gets nothing more.
    again = open_stream(platform.url, citizen_id, last_event_id=last)
    try:
        while not (line := again.next_line()):
            pass
        assert line == ": heartbeat"  # not an event
    finally:
        again.close()
