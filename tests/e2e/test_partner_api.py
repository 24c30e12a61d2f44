"""A partner's view of CityHub: signed HTTP calls to the running platform."""

import uuid

import pytest
import requests

from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e




def new_user():
    return f"user-{uuid.uuid4().hex[:12]}"


def error_of(response):
    return response.status_code, response.json()["error"]["code"]


def test_a_registered_citizen_finds_a_welcome_message_in_their_inbox(platform):
    response = platform.call("POST", "/v1/citizens", {"partner_user_id": new_user(),
                                                      "phone": "+8613812345678",
                                                      "locale": "zh-CN"})
    assert response.status_code == 201
    citizen = response.json()
    assert citizen["assurance_level"] == 0
    assert citizen["phone"] == "+86138****5678"
    messages = eventually(lambda: platform.inbox(citizen["citizen_id"]), timeout=2.0)
    assert [m["title"] for m in messages] == ["欢迎使用城市服务"]


def test_registering_the_same_partner_user_again_returns_the_same_citizen_with_200(platform):
    user = new_user()
    first = platform.call("POST", "/v1/citizens", {"partner_user_id": user,
                                                   "phone": "+8613812345678", "locale": "en"})
    again = platform.call("POST", "/v1/citizens", {"partner_user_id": user,
                                                   "phone": "+8613812345678", "locale": "en"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["citizen_id"] == again.json()["citizen_id"]


def test_a_partner_cannot_see_another_partners_citizen(platform):
    citizen = platform.register(new_user())
    for path in (f"/v1/citizens/{citizen['citizen_id']}",
                 f"/v1/citizens/{citizen['citizen_id']}/notifications"):
        response = platform.call("GET", path, partner=platform.other_partner)
        assert error_of(response) == (404, "citizen_not_found")


def test_the_same_partner_user_id_at_two_partners_is_two_citizens(platform):
    user = new_user()
    ours = platform.register(user)
    theirs = platform.register(user, partner=platform.other_partner)
    assert ours["citizen_id"] != theirs["citizen_id"]


def test_the_fee_catalogue_lists_the_seeded_fees(platform):
    response = platform.call("GET", "/v1/fees/catalogue")
    assert response.status_code == 200
    fees = {fee["code"]: fee for fee in response.json()["items"]}
    assert fees["hospital-registration"]["amount_cents"] == 1000
    assert fees["traffic-fine"]["required_assurance_level"] == 2
    assert fees["traffic-fine"]["name"] == {"zh-CN": "交通违法罚款", "en": "Traffic fine"}


def test_institutions_can_be_listed_and_filtered_by_kind(platform):
    everything = platform.call("GET", "/v1/institutions").json()["items"]
    halls = platform.call("GET", "/v1/institutions?kind=service_hall").json()["items"]
    assert {i["kind"] for i in everything} == {"hospital", "service_hall"}
    assert halls and {i["kind"] for i in halls} == {"service_hall"}
    assert error_of(platform.call("GET", "/v1/institutions?kind=zoo")) == (
        422, "validation_error")


def test_health_readiness_and_the_openapi_document_need_no_signature(platform):
    assert requests.get(f"{platform.url}/healthz").json() == {"status": "ok"}
    ready = requests.get(f"{platform.url}/readyz")
    assert ready.status_code == 200
    assert set(ready.json()["checks"]) == {"broker", "redis", "identity", "payments",
                                           "appointments", "notify", "matters"}
    document = requests.get(f"{platform.url}/v1/openapi.json").json()
    assert document["openapi"] == "3.1.0" and "/v1/citizens" in document["paths"]


def test_the_request_id_a_client_sends_comes_back_in_the_header_and_the_error(platform):
    response = platform.call("POST", "/v1/citizens", {"bad": 1},
                             headers={"X-Request-Id": "partner-req-0001"})
    assert response.headers["X-Request-Id"] == "partner-req-0001"
    assert response.json()["error"]["request_id"] == "partner-req-0001"


def test_every_response_carries_a_request_id_even_an_unknown_route(platform):
    response = requests.get(f"{platform.url}/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "route_not_found"
    assert response.json()["error"]["request_id"] == response.headers["X-Request-Id"]


def test_every_process_serves_prometheus_metrics(platform):
    platform.call("GET", "/v1/fees/catalogue")
    for name in ("gateway", "identity", "payments", "appointments", "notify"):
        text = requests.get(platform.metrics_url(name), timeout=5).text
        assert "cityhub_" in text, name
    gateway = requests.get(platform.metrics_url("gateway")).text
    assert 'cityhub_http_requests_total{method="GET",route="/v1/fees/catalogue",status="200"}' \
        in gateway
    payments = requests.get(platform.metrics_url("payments")).text
    assert 'cityhub_rpc_requests_total{method="list_fees",outcome="ok",service="payments"}' \
        in payments
    identity = requests.get(platform.metrics_url("identity")).text
    assert 'cityhub_outbox_pending{service="identity"}' in identity
    notify = requests.get(platform.metrics_url("notify")).text
    assert 'cityhub_dead_letter_depth{queue="notify.on_citizen_registered.dlq"}' in notify


def test_the_request_id_travels_with_the_event_the_request_caused(platform):
    response = platform.call("POST", "/v1/citizens", {"partner_user_id": new_user(),
                                                      "phone": "+8613812345678",
                                                      "locale": "en"},
                             headers={"X-Request-Id": "partner-trace-0042"})
    assert response.status_code == 201
    assert platform.scalar(
        "identity", "SELECT count(*) FROM outbox WHERE correlation_id = 'partner-trace-0042' "
        "AND routing_key = 'citizen.registered'") == 1


def test_a_path_with_percent_encoding_is_signed_exactly_as_sent(platform):
    # ")" may be sent encoded; the signature covers the bytes sent, not a re-encoding.
    response = platform.call("GET", "/v1/citizens/abc%29def")
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "citizen_not_found"
