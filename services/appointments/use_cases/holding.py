"""Holding a place, booking it, letting it go and cancelling: each one transaction in
which the database decides who gets a place (repository.py), with its event in the
outbox of the same transaction."""

import uuid
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy.exc import IntegrityError

from chassis import metrics
from chassis.batches import in_batches
from contracts.assurance import needed, require
from contracts.errors import CityHubError, NotFound
from contracts.events import AppointmentBooked, AppointmentHeld, AppointmentRescheduled
from contracts.time import iso_utc
from services.appointments import repository
from services.appointments.domain import booking
from services.appointments.repository import waitlists
from services.appointments.use_cases import paying, places, reminding, visits
from services.appointments.views import appointment_view, hold_view


def hold(uow, citizen_id: str, partner_id: str, level: int, slot_id, now: datetime,
         levels: dict | None = None) -> dict:
    """Hold a place of the slot for booking.HOLD_FOR, if the rules allow it (the level:
    the catalogue's `levels` for the institution's kind, or the institution's own)."""
    try:
        held = _hold(uow, citizen_id, partner_id, level, slot_id, now, levels)
    except CityHubError as refused:
        metrics.APPOINTMENT_HOLDS.labels(refused.code).inc()
        raise
    metrics.APPOINTMENT_HOLDS.labels("held").inc()
    return held


def _hold(uow, citizen_id: str, partner_id: str, level: int, slot_id, now: datetime,
          levels: dict | None) -> dict:
    if not isinstance(slot_id, str) or not slot_id:
        raise NotFound("no such slot", field="slot_id", code="slot_not_found")
    try:
        with uow.core_transaction() as connection:
            slot = repository.slot(connection, slot_id)
            if slot is None:
                raise NotFound("no such slot", field="slot_id", code="slot_not_found")
            institution = repository.institution(connection, slot.institution_id)
            require(level, needed(levels, institution.kind,
                                  institution.required_assurance_level))
            booking.check_holdable(slot.opens_at, slot.start, now)
            if repository.active_on_day(connection, citizen_id, slot.department_id, slot.day):
                raise booking.one_per_department_per_day(slot.day)
            if not repository.take_place(connection, slot.id):
                raise booking.fully_booked()
            hospital = institution.kind == "hospital"
            if hospital:
                visits.check_not_suspended(connection, citizen_id, now)
            if hospital and not repository.add_hospital_place(connection, citizen_id):
                raise booking.too_many_at_hospitals()
            row = {"id": str(uuid.uuid4()), "citizen_id": citizen_id, "partner_id": partner_id,
                   "slot_id": slot.id, "department_id": slot.department_id,
                   "institution_id": slot.institution_id, "kind": institution.kind,
                   "day": slot.day, "start": slot.start, "end": slot.end,
                   "status": booking.PROPOSED, "hold_expires_at": now + booking.HOLD_FOR,
                   "payment_id": None, "queue_number": None, "ended_because": None,
                   "created_at": now, "updated_at": now}
            repository.add_appointment(connection, row)
            waitlists.stop_waiting(connection, slot.id, citizen_id)
            uow.publish(AppointmentHeld(**places.ids(row)))
    except IntegrityError:
        # The same citizen's twin request took the department's day first.
        raise booking.one_per_department_per_day(slot.day) from None
    return hold_view(SimpleNamespace(**row))


def book(uow, payments, citizen_id: str, hold_id, fee_assertion: str | None,
         now: datetime) -> tuple[dict, bool]:
    """Book a held place: (the appointment, newly booked). Where the department charges
    a registration fee, order it (`fee_assertion`: the citizen's assertion for payments)
    and keep the place `pending` until it is paid (use_cases/paying.py). Booking it
    again, or at once from twin requests, is the same booking: the move from held to
    booked (or pending) is made by one of them, and says which."""
    with uow.core_read() as connection:
        held = _own(connection, citizen_id, hold_id, "hold_id", "hold_not_found")
        department = repository.department(connection, held.department_id)
    if department.fee_code is None:
        if held.status == booking.BOOKED:
            return appointment_view(held, department), False  # a retry
        return _book_free(uow, held, department, now)
    if held.status == booking.PENDING and held.payment_id is not None:
        # The same booking again (a retry): the same order, from payments.
        return _with_payment(held, department,
                             paying.order_fee(payments, held, department.fee_code,
                                              fee_assertion)), False
    booking.check_hold(held.status, held.hold_expires_at, now, held.ended_because)
    order = paying.order_fee(payments, held, department.fee_code, fee_assertion)
    with uow.core_transaction() as connection:
        # The hold lasts as long as the order can be paid.
        moved = repository.move(connection, held.id, (booking.PROPOSED,), booking.PENDING,
                                now, payment_id=order["payment_id"],
                                hold_expires_at=datetime.fromisoformat(order["expires_at"]))
        now_is = repository.appointment(connection, held.id)
        if not moved and not (now_is.status == booking.PENDING
                              and now_is.payment_id == order["payment_id"]):
            # It ran out while the order was made: the order expires unpaid, and a
            # payment made all the same is booked or refunded (paying.paid).
            booking.check_hold(now_is.status, None, now, now_is.ended_because)
        return _with_payment(now_is, department, order), moved


