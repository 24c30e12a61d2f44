"""好差评 and the SLA watch in matters' own database, on SQLite and PostgreSQL: a closed
matter is rated once, a poor rating is a duty tracked to its end, and deadlines coming
near or passing are counted and told to the agency once."""

from datetime import UTC, datetime, timedelta

import pytest

from chassis.crypto import FieldCipher
from contracts.errors import Conflict, InvalidInput
from services.matters import repository
from services.matters.use_cases import applying, rating, watching
from tests.fixtures.matters import matters_uow  # noqa: F401  (the `uow` fixture)

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in the city
CERTIFICATE = "household-registration-certificate"  # 5 working days, public-security
CIPHER = FieldCipher("k:" + "A" * 43 + "=", "index-key")


def closed(uow, citizen="c-1", action="approve") -> str:
    number = applying.apply(uow, citizen, "acme", 2, CERTIFICATE, ["doc:x"], "f" * 64,
                            NOW)["tracking_number"]
    applying.act(uow, number, "agency", "accept", NOW)
    applying.act(uow, number, "agency", action, NOW)
    return number


def messages(uow, number) -> list[tuple[str, dict]]:
    with uow.core_read() as connection:
        return [(m.kind, m.body) for m in repository.messages_to(connection, number)]


def test_a_closed_matter_is_rated_once_and_a_good_rating_asks_nothing_of_the_agency(uow):
    number = closed(uow)
    rated = rating.rate(uow, CIPHER, "c-1", number, "very_satisfied", "快", NOW)
    assert (rated["level"], rated["comment"], rated["rectification"]) == (
        "very_satisfied", True, None)
    with pytest.raises(Conflict) as again:
        rating.rate(uow, CIPHER, "c-1", number, "satisfied", None, NOW)
    assert again.value.code == "already_rated"
    assert [kind for kind, _ in messages(uow, number)] == ["application"]


def test_an_open_matter_cannot_be_rated_and_a_bad_level_is_refused(uow):
    number = applying.apply(uow, "c-1", "acme", 2, CERTIFICATE, [], "f" * 64,
                            NOW)["tracking_number"]
    with pytest.raises(Conflict) as refused:
        rating.rate(uow, CIPHER, "c-1", number, "satisfied", None, NOW)
    assert refused.value.code == "matter_not_closed"
    with pytest.raises(InvalidInput):
        rating.rate(uow, CIPHER, "c-1", number, "meh", None, NOW)


def test_a_poor_rating_opens_a_task_due_in_15_working_days_told_to_the_agency_without_words(
        uow):
    number = closed(uow, action="reject")
    rated = rating.rate(uow, CIPHER, "c-1", number, "very_dissatisfied",
                        "张三 waited for nothing", NOW)
    # 15 working days from Monday 23 November: Monday 14 December, to city midnight.
    assert rated["rectification"] == {"due_at": "2026-12-14T16:00:00.000000Z",
                                      "status": "open"}
    told = [body for kind, body in messages(uow, number) if kind == "rectification"]
    assert len(told) == 1 and told[0]["level"] == "very_dissatisfied"
    assert "张三" not in str(told) and "waited" not in str(told)
    with uow.read() as session:
        stored = repository.rating(session, repository.matter(session.connection(),
                                                              number).id)
        assert "张三" not in stored.comment_sealed  # sealed at rest
        assert CIPHER.open(stored.comment_sealed, rating.COMMENT) == "张三 waited for nothing"


def test_the_report_counts_ratings_and_tasks_open_overdue_and_closed(uow):
    poor, late, fine = (closed(uow, f"c-{n}") for n in range(3))
    for number, level in ((poor, "dissatisfied"), (late, "very_dissatisfied"),
                          (fine, "satisfied")):
        rating.rate(uow, CIPHER, f"c-{(poor, late, fine).index(number)}", number, level,
                    None, NOW)
    with uow.transaction() as session:
        rating.rectified(session, "public-security", poor, "apologised; new queue rules",
                         NOW + timedelta(days=3))
    report = rating.report(uow, None, NOW + timedelta(days=30))["agencies"]["public-security"]
    assert report["ratings"]["dissatisfied"] == report["ratings"]["satisfied"] == 1
    assert report["rectifications"] == {"open": 0, "overdue": 1, "closed_in_time": 1,
                                        "closed_late": 0}


def test_the_watch_tells_the_agency_once_when_a_deadline_is_near_and_once_when_passed(uow):
    number = applying.apply(uow, "c-1", "acme", 2, CERTIFICATE, [], "f" * 64,
                            NOW)["tracking_number"]  # due end of Tuesday 24th
    counts = watching.watch_round(uow, NOW)
    assert counts["near", "agency"] == 1
    watching.watch_round(uow, NOW + timedelta(hours=1))
    watching.watch_round(uow, NOW + timedelta(days=2))
    watching.watch_round(uow, NOW + timedelta(days=2, hours=1))
    assert [kind for kind, _ in messages(uow, number)] == [
        "application", "deadline_near", "deadline_passed"]
    applying.act(uow, number, "agency", "accept", NOW + timedelta(days=2))
    # control: a new state has a new deadline (five working days on), on time again
    assert watching.watch_round(uow, NOW + timedelta(days=2))["on_time", "agency"] == 1


def test_a_send_back_the_citizen_lets_run_out_lapses_and_both_sides_hear(uow):
    number = applying.apply(uow, "c-1", "acme", 2, CERTIFICATE, [], "f" * 64,
                            NOW)["tracking_number"]
    applying.act(uow, number, "agency", "request_corrections", NOW, items=["photo"])
    watching.watch_round(uow, NOW + timedelta(days=3))  # 10 working days: not yet
    assert applying.timeline(uow, number)["state"] == "awaiting_corrections"
    watching.watch_round(uow, NOW + timedelta(days=15))
    lapsed = applying.timeline(uow, number)
    assert (lapsed["state"], lapsed["timeline"][-1]["by"]) == ("lapsed", "hub")
    assert [kind for kind, _ in messages(uow, number)][-1] == "lapsed"
