"""Phone confirmation through the service layer, with fakes: level 0 -> 1."""

import re

import pytest

from contracts.errors import Conflict, InvalidInput, TooManyAttempts
from contracts.events import CitizenPhoneVerified, CitizenVerified
from services.identity.use_cases import phone_confirmation
from tests.service_layer.conftest import HASH_KEY, PHONE_NUMBER


@pytest.fixture
def texted(codes, texts, cipher, clock):
    """text_code(citizen) -> the code the citizen received."""

    def text_code(citizen) -> str:
        phone_confirmation.send_code(codes, texts, cipher, HASH_KEY, citizen, clock())
        phone, kind, _, values = texts.sent[-1]
        assert (phone, kind) == (PHONE_NUMBER, "phone_code")
        return values["code"]

    return text_code


def confirm(uow, codes, citizen, code, clock):
    return phone_confirmation.confirm(uow, codes, HASH_KEY, citizen, code, clock())


def test_the_texted_code_raises_the_citizen_to_level_1_and_says_so(
        uow, codes, citizen, texted, clock):
    someone = citizen(level=0)
    code = texted(someone)
    assert re.fullmatch(r"[0-9]{6}", code)
    assert confirm(uow, codes, someone, code, clock) == 1
    assert uow.repository.citizens[someone.id].assurance_level == 1
    assert [type(e) for e in uow.published] == [CitizenPhoneVerified, CitizenVerified]


def test_a_wrong_code_changes_nothing_and_says_how_many_tries_are_left(
        uow, codes, citizen, texted, clock):
    someone = citizen(level=0)
    code = texted(someone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(InvalidInput, match="4 tries left") as refused:
        confirm(uow, codes, someone, wrong, clock)
    assert refused.value.code == "code_invalid"
    assert uow.repository.citizens[someone.id].assurance_level == 0
    assert uow.published == []
    assert confirm(uow, codes, someone, code, clock) == 1  # control: the right code works


def test_the_fifth_wrong_code_burns_the_code(uow, codes, citizen, texted, clock):
    someone = citizen(level=0)
    code = texted(someone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        with pytest.raises(InvalidInput):
            confirm(uow, codes, someone, wrong, clock)
    with pytest.raises(InvalidInput) as burned:
        confirm(uow, codes, someone, wrong, clock)
    assert burned.value.code == "code_burned"
    with pytest.raises(InvalidInput) as gone:
        confirm(uow, codes, someone, code, clock)
    assert gone.value.code == "code_expired"


def test_a_code_older_than_five_minutes_is_expired(uow, codes, citizen, texted, clock):
    someone = citizen(level=0)
    code = texted(someone)
    clock.advance(minutes=5, seconds=1)
    with pytest.raises(InvalidInput) as expired:
        confirm(uow, codes, someone, code, clock)
    assert expired.value.code == "code_expired"


def test_asking_again_makes_the_first_code_stop_working(uow, codes, citizen, texted, clock):
    someone = citizen(level=0)
    first, second = texted(someone), texted(someone)
    if first != second:
        with pytest.raises(InvalidInput):
            confirm(uow, codes, someone, first, clock)
    assert confirm(uow, codes, someone, second, clock) == 1


def test_a_confirmed_phone_is_not_texted_again(codes, texts, cipher, citizen, clock):
    with pytest.raises(Conflict):
        phone_confirmation.send_code(codes, texts, cipher, HASH_KEY, citizen(level=1), clock())
    assert texts.sent == []


def test_the_eleventh_code_to_one_number_in_a_city_day_waits_for_midnight(
        codes, texts, cipher, citizen, clock):
    clock.now = clock.now.replace(hour=15, minute=30)  # 23:30 in the city
    first, second = citizen(level=0), citizen(level=0)  # one phone number between them
    for someone in [first] * 6 + [second] * 4:
        phone_confirmation.send_code(codes, texts, cipher, HASH_KEY, someone, clock())
    with pytest.raises(TooManyAttempts) as refused:
        phone_confirmation.send_code(codes, texts, cipher, HASH_KEY, second, clock())
    assert refused.value.retry_after == 30 * 60 + 1  # city midnight
    assert len(texts.sent) == 10
    clock.advance(minutes=31)  # a new day in the city
    phone_confirmation.send_code(codes, texts, cipher, HASH_KEY, second, clock())
    assert len(texts.sent) == 11
