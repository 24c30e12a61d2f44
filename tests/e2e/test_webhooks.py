"""Partner webhooks: a partner registers an endpoint and every notification of its
citizens in the categories it chose is posted there, signed, numbered, retried
while the endpoint fails, and pulled from the event feed when it wants."""

import time
import uuid

import pytest

from tests.e2e.test_real_name import citizen_at_level_1, error, new_partner
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e

ALL = ["account", "security", "payment", "appointment", "matter"]


def put_webhook(platform, partner, url, categories=ALL, **extra):
    """PUT /v1/partner/webhook; `extra`: enabled, requires_subscription."""
    return platform.call("PUT", "/v1/partner/webhook",
                         {"url": url, "categories": categories, **extra}, partner=partner)


def receiving_partner(platform, categories=ALL, behaviour=None):
    """A new partner whose endpoint is a fresh sandbox receiver that checks signatures."""
    partner, name = new_partner(platform), f"r-{uuid.uuid4().hex[:12]}"
    answer = put_webhook(platform, partner, platform.receiver_url(name), categories)
    assert answer.status_code == 201, answer.text
    platform.receiver_behaves(name, secret=answer.json()["secret"], **(behaviour or {}))
    return partner, name


def deliveries(platform, partner, query=""):
    answer = platform.call("GET", f"/v1/partner/webhook/deliveries{query}", partner=partner)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def two_notifications(platform, partner) -> str:
    """A citizen of `partner` told twice: welcome, then level 1 (both "account")."""
    return citizen_at_level_1(platform, partner)


def test_registering_an_endpoint_answers_its_secret_once(platform):
    partner = new_partner(platform)
    created = put_webhook(platform, partner, platform.receiver_url("once"), ["account"])
    assert created.status_code == 201, created.text
    assert created.json()["secret"].startswith("whsec_")
    assert created.json()["status"] == "active"
    changed = put_webhook(platform, partner, platform.receiver_url("once"), ["security"])
    assert changed.status_code == 200 and "secret" not in changed.json()
    shown = platform.call("GET", "/v1/partner/webhook", partner=partner).json()
    assert shown["categories"] == ["security"] and "secret" not in shown


def test_each_notification_reaches_the_endpoint_signed_numbered_and_as_in_the_feed(platform):
    partner, name = receiving_partner(platform)
    citizen_id = two_notifications(platform, partner)
    got = eventually(lambda: len(platform.received(name)) == 2 and platform.received(name))
    assert got, "the endpoint did not get both notifications"
    assert all(r["signature_valid"] and r["answered"] == 200 for r in got)
    assert sorted(r["sequence"] for r in got) == [1, 2]
    feed = platform.call("GET", "/v1/partner/events", partner=partner).json()
    assert sorted((r["body"] for r in got), key=lambda b: b["sequence"]) == feed["items"]
    assert {b["citizen_id"] for b in feed["items"]} == {citizen_id}
    assert [b["data"]["notification"]["template_id"] for b in feed["items"]] == [
        "welcome", "level_reached"]
    assert {r["event_id"] for r in got} == {b["id"] for b in feed["items"]}


def test_a_delivery_signed_with_another_secret_is_refused_by_the_partner(platform):
    """Positive control for the signature check above: the receiver does catch a
    signature it cannot verify, and the hub records the refusal."""
    partner, name = receiving_partner(platform)
    platform.receiver_behaves(name, secret="whsec_" + "0" * 64)
    two_notifications(platform, partner)
    got = eventually(lambda: len(platform.received(name)) >= 2 and platform.received(name))
    assert got and not any(r["signature_valid"] for r in got)
    failed = eventually(lambda: len(deliveries(platform, partner, "?status=failed")) == 2)
    assert failed, deliveries(platform, partner)
    assert {d["last_status_code"] for d in deliveries(platform, partner)} == {400}


