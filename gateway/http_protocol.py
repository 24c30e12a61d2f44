"""The gateway's HTTP/1.1 connection handling: every refusal in the one error shape.

Eventlet's WSGI server answers malformed requests itself, as HTML or plain text with
`Server: BaseHTTP/0.6 Python/3.11`, reads a request's headers with the email package
(a fifth of the gateway's HTTP cost, bench/instructions.py `--scenario healthz`), and
waits for a slow client for ever. This protocol reads the request line and headers
itself, bounds how long they and each later read may take, refuses chunked bodies,
and answers every refusal with the JSON error shape, naming no server software:

  400 bad_request            malformed request or header line, a request target with
                             bytes HTTP forbids, bad Content-Length, Content-Length
                             together with Transfer-Encoding
  400 invalid_header         a header name that is not a token, or a value holding a
                             control byte (NUL, CR, LF, ...: RFC 9110 5.5), naming it
  408 request_timeout        the request line and headers took longer than the read timeout
  411 length_required        Transfer-Encoding without Content-Length (chunked bodies)
  414 uri_too_long           a request line over 8 KiB
  431 headers_too_large      a header line over 8 KiB, or more than 100 headers
  505 http_version_not_supported   HTTP/2 and later
"""

import http.client
import json
import re
from http import HTTPStatus

import eventlet
from eventlet.support import get_errno
from eventlet.wsgi import BROKEN_SOCK, STATE_REQUEST
from nameko.web.server import HttpOnlyProtocol

from gateway.errors import new_request_id

VERSION = re.compile(r"^HTTP/(\d{1,4})\.(\d{1,4})$")
CONTENT_LENGTH = re.compile(r"^[0-9]{1,12}$")
# RFC 9110 5.1 and 5.6.2: a field name is a token; RFC 9110 5.5: a field value holds
# no control byte but HTAB. A parser that let them through (a NUL in an Idempotency-Key)
# would let two systems read one request differently.
TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
FORBIDDEN_IN_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# RFC 9112 3.2: the request target is visible ASCII, no space or control byte.
TARGET = re.compile(r"^[\x21-\x7e]+$")
MAX_HEADERS = 100  # the standard library's limit
MAX_LINE = 8192  # request line and each header line, as most servers allow
CLOSE_AFTER_RESPONSE = "cityhub.close_after_response"
ERROR_CODES = {400: "bad_request", 408: "request_timeout", 411: "length_required",
               414: "uri_too_long", 431: "headers_too_large",
               505: "http_version_not_supported"}


