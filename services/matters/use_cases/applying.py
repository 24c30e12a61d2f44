"""A citizen applies for a catalogue service an agency decides; each side then acts on
it as its workflow allows (domain/applications.py), every step on the matter's
timeline, the current state's time limit counted in working days."""

import hmac
import uuid
from datetime import datetime
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import yaml
from sqlalchemy.exc import IntegrityError

from contracts.assurance import require
from contracts.errors import Conflict, InvalidInput, NotFound
from contracts.events import MatterMoved, MatterOpened
from contracts.time import city_day, iso_utc
from services.matters import repository
from services.matters.domain import applications, catalogue
from services.matters.domain.tracking import looks_like_one, tracking_number
from services.matters.views import matter_view, open_view, progress_view

WORKFLOWS = Path(__file__).parents[1] / "workflows.yaml"
# What the agency is told when the citizen (or the hub) acts: the message's kind.
TOLD_TO_AGENCY = {"resubmit": "resubmission", "withdraw": "withdrawal", "lapse": "lapsed"}
MAX_DOCUMENTS, MAX_REFERENCE = 20, 200


@cache
def workflow(service_code: str, kind: str = applications.APPLICATION) -> applications.Workflow:
    """An application's workflow for its service, or a followed kind's, read once from
    workflows.yaml."""
    return applications.build(yaml.safe_load(WORKFLOWS.read_text(encoding="utf-8")),
                              service_code, kind)


def flow_of(matter) -> applications.Workflow:
    if matter.kind == applications.APPLICATION:
        return workflow(matter.service_code)
    return workflow(None, matter.kind)


def apply(uow, citizen_id: str, partner_id: str, level: int, service_code, documents,
          phone_index: str, now: datetime, locale: str = "zh-CN") -> dict:
    """Open an application for a citizen at assurance `level`: `submitted`, with its
    tracking number and first deadline."""
    documents = _references(documents)
    with uow.transaction() as session:
        service = repository.catalogue_service(session, service_code) if isinstance(
            service_code, str) else None
        if service is None:
            raise catalogue.not_found(str(service_code))
        if not service.application:
            raise Conflict("this service is not applied for through the hub "
                           f"({service.delivery})", field="service_code",
                           code="not_applied_for")
        require(level, service.required_assurance_level)
        if (open_one := repository.open_matter(session.connection(), citizen_id,
                                               service.code)) is not None:
            raise _already_open(open_one)
        flow, connection, day = workflow(service.code), session.connection(), city_day(now)
        row = {"id": str(uuid.uuid4()),
               "tracking_number": tracking_number(day, repository.next_of_the_day(
                   connection, day)),
               "citizen_id": citizen_id, "partner_id": partner_id, "kind": "application",
               "service_code": service.code, "state": flow.start,
               "due_at": due(session, flow, flow.start, service, now), "corrections": None,
               "documents": documents, "opened_at": now, "closed_at": None,
               "phone_index": phone_index}
        try:
            # The session emits the SAVEPOINT when asked for its connection inside the
            # block: on a connection taken before, the insert ran outside it, and a
            # twin's failed insert aborted the whole transaction (PostgreSQL: a 502).
            with session.begin_nested():
                repository.add_matter(session.connection(), row)
        except IntegrityError:  # a twin request opened it first
            raise _already_open(repository.open_matter(connection, citizen_id,
                                                       service.code)) from None
        repository.add_step(connection, {"matter_id": row["id"], "at": now, "action": "apply",
                                         "by": "citizen", "from_state": None,
                                         "to_state": flow.start,
                                         "detail": {"documents": documents}})
        matter = SimpleNamespace(**row)
        repository.owe_agency(connection, service.agency, "application", matter, now,
                              service_code=service.code, documents=documents)
        uow.publish(event_of(MatterOpened, matter, flow, "apply", "citizen", None))
        return matter_view(matter, flow, repository.steps(connection, row["id"]), locale)


def act(uow, number, side: str, action, now: datetime, items=None, documents=None,
        citizen_id: str | None = None, locale: str = "zh-CN") -> dict:
    """`side` takes `action` on the matter (the citizen's own, if `citizen_id`)."""
    with uow.transaction() as session:
        found = find(session.connection(), number, citizen_id)
        return move(uow, session, found, side, action, now, items=items, documents=documents,
                    locale=locale)


