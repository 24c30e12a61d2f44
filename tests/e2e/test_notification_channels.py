"""Beyond the inbox: preferences per category and channel, critical messages, texts
with the carrier's receipts, and each notification's delivery status per channel."""

import re
import uuid

import pytest

from tests.e2e.test_phone_confirmation import texted_code
from tests.e2e.test_real_name import NOT_HELD, error, new_partner, real_name
from tests.e2e.test_webhooks import receiving_partner
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e


def preferences_path(citizen_id):
    return f"/v1/citizens/{citizen_id}/notification-preferences"


def citizen_with_phone(platform, phone, partner):
    """A citizen of `partner` whose phone `phone` is confirmed (level 1)."""
    citizen_id = platform.register(f"ch-{uuid.uuid4().hex[:10]}", phone=phone,
                                   partner=partner)["citizen_id"]
    platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications", partner=partner)
    confirmed = platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications/confirm",
                              {"code": texted_code(platform, phone)}, partner=partner)
    assert confirmed.status_code == 200, confirmed.text
    return citizen_id


def locked_out(platform, citizen_id, partner) -> dict:
    """Five wrong names lock the real-name check: a critical security notification."""
    for _ in range(5):
        real_name(platform, citizen_id, "赵六", NOT_HELD, partner=partner)
    found = eventually(lambda: [m for m in platform.inbox(citizen_id, partner=partner)
                                if m["template_id"] == "real_name_locked"])
    assert found, "no lockout notification"
    return found[0]


def detail(platform, citizen_id, notification_id, partner):
    answer = platform.call("GET", f"/v1/citizens/{citizen_id}/notifications/{notification_id}",
                           partner=partner)
    assert answer.status_code == 200, answer.text
    return answer.json()


def channel(platform, citizen_id, notification_id, partner, name, final=True):
    """The channel's entry, once it reached a final status (when `final`)."""
    def probe():
        entry = next((c for c in detail(platform, citizen_id, notification_id, partner)
                      ["channels"] if c["channel"] == name), None)
        return entry if entry and (not final or entry["status"] not in ("created", "sending")) \
            else None
    return eventually(probe, timeout=15)


def test_preferences_start_from_the_defaults_and_keep_what_the_citizen_changes(platform):
    citizen_id = platform.register(f"pref-{uuid.uuid4().hex[:10]}")["citizen_id"]
    shown = platform.call("GET", preferences_path(citizen_id)).json()
    assert shown["categories"]["payment"] == {"push": True, "sms": False, "email": True}
    assert shown["critical_categories"] == ["security"]
    assert (shown["quiet_hours"]["from"], shown["quiet_hours"]["until"]) == ("22:00", "08:00")
    changed = platform.call("PUT", preferences_path(citizen_id),
                            {"categories": {"payment": {"sms": True, "push": False}}})
    assert changed.status_code == 200, changed.text
    again = platform.call("GET", preferences_path(citizen_id)).json()
    assert again["categories"]["payment"] == {"push": False, "sms": True, "email": True}
    assert again["categories"]["account"] == shown["categories"]["account"]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"categories": {"security": {"sms": False}}}, 422, "category_is_critical"),
    ({"categories": {"payment": {"pigeon": True}}}, 422, "unknown_field"),
    ({"categories": {"weather": {"sms": True}}}, 422, "validation_error"),
    ({"categories": {"payment": {"sms": "yes"}}}, 422, "validation_error"),
    ({"categories": {}}, 422, "validation_error"),
])
def test_a_refused_preference_change_changes_nothing(platform, body, status, code):
    citizen_id = platform.register(f"pref-{uuid.uuid4().hex[:10]}")["citizen_id"]
    before = platform.call("GET", preferences_path(citizen_id)).json()
    assert error(platform.call("PUT", preferences_path(citizen_id), body)) == (status, code)
    assert platform.call("GET", preferences_path(citizen_id)).json() == before


def test_another_partners_citizens_preferences_are_a_404(platform):
    citizen_id = platform.register(f"pref-{uuid.uuid4().hex[:10]}")["citizen_id"]
    answer = platform.call("GET", preferences_path(citizen_id), partner=new_partner(platform))
    assert error(answer) == (404, "citizen_not_found")


def test_a_notification_shows_each_channel_it_went_out_on_with_its_status(platform):
    partner, _ = receiving_partner(platform)
    citizen_id = platform.register(f"ch-{uuid.uuid4().hex[:10]}", partner=partner)[
        "citizen_id"]
    welcome = eventually(lambda: platform.inbox(citizen_id, partner=partner))[0]
    push = channel(platform, citizen_id, welcome["notification_id"], partner, "push")
    assert (push["status"], push["action"]) == ("delivered", "none")
    shown = detail(platform, citizen_id, welcome["notification_id"], partner)
    assert shown["template_id"] == "welcome"
    assert shown["channels"][0] == {"channel": "inbox", "status": "delivered",
                                    "action": "none", "reason": None, "detail": None}
    assert [c["channel"] for c in shown["channels"]] == ["inbox", "push"]  # no text: not chosen


def test_a_push_the_citizen_turned_off_is_not_sent_but_stays_in_the_partners_feed(platform):
    partner, name = receiving_partner(platform)
    citizen_id = platform.register(f"ch-{uuid.uuid4().hex[:10]}", partner=partner)[
        "citizen_id"]
    eventually(lambda: platform.received(name))
    platform.call("PUT", preferences_path(citizen_id),
                  {"categories": {"account": {"push": False}}}, partner=partner)
    platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications", partner=partner)
    eventually(lambda: len(platform.call("GET", "/v1/partner/events", partner=partner)
                           .json()["items"]) == 1)  # the welcome only: no code text in feed
    assert len(platform.received(name)) == 1


