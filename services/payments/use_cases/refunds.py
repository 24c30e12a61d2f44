"""Refunds asked for by ops (`cityhub payments refund`) or by an agency (through its
adapter): recorded at once, sent to the provider by the upkeep timer until it pays
them back (use_cases/upkeep.py), and booked in the ledger then."""

import logging
from datetime import datetime

from chassis import metrics
from chassis.claims import alone
from contracts.errors import CityHubError, NotFound
from services.payments import repository
from services.payments.domain import orders
from services.payments.domain import refunds as rules
from services.payments.models import AgencyCursor
from services.payments.use_cases import settlement
from services.payments.views import refund_view

log = logging.getLogger(__name__)


def request(uow, payment_id: str, amount: int, stated_refundable: int, request_no: str,
            reason: str, requested_by: str, now: datetime) -> dict:
    """A refund of `amount` fen, if `stated_refundable` is what the order can still give."""
    rules.check_request_no(request_no)
    with uow.transaction() as session:
        payment = repository.payment(session, payment_id, lock=True)
        if payment is None:
            raise NotFound("no such payment", field="payment_id", code="payment_not_found")
        known = repository.refund_by_request_no(session, request_no)
        if known is not None and rules.same_request(known.payment_id, known.amount_cents,
                                                    payment_id, amount):
            return refund_view(known)
        refundable = rules.refundable(payment.amount_cents, payment.refunded_cents,
                                      repository.pending_refunds(session, payment.id))
        rules.check(payment.status in orders.PAID, amount, stated_refundable, refundable)
        refund = settlement.ask_refund(session, payment, amount, reason[:40], requested_by,
                                       now, request_no=request_no)
        session.flush()
        return refund_view(refund)


def in_full(uow, payment_id: str, request_no: str, reason: str, requested_by: str,
            now: datetime) -> dict | None:
    """A refund of whatever the order can still give, for the platform's own reasons
    (a cancelled paid visit); the same request number again is the same refund. None:
    the order has nothing left to give (refunded already, or never paid)."""
    rules.check_request_no(request_no)
    with uow.read() as session:
        known = repository.refund_by_request_no(session, request_no)
        if known is not None and known.payment_id == payment_id:
            return refund_view(known)
        payment = repository.payment(session, payment_id)
        if payment is None:
            raise NotFound("no such payment", field="payment_id", code="payment_not_found")
        refundable = refundable_now(session, payment)
    if refundable == 0:
        return None
    return request(uow, payment_id, refundable, refundable, request_no, reason, requested_by,
                   now)


def refundable_now(session, payment) -> int:
    """What a refund can still give: nothing for an unpaid order; pending refunds count."""
    if payment.status not in orders.PAID:
        return 0
    return rules.refundable(payment.amount_cents, payment.refunded_cents,
                            repository.pending_refunds(session, payment.id))


def from_agencies(uow, agencies, agency_codes, now: datetime) -> int:
    """Read each agency's new refund requests and record them; how many were read.

    A request the order cannot give (a stale refundable amount, too much) is refused,
    logged and counted, and not read again; an agency that does not answer is asked
    again next time from where we were."""
    read = 0
    for agency in agency_codes:
        with alone(uow, f"payments.refund_requests.{agency}") as only_reader:
            if only_reader:  # else another replica is reading this feed now
                read += _read_feed(uow, agencies, agency, now)
    return read


def _read_feed(uow, agencies, agency: str, now: datetime) -> int:
    with uow.read() as session:
        cursor = session.get(AgencyCursor, agency)
        after = cursor.last_seq if cursor else 0
    try:
        asked = agencies.refund_requests(agency, after)
    except Exception:  # noqa: BLE001 - the agency's silence: ask again next time
        return 0
    for entry in asked:
        outcome = _from_agency(uow, agency, entry, now)
        metrics.AGENCY_REFUND_REQUESTS.labels(outcome).inc()
        with uow.transaction() as session:
            cursor = session.get(AgencyCursor, agency)
            if cursor is None:
                session.add(AgencyCursor(agency=agency, last_seq=entry["seq"]))
            else:
                cursor.last_seq = max(cursor.last_seq, entry["seq"])
    return len(asked)


def _from_agency(uow, agency: str, entry: dict, now: datetime) -> str:
    with uow.read() as session:
        payment = repository.payment(session, str(entry["order_id"]))
    if payment is None or payment.agency != agency:
        log.warning("an agency asked to refund an order not its own",
                    extra={"agency": agency, "order": str(entry["order_id"])[:64]})
        return "refused"
    try:
        request(uow, payment.id, int(entry["amount_cents"]), int(entry["refundable_cents"]),
                str(entry["request_no"]), str(entry.get("reason", "agency")), "agency", now)
    except CityHubError as refused:
        log.warning("an agency's refund request was refused",
                    extra={"agency": agency, "order": payment.id, "reason": refused.code})
        return "refused"
    return "recorded"
