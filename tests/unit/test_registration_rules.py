import pytest

from contracts.errors import InvalidInput
from services.identity.domain.citizens import Registration


def registration(**changes):
    fields = {"partner_id": "acme", "partner_user_id": "user-1", "phone": "+8613812345678",
              "locale": "zh-CN"} | changes
    return Registration(**fields)


def test_a_well_formed_registration_is_accepted():
    assert registration().phone == "+8613812345678"


@pytest.mark.parametrize("phone", ["13812345678", "+0123456789", "+86 138 1234 5678", "+8612",
                                   "+861381234567890123"])
def test_a_phone_not_in_e164_form_is_refused_without_echoing_the_number(phone):
    with pytest.raises(InvalidInput) as raised:
        registration(phone=phone)
    assert raised.value.field == "phone"
    assert phone not in raised.value.message


@pytest.mark.parametrize("locale", ["fr", "zh", "EN", ""])
def test_only_chinese_and_english_locales_are_accepted(locale):
    with pytest.raises(InvalidInput) as raised:
        registration(locale=locale)
    assert raised.value.field == "locale"


@pytest.mark.parametrize("partner_user_id", ["", "a" * 129, "has space", "semi;colon"])
def test_a_partner_user_id_must_be_short_and_plain(partner_user_id):
    with pytest.raises(InvalidInput) as raised:
        registration(partner_user_id=partner_user_id)
    assert raised.value.field == "partner_user_id"


def test_a_name_is_masked_but_its_first_character():
    from services.identity.domain.citizens import mask_name

    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "*"


@pytest.mark.parametrize("name", ["", "   ", "张3", "x" * 65, "张\x00三"])
def test_a_name_must_be_short_letters_without_digits(name):
    from services.identity.domain.citizens import check_name

    with pytest.raises(InvalidInput) as raised:
        check_name(name)
    assert raised.value.field == "name"
