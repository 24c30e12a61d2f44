"""The gateway's HTTP/1.1 request parsing, without the email package.

Eventlet's WSGI server reads a request's headers with the standard library's
`http.client.parse_headers`, which runs the email package's feed parser: a fifth
of the gateway's whole HTTP cost for a small request (bench/instructions.py,
`--scenario healthz`). This protocol reads the request line and the header lines
itself and fills the same `http.client.HTTPMessage`, with the same outcomes:
400 for a malformed request line, 505 for HTTP/2 and later, 431 for too many
headers, keep-alive by HTTP version and the Connection header, and
"Expect: 100-continue".
"""

import http.client
import re
from http import HTTPStatus

from nameko.web.server import HttpOnlyProtocol

VERSION = re.compile(r"^HTTP/(\d{1,4})\.(\d{1,4})$")
MAX_HEADERS = 100  # the standard library's limit
MAX_LINE = 65536


class QuickHeadersProtocol(HttpOnlyProtocol):
    def parse_request(self) -> bool:
        self.command = None
        self.request_version = version = self.default_request_version
        self.close_connection = True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if not words:
            return False
        if len(words) >= 3:
            version = words[-1]
            match = VERSION.match(version)
            if match is None:
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
                return False
            number = (int(match.group(1)), int(match.group(2)))
            if number >= (2, 0):
                self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED,
                                f"Invalid HTTP version ({version})")
                return False
            if number >= (1, 1) and self.protocol_version >= "HTTP/1.1":
                self.close_connection = False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({words!r})")
            return False
        if len(words) == 2:  # HTTP/0.9: not spoken here
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad HTTP/0.9 request type")
            return False
        self.command, self.path = words[0], words[1]
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")  # not a network path

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
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return None
            if line in (b"\r\n", b"\n", b""):
                return message
            name, colon, value = line.decode("iso-8859-1").partition(":")
            if not colon or not name or name != name.strip():
                self.send_error(HTTPStatus.BAD_REQUEST, "Malformed header line")
                return None
            message[name] = value.strip()
        self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
        return None
