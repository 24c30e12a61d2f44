"""What the provider says about an order, applied once: by its notification or by
our query, in whatever order and however often they come.

An order only moves forward (domain/orders.py), and each movement of money is
named (`PAYMENT:paid`), so a duplicate or a late word changes nothing. Money that
arrives for an order that had already ended is recorded and refunded in full.
"""

import logging
import urllib.parse
import uuid
from datetime import UTC, datetime

from chassis import metrics
from contracts.events import (
    PaymentAgencyConfirmed,
    PaymentExpired,
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
)
from contracts.time import CITY_TIME
from services.payments import repository
from services.payments.domain import ledger, orders
from services.payments.domain.provider import fen, outcome
from services.payments.models import Refund

log = logging.getLogger(__name__)
SUCCESS, FAIL = "success", "fail"
_EVENTS = {orders.FAILED: PaymentFailed, orders.CLOSED: PaymentFailed,
           orders.EXPIRED: PaymentExpired, orders.SUCCEEDED: PaymentSucceeded,
           orders.AGENCY_CONFIRMED: PaymentAgencyConfirmed}
_FAILURE_REASONS = {orders.FAILED: "declined", orders.CLOSED: "closed"}


def notification(uow, provider, terms, body: str, now: datetime) -> str:
    """A provider's notification: `success` once applied (or already applied), `fail`
    for a bad signature, an order we do not know, or an amount not the order's."""
    params = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
    if not provider.is_genuine(params):
        metrics.PAYMENT_NOTIFICATIONS.labels("bad_signature").inc()
        log.warning("payment notification refused: bad signature",
                    extra={"order": params.get("out_trade_no", "")[:64]})
        return FAIL
    try:
        state, amount = outcome(params["trade_status"]), fen(params["total_amount"])
    except (KeyError, ValueError):
        metrics.PAYMENT_NOTIFICATIONS.labels("unreadable").inc()
        log.error("payment notification refused: unreadable", extra={
            "order": params.get("out_trade_no", "")[:64]})
        return FAIL
    paid_at = _moment(params.get("gmt_payment")) or now
    result = apply(uow, terms, params.get("out_trade_no", ""), state, amount, paid_at,
                   "provider_notification", now)
    metrics.PAYMENT_NOTIFICATIONS.labels(result).inc()
    return SUCCESS if result in ("applied", "unchanged") else FAIL


def apply(uow, terms, payment_id: str, state: str | None, amount: int, paid_at: datetime,
          cause: str, now: datetime) -> str:
    """Apply the provider's word on an order: applied, unchanged, unknown_order or
    amount_mismatch (refused and raised: an alert, never applied). A trade the provider
    says closed is watched from now on (`terms`: how long, how often)."""
    with uow.transaction() as session:
        payment = repository.payment(session, payment_id, lock=True)
        if payment is None:
            log.error("provider spoke of an order we do not have",
                      extra={"order": payment_id[:64]})
            return "unknown_order"
        if state is None:
            return "unchanged"
        if amount != payment.amount_cents:
            metrics.PAYMENT_AMOUNT_MISMATCHES.inc()
            log.error("provider's amount is not the order's: refused",
                      extra={"order": payment.id, "cause": cause})
            return "amount_mismatch"
        if state == orders.SUCCEEDED:
            return _paid(uow, session, payment, paid_at, cause, now)
        if move(session, payment, state, cause, now):
            if state in orders.WATCHED_AFTER_END:
                watch(payment, terms, now)
            publish(uow, payment, state)
            return "applied"
        return "unchanged"


def watch(payment, terms, now: datetime) -> None:
    """Go on asking the provider about this closed trade until `terms.watch_for` has
    passed (domain/janitor.py): money may still land on it."""
    payment.watch_until = now + terms.watch_for
    payment.queries_made, payment.next_check_at = 0, now + terms.first_query