def test_an_endpoint_gets_only_the_categories_it_chose_but_the_feed_has_all(platform):
    partner, name = receiving_partner(platform, ["security"])
    two_notifications(platform, partner)
    feed = eventually(lambda: len(items := platform.call(
        "GET", "/v1/partner/events", partner=partner).json()["items"]) == 2 and items)
    assert feed and [e["category"] for e in feed] == ["account", "account"]
    time.sleep(1)  # deliveries are due within a poll (0.25 s) if any were queued
    assert platform.received(name) == [] and deliveries(platform, partner) == []


def test_an_endpoint_answering_503_gets_the_delivery_again_until_it_takes_it(platform):
    partner, name = receiving_partner(platform, behaviour={"status": 503, "times": 2})
    citizen_id = platform.register(f"w-{uuid.uuid4().hex[:10]}", partner=partner)["citizen_id"]
    done = eventually(lambda: [d for d in deliveries(platform, partner)
                               if d["status"] == "delivered"], timeout=15)
    assert done, deliveries(platform, partner)
    assert (done[0]["attempts"], done[0]["last_status_code"]) == (3, 200)
    got = platform.received(name)
    assert [r["answered"] for r in got] == [503, 503, 200]
    assert [r["attempt"] for r in got] == [1, 2, 3]
    assert len({r["event_id"] for r in got}) == 1 and got[0]["body"]["citizen_id"] == citizen_id


def test_an_endpoint_answering_410_is_not_asked_again(platform):
    partner, name = receiving_partner(platform, behaviour={"status": 410})
    platform.register(f"w-{uuid.uuid4().hex[:10]}", partner=partner)
    failed = eventually(lambda: deliveries(platform, partner, "?status=failed"))
    assert failed and failed[0]["attempts"] == 1 and failed[0]["last_status_code"] == 410
    time.sleep(1.5)
    assert len(platform.received(name)) == 1


def test_an_endpoint_that_times_out_or_refuses_connections_is_retried(platform):
    partner, name = receiving_partner(platform, behaviour={"delay_seconds": 3, "times": 1})
    platform.register(f"w-{uuid.uuid4().hex[:10]}", partner=partner)
    done = eventually(lambda: deliveries(platform, partner, "?status=delivered"), timeout=15)
    assert done and done[0]["attempts"] == 2
    refused = new_partner(platform)
    put_webhook(platform, refused, "http://127.0.0.1:9/nobody-listens")
    platform.register(f"w-{uuid.uuid4().hex[:10]}", partner=refused)
    waiting = eventually(lambda: [d for d in deliveries(platform, refused)
                                  if d["attempts"] >= 1])
    assert waiting and waiting[0]["status"] == "pending"
    assert waiting[0]["last_error"] == "could not connect"
    endpoint = platform.call("GET", "/v1/partner/webhook", partner=refused).json()
    assert endpoint["consecutive_failures"] >= 1 and endpoint["retry_at"] is not None


def test_a_dead_endpoint_never_delays_another_partners_deliveries(platform):
    dead, _ = receiving_partner(platform, behaviour={"delay_seconds": 60})
    for n in range(3):
        platform.register(f"dead-{n}-{uuid.uuid4().hex[:8]}", partner=dead)
    eventually(lambda: deliveries(platform, dead, "?status=pending"))
    alive, name = receiving_partner(platform)
    started = time.monotonic()
    platform.register(f"w-{uuid.uuid4().hex[:10]}", partner=alive)
    assert eventually(lambda: platform.received(name), timeout=5)
    assert time.monotonic() - started < 3


def test_a_paused_endpoint_gets_nothing_until_re_enabled_then_everything_in_order(platform):
    partner, name = receiving_partner(platform)
    url = platform.receiver_url(name)
    paused = put_webhook(platform, partner, url, enabled=False)
    assert paused.json()["status"] == "paused"
    for n in range(3):
        platform.register(f"p-{n}-{uuid.uuid4().hex[:8]}", partner=partner)
    assert eventually(lambda: platform.call("GET", "/v1/partner/webhook", partner=partner)
                      .json()["pending"] == 3)
    assert platform.received(name) == []
    assert put_webhook(platform, partner, url).json()["status"] == "active"
    got = eventually(lambda: len(platform.received(name)) == 3 and platform.received(name))
    assert got and sorted(r["sequence"] for r in got) == [1, 2, 3]


