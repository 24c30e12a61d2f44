"""Ordering: an order for a bill or a catalogue fee, under the partner's
Idempotency-Key, then its trade at the provider (the cashier the citizen pays at).

The order is committed before the provider is asked, so a database transaction is
never held open across a call to another system. If the provider does not answer,
the order stays without a cashier and the partner sends the same request again:
the key makes it the same order, and the provider's create is idempotent by our
order number, so the retry finishes what the first call started.
"""

import logging
import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy.exc import IntegrityError

from contracts.assurance import needed, require
from contracts.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from contracts.events import PaymentCreated
from contracts.time import iso_utc
from services.payments import repository
from services.payments.adapters import ProviderRefused, ProviderUnavailable
from services.payments.domain import bills as bill_rules
from services.payments.domain import idempotency, janitor, order_terms
from services.payments.domain.orders import AWAITING_PAYMENT, CREATED
from services.payments.use_cases import bills
from services.payments.views import payment_view

log = logging.getLogger(__name__)


class Terms:
    """What the order settings say: how long to pay, when the janitor first looks, how
    long it watches a closed trade, how long a replica holds a unit of upkeep."""

    def __init__(self, settings):
        self.pay_within = timedelta(seconds=settings.payment_order_seconds)
        self.first_query = timedelta(seconds=settings.payment_first_query_seconds)
        self.longest_wait = timedelta(seconds=settings.payment_longest_query_wait_seconds)
        self.watch_for = timedelta(seconds=settings.payment_watch_after_close_seconds)
        self.longest_watch_wait = timedelta(
            seconds=settings.payment_longest_watch_wait_seconds)
        self.bill_fresh_for = timedelta(seconds=settings.bill_fresh_seconds)
        self.lease = timedelta(seconds=settings.work_lease_seconds)  # chassis/claims.py
        self.notify_url = settings.callback_url(f"/callbacks/payments/{PROVIDER_NAME}")


PROVIDER_NAME = "alipay"


def create(uow, agencies, provider, terms: Terms, citizen_id: str, partner_id: str,
           level: int, key, body: dict, now: datetime,
           levels: dict | None = None) -> tuple[dict, bool]:
    """(the order, replayed): a new order, or the one this key already made; refused
    below the level the catalogue's `levels` (by fee code) or the fee's own sets."""
    key = idempotency.check_key(key)
    body_print = idempotency.fingerprint({"citizen_id": citizen_id, **body})
    with uow.core_read() as connection:
        stored = repository.idempotency_key(connection, partner_id, key)
        verdict = idempotency.judge((stored.fingerprint, stored.created_at) if stored else None,
                                    body_print, now)
        replay = stored.payment_id if verdict == idempotency.REPLAY else None
        bill = (repository.bill(connection, body["bill_id"])
                if replay is None and body.get("bill_id") is not None else None)
    if replay is not None:
        return ensure_trade(uow, provider, terms, replay, now), True
    if bill is not None and not bill_rules.is_fresh(bill.fetched_at, now, terms.bill_fresh_for):
        bills.refreshed(uow, agencies, bill, now)
    try:
        payment = _record(uow, terms, citizen_id, partner_id, level, key, body,
                          body_print, stored is not None, now, levels)
    except IntegrityError as exc:
        # A twin request with the same key, or another order for the bill, committed
        # first: answer as if this one had come second.
        log.info("order collided with another: %s", type(exc.orig).__name__)
        with uow.core_read() as connection:
            twin = repository.idempotency_key(connection, partner_id, key)
        if twin is None or twin.fingerprint != body_print:
            raise _in_flight(uow, body) from None
        return ensure_trade(uow, provider, terms, twin.payment_id, now), True
    return _with_trade(uow, provider, terms, payment, now), False


