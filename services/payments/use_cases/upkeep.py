"""Upkeep, run by payments' timer: the janitor that ends every order even when every
notification is lost, the agency write-offs retried until acknowledged, and the
refunds retried until the provider pays them back.

Each step first takes its row for this replica (chassis/claims.py: of several
payments processes, one asks the provider about an order, one sends a refund), then
asks the outside system, then writes, in its own short transaction, so that no
transaction waits on the network; every write re-reads the row and moves it forward
only, so a step repeated after a crash (or after its lease ran out) applies nothing
twice.
"""

import logging
from datetime import datetime

from chassis import metrics
from chassis.batches import in_batches, one_by_one
from services.payments import repository
from services.payments.adapters import (
    AgencyRefused,
    AgencyUnavailable,
    ProviderRefused,
    ProviderUnavailable,
)
from services.payments.domain import janitor, ledger, orders
from services.payments.domain.provider import outcome
from services.payments.use_cases import settlement

log = logging.getLogger(__name__)
# Agency write-offs and refunds: 5 s after a failure, doubling, at most 10 min apart.
RETRY_FIRST, RETRY_LONGEST = janitor.RETRY_FIRST, janitor.LONGEST_WAIT


def janitor_round(uow, provider, terms, now: datetime, each=one_by_one) -> int:
    """Look at every open order that is due: ask the provider, or close it once it
    has expired. How many were looked at."""
    return len(in_batches(
        uow.read, lambda session, size: repository.open_due(session, now, size),
        _taking(uow, repository.take_check, terms.lease, now,
                lambda payment_id: _look_at(uow, provider, terms, payment_id, now)), each))


def _taking(uow, take, lease, now: datetime, step):
    """`step`, for the items this replica takes (the others have a replica at them)."""
    def taken_step(item_id: str) -> None:
        with uow.core_transaction() as connection:
            if not take(connection, item_id, now, now + lease):
                return None
        return step(item_id)
    return taken_step


def _look_at(uow, provider, terms, payment_id: str, now: datetime) -> None:
    with uow.core_read() as connection:
        payment = repository.payment_row(connection, payment_id)
        created_at, expires_at, made = payment.created_at, payment.expires_at, payment.queries_made
    todo = janitor.what_to_do(created_at, expires_at, made, now, terms.first_query,
                              terms.longest_wait)
    if todo == janitor.WAIT:
        return _later(uow, terms, payment_id, now, asked=False)
    try:
        trade = provider.close(payment_id) if todo == janitor.CLOSE else provider.query(payment_id)
    except (ProviderUnavailable, ProviderRefused) as exc:
        metrics.PAYMENT_PROVIDER_UNKNOWNS.labels(todo).inc()
        log.info("the provider did not answer the janitor", extra={
            "order": payment_id, "call": todo, "reason": str(exc)[:100]})
        return _later(uow, terms, payment_id, now, asked=True)  # unknown, never "failed"
    if trade is None and todo == janitor.CLOSE:  # no trade: nothing can land on it
        return _expire(uow, None, payment_id, now, "the provider never made the trade")
    state = outcome(trade.status) if trade is not None else None
    if state == orders.CLOSED and todo == janitor.CLOSE:
        return _expire(uow, terms, payment_id, now, None)
    if state is None:
        if todo == janitor.CLOSE:
            log.warning("the provider would not close an expired order", extra={
                "order": payment_id, "trade_status": trade.status})
        return _later(uow, terms, payment_id, now, asked=True)
    settlement.apply(uow, terms, payment_id, state, trade.amount_cents, trade.paid_at or now,
                     "provider_query", now)


def _later(uow, terms, payment_id: str, now: datetime, asked: bool) -> None:
    with uow.transaction() as session:
        payment = repository.payment(session, payment_id, lock=True)
        if payment.status != orders.AWAITING_PAYMENT:
            return
        if asked:
            payment.queries_made += 1
        if now >= payment.expires_at:  # closing did not go through: try again soon
            payment.next_check_at = janitor.next_close(payment.expires_at, now)
        else:
            payment.next_check_at = max(now, janitor.next_check(
                payment.created_at, payment.expires_at, payment.queries_made,
                terms.first_query, terms.longest_wait))


