"""Every query payments makes. Writes that must happen once lean on the database's
own constraints (one order in flight per bill, one ledger movement per name)."""

from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, case, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from chassis.claims import take
from chassis.db import insert_or_skip, upsert
from services.payments.domain.bills import PAID, PAYABLE
from services.payments.domain.orders import (
    AWAITING_PAYMENT,
    ENDED_UNPAID,
    PARTIALLY_REFUNDED,
    SUCCEEDED,
)
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


# Ordering reads and writes these on every order: statements built once and run on
# a plain connection (or a session), since an ORM load or flush there cost more than
# the rows. What they return are read-only rows.
_FEE, _BILL = Fee.__table__, Bill.__table__
_PAYMENT, _KEY = Payment.__table__, IdempotencyKey.__table__
SELECT_FEE = select(_FEE).where(_FEE.c.code == bindparam("code"))
SELECT_BILL = select(_BILL).where(_BILL.c.id == bindparam("id"))
SELECT_PAYMENT = select(_PAYMENT).where(_PAYMENT.c.id == bindparam("id"))
SELECT_KEY = select(_KEY).where(_KEY.c.partner_id == bindparam("partner_id"),
                                _KEY.c.key == bindparam("key"))
DELETE_KEY = delete(_KEY).where(_KEY.c.partner_id == bindparam("partner_id"),
                                _KEY.c.key == bindparam("key"))
SELECT_FOUND = select(CitizenBill.__table__.c.bill_id).where(
    CitizenBill.__table__.c.citizen_id == bindparam("citizen_id"),
    CitizenBill.__table__.c.bill_id == bindparam("bill_id"))
SELECT_IN_FLIGHT = select(_PAYMENT).where(_PAYMENT.c.bill_id == bindparam("bill_id"),
                                          _PAYMENT.c.status == AWAITING_PAYMENT)
INSERT_PAYMENT, INSERT_KEY = insert(_PAYMENT), insert(_KEY)
INSERT_TRANSITION = insert(Transition.__table__)
SET_TRADE = update(_PAYMENT).where(_PAYMENT.c.id == bindparam("payment_id")).values(
    trade_no=bindparam("trade_no"), cashier_url=bindparam("cashier_url"))


def fee(connection, code: str):
    return connection.execute(SELECT_FEE, {"code": code}).first()


# -- bills and accounts ---------------------------------------------------------------

def bill(connection, bill_id: str):
    return connection.execute(SELECT_BILL, {"id": bill_id}).first()


def expire_bill(connection, bill_id: str, now: datetime) -> None:
    connection.execute(update(_BILL).where(_BILL.c.id == bill_id)
                       .values(status="expired", fetched_at=now))


@cache
def _save_bill(dialect: str):
    statement = upsert(dialect, _BILL)
    new = statement.excluded
    # Our own record of a payment outranks an agency's answer that is not up to date.
    status = case((_BILL.c.status == PAID, PAID), else_=new.status)
    return statement.on_conflict_do_update(
        index_elements=[_BILL.c.fee_code, _BILL.c.bill_number],
        set_={"account": new.account, "amount_cents": new.amount_cents,
              "late_fee_cents": new.late_fee_cents, "due_date": new.due_date,
              "payee": new.payee, "status": status, "fetched_at": new.fetched_at},
    ).returning(*_BILL.c)


def save_bill(connection, values: dict):
    """The bill by its fee and number, inserted or brought up to date: the row as
    stored (`values["id"]` is used only if the bill is new)."""
    return connection.execute(_save_bill(connection.dialect.name), values).one()


def found_bill(connection, citizen_id: str, bill_id: str, at: datetime) -> bool:
    """Remember that a citizen found a bill; False if they had already."""
    return connection.execute(insert_or_skip(connection, CitizenBill.__table__), {
        "citizen_id": citizen_id, "bill_id": bill_id, "found_at": at}).rowcount == 1


def has_found(connection, citizen_id: str, bill_id: str) -> bool:
    return connection.execute(SELECT_FOUND, {"citizen_id": citizen_id,
                                             "bill_id": bill_id}).first() is not None


def bills_due(session: Session, citizen_id: str) -> list[Bill]:
    return list(session.scalars(
        select(Bill).join(CitizenBill, CitizenBill.bill_id == Bill.id)
        .where(CitizenBill.citizen_id == citizen_id, Bill.status == PAYABLE)
        .order_by(Bill.due_date, Bill.bill_number)))


def linked(session: Session, citizen_id: str, fee_code: str, account: str) -> bool:
    return session.get(LinkedAccount, (citizen_id, fee_code, account)) is not None


def link(connection, citizen_id: str, fee_code: str, account: str, at: datetime) -> bool:
    """Link an account; False if it was already (a twin request's insert came first)."""
    return connection.execute(insert_or_skip(connection, LinkedAccount.__table__), {
        "citizen_id": citizen_id, "fee_code": fee_code, "account": account,
        "linked_at": at}).rowcount == 1


def linked_accounts(session: Session, citizen_id: str) -> list[LinkedAccount]:
    return list(session.scalars(select(LinkedAccount).where(
        LinkedAccount.citizen_id == citizen_id).order_by(LinkedAccount.linked_at)))


def account_holders(connection, fee_code: str, account: str) -> set[str]:
    return set(connection.execute(select(LinkedAccount.citizen_id).where(
        LinkedAccount.fee_code == fee_code, LinkedAccount.account == account)).scalars())


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


_BILLS_DUE = (select(Bill.__table__).join(CitizenBill.__table__,
                                           CitizenBill.bill_id == Bill.id)
              .where(CitizenBill.citizen_id == bindparam("citizen_id"),
                     Bill.status == PAYABLE).order_by(Bill.due_date, Bill.bill_number))
