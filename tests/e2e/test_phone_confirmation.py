"""A citizen confirms their phone with a texted code and reaches assurance level 1."""

import random
import re

import pytest

from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e


def new_phone() -> str:
    return f"+86139{random.randrange(10**8):08d}"




def request_code(platform, citizen_id):
    return platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications")


def confirm(platform, citizen_id, code, partner=None):
    kwargs = {"partner": partner} if partner else {}
    return platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications/confirm",
                         {"code": code}, **kwargs)


def texted_code(platform, phone) -> str:
    text = platform.texts_to(phone)[-1]["text"]
    return re.search(r"\b(\d{6})\b", text).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def citizen(platform):
    phone = new_phone()
    citizen = platform.register(f"phone-{phone[1:]}", phone=phone, locale="en")
    return citizen["citizen_id"], phone


def test_a_citizen_who_enters_the_texted_code_reaches_level_1_and_is_told(platform, citizen):
    citizen_id, phone = citizen
    sent = request_code(platform, citizen_id)
    assert sent.status_code == 202
    assert sent.json() == {"status": "sent", "expires_in": 300}
    code = texted_code(platform, phone)

    confirmed = confirm(platform, citizen_id, code)
    assert confirmed.status_code == 200
    assert confirmed.json()["assurance_level"] == 1
    profile = platform.call("GET", f"/v1/citizens/{citizen_id}").json()
    assert profile["assurance_level"] == 1
    messages = eventually(lambda: [m for m in platform.inbox(citizen_id)
                                   if m["template_id"] == "level_reached"])
    assert "level 1" in messages[0]["body"]


def test_a_wrong_code_is_refused_and_says_how_many_tries_are_left(platform, citizen):
    citizen_id, phone = citizen
    request_code(platform, citizen_id)
    refused = confirm(platform, citizen_id, wrong(texted_code(platform, phone)))
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "code_invalid"
    assert "4 tries left" in refused.json()["error"]["message"]
    assert platform.call("GET", f"/v1/citizens/{citizen_id}").json()["assurance_level"] == 0


def test_five_wrong_codes_burn_the_code(platform, citizen):
    citizen_id, phone = citizen
    request_code(platform, citizen_id)
    code = texted_code(platform, phone)
    codes = [confirm(platform, citizen_id, wrong(code)).json()["error"]["code"]
             for _ in range(5)]
    assert codes == ["code_invalid"] * 4 + ["code_burned"]
    after = confirm(platform, citizen_id, code)
    assert after.status_code == 422 and after.json()["error"]["code"] == "code_expired"


def test_a_new_code_replaces_the_old_one(platform, citizen):
    citizen_id, phone = citizen
    request_code(platform, citizen_id)
    first = texted_code(platform, phone)
    request_code(platform, citizen_id)
    second = texted_code(platform, phone)
    if first != second:
        assert confirm(platform, citizen_id, first).json()["error"]["code"] == "code_invalid"
    assert confirm(platform, citizen_id, second).status_code == 200


def test_a_confirmed_phone_cannot_be_confirmed_again(platform, citizen):
    citizen_id, phone = citizen
    request_code(platform, citizen_id)
    assert confirm(platform, citizen_id, texted_code(platform, phone)).status_code == 200
    again = request_code(platform, citizen_id)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_verified"


def test_another_partner_cannot_start_or_confirm_a_citizens_phone(platform, citizen):
    citizen_id, _ = citizen
    response = platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications",
                             partner=platform.other_partner)
    assert response.status_code == 404
    assert confirm(platform, citizen_id, "123456",
                   partner=platform.other_partner).status_code == 404


def test_an_sms_gateway_outage_is_a_503_that_names_no_phone(platform):
    citizen = platform.register(f"outage-{random.randrange(10**9)}", phone="+8613000000503")
    response = request_code(platform, citizen["citizen_id"])
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "sms_unavailable"
    assert "13000000503" not in response.text


def test_a_code_that_is_not_six_digits_is_a_422(platform, citizen):
    citizen_id, _ = citizen
    response = confirm(platform, citizen_id, "12345")
    assert response.status_code == 422 and response.json()["error"]["field"] == "code"


def test_no_number_is_texted_more_than_ten_codes_a_day(platform, citizen):
    citizen_id, phone = citizen
    assert [request_code(platform, citizen_id).status_code for _ in range(10)] == [202] * 10
    refused = request_code(platform, citizen_id)
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "too_many_attempts")
    assert 0 < int(refused.headers["Retry-After"]) <= 24 * 3600
    assert len(platform.texts_to(phone)) == 10
