import pytest

from contracts.errors import InvalidInput
from services.identity.domain.phone_codes import (
    MAX_TRIES,
    PendingCode,
    check_format,
    code_hash,
    new_code,
)

KEY = "test-key"


def pending(code="123456", expires_at=1000.0):
    return PendingCode(code_hash(KEY, "c-1", code), expires_at)


def test_a_new_code_is_six_digits():
    for _ in range(100):
        code = new_code()
        assert len(code) == 6 and code.isdigit()


def test_the_right_code_before_it_expires_is_accepted():
    assert pending().attempt(code_hash(KEY, "c-1", "123456"), now=999) is None


def test_a_code_is_bound_to_its_citizen():
    assert pending().attempt(code_hash(KEY, "c-2", "123456"), now=0) is not None


def test_a_wrong_code_costs_a_try():
    after = pending().attempt(code_hash(KEY, "c-1", "000000"), now=0)
    assert after.tries_left == MAX_TRIES - 1


def test_five_wrong_codes_burn_the_code_even_for_the_right_one_after():
    state = pending()
    with pytest.raises(InvalidInput) as raised:
        for _ in range(MAX_TRIES):
            state = state.attempt(code_hash(KEY, "c-1", "000000"), now=0)
    assert raised.value.code == "code_burned"


def test_an_expired_code_is_refused_even_when_right():
    with pytest.raises(InvalidInput) as raised:
        pending(expires_at=1000).attempt(code_hash(KEY, "c-1", "123456"), now=1000)
    assert raised.value.code == "code_expired"


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", ""])
def test_a_code_that_is_not_six_digits_is_refused(code):
    with pytest.raises(InvalidInput):
        check_format(code)