_PAYMENTS_OF = (select(Payment.__table__).where(Payment.citizen_id == bindparam("citizen_id"))
                .order_by(Payment.created_at.desc()))


def overview(connection, citizen_id: str) -> tuple[list, list]:
    """The citizen's bills due, and orders not yet paid or not yet passed on to their
    agency: plain Core reads (the overview's hot path). The orders are filtered here,
    not by the query: on SQLite a status condition picks the janitor's index and reads
    every open order of every citizen."""
    bills = list(connection.execute(_BILLS_DUE, {"citizen_id": citizen_id}))
    in_flight = [p for p in connection.execute(_PAYMENTS_OF, {"citizen_id": citizen_id})
                 if p.status in (AWAITING_PAYMENT, SUCCEEDED)]
    return bills, in_flight


def payment_row(connection, payment_id: str):
    return connection.execute(SELECT_PAYMENT, {"id": payment_id}).first()


def add_order(connection, payment: dict, transition: dict, key: dict) -> None:
    """A new order with its first transition and its Idempotency-Key, the order first
    (the other two refer to it)."""
    connection.execute(INSERT_PAYMENT, [payment])
    connection.execute(INSERT_TRANSITION, [transition])
    connection.execute(INSERT_KEY, [key])


def set_trade(connection, payment_id: str, trade_no: str, cashier_url: str) -> None:
    connection.execute(SET_TRADE, {"payment_id": payment_id, "trade_no": trade_no,
                                   "cashier_url": cashier_url})


MARK_BILL_PAID = update(_BILL).where(_BILL.c.id == bindparam("bill_id")).values(status=PAID)


def mark_bill_paid(connection, bill_id: str) -> None:
    connection.execute(MARK_BILL_PAID, {"bill_id": bill_id})


def add_transition(connection, payment_id: str, from_state: str | None, to_state: str,
                   cause: str, at: datetime, note: str | None = None) -> None:
    connection.execute(INSERT_TRANSITION, [{"payment_id": payment_id, "from_state": from_state,
                                            "to_state": to_state, "cause": cause, "at": at,
                                            "note": note}])


def in_flight(connection, bill_id: str):
    return connection.execute(SELECT_IN_FLIGHT, {"bill_id": bill_id}).first()


def idempotency_key(connection, partner_id: str, key: str):
    return connection.execute(SELECT_KEY, {"partner_id": partner_id, "key": key}).first()


def forget_key(connection, partner_id: str, key: str) -> None:
    connection.execute(DELETE_KEY, {"partner_id": partner_id, "key": key})


def history(session: Session, payment_id: str) -> list[Transition]:
    return list(session.scalars(select(Transition).where(Transition.payment_id == payment_id)
                                .order_by(Transition.id)))


def open_due(session: Session, now: datetime, limit: int) -> list[str]:
    """Open orders the janitor should look at now."""
    return list(session.scalars(
        select(Payment.id).where(Payment.status == AWAITING_PAYMENT,
                                 Payment.next_check_at <= now)
        .order_by(Payment.next_check_at).limit(limit)))


# Taking one unit of upkeep for this replica until `until` (chassis/claims.py): an order
# to ask about or close, a write-off, a refund.
def take_check(connection, payment_id: str, now: datetime, until: datetime) -> bool:
    return take(connection, _PAYMENT.c.next_check_at, _PAYMENT.c.id, payment_id, now, until)


def take_confirm(connection, payment_id: str, now: datetime, until: datetime) -> bool:
    return take(connection, _PAYMENT.c.next_confirm_at, _PAYMENT.c.id, payment_id, now, until)


def take_refund(connection, refund_id: str, now: datetime, until: datetime) -> bool:
    refunds = Refund.__table__.c
    return take(connection, refunds.next_try_at, refunds.id, refund_id, now, until)


def watched_due(session: Session, now: datetime, limit: int) -> list[str]:
    """Trades closed unpaid that the janitor should ask about again now."""
    return list(session.scalars(
        select(Payment.id).where(Payment.status.in_(ENDED_UNPAID),
                                 Payment.watch_until.is_not(None),
                                 Payment.next_check_at <= now)
        .order_by(Payment.next_check_at).limit(limit)))


def watched(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Payment).where(
        Payment.status.in_(ENDED_UNPAID), Payment.watch_until.is_not(None)))


def late_money_held(session: Session) -> tuple[int, datetime | None]:
    """Money paid after its order ended and not yet given back: (fen, the oldest
    payment's moment)."""
    return session.execute(select(
        func.coalesce(func.sum(Payment.amount_cents - Payment.refunded_cents), 0),
        func.min(Payment.paid_at)).where(
        Payment.status.in_(ENDED_UNPAID), Payment.paid_at.is_not(None),
        Payment.refunded_cents < Payment.amount_cents)).one()


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

INSERT_ENTRY = insert(LedgerEntry.__table__)


def add_movement(connection, movement: str, payment_id: str, entries, at: datetime) -> bool:
    """Record a movement's entries; False (nothing written) if it is already there.

    The first entry goes in with ON CONFLICT DO NOTHING on (movement, account): if it
    was there, so is the movement. A concurrent twin waits on that row, so the rest
    cannot collide."""
    rows = [{"movement": movement, "payment_id": payment_id, "account": entry.account,
             "amount_cents": entry.amount, "at": at} for entry in entries]
    first = connection.execute(insert_or_skip(connection, LedgerEntry.__table__), rows[:1])
    if first.rowcount == 0:
        return False
    if rows[1:]:
        connection.execute(INSERT_ENTRY, rows[1:])
    return True


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