class GatewayProtocol(HttpOnlyProtocol):
    """`server.read_timeout` (seconds) bounds the request line and headers together."""

    def handle_one_request(self):
        if self.server.max_http_version:
            self.protocol_version = self.server.max_http_version
        self.raw_requestline = b""
        try:
            with eventlet.Timeout(self.server.read_timeout):
                self.raw_requestline = self._read_request_line()
                self.conn_state[2] = STATE_REQUEST
                if not self.raw_requestline:
                    self.close_connection = 1
                    return
                if len(self.raw_requestline) > MAX_LINE:
                    self.refuse(414, "the request line is longer than 8 KiB")
                    return
                if not self.parse_request():
                    return
        except eventlet.Timeout:
            # Nothing at all on a kept-alive connection: just close it.
            if self.raw_requestline:
                self.refuse(408, f"the request's headers did not arrive within "
                                 f"{self.server.read_timeout:g} s")
            self.close_connection = 1
            return
        if not self._body_is_framed():
            return
        self.environ = self.get_environ()
        self.application = self.server.app
        self.server.outstanding_requests += 1
        try:
            self.handle_one_response()
        except OSError as exc:
            if get_errno(exc) not in BROKEN_SOCK:
                raise
        finally:
            self.server.outstanding_requests -= 1

    def get_environ(self):
        environ = super().get_environ()
        # For an answer sent before the body was read (408, 413): close rather
        # than wait for, and throw away, a body that may be huge or never come.
        environ[CLOSE_AFTER_RESPONSE] = self._close_after_response
        return environ

    def _close_after_response(self) -> None:
        self.close_connection = 1

    def _read_request_line(self) -> bytes:
        if self.rfile.closed:
            return b""
        # One byte over the limit tells a line that is too long from one that fits.
        try:
            return self.rfile.readline(MAX_LINE + 1)
        except OSError as exc:
            if get_errno(exc) not in BROKEN_SOCK:
                raise
            return b""

    def _body_is_framed(self) -> bool:
        """Only bodies with a Content-Length are read: a chunked body would be read
        as empty by the WSGI layer below, so it is refused instead."""
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") is not None:
            if length is not None:
                self.refuse(400, "Content-Length and Transfer-Encoding cannot come together")
            else:
                self.refuse(411, "send the body with a Content-Length; chunked bodies "
                                 "are not accepted")
            return False
        if length is not None and not CONTENT_LENGTH.match(length):
            self.refuse(400, "Content-Length must be a whole number of bytes")
            return False
        return True

    def parse_request(self) -> bool:
        self.command = None
        self.request_version = version = self.default_request_version
        self.close_connection = True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if not words:
            return False
        if len(words) != 3:
            self.refuse(400, "the request line must be METHOD TARGET HTTP/1.x")
            return False
        version = words[-1]
        match = VERSION.match(version)
        if match is None:
            self.refuse(400, "the request line must end with HTTP/1.0 or HTTP/1.1")
            return False
        number = (int(match.group(1)), int(match.group(2)))
        if number >= (2, 0):
            self.refuse(505, "only HTTP/1.0 and HTTP/1.1 are spoken here")
            return False
        if number >= (1, 1) and self.protocol_version >= "HTTP/1.1":
            self.close_connection = False
        self.request_version = version
        if not TOKEN.match(words[0]) or not TARGET.match(words[1]):
            self.refuse(400, "the request line holds a byte HTTP forbids")
            return False
        self.command, self.path = words[0], words[1]

        headers = self._read_headers()
        if headers is None:
            return False
        self.headers = headers
        connection = headers.get("Connection", "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive" and self.protocol_version >= "HTTP/1.1":
            self.close_connection = False
        expect = headers.get("Expect", "")
        if (expect.lower() == "100-continue" and self.protocol_version >= "HTTP/1.1"
                and self.request_version >= "HTTP/1.1"):
            return self.handle_expect_100()
        return True

    def _read_headers(self) -> http.client.HTTPMessage | None:
        message = http.client.HTTPMessage()
        for _ in range(MAX_HEADERS + 1):
            line = self.rfile.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                self.refuse(431, "a header line is longer than 8 KiB")
                return None
            if line in (b"\r\n", b"\n", b""):
                return message
            name, colon, value = line.decode("iso-8859-1").partition(":")
            if not colon or not name or name != name.strip():
                self.refuse(400, "a header line is not NAME: VALUE")
                return None
            value = value.removesuffix("\n").removesuffix("\r").strip(" \t")
            if not TOKEN.match(name):
                self.refuse(400, "a header name holds a byte HTTP forbids",
                            code="invalid_header")
                return None
            if FORBIDDEN_IN_VALUE.search(value):
                self.refuse(400, f"{name} holds a control byte HTTP forbids",
                            code="invalid_header", field=name)
                return None
            message[name] = value
        self.refuse(431, f"more than {MAX_HEADERS} headers")
        return None

    def send_error(self, code, message=None, explain=None):
        # Anything in the standard library that would answer with its HTML page.
        self.refuse(int(code), message or HTTPStatus(int(code)).phrase)

    def refuse(self, status: int, message: str, code: str | None = None,
               field: str | None = None) -> None:
        """Answer in the error shape and close: what follows on this connection
        cannot be trusted to start at a request boundary."""
        self.close_connection = True
        try:
            self.wfile.write(closing_error(status, code or ERROR_CODES.get(status, "bad_request"),
                                           message, field=field))
            self.wfile.flush()
        except OSError:
            pass  # the client is gone: nothing to tell


def closing_error(status: int, code: str, message: str, headers: dict | None = None,
                  field: str | None = None) -> bytes:
    """A whole HTTP response in the error shape that closes its connection, for
    answers given below the WSGI application."""
    request_id = new_request_id()
    body = json.dumps({"error": {"code": code, "message": message, "field": field,
                                 "request_id": request_id}}).encode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Request-Id: {request_id}\r\n{extra}Connection: close\r\n\r\n")
    return head.encode("latin-1") + body
