"""Texts and e-mails on their way out: preferences, quiet hours, the daily cap,
retries, receipts and crashes, on SQLite and PostgreSQL with a clock the test
moves and the provider played by a fake."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from contracts.errors import ServiceUnavailable
from services.notify.domain.inbox import inbox_message
from services.notify.domain.templates import Template
from services.notify.repository import channels as store
from services.notify.use_cases import channels, sending
from tests.integration.test_partner_push import db  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration

# 23:00 in the city (15:00 UTC): quiet hours.
LATE = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
MORNING = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # 08:00 in the city
TEXTS = {"zh-CN": "账单 {n}", "en": "Bill {n}"}


def template(critical=False, category="payment"):
    return Template("bill_issued", 1, category, critical,
                    {"inbox": {"title": TEXTS, "body": TEXTS}, "sms": {"body": TEXTS}})


def plain(value, _context=None):
    return value


class Provider:
    """The SMS gateway: takes texts (or fails as told) and remembers them."""

    def __init__(self):
        self.taken, self.failing = [], 0

    def __call__(self, citizen_id, parts, reference):
        if self.failing:
            self.failing -= 1
            raise ServiceUnavailable("the SMS gateway answered 503")
        self.taken.append((citizen_id, parts["body"], reference))
        return f"msg-{len(self.taken)}", None


def tell(db, now, critical=False, n=1, citizen="c-1", texts_on=True):  # noqa: F811
    with db.core_transaction() as connection:
        if texts_on:
            store.set_preference(connection, citizen, "payment", "sms", True, now)
        message = inbox_message(template(critical), {"n": n}, None, citizen, "en", "e-1", now)
        channels.route(connection, template(critical), message, {"n": n}, now, plain,
                       daily_cap=10, mailable=False)
    return message


def sends(db, message):  # noqa: F811
    with db.core_read() as connection:
        return store.sends_of(connection, message.id)


def send_due(db, provider, now):  # noqa: F811
    return channels.send_due(db, "sms", provider, plain, now)


def test_a_text_the_citizen_chose_goes_out_once(db):  # noqa: F811
    provider = Provider()
    message = tell(db, MORNING)
    assert send_due(db, provider, MORNING) == 1
    assert send_due(db, provider, MORNING + timedelta(minutes=5)) == 0
    assert provider.taken == [("c-1", "Bill 1", sends(db, message)[0].id)]
    assert sends(db, message)[0].status == "sending"  # until the receipt


def test_a_text_the_citizen_did_not_choose_is_not_sent(db):  # noqa: F811
    message = tell(db, MORNING, texts_on=False)
    assert sends(db, message) == []


def test_a_non_critical_text_at_23_00_waits_until_08_00_city_time(db):  # noqa: F811
    provider = Provider()
    message = tell(db, LATE)
    (held,) = sends(db, message)
    assert held.send_after == MORNING and "quiet hours" in held.reason
    assert send_due(db, provider, LATE + timedelta(hours=8, minutes=59)) == 0
    assert send_due(db, provider, MORNING) == 1


def test_a_critical_text_at_23_00_goes_out_at_once_even_if_texts_are_off(db):  # noqa: F811
    provider = Provider()
    message = tell(db, LATE, critical=True, texts_on=False)
    (row,) = sends(db, message)
    assert row.reason == "critical: sent although the citizen turned this channel off"
    assert send_due(db, provider, LATE) == 1


def test_the_eleventh_non_critical_text_of_a_day_is_not_sent_but_a_critical_one_is(db):  # noqa: F811,E501
    for n in range(10):
        tell(db, MORNING + timedelta(minutes=n), n=n, citizen="c-cap")
    eleventh = tell(db, MORNING + timedelta(hours=1), n=11, citizen="c-cap")
    assert sends(db, eleventh) == []
    critical = tell(db, MORNING + timedelta(hours=1), critical=True, citizen="c-cap")
    assert len(sends(db, critical)) == 1
    next_day = tell(db, MORNING + timedelta(days=1), n=12, citizen="c-cap")
    assert len(sends(db, next_day)) == 1  # the cap is per city day


def test_a_gateway_that_fails_is_tried_again_later_then_given_up_on(db):  # noqa: F811
    provider = Provider()
    message = tell(db, MORNING)
    provider.failing = 99
    now = MORNING
    for _ in range(4):
        send_due(db, provider, now)
        row = sends(db, message)[0]
        assert row.status == "created" and row.send_after > now
        now = row.send_after
    send_due(db, provider, now)
    row = sends(db, message)[0]
    assert (row.status, row.attempts) == ("technical-failure", 5)
    assert provider.taken == []


def test_a_text_claimed_by_a_sender_that_died_is_sent_after_two_minutes(db):  # noqa: F811
    provider = Provider()
    message = tell(db, MORNING)
    (row,) = sends(db, message)
    with db.core_transaction() as connection:
        assert store.claim_send(connection, row.id, MORNING, MORNING)  # then the crash
    assert send_due(db, provider, MORNING + timedelta(minutes=1)) == 0
    assert send_due(db, provider, MORNING + timedelta(minutes=2, seconds=1)) == 1
    assert len(provider.taken) == 1


def test_receipts_move_a_status_forward_only(db):  # noqa: F811
    provider = Provider()
    message = tell(db, MORNING)
    send_due(db, provider, MORNING)
    reference = sends(db, message)[0].id
    assert channels.receipt(db, reference, "DELIVRD", MORNING)
    assert channels.receipt(db, reference, "EXPIRED", MORNING)  # late and contrary
    assert channels.receipt(db, reference, "DELIVRD", MORNING)  # again
    assert sends(db, message)[0].status == "delivered"
    assert not channels.receipt(db, "no-such-text", "DELIVRD", MORNING)


def test_a_callers_key_sends_once_within_24_hours_and_again_after(db):  # noqa: F811
    delivered = []

    def deliver(connection, template_, values, message):
        delivered.append(message.id)

    def send(now):
        return sending.send(db, lambda connection, _id: template(), deliver,
                            "payment:p-1:receipt", "c-1", "bill_issued", {"n": 1}, None, now)

    first = send(MORNING)
    again = send(MORNING + timedelta(hours=23))
    assert again == {"notification_id": first["notification_id"], "duplicate": True}
    later = send(MORNING + timedelta(hours=24, seconds=1))
    assert later["duplicate"] is False and later["notification_id"] != first["notification_id"]
    assert len(delivered) == 2
    assert json.dumps(first)  # plain values, for the RPC's answer
