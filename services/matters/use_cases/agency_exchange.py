"""What passes between the hub and the agencies that decide applications.

Outgoing: every message the hub owes an agency was written in the transaction that
made it owed (repository.owe_agency); `send_round` posts the due ones, each under its
own id, so a post whose answer was lost is harmless to repeat, and each taken first by
one replica of matters (chassis/claims.py), so replicas do not post it twice. An agency that does
not answer is asked again later, waiting twice as long each time up to five minutes.

Incoming: `read_round` reads each awaited agency's decisions feed from where it last
stopped, and applies each decision once (the inbox, consumer `agency.AGENCY`) in
sequence order, whatever order or how many times the feed lists them; one replica of
matters reads an agency's feed at a time. A decision the
workflow refuses (an approval of a withdrawn application, a second send-back asking
for something new) changes nothing: it is counted, and the agency is told why.
"""

import logging
from datetime import datetime, timedelta

from chassis import metrics
from chassis.batches import at_once
from chassis.claims import LEASE, alone
from chassis.db import claim_event
from contracts.errors import CityHubError
from services.matters import repository
from services.matters.adapters import ApprovalsRefused, ApprovalsUnavailable
from services.matters.models import Inbox
from services.matters.use_cases import applying, rating

log = logging.getLogger(__name__)

BATCH = 100
LONGEST_WAIT = timedelta(minutes=5)


def send_round(uow, approvals, now: datetime, lease: timedelta = LEASE, each=at_once) -> int:
    """Post the messages due; how many the agencies acknowledged."""
    with uow.core_read() as connection:
        due = repository.messages_due(connection, now, BATCH)
    return sum(each(lambda message: _send(uow, approvals, message, now, lease), due))


def _send(uow, approvals, message, now: datetime, lease: timedelta) -> int:
    with uow.core_transaction() as connection:
        if not repository.take_message(connection, message.id, now, now + lease):
            return 0  # another replica has it
    try:
        answer = approvals.send(message.agency, message.body)
        outcome = "sent"
    except ApprovalsRefused as refused:
        # Asking again would get the same no: kept with its reason, for ops.
        answer, outcome = {"refused": refused.reason}, "refused"
        log.warning("an approval system refused a %s message: %s", message.kind,
                    refused.reason)
    except ApprovalsUnavailable:
        metrics.AGENCY_MESSAGES.labels(message.kind, "unavailable").inc()
        wait = min(timedelta(seconds=2 ** min(message.attempts, 10)), LONGEST_WAIT)
        with uow.core_transaction() as connection:
            repository.message_later(connection, message.id, message.attempts + 1, now + wait)
        return 0
    metrics.AGENCY_MESSAGES.labels(message.kind, outcome).inc()
    with uow.core_transaction() as connection:
        repository.message_sent(connection, message.id, now, answer)
    return 1 if outcome == "sent" else 0


def read_round(uow, approvals, now: datetime) -> int:
    """Apply the awaited agencies' new decisions; how many were applied."""
    with uow.read() as session:
        agencies = repository.agencies_awaited(session)
    applied = 0
    for agency in agencies:
        with alone(uow, f"matters.decisions.{agency}") as only_reader:
            if only_reader:  # else another replica is reading this feed now
                applied += _read_feed(uow, approvals, agency, now)
    return applied


def _read_feed(uow, approvals, agency: str, now: datetime) -> int:
    with uow.read() as session:
        after = repository.decisions_read(session, agency)
    try:
        listed = approvals.decisions(agency, after)
    except (ApprovalsUnavailable, ApprovalsRefused):
        return 0  # asked again next round, from the same place
    return sum(_apply(uow, agency, decision, now) for decision in _in_order(listed, after))


def _in_order(listed: list[dict], after: int) -> list[dict]:
    """Each decision once, oldest first, from however the feed listed them."""
    by_seq = {int(d["seq"]): d for d in listed if int(d["seq"]) > after}
    return [by_seq[seq] for seq in sorted(by_seq)]


def _apply(uow, agency: str, decision: dict, now: datetime) -> int:
    action = str(decision.get("action"))
    with uow.transaction() as session:
        repository.read_up_to(session, agency, int(decision["seq"]))
        if not claim_event(session.connection(), Inbox, f"agency.{agency}",
                           str(decision["decision_id"])):
            metrics.AGENCY_DECISIONS.labels(action, "duplicate").inc()
            return 0
        try:
            with session.begin_nested():
                _decide(uow, session, agency, decision, now)
        except CityHubError as refused:
            metrics.AGENCY_DECISIONS.labels(action, "refused").inc()
            matter = repository.matter(session.connection(),
                                       str(decision.get("tracking_number")))
            if matter is not None:
                repository.owe_agency(session.connection(), agency, "decision_refused",
                                      matter, now, decision_id=str(decision["decision_id"]),
                                      code=refused.code, reason=refused.message)
            return 0
    metrics.AGENCY_DECISIONS.labels(action, "applied").inc()
    return 1


def _decide(uow, session, agency: str, decision: dict, now: datetime) -> None:
    if decision.get("action") == "rectified":
        rating.rectified(session, agency, str(decision.get("tracking_number")),
                         decision.get("reason"), now)
        return
    matter = applying.find(session.connection(), decision.get("tracking_number"))
    service = repository.catalogue_service(session, matter.service_code)
    if matter.kind != "application" or service is None or service.agency != agency:
        raise applying.not_found()  # another agency's case is none of this one's
    applying.move(uow, session, matter, "agency", decision.get("action"), now,
                  items=decision.get("items"), reason=decision.get("reason"))
