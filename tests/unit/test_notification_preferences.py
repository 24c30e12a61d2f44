"""Preferences, critical categories, quiet hours and delivery statuses."""

from datetime import UTC, datetime

import pytest

from contracts.errors import InvalidInput
from services.notify.domain import preferences, statuses
from services.notify.domain.preferences import EMAIL, PUSH, SMS, Route
from services.notify.domain.templates import Template


def template(category="payment", critical=False, channels=("inbox", "sms")):
    texts = {"zh-CN": "文", "en": "text"}
    return Template("t", 1, category, critical,
                    {channel: {"body": texts} for channel in channels})


def test_out_of_the_box_push_and_email_are_on_and_texts_only_for_security():
    chosen = preferences.effective({})
    assert chosen["payment"] == {PUSH: True, SMS: False, EMAIL: True}
    assert chosen["security"] == {PUSH: True, SMS: True, EMAIL: True}


def test_a_citizens_choice_wins_over_the_default_but_never_over_a_critical_category():
    chosen = preferences.effective({("payment", SMS): True, ("security", SMS): False})
    assert chosen["payment"][SMS] is True
    assert chosen["security"][SMS] is True


def test_turning_a_critical_category_off_is_refused():
    with pytest.raises(InvalidInput) as refused:
        preferences.check_changes({"security": {SMS: False}})
    assert refused.value.code == "category_is_critical"
    assert preferences.check_changes({"security": {SMS: True}}) == [("security", SMS, True)]


@pytest.mark.parametrize(("changes", "code"), [
    ({"weather": {SMS: True}}, "unknown_category"),
    ({"payment": {"pigeon": True}}, "unknown_channel"),
    ({"payment": {SMS: "yes"}}, "validation_error"),
    ({}, "validation_error"),
])
def test_unknown_categories_channels_and_values_are_refused(changes, code):
    with pytest.raises(InvalidInput) as refused:
        preferences.check_changes(changes)
    assert refused.value.code == code


def test_a_channel_the_citizen_turned_off_is_not_used():
    chosen = preferences.effective({("payment", PUSH): False})
    assert preferences.routes(template(), chosen, {PUSH, SMS}) == []


def test_a_critical_template_overrides_the_preference_and_says_why():
    chosen = preferences.effective({("payment", PUSH): False})
    routes = preferences.routes(template(critical=True), chosen, {PUSH, SMS})
    assert routes == [Route(PUSH, preferences.OVERRIDE_REASON),
                      Route(SMS, preferences.OVERRIDE_REASON)]


def test_a_channel_the_template_has_no_text_for_is_not_used():
    chosen = preferences.effective({("payment", SMS): True})
    assert preferences.routes(template(channels=("inbox",)), chosen, {PUSH, SMS}) == [
        Route(PUSH)]


@pytest.mark.parametrize(("utc_hour", "held_until"), [
    (13, datetime(2026, 11, 26, 0, 0, tzinfo=UTC)),   # 21:00 city: no, 22:00 starts
    (14, datetime(2026, 11, 26, 0, 0, tzinfo=UTC)),   # 22:00 city: held to 08:00
    (18, datetime(2026, 11, 26, 0, 0, tzinfo=UTC)),   # 02:00 city: held to 08:00 same day
    (0, None),                                          # 08:00 city: sent
])
def test_quiet_hours_hold_a_text_from_22_00_to_08_00_city_time(utc_hour, held_until):
    day = 25 if utc_hour >= 13 else 26
    now = datetime(2026, 11, day, utc_hour, 0, tzinfo=UTC)
    expected = None if utc_hour == 13 else held_until
    assert preferences.quiet_until(now, critical=False) == expected


def test_a_critical_text_is_never_held_by_quiet_hours():
    assert preferences.quiet_until(datetime(2026, 11, 25, 18, tzinfo=UTC), True) is None


def test_statuses_only_move_forward():
    assert statuses.can_move("created", "sending")
    assert statuses.can_move("sending", "delivered")
    assert not statuses.can_move("delivered", "temporary-failure")
    assert not statuses.can_move("permanent-failure", "delivered")
    assert not statuses.can_move("sending", "created")


@pytest.mark.parametrize(("code", "status", "action"), [
    ("DELIVRD", "delivered", "none"),
    ("EXPIRED", "temporary-failure", "retry_later"),
    ("UNDELIV", "permanent-failure", "fix_address"),
])
def test_each_receipt_has_a_status_and_an_action_for_the_caller(code, status, action):
    assert statuses.from_receipt(code) == status
    assert statuses.action_for("sms", status) == action


def test_a_push_the_endpoint_refused_asks_for_another_channel_not_a_new_address():
    assert statuses.action_for("push", statuses.from_webhook("failed", 1)) == "switch_channel"
    assert statuses.from_webhook("pending", 0) == "created"
    assert statuses.from_webhook("pending", 2) == "sending"
