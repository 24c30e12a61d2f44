"""The registration fee, as a saga with payments.

Booking a place in a department that charges a fee orders the fee from payments
(its Idempotency-Key is the hold's id, so a retried booking is the same order) and
makes the hold `pending` for as long as the order can be paid. Then payments' events
decide, each applied once (the inbox) and in any order:

- `payment.succeeded`: a pending appointment is booked. One that ended meanwhile
  (its hold or its order ran out) is booked after all if its place is still free
  and the citizen's limits allow it; otherwise, or if the citizen cancelled it, the
  fee is refunded.
- `payment.failed` / `payment.expired`: a pending appointment ends and gives its
  place back.

A refund is marked `due` in the transaction that decides it, and a timer asks
payments for it until payments has it (payments makes it once per request number),
so a crash between the two loses no refund. Each is taken by one replica of
appointments at a time (`asking`); one that died asking leaves it due again after the
lease.
"""

import logging
from datetime import datetime, timedelta

from chassis.batches import BATCH
from chassis.claims import LEASE
from contracts.errors import CityHubError
from contracts.events import AppointmentBooked
from services.appointments import repository
from services.appointments.domain import booking
from services.appointments.use_cases import reminding
from services.appointments.use_cases.places import end, ids, take_again

log = logging.getLogger(__name__)


def order_fee(payments, held, fee_code: str, assertion: str) -> dict:
    """The fee's order at payments (the same one however often asked)."""
    made = payments.create_payment(held.citizen_id, held.partner_id, assertion,
                                   f"appointment:{held.id}",
                                   {"fee_code": fee_code, "reference": held.id})
    return made["payment"]


def paid(uow, connection, payment_id: str, now: datetime) -> str:
    """payment.succeeded: what became of the appointment it paid for."""
    found = repository.by_payment(connection, payment_id)
    if found is None:
        return "not_ours"
    if found.status == booking.PENDING:
        repository.move(connection, found.id, (booking.PENDING,), booking.BOOKED, now,
                        hold_expires_at=None)
        uow.publish(AppointmentBooked(**ids(found)))
        reminding.schedule(connection, found, now)
        return "booked"
    if found.status == booking.CANCELLED and found.ended_because != "cancelled_by_citizen" \
            and found.refund_state is None and take_again(connection, found):
        repository.move(connection, found.id, (booking.CANCELLED,), booking.BOOKED, now,
                        ended_because=None)
        uow.publish(AppointmentBooked(**ids(found)))
        reminding.schedule(connection, found, now)
        return "booked_late"
    if found.status in (booking.BOOKED, booking.ARRIVED) or found.refund_state is not None:
        return "unchanged"  # told twice, or already being refunded
    repository.set_values(connection, found.id, refund_state="due", updated_at=now)
    return "refund_due"


def unpaid(uow, connection, payment_id: str, because: str, now: datetime) -> str:
    """payment.failed / payment.expired: a pending appointment ends."""
    found = repository.by_payment(connection, payment_id)
    if found is None:
        return "not_ours"
    if found.status != booking.PENDING:
        return "unchanged"
    end(uow, connection, found, (booking.PENDING,), because, now)
    return "ended"


def ask_refunds(uow, payments, now: datetime, lease: timedelta = LEASE) -> int:
    """Ask payments for the refunds due, a batch a round; how many it took. One batch
    only: a refund payments will not take yet stays due, and looping would meet it
    again at once."""
    with uow.core_read() as connection:
        due = repository.refunds_due(connection, now - lease, BATCH)
    taken = 0
    for appointment in due:
        with uow.core_transaction() as connection:
            if not repository.take_refund(connection, appointment.id, now, now - lease):
                continue  # another replica is asking
        try:
            payments.refund_in_full(appointment.payment_id, f"appointment-{appointment.id}",
                                    f"appointment_{appointment.ended_because}"[:40],
                                    "appointments")
        except CityHubError as refused:
            log.warning("payments would not refund a registration fee yet", extra={
                "appointment": appointment.id, "reason": refused.code})
            with uow.core_transaction() as connection:
                repository.set_values(connection, appointment.id, refund_state="due")
            continue
        with uow.core_transaction() as connection:
            repository.set_values(connection, appointment.id, refund_state="asked",
                                  updated_at=now)
        taken += 1
    return taken
