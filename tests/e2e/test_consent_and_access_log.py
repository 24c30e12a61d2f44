"""Partners read verified attributes only with consent, and every read is logged."""

import json

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.e2e.test_real_name import ZHANG_SAN, citizen_at_level_2
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def verified(platform):
    return citizen_at_level_2(platform)


def read(platform, partner, citizen_id, attributes="name,id_number", purpose="fine-payment"):
    return platform.call(
        "GET", f"/v1/citizens/{citizen_id}/attributes?attributes={attributes}&purpose={purpose}",
        partner=partner)


def grant(platform, partner, citizen_id, attributes=("name", "id_number"),
          purpose="fine-payment"):
    response = platform.call("POST", f"/v1/citizens/{citizen_id}/consents",
                             {"attributes": list(attributes), "purpose": purpose},
                             partner=partner)
    assert response.status_code == 201, response.text
    return response.json()["consent_id"]


def test_with_consent_a_partner_reads_the_verified_name_and_the_read_is_logged(
        platform, verified):
    partner, citizen_id = verified
    assert read(platform, partner, citizen_id).json()["error"]["code"] == "consent_required"
    grant(platform, partner, citizen_id)
    response = read(platform, partner, citizen_id)
    assert response.status_code == 200
    assert response.json()["attributes"] == {"name": ZHANG_SAN[0], "id_number": ZHANG_SAN[1]}

    log = platform.call("GET", f"/v1/citizens/{citizen_id}/access-log",
                        partner=partner).json()
    assert log["chain_intact"] is True
    assert [(e["reader"], e["purpose"], e["attributes"]) for e in log["items"]] == [
        (partner[0], "fine-payment", ["id_number", "name"])]


def test_consent_for_one_purpose_does_not_cover_another(platform, verified):
    partner, citizen_id = verified
    grant(platform, partner, citizen_id, purpose="fine-payment")
    assert read(platform, partner, citizen_id, purpose="marketing").status_code == 403


def test_after_revoking_consent_reads_are_refused_and_the_revocation_is_announced(
        platform, verified):
    partner, citizen_id = verified
    consent_id = grant(platform, partner, citizen_id)
    path = f"/v1/citizens/{citizen_id}/consents/{consent_id}"
    assert platform.call("DELETE", path, partner=partner).status_code == 204
    assert platform.call("DELETE", path, partner=partner).status_code == 204
    assert read(platform, partner, citizen_id).status_code == 403
    with platform.engine("identity").connect() as connection:
        events = connection.execute(text("SELECT routing_key FROM outbox WHERE body LIKE :id"),
                                    {"id": f"%{consent_id}%"}).scalars().all()
    assert sorted(events) == ["consent.granted", "consent.revoked"]


def test_revoking_an_unknown_consent_is_a_404(platform, verified):
    partner, citizen_id = verified
    response = platform.call("DELETE", f"/v1/citizens/{citizen_id}/consents/nope",
                             partner=partner)
    assert response.status_code == 404


def test_the_access_log_cannot_be_edited_or_deleted_in_the_database(platform, verified):
    partner, citizen_id = verified
    grant(platform, partner, citizen_id)
    read(platform, partner, citizen_id)
    assert platform.count("identity", "access_log") > 0  # control: there is a row to touch
    for statement in ("UPDATE access_log SET purpose = 'x'", "DELETE FROM access_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            platform.execute("identity", statement)


def test_events_no_one_consumes_by_design_are_not_counted_as_unrouted(platform, verified):
    partner, citizen_id = verified  # its phone was confirmed: citizen.phone_verified
    consent_id = grant(platform, partner, citizen_id)
    platform.call("DELETE", f"/v1/citizens/{citizen_id}/consents/{consent_id}",
                  partner=partner)
    assert eventually(lambda: platform.scalar(
        "identity", "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0)
    rows = [json.loads(line) for line in platform.cli("dlq", "list").splitlines()]
    unrouted = next(row for row in rows if row["queue"] == "cityhub.missing-bindings")
    assert unrouted["unrouted"] == 0
    gauges = requests.get(platform.metrics_url("identity"), timeout=5).text
    assert "cityhub_unrouted_events 0.0" in gauges
