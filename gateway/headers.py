"""The request headers the gateway reads, each checked against what docs/api.md allows.

A header the docs give a format is refused when it is present and breaks it (400
`invalid_header`, naming it), before any worker runs: a request id we would silently
replace, or a key one system reads one way and another reads another, is how two
parts of a chain come to disagree about what was asked. Control bytes in any header
are refused below this, by the HTTP protocol (gateway/http_protocol.py); the signature
headers are checked by the authenticator (gateway/auth.py).
"""

import re

from contracts import formats
from contracts.errors import InvalidHeader

# RFC 9110 12.5.4: at most 32 language ranges (RFC 4647) with optional weights,
# comma-separated; empty list elements are allowed (RFC 9110 5.6.1). Each blank belongs
# to one place only, so a hostile value cannot make the match backtrack.
_RANGE = (r"(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)"
          r"([ \t]*;[ \t]*[qQ]=(0(\.[0-9]{0,3})?|1(\.0{0,3})?))?")
ACCEPT_LANGUAGE = rf"^[ \t]*(?:{_RANGE}[ \t]*)?(,[ \t]*(?:{_RANGE}[ \t]*)?){{0,31}}$"


def _matches(pattern: str):
    compiled = re.compile(pattern)
    return lambda value: compiled.match(value) is not None


# name: (whether a value is allowed, what the docs allow, as the error says it)
FORMATS = {
    "X-Request-Id": (_matches(formats.REQUEST_ID), "8-128 of A-Z a-z 0-9 . _ : -"),
    "Idempotency-Key": (_matches(formats.IDEMPOTENCY_KEY), "8-128 of A-Z a-z 0-9 _ . : -"),
    "Last-Event-ID": (_matches(formats.NOTIFICATION_ID),
                      "the id of a notification the stream sent (a lowercase UUID)"),
    "Accept-Language": (_matches(ACCEPT_LANGUAGE), "at most 32 language ranges with "
                                                   "optional q weights (en, zh-CN;q=0.8)"),
}

# How the OpenAPI document states each (gateway/openapi.py).
SCHEMAS = {
    "X-Request-Id": {"type": "string", "pattern": formats.REQUEST_ID},
    "Idempotency-Key": {"type": "string", "pattern": formats.IDEMPOTENCY_KEY},
    "Last-Event-ID": {"type": "string", "pattern": formats.NOTIFICATION_ID},
    "Accept-Language": {"type": "string", "pattern": ACCEPT_LANGUAGE},
}
REQUEST_ID_DESCRIPTION = ("Yours for this call, or the gateway makes one; it comes back "
                          "in the answer's X-Request-Id")


def check(request, names) -> None:
    """InvalidHeader for the first of `names` the request sends out of its format (an
    empty one too: the format says what a value is, and the OpenAPI document says so)."""
    for name in names:
        value = request.headers.get(name)
        if value is not None and name in FORMATS:
            allowed, described = FORMATS[name]
            if not allowed(value):
                raise InvalidHeader(f"{name} must be {described}", field=name)