def _record(uow, terms, citizen_id, partner_id, level, key, body, body_print,
            forget_old_key: bool, now, levels) -> SimpleNamespace:
    with uow.core_transaction() as connection:
        fee, bill, amount, reference = _what_to_pay(connection, citizen_id, body)
        require(level, needed(levels, fee.code, fee.required_assurance_level))
        shown = body.get("amount_cents")
        if shown is not None and shown != amount:
            raise InvalidInput(f"the amount due is {amount} fen, not {shown}: show the "
                               "citizen the new amount", field="amount_cents",
                               code="amount_changed")
        if bill is not None:
            bill_rules.check_payable(bill)
            in_flight = repository.in_flight(connection, bill.id)
            if in_flight is not None:
                raise _in_flight_for(in_flight)
        if forget_old_key:
            repository.forget_key(connection, partner_id, key)
        expires_at = now + terms.pay_within
        payment = {
            "id": str(uuid.uuid4()), "citizen_id": citizen_id, "partner_id": partner_id,
            "fee_code": fee.code, "agency": fee.agency, "bill_id": bill.id if bill else None,
            "amount_cents": amount, "currency": fee.currency, "reference": reference,
            "status": AWAITING_PAYMENT, "created_at": now, "expires_at": expires_at,
            "trade_no": None, "cashier_url": None, "paid_at": None,
            "next_check_at": janitor.next_check(now, expires_at, 0, terms.first_query,
                                                terms.longest_wait),
            "queries_made": 0, "agency_confirmation": None, "next_confirm_at": None,
            "confirm_attempts": 0, "refunded_cents": 0}
        repository.add_order(
            connection, payment,
            {"payment_id": payment["id"], "from_state": None, "to_state": AWAITING_PAYMENT,
             "cause": CREATED, "at": now, "note": None},
            {"partner_id": partner_id, "key": key, "fingerprint": body_print,
             "payment_id": payment["id"], "created_at": now})
        uow.publish(PaymentCreated(payment_id=payment["id"], citizen_id=citizen_id,
                                   fee_code=fee.code, amount_cents=amount))
        return SimpleNamespace(**payment, subject=fee.name_zh)  # subject: what the cashier shows


def _what_to_pay(connection, citizen_id: str, body: dict):
    """(fee, bill or None, amount, reference): a bill's amount is the agency's."""
    if body.get("bill_id") is not None:
        bill = repository.bill(connection, body["bill_id"])
        if bill is None or not repository.has_found(connection, citizen_id, bill.id):
            raise NotFound("no such bill for this citizen: look it up first",
                           field="bill_id", code="bill_not_found")
        fee = repository.fee(connection, bill.fee_code)
        return fee, bill, bill_rules.total(bill), bill.bill_number
    fee = repository.fee(connection, body.get("fee_code"))
    if fee is None:
        raise NotFound("no such fee in the catalogue", field="fee_code", code="fee_not_found")
    if fee.amount_cents is None:
        raise InvalidInput(f"{fee.code} is billed by its agency: look the bill up and order "
                           "it by bill_id", field="fee_code", code="fee_needs_bill")
    amount, reference = order_terms(fee, None, body.get("reference"))
    return fee, None, amount, reference


def _in_flight(uow, body: dict) -> Exception:
    with uow.core_read() as connection:
        payment = (repository.in_flight(connection, body["bill_id"])
                   if body.get("bill_id") else None)
    if payment is None:  # pragma: no cover - only a key or the bill can collide
        return Conflict("a twin request is being handled; send it again", code="conflict")
    return _in_flight_for(payment)


def _in_flight_for(payment) -> Conflict:
    return Conflict(f"order {payment.id} for this bill is awaiting payment until "
                    f"{iso_utc(payment.expires_at)}; pay or let it expire",
                    field="bill_id", code="payment_in_progress")


def ensure_trade(uow, provider, terms: Terms, payment_id: str, now: datetime) -> dict:
    """The order, with its cashier at the provider made if it has none yet."""
    with uow.core_read() as connection:
        payment = repository.payment_row(connection, payment_id)
        if payment.cashier_url is not None or payment.status != AWAITING_PAYMENT:
            return payment_view(payment)
        subject = repository.fee(connection, payment.fee_code).name_zh
    return _with_trade(uow, provider, terms, SimpleNamespace(**payment._mapping, subject=subject),
                       now)


def _with_trade(uow, provider, terms: Terms, payment, now: datetime) -> dict:
    """Make the order's trade at the provider (the same order again: the same trade)
    and keep its cashier; `payment` is the order as just read or written."""
    try:
        trade_no, cashier_url = provider.create_trade(payment.id, payment.amount_cents,
                                                      payment.subject, terms.notify_url,
                                                      payment.expires_at)
    except (ProviderUnavailable, ProviderRefused):
        raise ServiceUnavailable("the payment provider did not answer; send the same request "
                                 "again with the same Idempotency-Key",
                                 code="payment_provider_unavailable") from None
    with uow.core_transaction() as connection:
        repository.set_trade(connection, payment.id, trade_no, cashier_url)
    payment.trade_no, payment.cashier_url = trade_no, cashier_url
    return payment_view(payment)