def _paid(uow, session, payment, paid_at: datetime, cause: str, now: datetime) -> str:
    if payment.status == orders.AWAITING_PAYMENT:
        move(session, payment, orders.SUCCEEDED, cause, now)
        payment.paid_at = paid_at
        payment.next_confirm_at = now
        book(session, payment.id, "paid", ledger.paid(payment.amount_cents), now)
        if payment.bill_id is not None:
            repository.mark_bill_paid(session.connection(), payment.bill_id)
        publish(uow, payment, orders.SUCCEEDED)
        return "applied"
    if payment.status in orders.ENDED_UNPAID:
        payment.watch_until = payment.next_check_at = None  # the provider's answer is final
        if not book(session, payment.id, "paid", ledger.paid(payment.amount_cents), now):
            return "unchanged"  # the late payment is known and already being refunded
        payment.paid_at = paid_at
        note(session, payment, cause, now, "paid after the order ended: refunded in full")
        ask_refund(session, payment, payment.amount_cents, "paid_after_close", "platform",
                   now, request_no=f"{payment.id}-late")
        metrics.LATE_PAYMENTS.labels(cause).inc()
        return "applied"
    return "unchanged"


def move(session, payment, state: str, cause: str, now: datetime, text=None) -> bool:
    """Move the order forward and record why; False (nothing recorded) if it is past it."""
    transition = orders.move(payment.status, state, cause, now)
    if transition is None:
        return False
    repository.add_transition(session.connection(), payment.id, transition.from_state, state,
                              cause, now, text)
    payment.status = state
    metrics.PAYMENT_TRANSITIONS.labels(state, cause).inc()
    return True


def note(session, payment, cause: str, now: datetime, text: str) -> None:
    """Something the order's history should show that does not move it."""
    repository.add_transition(session.connection(), payment.id, payment.status,
                              payment.status, cause, now, text)


def book(session, payment_id: str, name: str, entries, now: datetime) -> bool:
    """Record a movement once: False if a movement of that name is already there."""
    return repository.add_movement(session.connection(), f"{payment_id}:{name}", payment_id,
                                   entries, now)


def publish(uow, payment, state: str, **extra) -> None:
    event = _EVENTS[state]
    if event is PaymentFailed:
        extra["reason"] = _FAILURE_REASONS[state]
    uow.publish(event(payment_id=payment.id, citizen_id=payment.citizen_id,
                      fee_code=payment.fee_code, amount_cents=payment.amount_cents, **extra))


def ask_refund(session, payment, amount: int, reason: str, requested_by: str,
               now: datetime, request_no: str | None = None) -> Refund:
    """A refund to send to the provider (the upkeep timer sends it, and again until it
    goes through); its request number makes the provider pay it back once."""
    refund = Refund(id=str(uuid.uuid4()), payment_id=payment.id,
                    request_no=request_no or uuid.uuid4().hex, amount_cents=amount,
                    reason=reason, requested_by=requested_by, status="pending",
                    created_at=now, next_try_at=now, attempts=0)
    session.add(refund)
    return refund


def refunded(uow, session, refund, payment, now: datetime) -> None:
    """The provider paid the refund back: book it and move the order."""
    refund.status, refund.done_at = "succeeded", now
    source = (ledger.agency(payment.agency) if payment.agency_confirmation
              else ledger.PROVIDER_CLEARING)
    book(session, payment.id, f"refund:{refund.request_no}",
         ledger.refunded(source, refund.amount_cents), now)
    payment.refunded_cents += refund.amount_cents
    if payment.status in orders.PAID:
        whole = payment.refunded_cents >= payment.amount_cents
        move(session, payment, orders.REFUNDED if whole else orders.PARTIALLY_REFUNDED,
             "refund", now)
    uow.publish(PaymentRefunded(payment_id=payment.id, citizen_id=payment.citizen_id,
                                fee_code=payment.fee_code, amount_cents=payment.amount_cents,
                                refund_id=refund.id, refunded_cents=refund.amount_cents,
                                reason=refund.reason))


def _moment(text: str | None) -> datetime | None:
    """The provider's payment time; one without an offset is the city's (Alipay
    writes "2026-11-25 13:00:00" in Beijing time)."""
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=CITY_TIME)
    return moment.astimezone(UTC) if moment is not None else None
