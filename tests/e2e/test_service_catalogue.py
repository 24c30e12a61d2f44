"""Finding a city service through the gateway: the catalogue `cityhub seed` loads."""

from urllib.parse import quote

import pytest

from tests.e2e.test_real_name import error

pytestmark = pytest.mark.e2e


def search(platform, query: str = ""):
    return platform.call("GET", f"/v1/services{query}")


def test_a_partner_finds_a_service_by_its_chinese_name_with_what_it_takes(platform):
    # Sent percent-encoded (UTF-8), and signed exactly as sent.
    response = search(platform, f"?q={quote('户籍证明')}")
    assert response.status_code == 200, response.text
    (found,) = response.json()["items"]
    assert found["code"] == "household-registration-certificate"
    assert found["name"] == {"zh-CN": "户籍证明", "en": "Household registration certificate"}
    assert found["category"]["code"] == "household"
    assert (found["required_assurance_level"], found["delivery"]) == (2, "fully_online")
    assert found["fee"] == {"fee_code": "household-registration-certificate",
                            "amount_cents": 500}
    assert found["sla_working_days"] == 5
    assert {"zh-CN": "户口簿", "en": "Household register booklet"} in found["documents"]


def test_english_words_and_a_category_narrow_the_search(platform):
    found = search(platform, "?q=residence%20permit").json()["items"]
    assert [s["code"] for s in found] == ["residence-permit", "residence-permit-endorsement"]
    travel = search(platform, "?category=entry_exit").json()["items"]
    assert {s["category"]["code"] for s in travel} == {"entry_exit"} and len(travel) == 3
    everything = search(platform).json()["items"]
    assert len(everything) >= 30  # positive control: the filters did narrow it


def test_one_service_is_read_by_its_code(platform):
    response = platform.call("GET", "/v1/services/hospital-registration")
    assert response.status_code == 200, response.text
    assert response.json()["delivery"] == "by_appointment"


def test_an_unknown_service_or_category_gets_the_one_error_shape(platform):
    assert error(platform.call("GET", "/v1/services/no-such-thing")) == (
        404, "service_not_found")
    refused = search(platform, "?category=astrology")
    assert error(refused) == (422, "validation_error")
    assert refused.json()["error"]["field"] == "category"
    assert "civil_affairs" in refused.json()["error"]["message"]  # the ones there are
    assert error(search(platform, "?colour=red"))[0] == 422