def test_retrying_a_delivery_sends_it_again_with_the_same_event_id(platform):
    partner, name = receiving_partner(platform)
    platform.register(f"w-{uuid.uuid4().hex[:10]}", partner=partner)
    done = eventually(lambda: deliveries(platform, partner, "?status=delivered"))
    assert done
    again = platform.call("POST", f"/v1/partner/webhook/deliveries/{done[0]['delivery_id']}"
                                  "/retry", partner=partner)
    assert again.status_code == 202 and again.json()["status"] == "pending"
    got = eventually(lambda: len(platform.received(name)) == 2 and platform.received(name))
    assert got and got[0]["event_id"] == got[1]["event_id"]
    assert [r["attempt"] for r in got] == [1, 2]


def test_the_event_feed_pages_in_order_and_refuses_a_changed_cursor(platform):
    partner = new_partner(platform)
    two_notifications(platform, partner)
    eventually(lambda: len(platform.call("GET", "/v1/partner/events", partner=partner)
                           .json()["items"]) == 2)
    first = platform.call("GET", "/v1/partner/events?limit=1", partner=partner).json()
    second = platform.call("GET", f"/v1/partner/events?limit=1&after={first['next_cursor']}",
                           partner=partner).json()
    assert [e["sequence"] for e in first["items"] + second["items"]] == [1, 2]
    end = platform.call("GET", f"/v1/partner/events?after={second['next_cursor']}",
                        partner=partner).json()
    assert end["items"] == [] and end["next_cursor"] == second["next_cursor"]
    other = new_partner(platform)
    stolen = platform.call("GET", f"/v1/partner/events?after={first['next_cursor']}",
                           partner=other)
    assert error(stolen) == (422, "invalid_cursor")
    assert stolen.json()["error"]["field"] == "after"  # the parameter it came in


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"url": "ftp://example.com/hook", "categories": ["account"]}, 422, "validation_error"),
    ({"url": "https://user:pw@example.com/", "categories": ["account"]}, 422,
     "validation_error"),
    ({"url": "", "categories": ["account"]}, 422, "validation_error"),
    ({"url": "https://example.com/hook", "categories": ["weather"]}, 422, "validation_error"),
    ({"url": "https://example.com/hook", "categories": []}, 422, "validation_error"),
    ({"url": "https://example.com/hook", "categories": ["account"], "extra": 1}, 422,
     "unknown_field"),
])
def test_a_bad_endpoint_is_refused_and_nothing_is_registered(platform, body, status, code):
    partner = new_partner(platform)
    answer = platform.call("PUT", "/v1/partner/webhook", body, partner=partner)
    assert error(answer) == (status, code), answer.text
    assert error(platform.call("GET", "/v1/partner/webhook", partner=partner)) == (
        404, "webhook_not_found")


def test_removing_the_endpoint_cancels_what_was_waiting(platform):
    partner, _ = receiving_partner(platform, behaviour={"status": 503})
    platform.register(f"w-{uuid.uuid4().hex[:10]}", partner=partner)
    assert eventually(lambda: deliveries(platform, partner, "?status=pending"))
    assert platform.call("DELETE", "/v1/partner/webhook", partner=partner).status_code == 204
    assert platform.call("DELETE", "/v1/partner/webhook", partner=partner).status_code == 204
    assert deliveries(platform, partner, "?status=pending") == []
    assert [d["status"] for d in deliveries(platform, partner)] == ["cancelled"]


def test_retrying_another_partners_delivery_is_a_404(platform):
    partner, _ = receiving_partner(platform)
    platform.register(f"w-{uuid.uuid4().hex[:10]}", partner=partner)
    done = eventually(lambda: deliveries(platform, partner, "?status=delivered"))
    other, _ = receiving_partner(platform)
    answer = platform.call("POST", f"/v1/partner/webhook/deliveries/{done[0]['delivery_id']}"
                                   "/retry", partner=other)
    assert error(answer) == (404, "delivery_not_found")
