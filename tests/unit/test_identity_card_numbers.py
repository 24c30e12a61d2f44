from datetime import date

import pytest

from contracts.errors import InvalidInput
from services.identity.domain.id_numbers import check_character, mask, normalise


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_the_documented_test_identities_are_well_formed(number):
    assert normalise(number) == number


def test_the_check_character_follows_iso_7064_mod_11_2():
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


def test_a_lower_case_x_is_accepted_and_upper_cased():
    assert normalise("11010519491231002x") == "11010519491231002X"


def refused(number, today=None):
    with pytest.raises(InvalidInput) as raised:
        normalise(number, today)
    assert raised.value.code == "id_number_invalid"
    assert raised.value.field == "id_number"
    assert not number or number not in raised.value.message
    return raised.value.message


def test_a_wrong_check_character_is_refused():
    assert "check character" in refused("110105194912310021")


def test_an_impossible_birth_date_is_refused():
    # 1949-02-30 does not exist; the check character is right for the digits.
    digits = "11010519490230002"
    assert "not a real date" in refused(digits + check_character(digits))


def test_a_birth_date_in_the_future_is_refused():
    digits = "11010520300101002"
    assert "out of range" in refused(digits + check_character(digits), date(2026, 11, 23))


def test_a_15_digit_legacy_number_is_refused_with_a_hint():
    assert "18-digit" in refused("110105491231002")


@pytest.mark.parametrize("number", ["", "1101051949123100", "1101051949123100XX",
                                    "11010519491231002Y", "X1010519491231002X"])
def test_numbers_of_the_wrong_form_are_refused(number):
    refused(number)


def test_identity_card_numbers_are_masked_to_their_first_and_last_four():
    assert mask("11010519491231002X") == "1101**********002X"
