"""Matters' rules in plain Python: applications' workflows, tell-once corrections,
好差评 ratings and their rectification duty, tracking numbers."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from contracts.errors import Conflict, Forbidden, InvalidInput
from services.matters.domain import applications, ratings
from services.matters.domain.tracking import looks_like_one, tracking_number
from services.matters.domain.working_days import Calendar

DEFINITIONS = yaml.safe_load(
    (Path(__file__).parents[2] / "services/matters/workflows.yaml").read_text("utf-8"))
DEFAULT = applications.build(DEFINITIONS)


@pytest.mark.parametrize("service", [None, *DEFINITIONS["services"]])
def test_every_workflow_in_the_file_is_usable(service):
    assert applications.problems(applications.build(DEFINITIONS, service)) == []


@pytest.mark.parametrize("kind", list(DEFINITIONS["kinds"]))
def test_every_followed_kind_in_the_file_is_usable(kind):
    assert applications.problems(applications.build(DEFINITIONS, kind=kind)) == []


def test_a_followed_payment_only_moves_on_whatever_order_its_events_come_in():
    payment = applications.build(DEFINITIONS, kind="payment")
    assert payment.act("awaiting_payment", "pay", "citizen") == "paid"
    assert payment.act("awaiting_payment", "confirm", "agency") == "confirmed"  # pay late
    with pytest.raises(Conflict):
        payment.act("confirmed", "pay", "citizen")  # a late success changes nothing
    with pytest.raises(Conflict):
        payment.act("paid", "order", "citizen")  # the order's own event, late


def test_a_workflow_with_a_dead_end_or_an_unknown_state_is_named():
    broken = {"default": {"start": "submitted", "states": {
        "submitted": {"owner": "agency", "sla": 1}, "stuck": {"owner": "agency"}},
        "actions": {"look": {"by": "clerk", "from": ["submitted"], "to": "stuck"},
                    "lose": {"by": "agency", "from": ["submitted"], "to": "nowhere"}}}}
    assert applications.problems(applications.build(broken)) == [
        "look: taken by 'clerk', not one of ('citizen', 'agency', 'hub')",
        "lose: no state 'nowhere'",
        "stuck: not final, and no action leaves it"]


def test_an_application_goes_from_submitted_through_review_to_approved():
    state = DEFAULT.start
    for action, side in (("accept", "agency"), ("request_corrections", "agency"),
                         ("resubmit", "citizen"), ("approve", "agency")):
        state = DEFAULT.act(state, action, side)
    assert state == "approved" and DEFAULT.states[state].final


def test_only_its_side_may_take_an_action_and_only_in_its_states():
    with pytest.raises(Forbidden) as refused:
        DEFAULT.act("in_review", "approve", "citizen")
    assert refused.value.code == "not_your_action"
    with pytest.raises(Conflict) as refused:
        DEFAULT.act("approved", "withdraw", "citizen")
    assert refused.value.code == "not_allowed_now"
    with pytest.raises(InvalidInput):
        DEFAULT.act("submitted", "bribe", "citizen")


def test_a_service_of_its_own_adds_to_the_default_and_keeps_the_rest():
    permit = applications.build(DEFINITIONS, "residence-permit")
    assert not permit.states["approved"].final
    assert permit.act("approved", "collect", "agency") == "collected"
    assert permit.act("submitted", "accept", "agency") == "in_review"
    assert DEFAULT.states["approved"].final  # the default is left as it was


def test_a_states_time_limit_is_its_own_or_the_catalogues():
    assert DEFAULT.time_limit("submitted", 15) == 1
    assert DEFAULT.time_limit("in_review", 15) == 15
    assert DEFAULT.time_limit("approved", 15) is None
    assert DEFAULT.waiting_for("awaiting_corrections") == ["resubmit", "withdraw", "lapse"]


def test_the_first_send_back_lists_everything_and_a_second_only_what_it_listed():
    first = applications.check_corrections(["photo", " rental contract ", "photo"], None)
    assert first == ["photo", "rental contract"]
    assert applications.check_corrections(["photo"], first) == ["photo"]
    with pytest.raises(Conflict) as refused:
        applications.check_corrections(["photo", "utility bill"], first)
    assert refused.value.code == "not_on_first_list"
    assert "utility bill" in refused.value.message
    with pytest.raises(InvalidInput):
        applications.check_corrections([" "], None)


def test_a_closed_matter_is_rated_once_with_one_of_five_levels():
    assert ratings.check_rating("satisfied", "  quick  ", closed=True,
                                already_rated=False) == "quick"
    for level, closed, rated, code in (("great", True, False, "unknown_rating"),
                                       ("satisfied", False, False, "matter_not_closed"),
                                       ("satisfied", True, True, "already_rated")):
        with pytest.raises((InvalidInput, Conflict)) as refused:
            ratings.check_rating(level, None, closed=closed, already_rated=rated)
        assert refused.value.code == code


def test_a_poor_rating_gives_the_agency_fifteen_working_days_to_put_it_right():
    rated = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in the city
    due = ratings.rectification_due(Calendar(), rated, "dissatisfied")
    assert due == datetime(2026, 12, 14, 16, 0, tzinfo=UTC)  # the end of Monday 14 Dec
    assert ratings.rectification_due(Calendar(), rated, "basically_satisfied") is None


def test_a_tracking_number_is_the_city_day_and_its_place_that_day():
    number = tracking_number(date(2026, 11, 25), 123)
    assert number == "GZ-20261125-000123"
    assert looks_like_one(number)
    assert not looks_like_one("GZ-2026-11-25-123") and not looks_like_one(None)
    with pytest.raises(ValueError):
        tracking_number(date(2026, 11, 25), 0)


def test_every_action_of_every_workflow_reads_in_both_languages():
    from types import SimpleNamespace

    from services.matters.views import STEP_WORDS, says

    actions = set(DEFINITIONS["default"]["actions"])
    actions |= {a for own in DEFINITIONS["services"].values() for a in own.get("actions", {})}
    actions |= {a for kind in DEFINITIONS["kinds"].values() for a in kind["actions"]}
    assert actions <= set(STEP_WORDS), actions - set(STEP_WORDS)
    sent_back = SimpleNamespace(action="request_corrections",
                                detail={"items": ["photo", "proof-of-address"]})
    assert says(sent_back, "en") == "The agency asked, at once, for: photo, proof-of-address"
    assert says(sent_back, "zh-CN") == "部门一次性告知需补正：photo、proof-of-address"


def test_a_state_that_expires_by_anything_but_the_hubs_own_action_from_it_is_named():
    broken = {"default": {"start": "waiting", "states": {
        "waiting": {"owner": "citizen", "sla": 1, "expires": "approve"},
        "done": {"final": True}},
        "actions": {"approve": {"by": "agency", "from": ["waiting"], "to": "done"}}}}
    assert applications.problems(applications.build(broken)) == [
        "waiting: expires by 'approve', which is not the hub's action from it"]
    broken["default"]["actions"]["approve"]["by"] = "hub"  # control: now it is the hub's
    assert applications.problems(applications.build(broken)) == []
