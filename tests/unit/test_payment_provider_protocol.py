"""The provider's side of a payment: its signature (RSA2), its amounts in yuan, its
trade states, and what makes a bill payable."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chassis.provider_signatures import (
    is_genuine,
    load_private_key,
    load_public_key,
    sign,
    signed_text,
)
from chassis.settings import DEV_PROVIDER_PUBLIC_KEY
from contracts.errors import Conflict, InvalidInput
from sandboxes.provider_test_key import PRIVATE_KEY
from services.payments.domain import bills, orders
from services.payments.domain.provider import fen, outcome, yuan

PROVIDER = load_private_key(PRIVATE_KEY)
PUBLIC = load_public_key(DEV_PROVIDER_PUBLIC_KEY)


def notification(**changes) -> dict:
    params = {"notify_id": "n-1", "out_trade_no": "order-1", "trade_status": "TRADE_SUCCESS",
              "total_amount": "260.00", "gmt_payment": "2026-11-25 13:00:00",
              "sign_type": "RSA2"}
    params["sign"] = sign(params, PROVIDER)
    params.update(changes)
    return params


def test_a_notification_the_provider_signed_is_genuine():
    assert is_genuine(notification(), PUBLIC)


@pytest.mark.parametrize("field, value", [
    ("total_amount", "0.01"), ("trade_status", "WAIT_BUYER_PAY"), ("out_trade_no", "order-2"),
])
def test_a_notification_changed_after_signing_is_not_genuine(field, value):
    assert not is_genuine(notification(**{field: value}), PUBLIC)


def test_a_notification_signed_with_another_key_is_not_genuine():
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    params = notification()
    params["sign"] = sign(params, forger)
    assert not is_genuine(params, PUBLIC)


@pytest.mark.parametrize("changes", [{"sign": ""}, {"sign": "not base64!"},
                                     {"sign_type": "RSA"}, {"sign": None}])
def test_a_notification_without_a_proper_rsa2_signature_is_not_genuine(changes):
    assert not is_genuine(notification(**changes), PUBLIC)


def test_the_signed_text_is_sorted_and_leaves_out_the_signature_and_empty_values():
    text = signed_text({"b": "2", "a": "1", "sign": "x", "sign_type": "RSA2", "c": ""})
    assert text == b"a=1&b=2"


@pytest.mark.parametrize("written, amount", [("0.01", 1), ("200.00", 20000),
                                             ("1234567.89", 123456789), ("0.00", 0)])
def test_the_providers_yuan_are_read_exactly_as_fen(written, amount):
    assert fen(written) == amount and yuan(amount) == written


@pytest.mark.parametrize("written", ["200", "200.0", "200.000", "-1.00", "01.00", "1e2",
                                     " 1.00", "", "２.00", "1２.00"])
def test_an_amount_not_written_exactly_as_yuan_with_two_decimals_is_refused(written):
    with pytest.raises(ValueError):
        fen(written)


def test_the_providers_trade_states_mean_order_states():
    assert outcome("TRADE_SUCCESS") == orders.SUCCEEDED
    assert outcome("TRADE_FINISHED") == orders.SUCCEEDED
    assert outcome("PAY_FAILED") == orders.FAILED
    assert outcome("TRADE_CLOSED") == orders.CLOSED
    assert outcome("WAIT_BUYER_PAY") is None
    with pytest.raises(ValueError):
        outcome("TRADE_PENDING")


def bill(status="payable", amount=20000, late_fee=0):
    return SimpleNamespace(status=status, amount_cents=amount, late_fee_cents=late_fee,
                           due_date=date(2026, 11, 16))


def test_a_bill_costs_its_amount_and_its_late_fee():
    assert bills.total(bill(amount=20000, late_fee=6000)) == 26000


def test_a_paid_bill_is_a_conflict_and_an_expired_one_is_refused():
    with pytest.raises(Conflict) as paid:
        bills.check_payable(bill("paid"))
    assert paid.value.code == "bill_already_paid"
    with pytest.raises(InvalidInput) as expired:
        bills.check_payable(bill("expired"))
    assert expired.value.code == "bill_expired"
    bills.check_payable(bill())  # positive control: a payable bill passes


def test_a_bill_looked_up_long_ago_is_asked_for_again():
    now = datetime(2026, 11, 25, tzinfo=UTC)
    fresh_for = timedelta(minutes=15)
    assert bills.is_fresh(now - timedelta(minutes=14), now, fresh_for)
    assert not bills.is_fresh(now - timedelta(minutes=15), now, fresh_for)
