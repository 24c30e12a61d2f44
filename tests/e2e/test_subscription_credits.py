"""Mini-program subscription messages: a partner whose push needs the citizen's
subscription to each template pushes only with one; a critical message without
one reaches the citizen by text instead."""

import uuid

import pytest

from tests.e2e.test_notification_channels import channel, citizen_with_phone, locked_out
from tests.e2e.test_phone_confirmation import texted_code
from tests.e2e.test_real_name import error, new_partner
from tests.e2e.test_webhooks import ALL, put_webhook
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e


def mini_program(platform):
    """A new partner whose endpoint (a fresh sandbox receiver) needs subscriptions."""
    partner, name = new_partner(platform), f"mp-{uuid.uuid4().hex[:12]}"
    answer = put_webhook(platform, partner, platform.receiver_url(name), ALL,
                         requires_subscription=True)
    assert answer.status_code == 201 and answer.json()["requires_subscription"] is True
    return partner, name


def subscribe(platform, partner, citizen_id, template_id, kind="one_time"):
    return platform.call("POST", f"/v1/citizens/{citizen_id}/subscriptions",
                         {"template_id": template_id, "kind": kind}, partner=partner)


def test_without_a_subscription_a_mini_program_gets_no_push_but_its_feed_has_it(platform):
    partner, name = mini_program(platform)
    citizen_id = platform.register(f"mp-{uuid.uuid4().hex[:10]}", partner=partner)[
        "citizen_id"]
    welcome = eventually(lambda: platform.inbox(citizen_id, partner=partner))[0]
    feed = eventually(lambda: platform.call("GET", "/v1/partner/events", partner=partner)
                      .json()["items"])
    assert [e["data"]["notification"]["template_id"] for e in feed] == ["welcome"]
    shown = platform.call("GET", f"/v1/citizens/{citizen_id}/notifications/"
                                 f"{welcome['notification_id']}", partner=partner).json()
    assert [c["channel"] for c in shown["channels"]] == ["inbox"]
    assert platform.received(name) == []


def test_each_one_time_acceptance_allows_one_push(platform):
    partner, name = mini_program(platform)
    phone = f"+86135{uuid.uuid4().int % 10**8:08d}"
    citizen_id = platform.register(f"mp-{uuid.uuid4().hex[:10]}", phone=phone,
                                   partner=partner)["citizen_id"]
    accepted = subscribe(platform, partner, citizen_id, "level_reached")
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["one_time_credits"] == 1
    platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications", partner=partner)
    platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications/confirm",
                  {"code": texted_code(platform, phone)}, partner=partner)
    got = eventually(lambda: platform.received(name))
    assert [r["body"]["data"]["notification"]["template_id"] for r in got] == ["level_reached"]
    left = platform.call("GET", f"/v1/citizens/{citizen_id}/subscriptions",
                         partner=partner).json()["items"]
    assert [(s["template_id"], s["one_time_credits"]) for s in left] == [("level_reached", 0)]


def test_a_critical_message_without_a_subscription_is_texted_and_says_why(platform):
    partner, name = mini_program(platform)
    citizen_id = citizen_with_phone(platform, f"+86134{uuid.uuid4().int % 10**8:08d}",
                                    partner)
    message = locked_out(platform, citizen_id, partner)
    sms = channel(platform, citizen_id, message["notification_id"], partner, "sms")
    assert sms["status"] == "delivered"
    assert sms["reason"] == "no subscription for the partner's push: sent by text instead"
    assert not any(r["body"]["data"]["notification"]["template_id"] == "real_name_locked"
                   for r in platform.received(name))


@pytest.mark.parametrize(("template_id", "kind", "code"), [
    ("welcome", "long_term", "long_term_not_allowed"),
    ("no_such_template", "one_time", "template_not_found"),
    ("welcome", "forever", "validation_error"),
])
def test_a_subscription_that_cannot_be_is_refused(platform, template_id, kind, code):
    partner, _ = mini_program(platform)
    citizen_id = platform.register(f"mp-{uuid.uuid4().hex[:10]}", partner=partner)[
        "citizen_id"]
    assert error(subscribe(platform, partner, citizen_id, template_id, kind)) == (422, code)
    assert platform.call("GET", f"/v1/citizens/{citizen_id}/subscriptions",
                         partner=partner).json()["items"] == []


def test_a_withdrawn_subscription_is_gone_and_withdrawing_again_changes_nothing(platform):
    partner, _ = mini_program(platform)
    citizen_id = platform.register(f"mp-{uuid.uuid4().hex[:10]}", partner=partner)[
        "citizen_id"]
    assert subscribe(platform, partner, citizen_id, "level_reached").status_code == 201
    path = f"/v1/citizens/{citizen_id}/subscriptions"
    assert platform.call("GET", path, partner=partner).json()["items"] != []
    for _ in range(2):  # again: no change
        assert platform.call("DELETE", f"{path}/level_reached",
                             partner=partner).status_code == 204
    assert platform.call("GET", path, partner=partner).json()["items"] == []
