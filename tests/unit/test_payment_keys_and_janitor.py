"""Idempotency keys on orders, and the janitor's schedule."""

from datetime import UTC, datetime, timedelta

import pytest

from contracts.errors import InvalidInput
from services.payments.domain import idempotency, janitor

NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)
BODY = {"fee_code": "traffic_fine", "bill": "TF-2026-001"}


def test_the_same_key_and_body_within_24_hours_is_the_same_order():
    stored = (idempotency.fingerprint(BODY), NOW)
    same = {"bill": "TF-2026-001", "fee_code": "traffic_fine"}  # fields in another order
    assert idempotency.judge(stored, idempotency.fingerprint(same),
                             NOW + timedelta(hours=23)) == idempotency.REPLAY


def test_the_same_key_with_another_body_is_refused():
    stored = (idempotency.fingerprint(BODY), NOW)
    other = idempotency.fingerprint(BODY | {"bill": "TF-2026-002"})
    with pytest.raises(InvalidInput) as refused:
        idempotency.judge(stored, other, NOW + timedelta(minutes=1))
    assert refused.value.code == "idempotency_key_reused"


def test_a_key_is_forgotten_after_24_hours_and_a_new_key_is_new():
    stored = (idempotency.fingerprint(BODY), NOW)
    other = idempotency.fingerprint(BODY | {"bill": "TF-2026-002"})
    assert idempotency.judge(stored, other, NOW + timedelta(hours=24)) == idempotency.NEW
    assert idempotency.judge(None, other, NOW) == idempotency.NEW


@pytest.mark.parametrize(("key", "code"), [
    (None, "idempotency_key_missing"), ("", "idempotency_key_missing"),
    ("short", "validation_error"), ("has space in it", "validation_error"),
    ("x" * 129, "validation_error"),
])
def test_a_missing_or_malformed_key_is_refused(key, code):
    with pytest.raises(InvalidInput) as refused:
        idempotency.check_key(key)
    assert refused.value.code == code


def test_a_uuid_is_a_good_key():
    key = "0b7d1f2e-6d33-4f0a-9a51-6a1c0c6f3e10"
    assert idempotency.check_key(key) == key


def test_an_open_order_is_asked_about_after_2_minutes_then_less_often():
    waits = [janitor.next_query(NOW, n) - NOW for n in range(6)]
    assert waits == [timedelta(minutes=m) for m in (2, 4, 8, 16, 26, 36)]


def test_the_janitor_waits_asks_when_due_and_closes_what_has_expired():
    expires = NOW + timedelta(minutes=30)
    assert janitor.what_to_do(NOW, expires, 0, NOW + timedelta(minutes=1)) == janitor.WAIT
    assert janitor.what_to_do(NOW, expires, 0, NOW + timedelta(minutes=2)) == janitor.ASK
    assert janitor.what_to_do(NOW, expires, 1, NOW + timedelta(minutes=3)) == janitor.WAIT
    assert janitor.what_to_do(NOW, expires, 9, expires) == janitor.CLOSE


def test_an_order_is_asked_about_often_enough_to_end_within_an_hour_of_expiry():
    """However many queries found it still open, the next one is at most 10 minutes
    away, so the closing query after expiry comes well within the hour."""
    for made in range(50):
        gap = janitor.next_query(NOW, made + 1) - janitor.next_query(NOW, made)
        assert gap <= janitor.LONGEST_WAIT


def test_a_close_that_did_not_go_through_is_tried_again_soon_then_less_often():
    expired = NOW + timedelta(minutes=15)
    assert janitor.next_close(expired, expired) == expired + timedelta(seconds=5)
    assert janitor.next_close(expired, expired + timedelta(minutes=1)) == (
        expired + timedelta(minutes=2))
    later = expired + timedelta(hours=2)
    assert janitor.next_close(expired, later) == later + timedelta(minutes=10)


def test_many_questions_before_expiry_do_not_delay_the_close():
    # Found by the 1,000-order reliability test: an order asked about eight times
    # before it expired waited ten minutes after one unanswered close.
    expired = NOW + timedelta(minutes=15)
    assert janitor.next_close(expired, expired + timedelta(seconds=1)) - (
        expired + timedelta(seconds=1)) == timedelta(seconds=5)
