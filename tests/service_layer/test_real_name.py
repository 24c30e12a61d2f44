"""The real-name check and its lockout through the service layer, with fakes."""

import pytest

from contracts.errors import Conflict, InvalidInput, ServiceUnavailable, TooManyAttempts
from contracts.events import CitizenVerificationFailed, CitizenVerified
from services.identity.models import PENDING
from services.identity.use_cases import real_name

ZHANG_SAN = ("张三", "11010519491231002X")
NOT_HELD = "310115198001011238"
OUTAGE = ("王五", "11010119900307803X")


def verify(uow, registry, cipher, citizen, clock, name, id_number):
    real_name.verify(uow, registry, cipher, citizen, name, id_number, clock())


def test_a_matching_name_raises_the_citizen_to_level_2_sealed(uow, registry, cipher, citizen,
                                                              clock):
    someone = citizen(level=1)
    verify(uow, registry, cipher, someone, clock, *ZHANG_SAN)
    stored = uow.repository.citizens[someone.id]
    assert stored.assurance_level == 2 and ZHANG_SAN[0] not in stored.name_sealed
    assert [type(e) for e in uow.published] == [CitizenVerified]
    assert uow.repository.attempts == {}  # a success leaves no attempt behind


def test_five_failures_lock_the_check_without_asking_the_registry_again(
        uow, registry, cipher, citizen, clock):
    someone = citizen(level=1)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            verify(uow, registry, cipher, someone, clock, "赵六", NOT_HELD)
        clock.advance(minutes=1)
    failures = [e for e in uow.published if isinstance(e, CitizenVerificationFailed)]
    assert [e.locked for e in failures] == [False] * 4 + [True]
    with pytest.raises(TooManyAttempts) as locked:
        verify(uow, registry, cipher, someone, clock, *ZHANG_SAN)
    assert registry.asked == 5
    # The first failure leaves the window 24 hours after it was made.
    assert locked.value.retry_after == 24 * 3600 - 5 * 60 + 1


def test_the_lockout_lifts_when_the_oldest_failure_leaves_the_window(
        uow, registry, cipher, citizen, clock):
    someone = citizen(level=1)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            verify(uow, registry, cipher, someone, clock, "赵六", NOT_HELD)
    clock.advance(hours=24, seconds=1)
    verify(uow, registry, cipher, someone, clock, *ZHANG_SAN)
    assert uow.repository.citizens[someone.id].assurance_level == 2


def test_a_registry_outage_is_a_503_and_counts_as_no_attempt(uow, registry, cipher, citizen,
                                                             clock):
    someone = citizen(level=1)
    with pytest.raises(ServiceUnavailable) as down:
        verify(uow, registry, cipher, someone, clock, *OUTAGE)
    assert down.value.code == "registry_unavailable"
    assert uow.repository.attempts == {} and uow.published == []


def test_a_mismatch_is_kept_as_a_failure_and_told(uow, registry, cipher, citizen, clock):
    someone = citizen(level=1)
    with pytest.raises(InvalidInput) as mismatch:
        verify(uow, registry, cipher, someone, clock, "李四", ZHANG_SAN[1])
    assert mismatch.value.code == "identity_mismatch"
    assert [a.reason for a in uow.repository.attempts.values()] == ["identity_mismatch"]
    assert PENDING not in [a.reason for a in uow.repository.attempts.values()]


def test_an_id_number_backing_another_citizen_of_the_partner_is_a_conflict(
        uow, registry, cipher, citizen, clock):
    first, second = citizen(level=1), citizen(level=1)
    verify(uow, registry, cipher, first, clock, *ZHANG_SAN)
    with pytest.raises(Conflict) as taken:
        verify(uow, registry, cipher, second, clock, *ZHANG_SAN)
    assert taken.value.code == "identity_in_use"
    assert uow.repository.citizens[second.id].assurance_level == 1
    # Another partner's citizen may be the same person.
    other = citizen(level=1, partner_id="other")
    verify(uow, registry, cipher, other, clock, *ZHANG_SAN)


def test_level_2_needs_a_confirmed_phone_first(uow, registry, cipher, citizen, clock):
    with pytest.raises(Exception) as refused:
        verify(uow, registry, cipher, citizen(level=0), clock, *ZHANG_SAN)
    assert refused.value.code == "assurance_level_too_low"
    assert registry.asked == 0
