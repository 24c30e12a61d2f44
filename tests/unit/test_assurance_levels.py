from datetime import UTC, datetime, timedelta

import pytest

from contracts.assurance import require
from contracts.errors import Conflict, Forbidden, TooManyAttempts
from services.identity.domain.assurance import check_not_locked_out, raise_to

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("current, reached", [(0, 1), (1, 2), (2, 3)])
def test_a_level_rises_by_passing_the_next_check(current, reached):
    assert raise_to(current, reached) == reached


@pytest.mark.parametrize("current, reached", [(0, 2), (0, 3), (1, 3)])
def test_a_level_cannot_be_skipped(current, reached):
    with pytest.raises(Forbidden) as raised:
        raise_to(current, reached)
    assert raised.value.code == "assurance_level_too_low"


def test_passing_a_check_already_passed_is_a_conflict():
    with pytest.raises(Conflict):
        raise_to(2, 2)


def test_a_service_refuses_a_citizen_below_its_level_and_names_the_level_needed():
    with pytest.raises(Forbidden) as raised:
        require(1, 2)
    assert raised.value.code == "assurance_level_too_low"
    assert "level 2" in raised.value.message
    require(2, 2)
    require(3, 2)


def test_four_failures_in_a_day_still_allow_another_real_name_attempt():
    check_not_locked_out([NOW - timedelta(hours=h) for h in range(4)], NOW)


def test_five_failures_in_a_day_lock_real_name_attempts_until_the_oldest_expires():
    failures = [NOW - timedelta(hours=h) for h in (1, 2, 3, 4, 20)]
    with pytest.raises(TooManyAttempts) as raised:
        check_not_locked_out(failures, NOW)
    assert raised.value.code == "too_many_attempts"
    assert raised.value.retry_after == 4 * 3600 + 1


def test_failures_older_than_a_day_do_not_count():
    failures = [NOW - timedelta(hours=h) for h in (1, 2, 3, 4, 25)]
    check_not_locked_out(failures, NOW)


def test_the_retry_after_survives_the_trip_across_rpc():
    from nameko.exceptions import deserialize, serialize

    import chassis.rpc  # noqa: F401 - registers the typed errors with Nameko, as services do

    crossed = deserialize(serialize(TooManyAttempts("locked", retry_after=3600)))
    assert isinstance(crossed, TooManyAttempts)
    assert crossed.retry_after == 3600 and crossed.code == "too_many_attempts"


def test_the_catalogues_level_wins_over_a_services_own_when_the_call_carries_it():
    from contracts.assurance import needed

    catalogue = {"hospital": 1, "water-bill": 3}
    assert needed(catalogue, "hospital", own=2) == 1  # lowered by editing the catalogue
    assert needed(catalogue, "water-bill", own=1) == 3  # raised
    assert needed(catalogue, "service_hall", own=1) == 1  # not in it: the service's own
    assert needed(None, "hospital", own=2) == 2  # no levels came: the service's own
