"""Which event tells the citizen what: one entry per event, naming its template.

To tell citizens about a new event: add a template (services/notify/templates/), one
entry here, and a `@reliable_handler(TheEvent)` in service.py that calls `_tell`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCheckedIn,
    AppointmentNoshow,
    AppointmentReminder,
    AppointmentRescheduled,
    BillIssued,
    CitizenRegistered,
    CitizenVerificationFailed,
    CitizenVerified,
    MatterMoved,
    MatterOpened,
    PaymentAgencyConfirmed,
    PaymentExpired,
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
    WaitlistOffered,
)
from contracts.time import CITY_TIME


@dataclass(frozen=True)
class Tell:
    """What to tell: a template, the values for its placeholders, and what the
    super-app should open when the citizen taps it."""

    template_id: str
    values: dict
    action: dict | None = None


def _registered(event: CitizenRegistered) -> Tell:
    return Tell("welcome", {}, {"type": "profile", "id": event.citizen_id})


def _verified(event: CitizenVerified) -> Tell:
    return Tell("level_reached", {"level": event.level},
                {"type": "profile", "id": event.citizen_id})


def _verification_failed(event: CitizenVerificationFailed) -> Tell | None:
    # Only a lockout is worth telling the citizen about.
    if not event.locked:
        return None
    return Tell(f"{event.check}_locked", {}, {"type": "profile", "id": event.citizen_id})


def yuan(fen: int) -> str:
    """12345 -> "123.45": how an amount in fen is written for a citizen."""
    return f"{fen // 100}.{fen % 100:02d}"


def _payment(template_id: str):
    def tell(event) -> Tell:
        return Tell(template_id, {"amount": yuan(event.amount_cents)},
                    {"type": "payment", "id": event.payment_id})
    return tell


def _refunded(event: PaymentRefunded) -> Tell:
    return Tell("payment_refunded", {"refunded": yuan(event.refunded_cents)},
                {"type": "payment", "id": event.payment_id})


def _bill_issued(event: BillIssued) -> Tell:
    return Tell("bill_issued", {"amount": yuan(event.amount_cents), "due_date": event.due_date},
                {"type": "bill", "id": event.bill_id})


def city_minute(moment: str) -> str:
    """"2026-12-02T00:30:00Z" -> "2026-12-02 08:30": a moment as the city reads it."""
    return datetime.fromisoformat(moment).astimezone(CITY_TIME).strftime("%Y-%m-%d %H:%M")


def _appointment(template_id: str):
    def tell(event) -> Tell:
        return Tell(template_id, {"when": city_minute(event.start)},
                    {"type": "appointment", "id": event.appointment_id})
    return tell


def _checked_in(event: AppointmentCheckedIn) -> Tell:
    return Tell("appointment_checked_in",
                {"when": city_minute(event.start), "number": event.queue_number},
                {"type": "appointment", "id": event.appointment_id})


def _waitlist_offered(event: WaitlistOffered) -> Tell:
    return Tell("waitlist_offered", {"when": city_minute(event.start)},
                {"type": "slot", "id": event.slot_id})


def last_day(moment: str) -> str:
    """"2026-12-03T16:00:00Z" (city midnight ending the 3rd) -> "2026-12-03": the last
    city day a working-day deadline leaves."""
    ends = datetime.fromisoformat(moment).astimezone(CITY_TIME) - timedelta(seconds=1)
    return ends.date().isoformat()


def _matter_opened(event: MatterOpened) -> Tell | None:
    if event.kind != "application":
        return None  # a payment or visit followed as a matter: told by its own events
    return Tell("matter_submitted", {"tracking_number": event.tracking_number},
                {"type": "matter", "id": event.tracking_number})


# The moves worth telling the citizen of, by the state they lead to; the citizen's own
# moves (a resubmission, a withdrawal) they know of already.
MATTER_MOVES = {"in_review": "matter_accepted", "awaiting_corrections": "matter_corrections",
                "approved": "matter_approved", "rejected": "matter_rejected",
                "lapsed": "matter_lapsed"}


def _matter_moved(event: MatterMoved) -> Tell | None:
    template_id = MATTER_MOVES.get(event.to_state)
    if template_id is None or event.by == "citizen" or event.kind != "application":
        return None
    values = {"tracking_number": event.tracking_number}
    if template_id in ("matter_accepted", "matter_corrections"):
        values["due"] = last_day(event.due_at) if event.due_at else "-"
    if template_id == "matter_corrections":
        values["count"] = len(event.items)
    return Tell(template_id, values, {"type": "matter", "id": event.tracking_number})


TRIGGERS = {
    CitizenRegistered: _registered,
    CitizenVerified: _verified,
    CitizenVerificationFailed: _verification_failed,
    PaymentSucceeded: _payment("payment_succeeded"),
    PaymentFailed: _payment("payment_failed"),
    PaymentExpired: _payment("payment_expired"),
    PaymentAgencyConfirmed: _payment("payment_confirmed"),
    PaymentRefunded: _refunded,
    BillIssued: _bill_issued,
    AppointmentBooked: _appointment("appointment_booked"),
    AppointmentCancelled: _appointment("appointment_cancelled"),
    AppointmentCheckedIn: _checked_in,
    AppointmentNoshow: _appointment("appointment_noshow"),
    AppointmentRescheduled: _appointment("appointment_rescheduled"),
    AppointmentReminder: _appointment("appointment_reminder"),
    WaitlistOffered: _waitlist_offered,
    MatterOpened: _matter_opened,
    MatterMoved: _matter_moved,
}


def what_to_tell(event) -> Tell | None:
    return TRIGGERS[type(event)](event)
