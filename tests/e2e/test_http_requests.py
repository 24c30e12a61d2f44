"""Raw HTTP against the gateway's own request parsing (gateway/http_protocol.py)."""

import re
import socket

import pytest

pytestmark = pytest.mark.e2e


def exchange(platform, raw: bytes) -> bytes:
    host, port = platform.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(raw)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def status_of(response: bytes) -> int:
    # A request line too broken to carry a version is answered the HTTP/0.9 way,
    # as the standard library does: the error page alone, no status line.
    match = (re.match(rb"HTTP/1\.\d (\d{3})", response)
             or re.search(rb"Error code: (\d{3})", response))
    return int(match.group(1))


def test_a_request_with_headers_in_any_case_is_answered(platform):
    response = exchange(platform, b"GET /healthz HTTP/1.1\r\nhost: x\r\nX-REQUEST-ID: "
                                  b"abcdefgh-1234\r\nConnection: close\r\n\r\n")
    assert status_of(response) == 200
    assert b"X-Request-Id: abcdefgh-1234" in response


def test_two_requests_share_one_kept_alive_connection(platform):
    response = exchange(platform, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                  b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert response.count(b"HTTP/1.1 200") == 2


@pytest.mark.parametrize("raw, status", [
    (b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    (b"GET /healthz HTTX/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400),
    (b"GET /healthz\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(101))
     + b"\r\n", 431),
])
def test_a_malformed_request_gets_a_clear_status_and_the_connection_closes(
        platform, raw, status):
    assert status_of(exchange(platform, raw)) == status


def test_a_client_expecting_100_continue_without_credentials_is_refused_before_its_body(
        platform):
    host, port = platform.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(b"POST /v1/citizens HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                           b"Expect: 100-continue\r\nConnection: close\r\n\r\n")
        assert connection.recv(1024).startswith(b"HTTP/1.1 401")


def test_a_known_route_called_with_the_wrong_method_is_a_405_in_the_error_shape(platform):
    response = platform.call("DELETE", "/v1/fees/catalogue")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_path_in_chinese_characters_is_routed_and_answered_in_the_error_shape(platform):
    response = platform.call("GET", "/v1/citizens/%E5%BC%A0%E4%B8%89")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "citizen_not_found"
