"""Face and liveness take a citizen from level 2 to 3; the whole journey from 0 to 3."""


from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.e2e.test_real_name import citizen_at_level_1, citizen_at_level_2
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def at_level_2(platform):
    return citizen_at_level_2(platform)


def start(platform, partner, citizen_id):
    response = platform.call("POST", f"/v1/citizens/{citizen_id}/face-verifications",
                             partner=partner)
    assert response.status_code == 201, response.text
    return response.json()


def result(platform, partner, citizen_id, verification_id):
    return platform.call(
        "GET", f"/v1/citizens/{citizen_id}/face-verifications/{verification_id}",
        partner=partner).json()


def level(platform, partner, citizen_id):
    return platform.call("GET", f"/v1/citizens/{citizen_id}",
                         partner=partner).json()["assurance_level"]


def test_a_citizen_goes_from_registered_to_face_verified_through_the_gateway(
        platform, at_level_2):
    partner, citizen_id = at_level_2
    assert level(platform, partner, citizen_id) == 2
    session = start(platform, partner, citizen_id)
    assert session["status"] == "pending"
    assert result(platform, partner, citizen_id, session["verification_id"])["status"] == \
        "pending"

    requests.post(session["sandbox_complete_url"], json={"outcome": "pass"}, timeout=5)
    assert result(platform, partner, citizen_id, session["verification_id"])["status"] == \
        "passed"
    assert level(platform, partner, citizen_id) == 3
    assert eventually(lambda: [m for m in platform.inbox(citizen_id, partner=partner)
                               if m["template_id"] == "level_reached" and "3" in m["body"]])

    def face_matters():
        items = platform.call("GET", f"/v1/citizens/{citizen_id}/matters",
                              partner=partner).json()["items"]
        return [m for m in items if m["kind"] == "verification"]

    # the face check was a matter with a tracking number, from its start to its end
    assert eventually(lambda: [(m["state"], [s["action"] for s in m["timeline"]])
                               for m in face_matters()] == [("passed", ["begin", "pass"])]), \
        face_matters()


@pytest.mark.parametrize("outcome", ["spoof", "no_match"])
def test_a_failed_face_check_never_raises_the_level(platform, at_level_2, outcome):
    partner, citizen_id = at_level_2
    session = start(platform, partner, citizen_id)
    requests.post(session["sandbox_complete_url"], json={"outcome": outcome}, timeout=5)
    assert result(platform, partner, citizen_id, session["verification_id"])["status"] == \
        "failed"
    assert level(platform, partner, citizen_id) == 2
    sealed = platform.scalar("identity", "SELECT result_sealed FROM face_verifications "
                                         f"WHERE id = '{session['verification_id']}'")
    assert sealed and outcome not in sealed  # recorded, with its risk score, sealed


def test_face_verification_needs_the_real_name_first(platform):
    citizen_id = citizen_at_level_1(platform)
    response = platform.call("POST", f"/v1/citizens/{citizen_id}/face-verifications")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "assurance_level_too_low"


def test_another_partner_cannot_read_a_face_verification(platform, at_level_2):
    partner, citizen_id = at_level_2
    session = start(platform, partner, citizen_id)
    response = platform.call(
        "GET", f"/v1/citizens/{citizen_id}/face-verifications/{session['verification_id']}",
        partner=platform.other_partner)
    assert response.status_code == 404


def test_a_face_session_left_for_ten_minutes_expires_and_raises_nothing(
        platform, at_level_2):
    partner, citizen_id = at_level_2
    session = start(platform, partner, citizen_id)
    # Ten minutes pass (the provider's session is still pending).
    platform.execute("identity", "UPDATE face_verifications SET expires_at = :moment "
                     "WHERE id = :id", id=session["verification_id"],
                     moment=datetime.now(UTC) - timedelta(seconds=1))
    assert result(platform, partner, citizen_id, session["verification_id"])["status"] == \
        "expired"
    requests.post(session["sandbox_complete_url"], json={"outcome": "pass"}, timeout=5)
    assert result(platform, partner, citizen_id, session["verification_id"])["status"] == \
        "expired"
    assert level(platform, partner, citizen_id) == 2
