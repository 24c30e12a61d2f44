"""A citizen proves their real name against the population registry: level 1 -> 2."""

import json
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.test_phone_confirmation import new_phone, texted_code
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e

ZHANG_SAN = ("张三", "11010519491231002X")
LI_SI = ("李四", "440524188001010014")
NOT_HELD = "310115198001011238"
OUTAGE = ("王五", "11010119900307803X")


def citizen_at_level_1(platform, partner=None):
    partner = partner or ("sandbox", "sandbox-secret")
    phone = new_phone()
    citizen_id = platform.register(f"rn-{phone[1:]}", phone=phone, partner=partner)[
        "citizen_id"]
    platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications", partner=partner)
    response = platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications/confirm",
                             {"code": texted_code(platform, phone)}, partner=partner)
    assert response.status_code == 200, response.text
    return citizen_id


def new_partner(platform) -> tuple[str, str]:
    """A partner of its own, so that 张三 is still free to back one of its citizens."""
    created = json.loads(platform.cli("partner", "create", f"p-{random.randrange(10**9)}"))
    return created["app_id"], created["secret"]


def citizen_at_level_2(platform):
    """A citizen of a new partner, real name proven."""
    partner = new_partner(platform)
    citizen_id = citizen_at_level_1(platform, partner)
    assert real_name(platform, citizen_id, *ZHANG_SAN, partner=partner).status_code == 200
    return partner, citizen_id


def real_name(platform, citizen_id, name, id_number, partner=None):
    kwargs = {"partner": partner} if partner else {}
    return platform.call("POST", f"/v1/citizens/{citizen_id}/real-name",
                         {"name": name, "id_number": id_number}, **kwargs)


def error(response):
    return response.status_code, response.json()["error"]["code"]


def test_a_citizen_whose_name_matches_the_registry_reaches_level_2_shown_masked(platform):
    citizen_id = citizen_at_level_1(platform)
    response = real_name(platform, citizen_id, *ZHANG_SAN)
    assert response.status_code == 200, response.text
    answered = response.json()
    assert (answered["assurance_level"], answered["name"], answered["id_number"]) == (
        2, "张*", "1101**********002X")
    profile = platform.call("GET", f"/v1/citizens/{citizen_id}").json()
    assert profile["assurance_level"] == 2
    assert profile["name"] == "张*"
    assert profile["id_number"] == "1101**********002X"
    assert eventually(lambda: [m for m in platform.inbox(citizen_id)
                               if m["template_id"] == "level_reached" and "2" in m["body"]])


def test_the_real_name_check_needs_a_confirmed_phone_first(platform):
    citizen_id = platform.register(f"rn0-{new_phone()[1:]}")["citizen_id"]
    assert error(real_name(platform, citizen_id, *ZHANG_SAN)) == (
        403, "assurance_level_too_low")


def test_a_malformed_id_number_is_refused_before_the_registry_is_asked(platform):
    citizen_id = citizen_at_level_1(platform)
    response = real_name(platform, citizen_id, "张三", "110105194912310021")
    assert error(response) == (422, "id_number_invalid")
    assert "110105194912310021" not in response.text


def test_an_id_number_the_registry_does_not_hold_is_not_found(platform):
    citizen_id = citizen_at_level_1(platform)
    assert error(real_name(platform, citizen_id, "赵六", NOT_HELD)) == (
        422, "identity_not_found")


def test_a_name_that_does_not_match_the_id_number_is_a_mismatch(platform):
    citizen_id = citizen_at_level_1(platform)
    # 李四's number is never verified for this partner in these tests.
    assert error(real_name(platform, citizen_id, "张三", LI_SI[1])) == (
        422, "identity_mismatch")


def test_one_persons_id_number_backs_only_one_citizen_per_partner(platform):
    other = platform.other_partner
    first = citizen_at_level_1(platform, other)
    assert real_name(platform, first, *LI_SI, partner=other).status_code == 200
    second = citizen_at_level_1(platform, other)
    assert error(real_name(platform, second, *LI_SI, partner=other)) == (
        409, "identity_in_use")


def test_a_registry_outage_is_a_503_and_counts_as_no_attempt(platform):
    citizen_id = citizen_at_level_1(platform)
    assert error(real_name(platform, citizen_id, *OUTAGE)) == (503, "registry_unavailable")
    assert platform.scalar("identity", "SELECT count(*) FROM real_name_failures "
                                       f"WHERE citizen_id = '{citizen_id}'") == 0


def test_five_failed_checks_in_a_day_lock_the_check_and_tell_the_citizen(platform):
    citizen_id = citizen_at_level_1(platform)
    for _ in range(5):
        assert error(real_name(platform, citizen_id, "赵六", NOT_HELD))[0] == 422
    locked = real_name(platform, citizen_id, *ZHANG_SAN)
    assert error(locked) == (429, "too_many_attempts")
    assert 0 < int(locked.headers["Retry-After"]) <= 24 * 3600
    assert eventually(lambda: [m for m in platform.inbox(citizen_id)
                               if "Too many failed identity checks" in m["body"]])


def test_a_wrong_name_first_does_not_stop_the_right_name_reaching_level_2(platform):
    partner = new_partner(platform)
    citizen_id = citizen_at_level_1(platform, partner)
    assert error(real_name(platform, citizen_id, "张三", LI_SI[1], partner)) == (
        422, "identity_mismatch")
    response = real_name(platform, citizen_id, *ZHANG_SAN, partner)
    assert response.status_code == 200, response.text
    assert response.json()["assurance_level"] == 2


def test_after_a_failure_a_registry_outage_is_still_a_503(platform):
    citizen_id = citizen_at_level_1(platform)
    assert error(real_name(platform, citizen_id, "赵六", NOT_HELD))[0] == 422
    assert error(real_name(platform, citizen_id, *OUTAGE)) == (503, "registry_unavailable")


def test_ten_concurrent_wrong_names_cannot_outrun_the_lockout(platform):
    citizen_id = citizen_at_level_1(platform)
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: error(real_name(platform, citizen_id, "赵六",
                                                          NOT_HELD)), range(10)))
    assert sorted(answers) == [(422, "identity_not_found")] * 5 + [
        (429, "too_many_attempts")] * 5
    assert platform.scalar("identity", "SELECT count(*) FROM real_name_failures "
                                       "WHERE citizen_id = :id", id=citizen_id) == 5
