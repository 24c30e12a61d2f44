"""Notify's outside systems, each behind a small Protocol.

The SMS gateway belongs to a carrier; in development `CITYHUB_SMS_URL` points
at the sandbox in sandboxes/sms.py, over the same HTTP.
"""

from typing import Protocol

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