def _expire(uow, terms, payment_id: str, now: datetime, text: str | None) -> None:
    """The provider closed it for us: expired, and watched (`terms`) unless no trade
    was ever made."""
    with uow.transaction() as session:
        payment = repository.payment(session, payment_id, lock=True)
        if settlement.move(session, payment, orders.EXPIRED, "janitor", now, text):
            if terms is not None:
                settlement.watch(payment, terms, now)
            settlement.publish(uow, payment, orders.EXPIRED)


# -- closed trades, watched for late money ------------------------------------------------

def watch_round(uow, provider, terms, now: datetime, each=one_by_one) -> int:
    """Ask the provider about each closed trade whose watch is due: money found on it
    is booked and refunded in full (settlement). How many were asked about."""
    with uow.read() as session:
        metrics.PAYMENT_TRADES_WATCHED.set(repository.watched(session))
        held, oldest = repository.late_money_held(session)
    metrics.LATE_MONEY_HELD.set(held)
    metrics.LATE_MONEY_OLDEST.set((now - oldest).total_seconds() if oldest else 0)
    return len(in_batches(
        uow.read, lambda session, size: repository.watched_due(session, now, size),
        _taking(uow, repository.take_check, terms.lease, now,
                lambda payment_id: _watch(uow, provider, terms, payment_id, now)), each))


def _watch(uow, provider, terms, payment_id: str, now: datetime) -> None:
    try:
        trade = provider.query(payment_id)
    except (ProviderUnavailable, ProviderRefused) as exc:
        metrics.PAYMENT_PROVIDER_UNKNOWNS.labels("watch").inc()
        log.info("the provider did not answer about a closed trade", extra={
            "order": payment_id, "reason": str(exc)[:100]})
        return _watch_later(uow, terms, payment_id, now, answered=False)
    if trade is not None and outcome(trade.status) == orders.SUCCEEDED:
        result = settlement.apply(uow, terms, payment_id, orders.SUCCEEDED, trade.amount_cents,
                                  trade.paid_at or now, "provider_query", now)
        if result in ("applied", "unchanged"):
            return None
        return _watch_later(uow, terms, payment_id, now, answered=False)  # an incident
    return _watch_later(uow, terms, payment_id, now, answered=True)


def ask_about(uow, provider, terms, payment_id: str, now: datetime, cause: str) -> str:
    """Ask the provider about one order now and apply its answer (reconciliation, for a
    payment on the statement we had not booked): settlement's result, "no_trade", or
    "unanswered"."""
    try:
        trade = provider.query(payment_id)
    except (ProviderUnavailable, ProviderRefused) as exc:
        metrics.PAYMENT_PROVIDER_UNKNOWNS.labels("query").inc()
        log.info("the provider did not answer about an order", extra={
            "order": payment_id[:64], "reason": str(exc)[:100]})
        return "unanswered"
    if trade is None:
        return "no_trade"
    try:
        state = outcome(trade.status)
    except ValueError:
        return "unreadable"
    return settlement.apply(uow, terms, payment_id, state, trade.amount_cents,
                            trade.paid_at or now, cause, now)


def _watch_later(uow, terms, payment_id: str, now: datetime, answered: bool) -> None:
    """Ask again later; an unpaid answer once the watch is over is final. No answer
    never is: a provider that cannot say is asked again."""
    with uow.transaction() as session:
        payment = repository.payment(session, payment_id, lock=True)
        if payment.watch_until is None:
            return
        if answered and now >= payment.watch_until:
            payment.watch_until = payment.next_check_at = None
            return
        payment.next_check_at = now + janitor.wait(payment.queries_made, terms.first_query,
                                                   terms.longest_watch_wait)
        payment.queries_made += 1


# -- agency write-offs ------------------------------------------------------------------

def confirm_round(uow, agencies, terms, now: datetime, each=one_by_one) -> int:
    """Tell each agency about the payments it has not acknowledged yet."""
    with uow.read() as session:
        oldest = repository.oldest_unconfirmed(session)
    metrics.AGENCY_UNCONFIRMED_AGE.set((now - oldest).total_seconds() if oldest else 0)
    return len(in_batches(
        uow.read, lambda session, size: repository.unconfirmed_due(session, now, size),
        _taking(uow, repository.take_confirm, terms.lease, now,
                lambda payment_id: _confirm(uow, agencies, payment_id, now)), each))


