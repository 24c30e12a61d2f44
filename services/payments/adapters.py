"""The outside systems payments talks to, each behind a small interface: the agencies
that issue bills and take the money, and the payment provider (an Alipay-style
protocol; sandboxes/provider.py is its stand-in and documents it).

Each says "no answer" with one exception per system, which the use cases treat as
"unknown, try again later", never as a refusal: a timeout is not a failure.
"""

import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chassis.outside_http import JsonClient, NoAnswer
from chassis.provider_signatures import is_genuine, load_public_key
from services.payments.domain.provider import fen, yuan


class AgencyUnavailable(Exception):
    """The agency did not answer (or answered 5xx): try again later."""


class AgencyRefused(Exception):
    """The agency answered and said no: `reason` is its code (already_paid, ...)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ProviderUnavailable(Exception):
    """The provider did not answer (or answered 5xx): the outcome is unknown."""


class ProviderRefused(Exception):
    def __init__(self, reason: str, trade_status: str | None = None):
        super().__init__(reason)
        self.reason, self.trade_status = reason, trade_status


@dataclass(frozen=True)
class Trade:
    """How the provider says a trade stands."""

    out_trade_no: str
    trade_no: str
    status: str
    amount_cents: int
    paid_at: datetime | None


class Agencies(Protocol):
    def bill(self, agency: str, bill_number: str) -> dict | None: ...
    def account(self, agency: str, account: str) -> str: ...
    def account_bills(self, agency: str, account: str) -> list[dict]: ...
    def write_off(self, agency: str, order_id: str, bill_number: str | None,
                  amount_cents: int) -> str: ...
    def refund_requests(self, agency: str, after: int) -> list[dict]: ...


class PaymentProvider(Protocol):
    def create_trade(self, out_trade_no: str, amount_cents: int, subject: str,
                     notify_url: str, expires_at: datetime) -> tuple[str, str]: ...
    def query(self, out_trade_no: str) -> Trade | None: ...
    def close(self, out_trade_no: str) -> Trade | None: ...
    def refund(self, out_trade_no: str, request_no: str, amount_cents: int) -> None: ...
    def statement(self, day: str) -> str: ...


class HttpAgencies:
    """Every agency behind one HTTP interface (in production, one adapter each)."""

    def __init__(self, base_url: str, timeout: float = 5.0):
        self.http = JsonClient(base_url.rstrip("/") + "/v1/agencies/", timeout)

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            return self.http.call(method, path, body)
        except NoAnswer as exc:
            if exc.is_refusal:
                raise AgencyRefused(str(exc.body.get("error", exc.status))) from None
            raise AgencyUnavailable(exc.describe("agency")) from None

    def bill(self, agency: str, bill_number: str) -> dict | None:
        """The bill as the agency holds it, or None if it has no such bill."""
        try:
            return self._call("GET", f"{agency}/bills/{_quote(bill_number)}")
        except AgencyRefused as refused:
            if refused.reason == "no_such_bill":
                return None
            raise

    def account(self, agency: str, account: str) -> str:
        """The payee of an account the agency agrees is the citizen's (AgencyRefused:
        no_such_account, holder_mismatch)."""
        return self._call("GET", f"{agency}/accounts/{_quote(account)}")["payee"]

    def account_bills(self, agency: str, account: str) -> list[dict]:
        return self._call("GET", f"{agency}/accounts/{_quote(account)}/bills")["items"]

    def write_off(self, agency: str, order_id: str, bill_number: str | None,
                  amount_cents: int) -> str:
        """The agency's confirmation number (the same order again: the same number)."""
        answer = self._call("POST", f"{agency}/write-offs", {
            "order_id": order_id, "bill_number": bill_number, "amount_cents": amount_cents})
        return answer["confirmation"]

    def refund_requests(self, agency: str, after: int) -> list[dict]:
        """Refunds the agency asks for, after its sequence number `after`, oldest first."""
        return self._call("GET", f"{agency}/refund-requests?after={int(after)}")["items"]


class HttpProvider:
    """The provider's merchant API, and the check of its notifications' signature."""

    def __init__(self, base_url: str, public_key_pem: str, timeout: float = 5.0):
        self.http = JsonClient(base_url.rstrip("/") + "/v1/provider/", timeout)
        # A day's statement is long: it has longer to arrive than a single answer.
        self.statements = JsonClient(base_url.rstrip("/") + "/v1/provider/", timeout * 12, 1)
        self.public_key = load_public_key(public_key_pem)

    def is_genuine(self, params: dict) -> bool:
        return is_genuine(params, self.public_key)

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            return self.http.call(method, path, body)
        except NoAnswer as exc:
            if exc.is_refusal:
                raise ProviderRefused(str(exc.body.get("sub_code", exc.status)),
                                      exc.body.get("trade_status")) from None
            raise ProviderUnavailable(exc.describe("payment provider")) from None

    def create_trade(self, out_trade_no: str, amount_cents: int, subject: str,
                     notify_url: str, expires_at: datetime) -> tuple[str, str]:
        """(trade number, cashier URL); the same order again is the same trade."""
        answer = self._call("POST", "trades", {
            "out_trade_no": out_trade_no, "total_amount": yuan(amount_cents),
            "subject": subject, "notify_url": notify_url,
            "time_expire": expires_at.isoformat()})
        return answer["trade_no"], answer["cashier_url"]

    def query(self, out_trade_no: str) -> Trade | None:
        """How the trade stands, or None if the provider never made it."""
        try:
            return _trade(self._call("GET", f"trades/{_quote(out_trade_no)}"))
        except ProviderRefused as refused:
            if refused.reason == "ACQ.TRADE_NOT_EXIST":
                return None
            raise

    def close(self, out_trade_no: str) -> Trade | None:
        """Closed (the trade, now TRADE_CLOSED), None if it never existed, or, when it
        was paid or failed before we could close it, that trade as it stands."""
        try:
            return _trade(self._call("POST", f"trades/{_quote(out_trade_no)}/close"))
        except ProviderRefused as refused:
            if refused.reason == "ACQ.TRADE_NOT_EXIST":
                return None
            if refused.reason == "ACQ.TRADE_STATUS_ERROR":
                return self.query(out_trade_no)
            raise

    def refund(self, out_trade_no: str, request_no: str, amount_cents: int) -> None:
        self._call("POST", f"trades/{_quote(out_trade_no)}/refunds", {
            "out_request_no": request_no, "refund_amount": yuan(amount_cents)})

    def statement(self, day: str) -> str:
        try:
            return self.statements.text("GET", f"statements/{_quote(day)}.csv")
        except NoAnswer as exc:
            raise ProviderUnavailable(exc.describe("payment provider")) from None


def _trade(answer: dict) -> Trade:
    paid = answer.get("gmt_payment")
    return Trade(answer["out_trade_no"], answer["trade_no"], answer["trade_status"],
                 fen(answer["total_amount"]), datetime.fromisoformat(paid) if paid else None)


def _quote(part: str) -> str:
    return urllib.parse.quote(part, safe="")
