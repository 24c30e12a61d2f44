"""Notify's outside systems, each behind a small Protocol.

The SMS gateway belongs to a carrier; in development `CITYHUB_SMS_URL` points
at the sandbox in sandboxes/sms.py, over the same HTTP.
"""

import json
import urllib.error
import urllib.request
from typing import Protocol

from nameko.extensions import DependencyProvider

from contracts.errors import ServiceUnavailable


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> str: ...


class HttpSms:
    def __init__(self, base_url: str, timeout: float = 3.0):
        self.url = base_url.rstrip("/") + "/v1/sms"
        self.timeout = timeout

    def send(self, phone: str, text: str) -> str:
        """The gateway's message id; ServiceUnavailable when it did not take the message."""
        body = json.dumps({"to": phone, "text": text}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())["message_id"]
        except urllib.error.HTTPError as exc:
            # Only the status: the request carried a phone number.
            raise ServiceUnavailable(f"the SMS gateway answered {exc.code}",
                                     code="sms_unavailable") from None
        except (OSError, ValueError, KeyError) as exc:
            raise ServiceUnavailable(f"no answer from the SMS gateway: {type(exc).__name__}",
                                     code="sms_unavailable") from None


class Sms(DependencyProvider):
    def setup(self):
        from chassis.db import settings_of

        self.gateway = HttpSms(settings_of(self.container).sms_url)

    def get_dependency(self, worker_ctx):
        return self.gateway