def _confirm(uow, agencies, payment_id: str, now: datetime) -> None:
    with uow.core_read() as connection:
        payment = repository.payment_row(connection, payment_id)
        bill = repository.bill(connection, payment.bill_id) if payment.bill_id else None
        agency, amount = payment.agency, payment.amount_cents
    try:
        confirmation = agencies.write_off(agency, payment_id,
                                          bill.bill_number if bill else None, amount)
    except AgencyUnavailable:
        metrics.AGENCY_CONFIRMATIONS.labels("unavailable").inc()
        return _confirm_later(uow, payment_id, now)
    except AgencyRefused as refused:
        metrics.AGENCY_CONFIRMATIONS.labels("refused").inc()
        return _refused_by_agency(uow, payment_id, refused.reason, now)
    metrics.AGENCY_CONFIRMATIONS.labels("confirmed").inc()
    with uow.transaction() as session:
        payment = repository.payment(session, payment_id, lock=True)
        if payment.agency_confirmation is not None:
            return
        payment.agency_confirmation, payment.next_confirm_at = confirmation, None
        settlement.book(session, payment.id, "passed_on",
                        ledger.passed_on(payment.agency, payment.amount_cents), now)
        if settlement.move(session, payment, orders.AGENCY_CONFIRMED, "agency", now):
            settlement.publish(uow, payment, orders.AGENCY_CONFIRMED)
        else:  # refunded in part meanwhile: the order keeps that state
            settlement.note(session, payment, "agency", now, "the agency confirmed it")


def _confirm_later(uow, payment_id: str, now: datetime) -> None:
    with uow.transaction() as session:
        payment = repository.payment(session, payment_id, lock=True)
        if payment.agency_confirmation is None:
            payment.next_confirm_at = now + janitor.wait(payment.confirm_attempts, RETRY_FIRST,
                                                         RETRY_LONGEST)
            payment.confirm_attempts += 1


def _refused_by_agency(uow, payment_id: str, reason: str, now: datetime) -> None:
    """The agency will not take this payment (the bill was paid at a counter since):
    the citizen gets their money back in full, and the order says why."""
    log.warning("agency refused a payment's write-off", extra={"order": payment_id,
                                                               "reason": reason})
    with uow.transaction() as session:
        payment = repository.payment(session, payment_id, lock=True)
        if payment.next_confirm_at is None:
            return
        payment.next_confirm_at = None
        settlement.note(session, payment, "agency", now, f"the agency refused it: {reason}")
        remaining = payment.amount_cents - payment.refunded_cents
        if remaining > 0:
            settlement.ask_refund(session, payment, remaining, f"agency_{reason}"[:40],
                                  "agency", now, request_no=f"{payment.id}-agency")


# -- refunds ------------------------------------------------------------------------------

def refund_round(uow, provider, terms, now: datetime, each=one_by_one) -> int:
    return len(in_batches(
        uow.read, lambda session, size: repository.refunds_due(session, now, size),
        _taking(uow, repository.take_refund, terms.lease, now,
                lambda refund_id: send_refund(uow, provider, refund_id, now)), each))


def send_refund(uow, provider, refund_id: str, now: datetime) -> None:
    """Send one refund (again: its request number makes the provider pay it once)."""
    with uow.read() as session:
        refund = repository.refund(session, refund_id)
        payment_id, request_no, amount = refund.payment_id, refund.request_no, refund.amount_cents
    try:
        provider.refund(payment_id, request_no, amount)
    except (ProviderUnavailable, ProviderRefused) as exc:
        metrics.PAYMENT_PROVIDER_UNKNOWNS.labels("refund").inc()
        if isinstance(exc, ProviderRefused):
            log.warning("provider refused a refund", extra={"order": payment_id,
                                                            "reason": exc.reason})
        with uow.transaction() as session:
            refund = repository.refund(session, refund_id, lock=True)
            if refund.status == "pending":
                refund.next_try_at = now + janitor.wait(refund.attempts, RETRY_FIRST,
                                                        RETRY_LONGEST)
                refund.attempts += 1
        return
    with uow.transaction() as session:
        refund = repository.refund(session, refund_id, lock=True)
        if refund.status != "pending":
            return
        payment = repository.payment(session, refund.payment_id, lock=True)
        settlement.refunded(uow, session, refund, payment, now)
