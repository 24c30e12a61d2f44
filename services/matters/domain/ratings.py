"""好差评: a citizen rates a closed matter once, and a poor rating is a duty.

The national "good and poor reviews" rule for government services: five levels, from
very satisfied to very dissatisfied, given once per matter after it closes, with an
optional comment. A "dissatisfied" or "very dissatisfied" rating opens a
rectification task (整改) for the agency, due within 15 working days, which is tracked
and reported until the agency closes it.
"""

from datetime import datetime

from contracts.errors import Conflict, InvalidInput
from services.matters.domain.working_days import Calendar

LEVELS = ("very_satisfied", "satisfied", "basically_satisfied", "dissatisfied",
          "very_dissatisfied")
NEEDS_RECTIFICATION = ("dissatisfied", "very_dissatisfied")
RECTIFY_WITHIN_WORKING_DAYS = 15
MAX_COMMENT = 500


def check_rating(level, comment, closed: bool, already_rated: bool) -> str | None:
    """The comment, stripped (None if none); refused unless the matter is closed, not
    rated yet, and the rating is one of LEVELS."""
    if level not in LEVELS:
        raise InvalidInput(f"level must be one of: {', '.join(LEVELS)}", field="level",
                           code="unknown_rating")
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
        raise InvalidInput(f"comment is text of at most {MAX_COMMENT} characters",
                           field="comment")
    if not closed:
        raise Conflict("a matter is rated once it has closed", field="tracking_number",
                       code="matter_not_closed")
    if already_rated:
        raise rated_once()
    return (comment or "").strip() or None


def rated_once() -> Conflict:
    return Conflict("this matter has been rated; a rating is given once",
                    field="tracking_number", code="already_rated")


def rectification_due(calendar: Calendar, rated_at: datetime, level: str) -> datetime | None:
    """When the agency must have put right what a poor rating says; None for a rating
    that asks nothing of it."""
    if level not in NEEDS_RECTIFICATION:
        return None
    return calendar.deadline(rated_at, RECTIFY_WITHIN_WORKING_DAYS)
