"""Raw HTTP against the gateway's own connection handling (gateway/http_protocol.py).

Every answer, refusals at the HTTP level included, is in the one JSON error shape and
names no server software; slow clients hold a connection for the read timeout at most
(2 s on the test platform).
"""

import json
import re
import socket
import time

import pytest

from tests.fixtures.platform import MAX_CONNECTIONS, READ_TIMEOUT
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e


def connect(platform, timeout: float = 5) -> socket.socket:
    host, port = platform.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=timeout)


def read_all(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def exchange(platform, raw: bytes, timeout: float = 5) -> bytes:
    with connect(platform, timeout) as connection:
        connection.sendall(raw)
        return read_all(connection)


def status_of(response: bytes) -> int:
    return int(re.match(rb"HTTP/1\.1 (\d{3}) ", response).group(1))


def error_of(response: bytes) -> dict:
    """The error body of a refusal, checked for the one shape on the way."""
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"\r\nContent-Type: application/json" in head
    assert b"\r\nServer:" not in head
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message", "field", "request_id"}
    assert f"X-Request-Id: {error['request_id']}".encode() in head
    return error


def test_a_request_with_headers_in_any_case_is_answered(platform):
    response = exchange(platform, b"GET /healthz HTTP/1.1\r\nhost: x\r\nX-REQUEST-ID: "
                                  b"abcdefgh-1234\r\nConnection: close\r\n\r\n")
    assert status_of(response) == 200
    assert b"X-Request-Id: abcdefgh-1234" in response


def test_two_requests_share_one_kept_alive_connection(platform):
    response = exchange(platform, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                  b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert response.count(b"HTTP/1.1 200") == 2


@pytest.mark.parametrize("raw, status, code", [
    (b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
    (b"GET /healthz HTTX/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
    (b"GET /healthz HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400, "bad_request"),
    (b"GET /healthz\r\n\r\n", 400, "bad_request"),
    (b"GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n", 400, "bad_request"),
    (b"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400, "bad_request"),
    (b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(101))
     + b"\r\n", 431, "headers_too_large"),
    (b"GET /healthz HTTP/1.1\r\nX-Long: " + b"v" * 9000 + b"\r\n\r\n", 431,
     "headers_too_large"),
    (b"GET /healthz?" + b"q" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
    (b"POST /v1/citizens HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n{}", 400, "bad_request"),
    (b"POST /v1/citizens HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"2\r\n{}\r\n0\r\n\r\n", 411, "length_required"),
    (b"POST /v1/citizens HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400,
     "bad_request"),
    (b"POST /v1/citizens HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n", 400,
     "bad_request"),
])
def test_a_malformed_request_is_refused_in_the_error_shape_and_the_connection_closes(
        platform, raw, status, code):
    response = exchange(platform, raw)
    assert status_of(response) == status
    assert error_of(response)["code"] == code
    assert b"Connection: close" in response


def test_no_answer_names_the_server_software(platform):
    for raw in (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
        head = exchange(platform, raw).partition(b"\r\n\r\n")[0]
        assert b"\r\nServer:" not in head and b"Python" not in head


def test_headers_that_never_finish_are_answered_408_within_the_read_timeout(platform):
    with connect(platform, timeout=READ_TIMEOUT + 5) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Partial")
        response = read_all(connection)  # returns when the gateway closes
    assert status_of(response) == 408
    assert error_of(response)["code"] == "request_timeout"


def test_a_body_shorter_than_its_content_length_is_answered_408_and_closed(platform):
    raw = (b"POST /v1/citizens HTTP/1.1\r\nHost: x\r\nX-App-Id: sandbox\r\n"
           b"X-Timestamp: 1\r\nX-Nonce: abcdefghijklmnop\r\nX-Signature: x\r\n"
           b"Content-Length: 100\r\n\r\n{}")
    with connect(platform, timeout=READ_TIMEOUT + 5) as connection:
        connection.sendall(raw)
        response = read_all(connection)
    assert status_of(response) == 408
    assert error_of(response)["code"] == "request_timeout"


def test_an_idle_kept_alive_connection_is_closed_after_the_read_timeout(platform):
    with connect(platform, timeout=READ_TIMEOUT + 5) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = connection.recv(65536)
        assert status_of(first) == 200
        started = time.monotonic()
        assert read_all(connection) == b""  # closed by the gateway, not by our timeout
        assert time.monotonic() - started < READ_TIMEOUT + 5


def test_a_double_slash_is_a_404_in_the_error_shape_not_a_redirect(platform):
    response = exchange(platform, b"GET /v1//fees/catalogue HTTP/1.1\r\nHost: x\r\n"
                                  b"Connection: close\r\n\r\n")
    assert status_of(response) == 404
    assert error_of(response)["code"] == "route_not_found"
    assert b"Location:" not in response


def test_connections_beyond_the_cap_are_answered_503_at_once(platform):
    # All opened well within the read timeout, which would free the first ones.
    held = [connect(platform) for _ in range(MAX_CONNECTIONS + 10)]
    try:
        time.sleep(0.5)
        answered = []
        for connection in held:
            connection.setblocking(False)
            try:
                answered.append(connection.recv(65536))
            except BlockingIOError:
                pass  # served: it waits for a request
    finally:
        for connection in held:
            connection.close()
    assert len(answered) >= 10  # at least the ten over the cap
    for refused in answered:
        assert status_of(refused) == 503
        assert error_of(refused)["code"] == "temporarily_unavailable"
        assert b"Retry-After: 1" in refused
    # The gateway frees a slot when it reads the close, a moment after we send it.
    assert eventually(lambda: platform.http.get(f"{platform.url}/healthz",
                                                timeout=5).status_code == 200)
