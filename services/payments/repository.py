"""Every query payments makes. Writes that must happen once lean on the database's
own constraints (one order in flight per bill, one ledger movement per name)."""

from datetime import datetime

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from services.payments.domain.bills import PAID, PAYABLE
from services.payments.domain.orders import AWAITING_PAYMENT, PARTIALLY_REFUNDED, SUCCEEDED
from services.payments.models import (
    Bill,
    CitizenBill,
    Fee,
    IdempotencyKey,
    LedgerEntry,
    LinkedAccount,
    Payment,
    Refund,
    Transition,
)


def all_fees(session: Session) -> list[Fee]:
    return list(session.scalars(select(Fee).order_by(Fee.category, Fee.code)))


def fee(session: Session, code: str) -> Fee | None:
    return session.get(Fee, code)


# -- bills and accounts ---------------------------------------------------------------

def bill(session: Session, bill_id: str) -> Bill | None:
    return session.get(Bill, bill_id)


def bill_by_number(session: Session, fee_code: str, bill_number: str) -> Bill | None:
    return session.scalar(select(Bill).where(Bill.fee_code == fee_code,
                                             Bill.bill_number == bill_number))


def has_found(session: Session, citizen_id: str, bill_id: str) -> bool:
    return session.get(CitizenBill, (citizen_id, bill_id)) is not None


def bills_due(session: Session, citizen_id: str) -> list[Bill]:
    return list(session.scalars(
        select(Bill).join(CitizenBill, CitizenBill.bill_id == Bill.id)
        .where(CitizenBill.citizen_id == citizen_id, Bill.status == PAYABLE)
        .order_by(Bill.due_date, Bill.bill_number)))


def linked(session: Session, citizen_id: str, fee_code: str, account: str) -> bool:
    return session.get(LinkedAccount, (citizen_id, fee_code, account)) is not None


def linked_accounts(session: Session, citizen_id: str) -> list[LinkedAccount]:
    return list(session.scalars(select(LinkedAccount).where(
        LinkedAccount.citizen_id == citizen_id).order_by(LinkedAccount.linked_at)))


def account_holders(session: Session, fee_code: str, account: str) -> set[str]:
    return set(session.scalars(select(LinkedAccount.citizen_id).where(
        LinkedAccount.fee_code == fee_code, LinkedAccount.account == account)))


_ACCOUNT_KEY = (LinkedAccount.citizen_id, LinkedAccount.fee_code, LinkedAccount.account)


def _not_refreshed(query, before: datetime, after: list | None):
    """Linked accounts not refreshed since `before` (the start of the city day), after
    the key `after` (a cursor, so that one whose agency failed is not met again)."""
    query = query.where((LinkedAccount.refreshed_at.is_(None))
                        | (LinkedAccount.refreshed_at < before))
    return query.where(tuple_(*_ACCOUNT_KEY) > tuple_(*after)) if after else query


def accounts_left_to_refresh(session: Session, before: datetime, after: list | None) -> int:
    return session.scalar(_not_refreshed(select(func.count()).select_from(LinkedAccount),
                                         before, after))


def accounts_to_refresh(session: Session, before: datetime, after: list | None,
                        limit: int) -> list[LinkedAccount]:
    return list(session.scalars(_not_refreshed(select(LinkedAccount), before, after)
                                .order_by(*_ACCOUNT_KEY).limit(limit)))


# -- orders ---------------------------------------------------------------------------

def payment(session: Session, payment_id: str, lock: bool = False) -> Payment | None:
    query = select(Payment).where(Payment.id == payment_id)
    return session.scalar(query.with_for_update() if lock else query)


def payment_of(session: Session, citizen_id: str, payment_id: str) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.id == payment_id,
                                                Payment.citizen_id == citizen_id))


def payments_of(session: Session, citizen_id: str) -> list[Payment]:
    return list(session.scalars(select(Payment).where(Payment.citizen_id == citizen_id)
                                .order_by(Payment.created_at.desc())))


def set_trade(session: Session, payment_id: str, trade_no: str, cashier_url: str) -> None:
    session.execute(update(Payment).where(Payment.id == payment_id)
                    .values(trade_no=trade_no, cashier_url=cashier_url))


def mark_bill_paid(session: Session, bill_id: str) -> None:
    session.execute(update(Bill).where(Bill.id == bill_id).values(status=PAID))


def in_flight(session: Session, bill_id: str) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.bill_id == bill_id,
                                                Payment.status == AWAITING_PAYMENT))


def idempotency_key(session: Session, partner_id: str, key: str) -> IdempotencyKey | None:
    return session.get(IdempotencyKey, (partner_id, key))


