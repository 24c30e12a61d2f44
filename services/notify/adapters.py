"""Notify's outside systems, each behind a small Protocol.

The SMS gateway belongs to a carrier; in development `CITYHUB_SMS_URL` points
at the sandbox in sandboxes/sms.py, over the same HTTP. Mail goes over SMTP to
`CITYHUB_SMTP_HOST`/`_PORT` (sandboxes/mail.py in development); partners'
webhook endpoints are theirs.
"""

import hashlib
import hmac
import json
import smtplib
import socket
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol
from urllib.parse import urlsplit

import urllib3

from chassis.outside_http import NoAnswer, call_json
from contracts.errors import InvalidInput, ServiceUnavailable
from services.notify.domain.statuses import TemporaryFailure
from services.notify.domain.webhooks import is_private


class SmsGateway(Protocol):
    def send(self, phone: str, text: str, reference: str | None = None) -> str: ...

    def read_receipt(self, body: bytes, signature: str) -> tuple[str, str]: ...


class HttpSms:
    """The SMS gateway's HTTP API. A text sent with our `reference` (its id in
    channel_sends) is deduplicated by the gateway and acknowledged later by a
    signed receipt posted to `callback_url` (the hub's `POST /callbacks/sms`)."""

    def __init__(self, base_url: str, callback_url: str | None = None,
                 callback_secret: str = "", timeout: float = 3.0):
        self.url = base_url.rstrip("/") + "/v1/sms"
        self.callback_url = callback_url
        self.callback_secret = callback_secret.encode()
        self.timeout = timeout

    def send(self, phone: str, text: str, reference: str | None = None) -> str:
        """The gateway's message id; ServiceUnavailable when it did not take the
        message, InvalidInput when it refused the number."""
        body = {"to": phone, "text": text}
        if reference is not None:
            body |= {"reference": reference, "callback_url": self.callback_url}
        try:
            answer = call_json("POST", self.url, body, self.timeout)
        except NoAnswer as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                raise InvalidInput("the SMS gateway refused the number",
                                   code="sms_refused") from None
            raise ServiceUnavailable(exc.describe("SMS gateway"),
                                     code="sms_unavailable") from None
        if "message_id" not in answer:
            raise ServiceUnavailable("the SMS gateway's answer could not be read",
                                     code="sms_unavailable")
        return answer["message_id"]

    def read_receipt(self, body: bytes, signature: str) -> tuple[str, str]:
        """(our reference, the receipt's status code) from a receipt the gateway
        signed (HMAC-SHA256 of the body, hex); InvalidInput if it did not."""
        expected = hmac.new(self.callback_secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature or ""):
            raise InvalidInput("the receipt's signature does not verify",
                               code="invalid_receipt_signature")
        try:
            receipt = json.loads(body)
            return str(receipt["reference"]), str(receipt["status"])
        except (ValueError, KeyError, TypeError):
            raise InvalidInput("the receipt could not be read", code="invalid_receipt") from None


class Mailer(Protocol):
    def send(self, address: str, subject: str, text: str, reference: str | None = None) -> str:
        ...


class SmtpMail:
    """Mail over SMTP to the relay (the mail sandbox in development).

    The Message-ID is made from our send id, so a mail handed over twice (after a
    crash between the relay's 250 and our record of it) is one message to the
    citizen's mail client.
    """

    def __init__(self, host: str, port: int, sender: str, timeout: float = 5.0):
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, address: str, subject: str, text: str, reference: str | None = None) -> str:
        """The Message-ID; TemporaryFailure on a 4xx for the address, InvalidInput on
        a 5xx, ServiceUnavailable when the relay could not be reached."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, address, subject
        message["Message-ID"] = make_msgid(idstring=reference, domain="cityhub.example")
        message.set_content(text)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0]
            if 400 <= code < 500:
                raise TemporaryFailure(f"the mail server deferred it ({code})") from None
            raise InvalidInput(f"the mail server refused the address ({code})",
                               field="address", code="email_refused") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ServiceUnavailable(f"no answer from the mail relay: {type(exc).__name__}",
                                     code="mail_unavailable") from None
        return message["Message-ID"]


class WebhookSender(Protocol):
    def __call__(self, url: str, body: bytes, headers: dict) -> tuple[int | None, str | None]:
        """(status code, None), or (None, what went wrong) when nothing answered."""


class HttpWebhooks:
    """Posts deliveries to partners' endpoints over pooled keep-alive connections.

    urllib3 rather than urllib: at hundreds of deliveries a second a new TCP (and
    TLS) connection per delivery would cost more than the delivery. Redirects are
    not followed: an endpoint that moved must be registered again.
    """

    def __init__(self, timeout: float, connections_per_host: int, production: bool = False):
        # In production the host is resolved again before each delivery: a name
        # that pointed outside when it was registered may point inside now (DNS
        # rebinding), and the hub must not be made to post into its own network.
        self.production = production
        self.pool = urllib3.PoolManager(
            num_pools=256, maxsize=connections_per_host, block=False, retries=False,
            timeout=urllib3.Timeout(connect=min(timeout, 3.0), read=timeout))

    def __call__(self, url: str, body: bytes, headers: dict) -> tuple[int | None, str | None]:
        if self.production and any(is_private(a) for a in addresses_of(url) or ["localhost"]):
            return None, "the endpoint resolves to a private address"
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
