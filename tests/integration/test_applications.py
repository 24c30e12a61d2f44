"""Applying for a service an agency decides, and each side acting on it, in matters'
own database on SQLite and PostgreSQL: tracking numbers, deadlines in working days,
tell-once send-backs and the timeline."""

from datetime import UTC, datetime, timedelta

import pytest

from contracts.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.matters.use_cases import applying
from tests.fixtures.matters import matters_uow  # noqa: F401  (the `uow` fixture)

pytestmark = pytest.mark.integration

# Monday 23 November 2026, 10:00 city time.
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CERTIFICATE = "household-registration-certificate"  # decided in 5 working days
PHONE = "f" * 64  # the blind index of the phone it is filed with


def applied(uow, citizen="c-1", service=CERTIFICATE, at=NOW) -> dict:
    return applying.apply(uow, citizen, "acme", 2, service, ["doc:booklet-scan"], PHONE, at)


def test_an_application_is_submitted_with_a_tracking_number_and_the_agencys_deadline(uow):
    matter = applied(uow)
    assert matter["tracking_number"] == "GZ-20261123-000001"
    assert (matter["state"], matter["waiting_for"]) == ("submitted", "agency")
    assert matter["due_at"] == "2026-11-24T16:00:00.000000Z"  # end of the next working day
    assert [(s["action"], s["by"], s["to"]) for s in matter["timeline"]] == [
        ("apply", "citizen", "submitted")]


def test_each_matter_of_a_day_takes_the_next_number_and_a_new_day_starts_again(uow):
    numbers = [applied(uow, f"c-{n}")["tracking_number"] for n in range(3)]
    assert numbers == [f"GZ-20261123-00000{n}" for n in (1, 2, 3)]
    tomorrow = applied(uow, "c-9", at=NOW + timedelta(days=1))["tracking_number"]
    assert tomorrow == "GZ-20261124-000001"


def test_in_review_the_agency_has_the_catalogues_working_days(uow):
    number = applied(uow)["tracking_number"]
    reviewed = applying.act(uow, number, "agency", "accept", NOW)
    assert reviewed["state"] == "in_review"
    assert reviewed["due_at"] == "2026-11-30T16:00:00.000000Z"  # five working days on


def test_a_send_back_lists_everything_once_and_a_second_one_only_what_it_listed(uow):
    number = applied(uow)["tracking_number"]
    applying.act(uow, number, "agency", "accept", NOW)
    sent_back = applying.act(uow, number, "agency", "request_corrections", NOW,
                             items=["clear photo", "booklet page 2"])
    assert (sent_back["state"], sent_back["waiting_for"]) == ("awaiting_corrections",
                                                              "citizen")
    assert sent_back["corrections"] == ["booklet page 2", "clear photo"]
    applying.act(uow, number, "citizen", "resubmit", NOW, documents=["doc:page-2"])
    with pytest.raises(Conflict) as refused:
        applying.act(uow, number, "agency", "request_corrections", NOW,
                     items=["utility bill"])
    assert refused.value.code == "not_on_first_list"
    again = applying.act(uow, number, "agency", "request_corrections", NOW,
                         items=["clear photo"])
    assert again["timeline"][-1]["detail"] == {"items": ["clear photo"]}


def test_an_approved_application_is_closed_with_every_step_on_its_timeline(uow):
    number = applied(uow)["tracking_number"]
    for side, action in (("agency", "accept"), ("agency", "approve")):
        done = applying.act(uow, number, side, action, NOW + timedelta(hours=1))
    assert (done["state"], done["waiting_for"], done["due_at"]) == ("approved", None, None)
    assert done["closed_at"] == "2026-11-23T03:00:00.000000Z"
    assert [s["to"] for s in done["timeline"]] == ["submitted", "in_review", "approved"]
    assert applying.timeline(uow, number, "c-1") == done


def test_refused_moves_change_nothing(uow):
    number = applied(uow)["tracking_number"]
    with pytest.raises(Forbidden):
        applying.act(uow, number, "citizen", "approve", NOW)
    with pytest.raises(Conflict):
        applying.act(uow, number, "citizen", "resubmit", NOW)
    with pytest.raises(NotFound):
        applying.timeline(uow, number, "another-citizen")
    with pytest.raises(NotFound):
        applying.timeline(uow, "GZ-20261123-999999")
    with pytest.raises(Conflict) as refused:
        applied(uow, service="water-bill")
    assert refused.value.code == "not_applied_for"
    with pytest.raises(InvalidInput):
        applying.apply(uow, "c-1", "acme", 2, CERTIFICATE, ["x" * 201], PHONE, NOW)
    with pytest.raises(Forbidden) as refused:
        applying.apply(uow, "c-1", "acme", 1, CERTIFICATE, [], PHONE, NOW)  # needs a real name
    assert refused.value.code == "assurance_level_too_low"
    assert [s["action"] for s in applying.timeline(uow, number)["timeline"]] == ["apply"]
    assert [m["tracking_number"] for m in applying.of_citizen(uow, "c-1")] == [number]


def test_a_second_application_for_a_service_still_open_is_refused_naming_the_first(uow):
    first = applied(uow)["tracking_number"]
    with pytest.raises(Conflict) as refused:
        applied(uow)  # a retry after a lost answer
    assert (refused.value.code, first in refused.value.message) == ("application_open", True)
    applying.act(uow, first, "citizen", "withdraw", NOW)
    assert applied(uow)["tracking_number"] != first  # closed: a new one may open
