"""The SLA watch: every open matter's deadline and every open rectification task,
counted by how they stand (metrics), the agency told once of each deadline coming near
and once of each passed, and a matter whose deadline the citizen let pass ended by the
hub as its workflow says (a send-back lapses, a face session times out)."""

import logging
from collections import Counter
from datetime import datetime

from chassis import metrics
from contracts.errors import CityHubError
from contracts.time import iso_utc
from services.matters import repository
from services.matters.domain.deadlines import NEAR, OVERDUE, STANDINGS, standing
from services.matters.use_cases import applying

log = logging.getLogger(__name__)
OWNERS = ("agency", "citizen")


def watch_round(uow, now: datetime) -> Counter:
    """One look at every deadline; the counts by (standing, whose move)."""
    with uow.read() as session:
        calendar = repository.calendar(session)
        connection = session.connection()
        open_matters = repository.open_with_deadlines(connection)
        tasks = repository.open_tasks(connection)
    counts: Counter = Counter()
    for matter in open_matters:
        owner = applying.flow_of(matter).states[matter.state].owner
        found = standing(calendar, matter.due_at, now)
        counts[found, owner] += 1
        if owner == "agency" and found in (NEAR, OVERDUE) and matter.deadline_told != found:
            _tell_agency(uow, matter, found, now)
        elif owner == "citizen" and found == OVERDUE and (action := _hub_action(matter)):
            _lapse(uow, matter, action, now)
    for task in tasks:
        found = standing(calendar, task.due_at, now)
        counts[found, "rectification"] += 1
        if found == OVERDUE and not task.overdue_told:
            _tell_rectification_overdue(uow, task, now)
    for status in STANDINGS:
        for owner in (*OWNERS, "rectification"):
            metrics.MATTERS_DUE.labels(status, owner).set(counts[status, owner])
    return counts


def _tell_agency(uow, matter, found: str, now: datetime) -> None:
    kind = "deadline_passed" if found == OVERDUE else "deadline_near"
    with uow.transaction() as session:
        connection = session.connection()
        if repository.mark_told(connection, matter.id, matter.state, found):
            service = repository.catalogue_service(session, matter.service_code)
            repository.owe_agency(connection, service.agency, kind, matter, now,
                                  state=matter.state, due_at=iso_utc(matter.due_at))


def _hub_action(matter) -> str | None:
    """What the hub does when the citizen lets the deadline pass, as the workflow says
    (`expires`: a send-back lapses, a face session times out); None: it waits."""
    return applying.flow_of(matter).states[matter.state].expires


def _lapse(uow, matter, action: str, now: datetime) -> None:
    try:
        applying.act(uow, matter.tracking_number, "hub", action, now)
    except CityHubError as refused:  # the citizen acted at the same moment
        log.info("a matter did not %s: %s", action, refused.code)


def _tell_rectification_overdue(uow, task, now: datetime) -> None:
    with uow.transaction() as session:
        connection = session.connection()
        if repository.mark_task_overdue_told(connection, task.id):
            matter = repository.matter(connection, task.tracking_number)
            repository.owe_agency(connection, task.agency, "deadline_passed", matter, now,
                                  task_id=task.id, state="rectification",
                                  due_at=iso_utc(task.due_at))