def history(session: Session, payment_id: str) -> list[Transition]:
    return list(session.scalars(select(Transition).where(Transition.payment_id == payment_id)
                                .order_by(Transition.id)))


def open_due(session: Session, now: datetime, limit: int) -> list[str]:
    """Open orders the janitor should look at now."""
    return list(session.scalars(
        select(Payment.id).where(Payment.status == AWAITING_PAYMENT,
                                 Payment.next_check_at <= now)
        .order_by(Payment.next_check_at).limit(limit)))


def unconfirmed_due(session: Session, now: datetime, limit: int) -> list[str]:
    """Paid orders whose agency has not acknowledged them, due another try."""
    return list(session.scalars(
        select(Payment.id).where(Payment.status.in_((SUCCEEDED, PARTIALLY_REFUNDED)),
                                 Payment.agency_confirmation.is_(None),
                                 Payment.next_confirm_at <= now)
        .order_by(Payment.next_confirm_at).limit(limit)))


def oldest_unconfirmed(session: Session) -> datetime | None:
    return session.scalar(select(func.min(Payment.paid_at)).where(
        Payment.status.in_((SUCCEEDED, PARTIALLY_REFUNDED)),
        Payment.agency_confirmation.is_(None), Payment.next_confirm_at.is_not(None)))


def refunds_due(session: Session, now: datetime, limit: int) -> list[str]:
    return list(session.scalars(
        select(Refund.id).where(Refund.status == "pending", Refund.next_try_at <= now)
        .order_by(Refund.next_try_at).limit(limit)))


def refund(session: Session, refund_id: str, lock: bool = False) -> Refund | None:
    query = select(Refund).where(Refund.id == refund_id)
    return session.scalar(query.with_for_update() if lock else query)


def refund_by_request_no(session: Session, request_no: str) -> Refund | None:
    return session.scalar(select(Refund).where(Refund.request_no == request_no))


def pending_refunds(session: Session, payment_id: str) -> int:
    return session.scalar(select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
        Refund.payment_id == payment_id, Refund.status == "pending"))


def refunds_of(session: Session, payment_id: str) -> list[Refund]:
    return list(session.scalars(select(Refund).where(Refund.payment_id == payment_id)
                                .order_by(Refund.created_at)))


# -- reconciliation -------------------------------------------------------------------

_PAID_COLUMNS = (Payment.id, Payment.amount_cents, Payment.paid_at, Payment.agency_confirmation,
                 Payment.next_confirm_at)


def paid_between(session: Session, start: datetime, end: datetime) -> dict:
    """Orders paid in [start, end), by id: the columns reconciliation reads (rows, not
    ORM objects: a day can hold a hundred thousand)."""
    rows = session.execute(select(*_PAID_COLUMNS).where(Payment.paid_at >= start,
                                                        Payment.paid_at < end))
    return {row.id: row for row in rows}


def paid_by_ids(session: Session, ids: list[str]) -> dict:
    rows = session.execute(select(*_PAID_COLUMNS).where(Payment.id.in_(ids),
                                                        Payment.paid_at.is_not(None)))
    return {row.id: row for row in rows}


_REFUND_COLUMNS = (Refund.request_no, Refund.payment_id, Refund.amount_cents, Refund.done_at)


def refunds_done_between(session: Session, start: datetime, end: datetime) -> dict:
    rows = session.execute(select(*_REFUND_COLUMNS).where(
        Refund.status == "succeeded", Refund.done_at >= start, Refund.done_at < end))
    return {row.request_no: row for row in rows}


def refunds_by_request_nos(session: Session, numbers: list[str]) -> dict:
    rows = session.execute(select(*_REFUND_COLUMNS).where(
        Refund.request_no.in_(numbers), Refund.status == "succeeded"))
    return {row.request_no: row for row in rows}


# -- the ledger -----------------------------------------------------------------------

def has_movement(session: Session, movement: str) -> bool:
    return session.scalar(select(LedgerEntry.id).where(LedgerEntry.movement == movement)
                          .limit(1)) is not None


def ledger_total(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)))


def balances(session: Session) -> dict[str, int]:
    rows = session.execute(select(LedgerEntry.account, func.sum(LedgerEntry.amount_cents))
                           .group_by(LedgerEntry.account))
    return {account: int(total) for account, total in rows}


def unbalanced_movements(session: Session) -> list[str]:
    """Movements whose two sides do not cancel: each is a defect to investigate."""
    return list(session.scalars(
        select(LedgerEntry.movement).group_by(LedgerEntry.movement)
        .having((func.sum(LedgerEntry.amount_cents) != 0) | (func.count() != 2))))
