"""Factory fixtures for identity's use cases: fakes, a movable clock, citizens."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chassis.crypto import FieldCipher
from chassis.settings import DEV_DATA_KEY
from services.identity.models import PHONE, Citizen
from tests.service_layer.fakes import (
    FakeFaceProvider,
    FakePhoneCodes,
    FakeRegistry,
    FakeTexts,
    FakeUnitOfWork,
)

HASH_KEY = "service-layer-test-key"
PHONE_NUMBER = "+8613812345678"


class Clock:
    """Now, moved by the test: no sleeping."""

    def __init__(self):
        self.now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cipher():
    return FieldCipher(DEV_DATA_KEY, "blind-index-test-key")


@pytest.fixture
def uow():
    return FakeUnitOfWork()


@pytest.fixture
def codes():
    return FakePhoneCodes()


@pytest.fixture
def texts():
    return FakeTexts()


@pytest.fixture
def registry():
    return FakeRegistry()


@pytest.fixture
def face():
    return FakeFaceProvider()


@pytest.fixture
def citizen(uow, cipher, clock):
    """make_citizen(level=1, partner_id="acme"): a stored citizen, as the use cases get it."""

    def make(level: int = 0, partner_id: str = "acme") -> Citizen:
        stored = uow.repository.add(Citizen(
            id=str(uuid.uuid4()), partner_id=partner_id,
            partner_user_id=f"u-{uuid.uuid4().hex[:8]}",
            phone_sealed=cipher.seal(PHONE_NUMBER, PHONE),
            phone_index=cipher.blind_index(PHONE_NUMBER, PHONE), locale="en",
            assurance_level=level, created_at=clock()))
        return uow.repository.citizen_of_partner(partner_id, stored.id)

    return make
