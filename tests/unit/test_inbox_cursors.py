"""The inbox's cursors are opaque, bound to one citizen, and refused when changed."""

import pytest

from contracts.errors import InvalidInput
from services.notify.domain.inbox import check_limit, make_cursor, read_cursor

KEY = b"cursor-test-key"


def test_a_cursor_leads_back_to_where_the_page_ended():
    assert read_cursor(KEY, "c-1", make_cursor(KEY, "c-1", 4711)) == 4711


@pytest.mark.parametrize("cursor", [
    lambda: make_cursor(KEY, "c-1", 4711)[:-1] + "A",  # a changed signature
    lambda: make_cursor(KEY, "c-2", 4711),             # another citizen's cursor
    lambda: make_cursor(b"another key", "c-1", 4711),  # not ours
    lambda: "bm90LWEtY3Vyc29y",                         # not a cursor at all
    lambda: "%%%",
])
def test_a_changed_or_foreign_cursor_is_refused(cursor):
    with pytest.raises(InvalidInput) as refused:
        read_cursor(KEY, "c-1", cursor())
    assert (refused.value.code, refused.value.field) == ("invalid_cursor", "cursor")


@pytest.mark.parametrize("limit", [0, 101, True, "20"])
def test_a_page_size_outside_1_to_100_is_refused(limit):
    with pytest.raises(InvalidInput):
        check_limit(limit)