def _book_free(uow, held, department, now: datetime) -> tuple[dict, bool]:
    with uow.core_transaction() as connection:
        booking.check_hold(held.status, held.hold_expires_at, now, held.ended_because)
        if not repository.move(connection, held.id, (booking.PROPOSED,), booking.BOOKED, now,
                               hold_expires_at=None):
            now_is = repository.appointment(connection, held.id)
            if now_is.status == booking.BOOKED:  # a twin request booked it
                return appointment_view(now_is, department), False
            booking.check_hold(now_is.status, None, now, now_is.ended_because)
        uow.publish(AppointmentBooked(**places.ids(held)))
        reminding.schedule(connection, held, now)
        return appointment_view(repository.appointment(connection, held.id), department), True


def _with_payment(appointment, department, order: dict) -> dict:
    view = appointment_view(appointment, department)
    view["payment"] = {"payment_id": order["payment_id"], "amount_cents": order["amount_cents"],
                       "cashier_url": order["cashier_url"], "expires_at": order["expires_at"]}
    return view


def let_go(uow, citizen_id: str, hold_id: str, now: datetime) -> None:
    """The citizen gives a held place back before booking it (letting go twice is fine)."""
    with uow.core_transaction() as connection:
        held = _own(connection, citizen_id, hold_id, "hold_id", "hold_not_found")
        if held.status == booking.PROPOSED:
            places.end(uow, connection, held, (booking.PROPOSED,), "let_go", now)


def cancel(uow, citizen_id: str, appointment_id: str, now: datetime) -> dict:
    with uow.core_transaction() as connection:
        found = _own(connection, citizen_id, appointment_id, "appointment_id",
                     "appointment_not_found")
        booking.check_cancellable(found.kind, found.status, found.start, now)
        if places.end(uow, connection, found, (booking.PENDING, booking.BOOKED),
               "cancelled_by_citizen", now) and found.status == booking.BOOKED \
                and found.payment_id is not None:
            # A paid visit: its fee goes back (use_cases/paying.py asks payments).
            repository.set_values(connection, found.id, refund_state="due")
        return appointment_view(repository.appointment(connection, found.id))


def reschedule(uow, citizen_id: str, appointment_id: str, slot_id, now: datetime) -> dict:
    """Move a booked visit to another slot of its department, in one transaction: the
    new place is taken before the old one is given back, so a refusal changes nothing.
    The cancellation deadline applies: a move after it would free a place too late."""
    try:
        with uow.core_transaction() as connection:
            found = _own(connection, citizen_id, appointment_id, "appointment_id",
                         "appointment_not_found")
            booking.check_movable(found.kind, found.status, found.start, now)
            slot = repository.slot(connection, slot_id) if isinstance(slot_id, str) else None
            if slot is None or slot.department_id != found.department_id:
                raise NotFound("no such slot in the appointment's department",
                               field="slot_id", code="slot_not_found")
            if slot.id == found.slot_id:
                return appointment_view(found)
            booking.check_holdable(slot.opens_at, slot.start, now)
            if slot.day != found.day and repository.active_on_day(
                    connection, citizen_id, found.department_id, slot.day):
                raise booking.one_per_department_per_day(slot.day)
            if not repository.take_place(connection, slot.id):
                raise booking.fully_booked()
            if not repository.relocate(connection, found.id, slot, now):
                raise booking.not_movable(repository.appointment(connection, found.id).status)
            repository.give_place_back(connection, found.slot_id)
            places.offer_to_waitlist(uow, connection, found, now)
            moved = repository.appointment(connection, found.id)
            reminding.schedule(connection, moved, now)
            uow.publish(AppointmentRescheduled(**places.ids(moved), from_slot_id=found.slot_id,
                                               from_start=iso_utc(found.start)))
            return appointment_view(moved)
    except IntegrityError:
        # The citizen's twin request took the department's new day first.
        raise booking.one_per_department_per_day(slot.day) from None


def sweep_holds(uow, now: datetime) -> int:
    """Give back the places of holds that ran out; how many."""
    def end(appointment_id: str) -> bool:
        with uow.core_transaction() as connection:
            found = repository.appointment(connection, appointment_id)
            return places.end(uow, connection, found, (booking.PROPOSED,), "hold_expired", now)

    return sum(in_batches(uow.core_read,
                          lambda connection, size: repository.holds_run_out(connection, now,
                                                                             size), end))


def appointments_of(uow, citizen_id: str) -> list[dict]:
    with uow.core_read() as connection:
        return [appointment_view(a) for a in repository.appointments_of(connection, citizen_id)]


def upcoming(uow, citizen_id: str, now: datetime) -> list[dict]:
    """The citizen's visits still to come (booked, or waiting for their fee), soonest
    first."""
    with uow.core_read() as connection:
        return [appointment_view(a) for a in repository.appointments_of(connection, citizen_id)
                if a.status in (booking.PENDING, booking.BOOKED) and a.end > now]


def appointment_of(uow, citizen_id: str, appointment_id: str) -> dict:
    with uow.core_read() as connection:
        found = _own(connection, citizen_id, appointment_id, "appointment_id",
                     "appointment_not_found")
        return appointment_view(found, repository.department(connection, found.department_id))


def _own(connection, citizen_id: str, appointment_id, field: str, code: str):
    """The citizen's own appointment or hold; another citizen's is not found."""
    found = (repository.appointment(connection, appointment_id)
             if isinstance(appointment_id, str) else None)
    if found is None or found.citizen_id != citizen_id:
        raise NotFound(f"no such {field.removesuffix('_id')} for this citizen", field=field,
                       code=code)
    return found
