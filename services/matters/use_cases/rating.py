"""好差评: the citizen rates a closed matter once; a poor rating opens the agency's
rectification task (domain/ratings.py), which the agency closes by saying it put it
right (its `rectified` decision) and which is reported until then."""

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from contracts.time import iso_utc
from services.matters import repository
from services.matters.domain import ratings
from services.matters.models import Rating, RectificationTask
from services.matters.use_cases import applying

COMMENT = "rating.comment"  # the encryption context of a rating's comment


def rate(uow, cipher, citizen_id: str, number, level, comment, now: datetime) -> dict:
    """The citizen's rating of their closed matter; refused unless closed and unrated.
    Of twin ratings, the one whose rating row went in first rated it (the matter is the
    row's key); the others are refused as a rating after it would be."""
    try:
        return _rate(uow, cipher, citizen_id, number, level, comment, now)
    except IntegrityError:
        with uow.read() as session:
            found = applying.find(session.connection(), number, citizen_id)
            if repository.rating(session, found.id) is None:
                raise  # another constraint: not a twin's rating
        raise ratings.rated_once() from None


def _rate(uow, cipher, citizen_id: str, number, level, comment, now: datetime) -> dict:
    with uow.transaction() as session:
        found = applying.find(session.connection(), number, citizen_id)
        comment = ratings.check_rating(level, comment, found.closed_at is not None,
                                       repository.rating(session, found.id) is not None)
        service = repository.catalogue_service(session, found.service_code)
        due = ratings.rectification_due(repository.calendar(session), now, level)
        task = None if due is None else RectificationTask(
            id=str(uuid.uuid4()), matter_id=found.id, tracking_number=found.tracking_number,
            agency=service.agency, level=level, opened_at=now, due_at=due,
            overdue_told=False)
        repository.add_rating(session, Rating(
            matter_id=found.id, level=level, rated_at=now,
            comment_sealed=cipher.seal(comment, COMMENT) if comment else None), task)
        if task is not None:
            # The agency hears of the duty, not of the citizen's words or who they are.
            repository.owe_agency(session.connection(), service.agency, "rectification",
                                  found, now, task_id=task.id, level=level,
                                  due_at=iso_utc(due))
        return {"tracking_number": found.tracking_number, "level": level,
                "comment": comment is not None, "rated_at": iso_utc(now),
                "rectification": None if task is None else {"due_at": iso_utc(due),
                                                            "status": "open"}}


def rectified(session, agency: str, number: str, note, now: datetime) -> None:
    """The agency says it put right what the matter's poor rating said."""
    task = repository.open_task(session, number)
    if task is None or task.agency != agency:
        raise applying.not_found()
    task.closed_at, task.note = now, (str(note)[:500] if note else None)


def report(uow, since: datetime | None = None, now: datetime | None = None) -> dict:
    """Ratings by agency and level, and each agency's rectification tasks: open,
    overdue, closed in time and closed late."""
    with uow.read() as session:
        agencies: dict[str, dict] = {}

        def of(agency):
            return agencies.setdefault(agency, {
                "ratings": dict.fromkeys(ratings.LEVELS, 0),
                "rectifications": {"open": 0, "overdue": 0, "closed_in_time": 0,
                                   "closed_late": 0}})

        for agency, level, count in repository.ratings_report(session, since):
            of(agency)["ratings"][level] = count
        for task in repository.tasks(session, since):
            kept = of(task.agency)["rectifications"]
            if task.closed_at is None:
                kept["overdue" if now is not None and now >= task.due_at else "open"] += 1
            else:
                kept["closed_in_time" if task.closed_at <= task.due_at else "closed_late"] += 1
        return {"agencies": dict(sorted(agencies.items()))}
