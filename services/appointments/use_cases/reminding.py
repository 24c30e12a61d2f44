"""Reminders of a visit, the evening before and two hours before (domain/visits.py).

They live beside the appointment, not in notify's scheduled sends: they are written,
moved and cancelled in the very transaction that books, moves or ends the visit, and
the sender locks the appointment and sends only while it is booked. A reminder at
notify, cancelled by an event, could go out before the event arrived (notify down
for a while, then catching up); this way a cancelled visit is never reminded.
"""

from datetime import datetime

from chassis.batches import in_batches
from contracts.events import AppointmentReminder
from services.appointments import repository
from services.appointments.domain import booking, visits
from services.appointments.repository import reminders
from services.appointments.use_cases.places import ids


def schedule(connection, appointment, now: datetime) -> None:
    """The reminders of a visit just booked or moved (`appointment`: its row as it is now)."""
    reminders.schedule(connection, appointment.id,
                                  visits.reminders(appointment.start, now))


def send_due(uow, now: datetime) -> int:
    """Tell citizens of the visits due a reminder; how many were sent."""
    def send(reminder) -> bool:
        with uow.core_transaction() as connection:
            found = repository.appointment_locked(connection, reminder.appointment_id)
            if found.status != booking.BOOKED:
                reminders.cancel(connection, found.id)
                return False
            if not reminders.mark_sent(connection, found.id, reminder.kind):
                return False
            uow.publish(AppointmentReminder(**ids(found), kind=reminder.kind))
            return True

    return sum(in_batches(
        uow.core_read, lambda connection, size: reminders.due(connection, now, size),
        send))
