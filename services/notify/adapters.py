"""Notify's outside systems, each behind a small Protocol.

The SMS gateway belongs to a carrier; in development `CITYHUB_SMS_URL` points
at the sandbox in sandboxes/sms.py, over the same HTTP.
"""

import socket
from typing import Protocol
from urllib.parse import urlsplit

import urllib3

from chassis.outside_http import NoAnswer, call_json
from contracts.errors import ServiceUnavailable


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> str: ...


class HttpSms:
    def __init__(self, base_url: str, timeout: float = 3.0):
        self.url = base_url.rstrip("/") + "/v1/sms"
        self.timeout = timeout

    def send(self, phone: str, text: str) -> str:
        """The gateway's message id; ServiceUnavailable when it did not take the message."""
        try:
            answer = call_json("POST", self.url, {"to": phone, "text": text}, self.timeout)
        except NoAnswer as exc:
            raise ServiceUnavailable(exc.describe("SMS gateway"),
                                     code="sms_unavailable") from None
        if "message_id" not in answer:
            raise ServiceUnavailable("the SMS gateway's answer could not be read",
                                     code="sms_unavailable")
        return answer["message_id"]


class WebhookSender(Protocol):
    def __call__(self, url: str, body: bytes, headers: dict) -> tuple[int | None, str | None]:
        """(status code, None), or (None, what went wrong) when nothing answered."""


class HttpWebhooks:
    """Posts deliveries to partners' endpoints over pooled keep-alive connections.

    urllib3 rather than urllib: at hundreds of deliveries a second a new TCP (and
    TLS) connection per delivery would cost more than the delivery. Redirects are
    not followed: an endpoint that moved must be registered again.
    """

    def __init__(self, timeout: float, connections_per_host: int):
        self.pool = urllib3.PoolManager(
            num_pools=256, maxsize=connections_per_host, block=False, retries=False,
            timeout=urllib3.Timeout(connect=min(timeout, 3.0), read=timeout))

    def __call__(self, url: str, body: bytes, headers: dict) -> tuple[int | None, str | None]:
        errors = urllib3.exceptions
        try:
            response = self.pool.request("POST", url, body=body, headers=headers,
                                         redirect=False, preload_content=False)
        except (errors.TimeoutError, errors.ProtocolError, errors.NewConnectionError,
                errors.HTTPError, OSError) as exc:
            return None, _describe(exc)
        try:
            response.drain_conn()  # the partner's answer is not read, only its status
        except (errors.HTTPError, OSError):
            pass
        finally:
            response.release_conn()
        return response.status, None


def _describe(exc: Exception) -> str:
    """Why nothing answered, without the URL (a partner's) or anything sent."""
    name = type(exc).__name__
    if "Timeout" in name:
        return "timed out"
    if "NewConnection" in name or "Refused" in name or "MaxRetry" in name:
        return "could not connect"
    return f"no answer ({name})"


def addresses_of(url: str) -> list[str]:
    """The addresses an endpoint's host resolves to now (none if it does not)."""
    try:
        host = urlsplit(url).hostname or ""
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None)})
    except (OSError, UnicodeError, ValueError):
        return []
