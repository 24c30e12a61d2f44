"""The sandbox clock ops move with `cityhub clock`, against the real Redis."""

from datetime import UTC, datetime

import pytest

from chassis import sandbox_clock
from cityhub import operations
from tests.fixtures.servers import REDIS_URL

pytestmark = pytest.mark.integration


@pytest.fixture
def clock(redis_client):
    """A service's clock following the tests' Redis, put back to the real one after."""
    yield sandbox_clock.SharedClock(REDIS_URL).start()
    redis_client.delete(sandbox_clock.KEY)


def test_ops_move_every_services_now_and_put_it_back(settings, clock):
    moved = operations.move_clock(settings, "set", None, "2030-01-01T08:00:00+08:00")
    assert moved["now"].startswith("2030-01-01T00:00")
    assert clock._read_offset(None)[1] == pytest.approx(moved["offset_seconds"])
    assert operations.move_clock(settings, "reset", None, None)["offset_seconds"] == 0


@pytest.mark.parametrize("action, seconds, moment", [
    ("set", None, "9999-12-31T00:00:00+00:00"), ("set", None, "0001-01-01T00:00:00+00:00"),
    ("advance", 1e20, None), ("advance", float("inf"), None), ("advance", float("nan"), None),
])
def test_a_clock_moved_out_of_the_calendar_is_refused_and_moves_nothing(
        settings, clock, action, seconds, moment):
    operations.move_clock(settings, "advance", 3600, None)
    with pytest.raises(operations.OperationFailed, match="stays between 2000-01-01 and"):
        operations.move_clock(settings, action, seconds, moment)
    assert sandbox_clock.offset(REDIS_URL) == 3600


def test_a_service_keeps_its_last_now_when_the_offset_is_out_of_the_calendar(
        redis_client, clock):
    redis_client.set(sandbox_clock.KEY, "1e20")
    client, offset = clock._read_offset(None)
    assert offset == 0
    assert clock().year == datetime.now(UTC).year
    client.close()
