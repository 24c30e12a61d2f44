"""Partners and services check a citizen's proof offline, with the published keys."""

import pytest
import requests

from chassis.assertions import InvalidAssertion, verify
from tests.e2e.test_real_name import citizen_at_level_1

pytestmark = pytest.mark.e2e


def test_an_assertion_states_the_citizens_level_and_verifies_with_the_published_keys(
        platform):
    citizen_id = citizen_at_level_1(platform)
    response = platform.call("POST", f"/v1/citizens/{citizen_id}/assertions",
                             {"audience": "payments"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["assurance_level"] == 1 and body["expires_in"] == 300

    key_set = requests.get(f"{platform.url}/v1/.well-known/jwks.json").json()
    claims = verify(body["token"], key_set, "payments")
    assert (claims["sub"], claims["assurance_level"]) == (citizen_id, 1)
    with pytest.raises(InvalidAssertion):
        verify(body["token"], key_set, "appointments")


def test_no_assertion_is_issued_about_another_partners_citizen(platform):
    citizen_id = platform.register("assert-owner")["citizen_id"]
    response = platform.call("POST", f"/v1/citizens/{citizen_id}/assertions",
                             {"audience": "payments"}, partner=platform.other_partner)
    assert response.status_code == 404


def test_the_published_keys_need_no_signature_and_hold_no_private_part(platform):
    key_set = requests.get(f"{platform.url}/v1/.well-known/jwks.json").json()
    assert key_set["keys"] and all("d" not in key for key in key_set["keys"])
