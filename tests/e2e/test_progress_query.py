"""The public progress query (进度查询): anyone with a tracking number and the phone it
was filed with sees where the matter stands, nothing personal; a wrong phone looks
exactly like an unknown number; callers are rate limited per address and per number."""

import http.client
import json
import time

import pytest

from tests.e2e.test_matters import PHONE, apply
from tests.e2e.test_real_name import citizen_at_level_2

pytestmark = pytest.mark.e2e


def progress(platform, number, phone=PHONE, source="127.0.0.1"):
    """POST /v1/progress unsigned, from `source` (any 127.x address is this machine's
    loopback: each test asks from its own, so their address limits do not meet)."""
    connection = http.client.HTTPConnection("127.0.0.1", platform.gateway_port, timeout=10,
                                            source_address=(source, 0))
    try:
        connection.request("POST", "/v1/progress",
                           json.dumps({"tracking_number": number, "phone": phone}),
                           {"Content-Type": "application/json"})
        answer = connection.getresponse()
        return answer.status, answer.headers, json.loads(answer.read())  # any-case names
    finally:
        connection.close()


def away_from_a_window_edge(needed: float = 10.0) -> None:
    """Limits count in whole minutes: a test that fills one waits for the next minute
    if this one ends before it is done (else a new window would pass its last ask)."""
    left = 60 - time.time() % 60
    if left < needed:
        time.sleep(left + 0.1)


@pytest.fixture
def filed(platform):
    """(partner, citizen id, tracking number) of an application filed with PHONE."""
    partner, citizen_id = citizen_at_level_2(platform)
    answer = apply(platform, citizen_id, partner)
    assert answer.status_code == 201, answer.text
    return partner, citizen_id, answer.json()["tracking_number"]


def test_the_number_and_its_phone_show_the_state_and_steps_and_nothing_personal(
        platform, filed):
    partner, citizen_id, number = filed
    status, headers, body = progress(platform, number, source="127.0.0.11")
    assert status == 200, body
    assert body["tracking_number"] == number and body["state"] == "submitted"
    assert body["service"]["code"] == "household-registration-certificate"
    assert body["service"]["name"]["zh-CN"]
    assert [(s["action"], s["to"]) for s in body["timeline"]] == [("apply", "submitted")]
    text = json.dumps(body)
    for personal in (citizen_id, partner[0], PHONE, PHONE[-4:], "doc:scan-1"):
        assert personal not in text
    assert "detail" not in body["timeline"][0]
    assert headers["RateLimit-Policy"] == (
        '"progress-address";q=60;w=60, "progress-number";q=5;w=60')


def test_a_wrong_phone_is_answered_exactly_as_an_unknown_number(platform, filed):
    number = filed[2]
    wrong = progress(platform, number, phone="+8613900009999", source="127.0.0.12")
    unknown = progress(platform, "GZ-20200101-000001", source="127.0.0.12")
    assert wrong[0] == unknown[0] == 404
    assert wrong[2]["error"]["code"] == unknown[2]["error"]["code"] == "matter_not_found"
    assert wrong[2]["error"]["message"] == unknown[2]["error"]["message"]
    assert progress(platform, number, source="127.0.0.12")[0] == 200  # control


def test_a_malformed_query_is_refused_naming_the_field(platform):
    status, _, body = progress(platform, "not-a-number", source="127.0.0.13")
    assert (status, body["error"]["code"], body["error"]["field"]) == (
        422, "validation_error", "tracking_number")


def test_one_number_asked_too_often_is_refused_with_when_to_ask_again(platform, filed):
    number = filed[2]
    away_from_a_window_edge()
    answers = [progress(platform, number, source=f"127.0.0.{20 + n}") for n in range(6)]
    assert [status for status, _, _ in answers] == [200] * 5 + [429]
    status, headers, body = answers[-1]
    assert body["error"]["code"] == "rate_limited"
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert '"progress-number";r=0' in headers["RateLimit"]


def test_one_address_asking_too_often_is_refused_whatever_the_number(platform):
    away_from_a_window_edge()
    statuses = [progress(platform, f"GZ-20200101-{n:06d}", source="127.0.0.30")[0]
                for n in range(1, 62)]
    assert statuses == [404] * 60 + [429]
    assert progress(platform, "GZ-20200101-000001", source="127.0.0.31")[0] == 404  # control
