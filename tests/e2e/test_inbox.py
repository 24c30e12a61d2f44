"""The in-app inbox: pages newest first behind a cursor, unread counts, marking read."""

import pytest

from tests.e2e.test_real_name import citizen_at_level_1, error
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e


def inbox(platform, citizen_id, query="", partner=None):
    kwargs = {"partner": partner} if partner else {}
    return platform.call("GET", f"/v1/citizens/{citizen_id}/notifications{query}", **kwargs)


@pytest.fixture
def two_messages(platform):
    """A citizen with a welcome and a level-1 message in the inbox, both unread."""
    citizen_id = citizen_at_level_1(platform)
    eventually(lambda: len(inbox(platform, citizen_id).json()["items"]) == 2)
    return citizen_id


def test_each_message_says_its_category_template_action_and_whether_it_was_read(
        platform, two_messages):
    page = inbox(platform, two_messages).json()
    assert page["unread_count"] == 2 and page["next_cursor"] is None
    newest, welcome = page["items"]
    assert (newest["template_id"], newest["category"], newest["read"]) == (
        "level_reached", "account", False)
    assert (welcome["template_id"], welcome["template_version"]) == ("welcome", 1)
    assert welcome["action"] == {"type": "profile", "id": two_messages}


def test_pages_follow_each_other_through_the_cursor_newest_first(platform, two_messages):
    first = inbox(platform, two_messages, "?limit=1").json()
    assert [m["template_id"] for m in first["items"]] == ["level_reached"]
    second = inbox(platform, two_messages, f"?limit=1&cursor={first['next_cursor']}").json()
    assert [m["template_id"] for m in second["items"]] == ["welcome"]
    assert second["next_cursor"] is None


def test_marking_one_read_lowers_the_unread_count_once(platform, two_messages):
    newest = inbox(platform, two_messages).json()["items"][0]
    path = f"/v1/citizens/{two_messages}/notifications/{newest['notification_id']}/read"
    for _ in range(2):  # again: no change
        answer = platform.call("POST", path)
        assert answer.status_code == 200 and answer.json()["read"] is True
    page = inbox(platform, two_messages).json()
    assert page["unread_count"] == 1
    assert [m["read"] for m in page["items"]] == [True, False]


def test_marking_all_read_leaves_nothing_unread(platform, two_messages):
    answer = platform.call("POST", f"/v1/citizens/{two_messages}/notifications/read-all")
    assert answer.json() == {"marked": 2, "unread_count": 0}
    assert inbox(platform, two_messages).json()["unread_count"] == 0


def test_an_unknown_notification_is_a_404(platform, two_messages):
    response = platform.call(
        "POST", f"/v1/citizens/{two_messages}/notifications/no-such-thing/read")
    assert error(response) == (404, "notification_not_found")


def test_another_partners_citizen_has_no_inbox_for_this_partner(platform, two_messages):
    assert error(inbox(platform, two_messages, partner=platform.other_partner)) == (
        404, "citizen_not_found")
    response = platform.call("POST", f"/v1/citizens/{two_messages}/notifications/read-all",
                             partner=platform.other_partner)
    assert error(response) == (404, "citizen_not_found")
    assert inbox(platform, two_messages).json()["unread_count"] == 2  # nothing changed


def test_a_changed_cursor_or_another_citizens_cursor_is_refused(platform, two_messages):
    cursor = inbox(platform, two_messages, "?limit=1").json()["next_cursor"]
    changed = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert error(inbox(platform, two_messages, f"?cursor={changed}")) == (
        422, "invalid_cursor")
    someone_else = citizen_at_level_1(platform)
    assert error(inbox(platform, someone_else, f"?cursor={cursor}")) == (
        422, "invalid_cursor")


@pytest.mark.parametrize("query, code", [
    ("?limit=0", "validation_error"), ("?limit=101", "validation_error"),
    ("?limit=ten", "validation_error"), ("?page=2", "unknown_field"),
])
def test_a_bad_page_request_is_refused_naming_the_parameter(platform, two_messages, query,
                                                            code):
    assert error(inbox(platform, two_messages, query)) == (422, code)
