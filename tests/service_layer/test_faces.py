"""Face and liveness through the service layer, with fakes: level 2 -> 3."""

import pytest

from contracts.errors import NotFound, ServiceUnavailable
from contracts.events import (
    CitizenVerificationFailed,
    CitizenVerified,
    FaceVerificationEnded,
    FaceVerificationStarted,
)
from services.identity.use_cases import faces


def test_a_passed_session_raises_the_citizen_to_level_3(uow, face, cipher, citizen, clock):
    someone = citizen(level=2)
    verification, _ = faces.start(uow, face, someone, clock())
    assert faces.check(uow, face, cipher, someone, verification.id, clock()).status == "pending"
    face.complete(verification.provider_session, "pass")
    assert faces.check(uow, face, cipher, someone, verification.id, clock()).status == "passed"
    assert uow.repository.citizens[someone.id].assurance_level == 3
    # Started and ended are followed as a matter (matters' face-check kind).
    assert [type(e) for e in uow.published] == [
        FaceVerificationStarted, FaceVerificationEnded, CitizenVerified]


@pytest.mark.parametrize("outcome", ["spoof", "no_match"])
def test_a_failed_session_is_recorded_sealed_and_never_raises_the_level(
        uow, face, cipher, citizen, clock, outcome):
    someone = citizen(level=2)
    verification, _ = faces.start(uow, face, someone, clock())
    face.complete(verification.provider_session, outcome)
    assert faces.check(uow, face, cipher, someone, verification.id, clock()).status == "failed"
    stored = uow.repository.faces[verification.id]
    assert stored.result_sealed and outcome not in stored.result_sealed
    assert uow.repository.citizens[someone.id].assurance_level == 2
    assert [e.reason for e in uow.published if isinstance(e, CitizenVerificationFailed)] == [
        outcome]


def test_a_session_left_ten_minutes_expires_and_a_late_pass_changes_nothing(
        uow, face, cipher, citizen, clock):
    someone = citizen(level=2)
    verification, _ = faces.start(uow, face, someone, clock())
    clock.advance(minutes=10)
    assert faces.check(uow, face, cipher, someone, verification.id, clock()).status == "expired"
    face.complete(verification.provider_session, "pass")
    assert faces.check(uow, face, cipher, someone, verification.id, clock()).status == "expired"
    assert uow.repository.citizens[someone.id].assurance_level == 2


def test_a_provider_outage_is_a_503(uow, face, citizen, clock):
    face.down = True
    with pytest.raises(ServiceUnavailable) as down:
        faces.start(uow, face, citizen(level=2), clock())
    assert down.value.code == "face_unavailable"
    assert uow.repository.faces == {}


def test_another_citizens_verification_is_not_found(uow, face, cipher, citizen, clock):
    verification, _ = faces.start(uow, face, citizen(level=2), clock())
    with pytest.raises(NotFound):
        faces.check(uow, face, cipher, citizen(level=2), verification.id, clock())
