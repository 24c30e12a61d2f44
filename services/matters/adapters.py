"""The agencies' approval systems, behind a small interface (sandboxes/approvals.py is
their stand-in and documents the protocol).

The hub posts each message it owes an agency under an id of its own, which the
agency keeps, so sending one again after a lost answer is harmless; and it reads the
agency's decisions from a numbered feed. Silence, or a 5xx, is ApprovalsUnavailable:
"try again later", never a refusal.
"""

from typing import Protocol

from chassis.outside_http import JsonClient, NoAnswer


class ApprovalsUnavailable(Exception):
    """The agency's system did not answer (or answered 5xx): try again later."""


class ApprovalsRefused(Exception):
    """The agency's system answered and said no (`reason`: no_such_case, ...)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Approvals(Protocol):
    def send(self, agency: str, message: dict) -> dict: ...
    def decisions(self, agency: str, after: int) -> list[dict]: ...


class HttpApprovals:
    def __init__(self, base_url: str, timeout: float = 5.0):
        self.http = JsonClient(base_url.rstrip("/") + "/v1/approvals/", timeout)

    def send(self, agency: str, message: dict) -> dict:
        """The agency's acknowledgement ({"case_number", "received_at"})."""
        return self._call("POST", f"{agency}/messages", message)

    def decisions(self, agency: str, after: int) -> list[dict]:
        """The agency's decisions after its sequence number `after`, as it lists them."""
        return self._call("GET", f"{agency}/decisions?after={int(after)}")["items"]

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            return self.http.call(method, path, body)
        except NoAnswer as exc:
            if exc.is_refusal:
                raise ApprovalsRefused(str(exc.body.get("error", exc.status))) from None
            raise ApprovalsUnavailable(exc.describe("approval system")) from None
