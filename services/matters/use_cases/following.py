"""Matters the hub follows rather than decides: a payment until its agency confirms
it, a visit until it happens, a face check until it ends. Each is built from its
service's events, every event an action of the kind's workflow (workflows.yaml,
`kinds`) on the matter's timeline.

Each event type has a queue of its own, so a payment's success can arrive before its
order: the first event of a payment or visit opens its matter in the state that event
leads to, and a later one moves it only where the workflow allows: an event that comes
after one that followed it is put on the timeline at its moment and moves nothing
(the inbox keeps a repeated event from counting twice). Two events opening the same
matter at once meet the unique index on (kind, source_id); the second fails and is
retried, and then moves it.
"""

import uuid
from datetime import datetime
from types import SimpleNamespace

from contracts.errors import CityHubError
from contracts.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCheckedIn,
    AppointmentNoshow,
    AppointmentRescheduled,
    FaceVerificationEnded,
    FaceVerificationStarted,
    MatterMoved,
    MatterOpened,
    PaymentAgencyConfirmed,
    PaymentCreated,
    PaymentExpired,
    PaymentFailed,
    PaymentSucceeded,
)
from contracts.time import city_day
from services.matters import repository
from services.matters.domain.tracking import tracking_number
from services.matters.use_cases import applying

# Each followed event: the matter's kind and the action it is.
ACTIONS = {
    PaymentCreated: ("payment", "order"), PaymentSucceeded: ("payment", "pay"),
    PaymentAgencyConfirmed: ("payment", "confirm"), PaymentFailed: ("payment", "fail"),
    PaymentExpired: ("payment", "expire"),
    AppointmentBooked: ("appointment", "book"),
    AppointmentRescheduled: ("appointment", "reschedule"),
    AppointmentCheckedIn: ("appointment", "check_in"),
    AppointmentCancelled: ("appointment", "cancel"), AppointmentNoshow: ("appointment", "miss"),
    FaceVerificationStarted: ("verification", "begin"),
    FaceVerificationEnded: ("verification", None),  # by its status: FACE_ENDINGS
}
FACE_ENDINGS = {"passed": "pass", "failed": "fail_check", "expired": "time_out"}


def kind_and_action(event) -> tuple[str, str]:
    kind, action = ACTIONS[type(event)]
    return kind, action or FACE_ENDINGS[event.status]


def follow(uow, session, event, at: datetime) -> None:
    """The event `at` its moment, on its matter's timeline, in the handler's transaction."""
    kind, action = kind_and_action(event)
    source_id, service_code, detail, due = _source(event)
    connection = session.connection()
    flow = applying.workflow(None, kind)
    step = flow.actions[action]
    found = repository.followed(connection, kind, source_id)
    if found is None:
        _open(uow, session, flow, kind, step, source_id, event.citizen_id, service_code,
              detail, at, due)
        return
    try:
        to = flow.act(found.state, action, step.by)
    except CityHubError:
        # The matter is past this event: it came late (its queue was slower than the
        # next one's). It still happened: on the timeline at its moment, state kept.
        repository.add_step(connection, {"matter_id": found.id, "at": at, "action": action,
                                         "by": step.by, "from_state": None,
                                         "to_state": step.to, "detail": detail})
        repository.opened_by(connection, found.id, at)
        return
    if not repository.move_matter(connection, found.id, found.state, state=to,
                                  due_at=applying.due(session, flow, to, None, at),
                                  deadline_told=None,
                                  closed_at=at if flow.states[to].final else None):
        raise RuntimeError("the matter moved meanwhile")  # retried by the handler
    repository.add_step(connection, {"matter_id": found.id, "at": at, "action": action,
                                     "by": step.by, "from_state": found.state,
                                     "to_state": to, "detail": detail})
    uow.publish(applying.event_of(MatterMoved, repository.matter(
        connection, found.tracking_number), flow, action, step.by, found.state))


def _open(uow, session, flow, kind, step, source_id, citizen_id, service_code, detail,
          at: datetime, due: datetime | None) -> None:
    connection, day = session.connection(), city_day(at)
    row = {"id": str(uuid.uuid4()),
           "tracking_number": tracking_number(day, repository.next_of_the_day(connection,
                                                                              day)),
           "citizen_id": citizen_id, "partner_id": "", "kind": kind,
           "service_code": service_code, "state": step.to,
           "due_at": due or applying.due(session, flow, step.to, None, at), "corrections": None,
           "documents": [],
           "opened_at": at, "closed_at": at if flow.states[step.to].final else None,
           "phone_index": None, "source_id": source_id}
    repository.add_matter(connection, row)
    repository.add_step(connection, {"matter_id": row["id"], "at": at, "action": step.name,
                                     "by": step.by, "from_state": None, "to_state": step.to,
                                     "detail": detail})
    uow.publish(applying.event_of(MatterOpened, SimpleNamespace(**row), flow, step.name,
                                  step.by, None))


def _source(event) -> tuple[str, str, dict, datetime | None]:
    """(source id, service code, the step's detail, a deadline the event sets) of a
    followed event."""
    kind = ACTIONS[type(event)][0]
    if kind == "payment":
        return event.payment_id, event.fee_code, {"amount_cents": event.amount_cents}, None
    if kind == "verification":
        ends = getattr(event, "expires_at", None)
        return (event.verification_id, "face-verification", {},
                datetime.fromisoformat(ends) if ends else None)
    detail = {"institution_id": event.institution_id, "start": event.start}
    return event.appointment_id, event.department_id, detail, None