def move(uow, session, found, side: str, action, now: datetime, items=None, documents=None,
         reason=None, locale: str = "zh-CN") -> dict:
    """The step, in the caller's transaction: where the matter's workflow allows it,
    and for a send-back, only with everything missing listed at once (tell once). The
    agency is owed word of what the citizen does; everyone hears of the move."""
    documents = _references(documents or [])
    connection = session.connection()
    application = found.kind == applications.APPLICATION
    if not application and side != "hub":
        raise Conflict(f"a {found.kind} is followed, not acted on: only an application "
                       "can be resubmitted, withdrawn or decided", field="tracking_number",
                       code="not_an_application")
    service = repository.catalogue_service(session, found.service_code) if application \
        else None
    flow = flow_of(found)
    to = flow.act(found.state, action, side)
    detail, corrections = {}, found.corrections
    if action == "request_corrections":
        detail["items"] = applications.check_corrections(
            items if isinstance(items, list) else [], found.corrections)
        corrections = corrections or detail["items"]
    if documents:
        detail["documents"] = documents
    if reason:
        detail["reason"] = str(reason)[:200]
    if not repository.move_matter(
            connection, found.id, found.state, state=to, corrections=corrections,
            documents=[*found.documents, *documents],
            due_at=due(session, flow, to, service, now), deadline_told=None,
            closed_at=now if flow.states[to].final else None):
        raise Conflict("the matter moved on meanwhile; look at it again",
                       field="tracking_number", code="matter_changed")
    repository.add_step(connection, {"matter_id": found.id, "at": now, "action": action,
                                     "by": side, "from_state": found.state,
                                     "to_state": to, "detail": detail})
    moved = repository.matter(connection, found.tracking_number)
    if side != "agency" and application:
        repository.owe_agency(connection, service.agency, TOLD_TO_AGENCY.get(action, action),
                              moved, now, documents=documents)
    uow.publish(event_of(MatterMoved, moved, flow, action, side, found.state,
                       detail.get("items", [])))
    return matter_view(moved, flow, repository.steps(connection, found.id), locale)


def of_citizen(uow, citizen_id: str, locale: str = "zh-CN") -> list[dict]:
    """The citizen's matters, newest first, each with its timeline."""
    with uow.core_read() as connection:
        return [matter_view(m, flow_of(m), repository.steps(connection, m.id), locale)
                for m in repository.matters_of(connection, citizen_id)]


def open_of(uow, citizen_id: str) -> list[dict]:
    """The citizen's matters still open, newest first, without their timelines."""
    with uow.core_read() as connection:
        return [open_view(m, flow_of(m))
                for m in repository.matters_of(connection, citizen_id) if m.closed_at is None]


def timeline(uow, number, citizen_id: str | None = None, locale: str = "zh-CN") -> dict:
    """The matter with every step so far (another citizen's: not found)."""
    with uow.core_read() as connection:
        found = find(connection, number, citizen_id)
        return matter_view(found, flow_of(found), repository.steps(connection, found.id),
                           locale)


def progress(uow, number, phone_index: str, locale: str = "zh-CN") -> dict:
    """The public progress query: the matter, if it was filed with this phone. A wrong
    phone is answered exactly as an unknown number is."""
    with uow.read() as session:
        connection = session.connection()
        found = repository.matter(connection, number) if looks_like_one(number) else None
        if found is None or found.phone_index is None or not hmac.compare_digest(
                found.phone_index, phone_index):
            raise NotFound("no matter with this tracking number and phone",
                           field="tracking_number", code="matter_not_found")
        return progress_view(found, flow_of(found),
                             repository.catalogue_service(session, found.service_code),
                             repository.steps(connection, found.id), locale)


def find(connection, number, citizen_id: str | None = None):
    """The matter, if it is the citizen's (any, without `citizen_id`); else not found."""
    found = repository.matter(connection, number) if looks_like_one(number) else None
    if found is None or citizen_id not in (None, found.citizen_id):
        raise not_found()
    return found


def event_of(kind, matter, flow, action: str, by: str, from_state, items=()):
    return kind(matter_id=matter.id, tracking_number=matter.tracking_number,
                citizen_id=matter.citizen_id, service_code=matter.service_code,
                kind=matter.kind, action=action, by=by, from_state=from_state,
                to_state=matter.state, final=flow.states[matter.state].final,
                due_at=iso_utc(matter.due_at) if matter.due_at else None, items=list(items))


def _already_open(matter) -> Conflict:
    return Conflict(f"an application for this service is open: {matter.tracking_number}",
                    field="service_code", code="application_open")


def not_found() -> NotFound:
    return NotFound("no matter with this tracking number", field="tracking_number",
                    code="matter_not_found")


def due(session, flow, state: str, service, now: datetime) -> datetime | None:
    """When the state's time limit ends, counted from `now` in working days (a followed
    matter, `service` None, has only the workflow's own limits); None: no clock."""
    limit = flow.time_limit(state, service.sla_working_days if service else 0)
    return None if limit is None else repository.calendar(session).deadline(now, limit)


def _references(documents) -> list[str]:
    """Documents are attached by reference (an id in the partner's or the city's
    document store), never as files."""
    if (not isinstance(documents, list) or len(documents) > MAX_DOCUMENTS
            or not all(isinstance(d, str) and 0 < len(d) <= MAX_REFERENCE
                       for d in documents)):
        raise InvalidInput(f"documents are up to {MAX_DOCUMENTS} references of at most "
                           f"{MAX_REFERENCE} characters", field="documents")
    return documents
