"""Every header the gateway reads is refused at once when it breaks what the docs allow,
in the error shape, before anything is done; control bytes in any header are refused
by the HTTP layer itself (RFC 9110 5.5)."""

import json
import socket
import uuid

import pytest

from gateway.signing import signed_headers
from tests.e2e.test_bad_requests_change_nothing import assert_refused, body
from tests.e2e.test_http_requests import connect, error_of, read_all, status_of
from tests.e2e.test_live_notifications import open_stream
from tests.e2e.test_real_name import citizen_at_level_1, citizen_at_level_2

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def citizen(platform):
    """A citizen at level 2 of a partner of its own, for the module."""
    return citizen_at_level_2(platform)


@pytest.fixture(scope="module")
def reader(platform):
    """A citizen whose matters are read in one language or another."""
    return citizen_at_level_1(platform)


def register_raw(platform, extra_headers: list[bytes]) -> bytes:
    """A correctly signed registration sent byte for byte, with `extra_headers` lines."""
    data = json.dumps(body()).encode()
    signed = signed_headers("sandbox", "sandbox-secret", "POST", "/v1/citizens", data)
    lines = [b"POST /v1/citizens HTTP/1.1", b"Host: x", b"Content-Type: application/json",
             b"Content-Length: %d" % len(data), *extra_headers,
             *(f"{name}: {value}".encode() for name, value in signed.items())]
    with connect(platform) as connection:
        connection.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + data)
        connection.shutdown(socket.SHUT_WR)
        return read_all(connection)


@pytest.mark.parametrize("name", [b"X-Request-Id", b"Idempotency-Key", b"Accept-Language",
                                  b"X-Anything"])
@pytest.mark.parametrize("byte", [b"\x00", b"\r", b"\x1b", b"\x7f"],
                         ids=["NUL", "CR", "ESC", "DEL"])
def test_a_header_holding_a_control_byte_is_refused_naming_it_and_nothing_is_made(
        platform, unchanged, name, byte):
    answer = register_raw(platform, [name + b": key" + byte + b"null-1234"])
    assert status_of(answer) == 400
    error = error_of(answer)
    assert (error["code"], error["field"]) == ("invalid_header", name.decode())
    assert b"Connection: close" in answer


@pytest.mark.parametrize("line", [b"X(H): v", b"X\x00H: v", b"\xe4\xb8\xad: v"],
                         ids=["a separator", "NUL", "not ASCII"])
def test_a_header_name_that_is_not_a_token_is_refused(platform, unchanged, line):
    answer = register_raw(platform, [line])
    assert status_of(answer) == 400
    assert error_of(answer)["code"] == "invalid_header"


@pytest.mark.parametrize("target", [b"/v1/citizens\x00", b"/v1/citizens\x7f",
                                    b"/v1/\xe7\xb2\xa4A"], ids=["NUL", "DEL", "raw UTF-8"])
def test_a_request_target_holding_bytes_http_forbids_is_refused(platform, unchanged, target):
    with connect(platform) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = read_all(connection)
    assert status_of(answer) == 400
    assert error_of(answer)["code"] == "bad_request"


@pytest.mark.parametrize("value", ["short", "x" * 129, "has spaces in it", "中文请求编号"])
def test_a_request_id_out_of_its_format_is_refused_with_one_of_ours(platform, unchanged,
                                                                    value):
    answer = platform.call("POST", "/v1/citizens", body(),
                           headers={"X-Request-Id": value.encode()})
    assert_refused(platform, answer, 400, "invalid_header", "X-Request-Id")
    assert answer.headers["X-Request-Id"] != value


@pytest.mark.parametrize("value", ["short", "k" * 129, "key with spaces", "key/slash-1"])
def test_an_idempotency_key_out_of_its_format_is_refused_and_no_order_is_made(
        platform, citizen, value):
    partner, citizen_id = citizen
    before = platform.count("payments", "payments")
    answer = platform.call("POST", f"/v1/citizens/{citizen_id}/payments",
                           {"fee_code": "hospital-registration"}, partner=partner,
                           headers={"Idempotency-Key": value})
    assert_refused(platform, answer, 400, "invalid_header", "Idempotency-Key")
    assert platform.count("payments", "payments") == before


@pytest.mark.parametrize("value", ["en;q=2", "en;q=0.5555", "e n", "en-", "12345",
                                   ",".join(["en"] * 33)])
def test_an_accept_language_out_of_its_format_is_refused(platform, reader, value):
    answer = platform.call("GET", f"/v1/citizens/{reader}/matters",
                           headers={"Accept-Language": value})
    assert_refused(platform, answer, 400, "invalid_header", "Accept-Language")


@pytest.mark.parametrize("value", ["en", "zh-CN,zh;q=0.9,en;q=0.8", "en-GB, *;q=0.1",
                                   "EN;Q=1.000", "de, , en"])
def test_an_accept_language_a_browser_sends_is_read(platform, reader, value):
    answer = platform.call("GET", f"/v1/citizens/{reader}/matters",
                           headers={"Accept-Language": value})
    assert answer.status_code == 200, answer.text


def test_a_last_event_id_that_is_no_notification_id_is_refused_at_once(platform, reader):
    assert error_pair(open_stream(platform.url, reader, "not-a-notification")) == (
        400, "invalid_header")
    assert error_pair(open_stream(platform.url, reader, str(uuid.uuid4()))) == (
        422, "invalid_last_event_id")


def error_pair(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]
