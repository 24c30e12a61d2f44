"""Every refused request gets the error shape with the right status, and changes nothing."""

import json
import time
import uuid

import pytest

from gateway.signing import signed_headers

pytestmark = pytest.mark.e2e


def body():
    return {"partner_user_id": f"user-{uuid.uuid4().hex[:12]}", "phone": "+8613812345678",
            "locale": "en"}


def post_raw(platform, headers, data: bytes):
    headers = {"Content-Type": "application/json", **headers}
    return platform.http.post(f"{platform.url}/v1/citizens", data=data, headers=headers)


def assert_refused(platform, response, status, code, field=None):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response.headers["X-Request-Id"]
    if field is not None:
        assert error["field"] == field


@pytest.mark.parametrize("header", ["X-App-Id", "X-Timestamp", "X-Nonce", "X-Signature"])
def test_a_call_missing_a_credential_header_is_refused(platform, unchanged, header):
    data = json.dumps(body()).encode()
    headers = signed_headers("sandbox", "sandbox-secret", "POST", "/v1/citizens", data)
    del headers[header]
    assert_refused(platform, post_raw(platform, headers, data), 401, "missing_credentials",
                   header)


def test_a_call_from_an_unknown_app_is_refused(platform, unchanged):
    data = json.dumps(body()).encode()
    headers = signed_headers("no-such-app", "whatever", "POST", "/v1/citizens", data)
    assert_refused(platform, post_raw(platform, headers, data), 401, "unknown_app")


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_call_signed_more_than_five_minutes_away_is_refused(platform, unchanged, skew):
    data = json.dumps(body()).encode()
    headers = signed_headers("sandbox", "sandbox-secret", "POST", "/v1/citizens", data,
                             timestamp=int(time.time()) + skew)
    assert_refused(platform, post_raw(platform, headers, data), 401, "timestamp_skew")


@pytest.mark.parametrize("timestamp", ["²", "9" * 309, "9" * 5000])
def test_a_malformed_timestamp_is_a_401_not_a_server_error(platform, unchanged, timestamp):
    data = json.dumps(body()).encode()
    headers = signed_headers("sandbox", "sandbox-secret", "POST", "/v1/citizens", data)
    headers["X-Timestamp"] = timestamp
    mark = platform.log_mark()
    assert_refused(platform, post_raw(platform, headers, data), 401, "missing_credentials",
                   "X-Timestamp")
    assert '"level": "error"' not in platform.logs_since(mark)


def test_a_replayed_call_is_refused_the_second_time(platform):
    data = json.dumps(body()).encode()
    headers = signed_headers("sandbox", "sandbox-secret", "POST", "/v1/citizens", data)
    assert post_raw(platform, headers, data).status_code == 201
    citizens = platform.count("identity", "citizens")
    assert_refused(platform, post_raw(platform, headers, data), 401, "nonce_reused")
    assert platform.count("identity", "citizens") == citizens


def test_a_body_changed_after_signing_is_refused(platform, unchanged):
    data = json.dumps(body()).encode()
    headers = signed_headers("sandbox", "sandbox-secret", "POST", "/v1/citizens", data)
    tampered = data.replace(b"+8613812345678", b"+8613900001111")
    assert_refused(platform, post_raw(platform, headers, tampered), 401, "signature_invalid")


def test_a_call_signed_with_the_wrong_secret_is_refused(platform, unchanged):
    data = json.dumps(body()).encode()
    headers = signed_headers("sandbox", "not-the-secret", "POST", "/v1/citizens", data)
    assert_refused(platform, post_raw(platform, headers, data), 401, "signature_invalid")


def test_a_refused_signature_does_not_use_up_the_nonce(platform):
    data = json.dumps(body()).encode()
    good = signed_headers("sandbox", "sandbox-secret", "POST", "/v1/citizens", data)
    forged = dict(good, **{"X-Signature": "Zm9yZ2Vk"})
    assert post_raw(platform, forged, data).status_code == 401
    assert post_raw(platform, good, data).status_code == 201


def test_a_malformed_body_is_a_400(platform, unchanged):
    response = platform.call("POST", "/v1/citizens", raw=b'{"partner_user_id": ')
    assert_refused(platform, response, 400, "invalid_json")


def test_an_unknown_field_is_a_422_naming_it(platform, unchanged):
    response = platform.call("POST", "/v1/citizens", body() | {"is_admin": True})
    assert_refused(platform, response, 422, "unknown_field", "is_admin")


def test_a_field_of_the_wrong_type_is_a_422_naming_it(platform, unchanged):
    response = platform.call("POST", "/v1/citizens", body() | {"phone": 8613812345678})
    assert_refused(platform, response, 422, "validation_error", "phone")


def test_a_missing_field_is_a_422_naming_it(platform, unchanged):
    incomplete = body()
    del incomplete["locale"]
    response = platform.call("POST", "/v1/citizens", incomplete)
    assert_refused(platform, response, 422, "missing_field", "locale")


def test_an_oversize_body_is_a_413(platform, unchanged):
    huge = json.dumps(body() | {"padding": "x" * 70_000}).encode()
    response = platform.call("POST", "/v1/citizens", raw=huge)
    assert_refused(platform, response, 413, "body_too_large")


def test_an_unknown_citizen_is_a_404(platform):
    response = platform.call("GET", f"/v1/citizens/{uuid.uuid4()}/notifications")
    assert_refused(platform, response, 404, "citizen_not_found", "citizen_id")