def test_a_lockout_is_texted_to_the_citizens_confirmed_phone_and_delivered(
        platform):
    partner, phone = new_partner(platform), f"+86137{uuid.uuid4().int % 10**8:08d}"
    citizen_id = citizen_with_phone(platform, phone, partner)
    message = locked_out(platform, citizen_id, partner)
    sms = channel(platform, citizen_id, message["notification_id"], partner, "sms")
    assert (sms["status"], sms["action"]) == ("delivered", "none")
    texts = [t["text"] for t in platform.texts_to(phone)]
    assert any("paused for 24 hours" in text for text in texts)


@pytest.mark.parametrize(("phone", "status", "action"), [
    ("+8613000000404", "permanent-failure", "fix_address"),
    ("+8613000000408", "temporary-failure", "retry_later"),
])
def test_the_carriers_receipt_sets_the_texts_status_and_the_callers_action(
        platform, phone, status, action):
    partner = new_partner(platform)
    citizen_id = citizen_with_phone(platform, phone, partner)
    message = locked_out(platform, citizen_id, partner)
    sms = channel(platform, citizen_id, message["notification_id"], partner, "sms")
    assert (sms["status"], sms["action"]) == (status, action)


def test_a_receipt_with_a_bad_signature_is_refused_and_changes_nothing(platform):
    answer = platform.http.post(f"{platform.url}/callbacks/sms",
                                data=b'{"reference": "x", "status": "DELIVRD"}',
                                headers={"X-Receipt-Signature": "0" * 64,
                                         "Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_receipt_signature"


def mailed_code(platform, address) -> str:
    mails = eventually(lambda: platform.mails_to(address))
    assert mails, f"no mail for {address}"
    return re.search(r"\b(\d{6})\b", mails[-1]["text"]).group(1)


def test_a_confirmed_address_is_the_citizens_shown_masked(platform):
    address = f"zhang.{uuid.uuid4().hex[:8]}@example.com"
    citizen_id = platform.register(f"ml-{uuid.uuid4().hex[:10]}")["citizen_id"]
    started = platform.call("POST", f"/v1/citizens/{citizen_id}/email", {"address": address})
    assert started.status_code == 202, started.text
    assert platform.call("GET", f"/v1/citizens/{citizen_id}").json()["email"] is None
    confirmed = platform.call("POST", f"/v1/citizens/{citizen_id}/email/confirm",
                              {"code": mailed_code(platform, address)})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["email"] == "z" + "*" * (len(address.split("@")[0]) - 1) + \
        "@example.com"


def test_a_wrong_mailed_code_confirms_nothing(platform):
    address = f"li.{uuid.uuid4().hex[:8]}@example.com"
    citizen_id = platform.register(f"ml-{uuid.uuid4().hex[:10]}")["citizen_id"]
    platform.call("POST", f"/v1/citizens/{citizen_id}/email", {"address": address})
    code = mailed_code(platform, address)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answer = platform.call("POST", f"/v1/citizens/{citizen_id}/email/confirm", {"code": wrong})
    assert error(answer) == (422, "code_invalid")
    assert platform.call("GET", f"/v1/citizens/{citizen_id}").json()["email"] is None


@pytest.mark.parametrize(("address", "status", "code"), [
    ("bounce@example.com", 422, "email_refused"),
    ("full@example.com", 503, "email_deferred"),
    ("not-an-address", 422, "validation_error"),
])
def test_an_address_the_mail_server_refuses_is_not_taken(platform, address, status, code):
    citizen_id = platform.register(f"ml-{uuid.uuid4().hex[:10]}")["citizen_id"]
    answer = platform.call("POST", f"/v1/citizens/{citizen_id}/email", {"address": address})
    assert error(answer) == (status, code)


def test_a_citizen_with_a_confirmed_address_is_mailed_what_has_a_mail_text(platform):
    partner, phone = new_partner(platform), f"+86136{uuid.uuid4().int % 10**8:08d}"
    address = f"wang.{uuid.uuid4().hex[:8]}@example.com"
    citizen_id = platform.register(f"ml-{uuid.uuid4().hex[:10]}", phone=phone,
                                   partner=partner)["citizen_id"]
    platform.call("POST", f"/v1/citizens/{citizen_id}/email", {"address": address},
                  partner=partner)
    platform.call("POST", f"/v1/citizens/{citizen_id}/email/confirm",
                  {"code": mailed_code(platform, address)}, partner=partner)
    platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications", partner=partner)
    platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications/confirm",
                  {"code": texted_code(platform, phone)}, partner=partner)
    level = eventually(lambda: [m for m in platform.inbox(citizen_id, partner=partner)
                                if m["template_id"] == "level_reached"])
    assert level and level[0]["template_version"] == 2
    mail = channel(platform, citizen_id, level[0]["notification_id"], partner, "email")
    assert (mail["status"], mail["action"]) == ("delivered", "none")
    subjects = [m["subject"] for m in platform.mails_to(address)]
    assert "Your identity check passed" in subjects
    log = platform.call("GET", f"/v1/citizens/{citizen_id}/access-log", partner=partner).json()
    reads = [(e["reader"], e["attributes"], e["purpose"]) for e in log["items"]]
    assert ("service:notify", ["email"], "notification") in reads
    assert log["chain_intact"] is True
