"""A stand-in for the payment provider, speaking an Alipay-style protocol over HTTP.

    POST /v1/provider/trades                       create (precreate) a trade
         {"out_trade_no", "total_amount": "200.00", "subject", "notify_url",
          "time_expire": ISO 8601}  -> {"trade_no", "out_trade_no", "cashier_url"}
    GET  /v1/provider/trades/OUT_TRADE_NO          query -> {"trade_status", ...}
    POST /v1/provider/trades/OUT_TRADE_NO/close    close an unpaid trade
    POST /v1/provider/trades/OUT_TRADE_NO/refunds  {"out_request_no", "refund_amount"}
    GET  /v1/provider/statements/YYYY-MM-DD.csv    the day's statement (the city's day)
    GET  /v1/provider/cashier/TRADE_NO             the page where the citizen pays
    POST /v1/provider/cashier/TRADE_NO             {"outcome": "success" |
         "insufficient_funds" | "abandon"} (what the citizen did at the cashier)

Amounts are yuan with two decimals, as Alipay writes them ("200.00"). Trade states
are Alipay's: WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_CLOSED; a payment the bank
refused ends the trade in PAY_FAILED (as WeChat Pay's PAYERROR does). The same
out_trade_no again is the same trade; the same out_request_no again is the same
refund, never a second one.

When a trade is paid or fails, the provider posts a notification (form-encoded,
signed RSA2 with its key: chassis/provider_signatures.py) to the trade's
notify_url, and again on its retry schedule until the answer is exactly
`success` (Alipay: 4 min, 10 min, 10 min, 1 h, 2 h, 6 h, 15 h).

A test makes it behave like the real thing on a bad day (documented in README.md):

    PUT /v1/provider/behaviour {"drop_rate": 0.3, "duplicate_rate": 0.1,
        "reorder_ms": 500, "delay_ms": 0, "fail_rate": 0, "timeout_rate": 0,
        "timeout_seconds": 10, "down": false, "retry_seconds": [1, 2, 5], "seed": 7}

drops that share of notifications entirely, sends that share twice, delays each
by a random 0..reorder_ms (so they arrive out of order) plus delay_ms, answers
that share of API calls 503 or only after timeout_seconds, and with `down` answers
every API call 503 and holds every notification until it is up again. GET on the
same path counts what it did. POST /v1/provider/notifications {"out_trade_no",
"trade_status", "total_amount", "forged": true} sends one notification as given,
signed with another key when forged (an attacker) or with the provider's key (a
provider's bug, such as a wrong amount). A trade closed or expired can still be
paid with {"outcome": "success", "late": true}: money that arrived after close.
"""

import csv
import io
import json
import threading
import uuid
from datetime import UTC, datetime
from html import escape

from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from chassis.provider_signatures import load_private_key
from contracts.time import city_day
from sandboxes.provider_day import BadDay
from sandboxes.provider_test_key import PRIVATE_KEY

PREFIX = "/v1/provider"
APP_ID = "2026000000000001"
WAIT, SUCCESS, CLOSED, PAY_FAILED = "WAIT_BUYER_PAY", "TRADE_SUCCESS", "TRADE_CLOSED", "PAY_FAILED"

_URLS = Map([
    Rule(f"{PREFIX}/trades", endpoint="create", methods=["POST"]),
    Rule(f"{PREFIX}/trades/<out_trade_no>", endpoint="query", methods=["GET"]),
    Rule(f"{PREFIX}/trades/<out_trade_no>/close", endpoint="close", methods=["POST"]),
    Rule(f"{PREFIX}/trades/<out_trade_no>/refunds", endpoint="refund", methods=["POST"]),
    Rule(f"{PREFIX}/statements/<day>.csv", endpoint="statement", methods=["GET"]),
    Rule(f"{PREFIX}/cashier/<trade_no>", endpoint="cashier", methods=["GET", "POST"]),
    Rule(f"{PREFIX}/behaviour", endpoint="behaviour", methods=["GET", "PUT"]),
    Rule(f"{PREFIX}/notifications", endpoint="send_notification", methods=["POST"]),
])


def _json(value, status: int = 200) -> Response:
    return Response(json.dumps(value), status=status, mimetype="application/json")


def _error(sub_code: str, status: int, **extra) -> Response:
    return _json({"code": "40004", "sub_code": sub_code, **extra}, status)


def _now() -> datetime:
    return datetime.now(UTC)


class Provider:
    def __init__(self, base_url: str, key: rsa.RSAPrivateKey | None = None):
        self.base_url = base_url.rstrip("/")
        self.key = key or load_private_key(PRIVATE_KEY)
        self.forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.trades: dict[str, dict] = {}
        self.by_trade_no: dict[str, str] = {}
        self.lock = threading.Lock()
        self.day = BadDay()

    def app(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, values = _URLS.bind_to_environ(environ).match()
        except HTTPException as exc:
            return exc(environ, start_response)
        if endpoint not in ("behaviour", "send_notification", "cashier") and self.day.fails():
            return _error("SYSTEM_ERROR", 503)(environ, start_response)
        try:
            response = getattr(self, f"_{endpoint}")(request, **values)
        except (ValueError, KeyError, TypeError):
            response = _error("INVALID_PARAMETER", 400)
        return response(environ, start_response)

    # -- the merchant's API ---------------------------------------------------------

    def _create(self, request):
        body = json.loads(request.get_data())
        out_trade_no, amount = str(body["out_trade_no"]), _amount(body["total_amount"])
        with self.lock:
            trade = self.trades.get(out_trade_no)
            if trade is not None:
                if trade["total_amount"] != amount:
                    return _error("ACQ.TRADE_HAS_EXISTED", 400)
                return _json(self._created(trade))
            trade = {"out_trade_no": out_trade_no, "trade_no": _trade_no(),
                     "total_amount": amount, "subject": str(body["subject"])[:256],
                     "notify_url": str(body["notify_url"]),
                     "time_expire": datetime.fromisoformat(body["time_expire"]),
                     "trade_status": WAIT, "gmt_payment": None, "refunds": {}}
            self.trades[out_trade_no] = trade
            self.by_trade_no[trade["trade_no"]] = out_trade_no
        return _json(self._created(trade))

    def _created(self, trade) -> dict:
        return {"trade_no": trade["trade_no"], "out_trade_no": trade["out_trade_no"],
                "cashier_url": f"{self.base_url}{PREFIX}/cashier/{trade['trade_no']}"}

    def _query(self, request, out_trade_no):
        trade = self.trades.get(out_trade_no)
        if trade is None:
            return _error("ACQ.TRADE_NOT_EXIST", 404)
        return _json(_public(trade))

    def _close(self, request, out_trade_no):
        with self.lock:
            trade = self.trades.get(out_trade_no)
            if trade is None:
                return _error("ACQ.TRADE_NOT_EXIST", 404)
            if trade["trade_status"] == WAIT:
                trade["trade_status"] = CLOSED
            elif trade["trade_status"] != CLOSED:
                return _error("ACQ.TRADE_STATUS_ERROR", 409, trade_status=trade["trade_status"])
        return _json(_public(trade))

    def _refund(self, request, out_trade_no):
        body = json.loads(request.get_data())
        request_no, amount = str(body["out_request_no"]), _amount(body["refund_amount"])
        with self.lock:
            trade = self.trades.get(out_trade_no)
            if trade is None:
                return _error("ACQ.TRADE_NOT_EXIST", 404)
            if request_no in trade["refunds"]:
                done = trade["refunds"][request_no]
                return _json(_refund_answer(trade, request_no, done["amount"]))
            if trade["trade_status"] != SUCCESS:
                return _error("ACQ.TRADE_STATUS_ERROR", 409, trade_status=trade["trade_status"])
            if amount <= 0 or amount > trade["total_amount"] - _refunded(trade):
                return _error("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", 400)
            trade["refunds"][request_no] = {"amount": amount, "at": _now()}
        return _json(_refund_answer(trade, request_no, amount))

    def _statement(self, request, day):
        """Every payment and refund of the city day, as a provider's statement CSV."""
        wanted = datetime.strptime(day, "%Y-%m-%d").date()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["trade_no", "out_trade_no", "type", "out_request_no", "amount",
                         "time"])
        for trade in list(self.trades.values()):
            paid = trade["gmt_payment"]
            if paid is not None and city_day(paid) == wanted:
                writer.writerow([trade["trade_no"], trade["out_trade_no"], "payment", "",
                                 _yuan(trade["total_amount"]), paid.isoformat()])
            for request_no, refund in list(trade["refunds"].items()):
                if city_day(refund["at"]) == wanted:
                    writer.writerow([trade["trade_no"], trade["out_trade_no"], "refund",
                                     request_no, _yuan(refund["amount"]),
                                     refund["at"].isoformat()])
        return Response(out.getvalue(), mimetype="text/csv")

    # -- the citizen at the cashier --------------------------------------------------

    def _cashier(self, request, trade_no):
        out_trade_no = self.by_trade_no.get(trade_no)
        if out_trade_no is None:
            return Response("no such trade", status=404)
        trade = self.trades[out_trade_no]
        if request.method == "GET":
            return Response(_cashier_page(trade), mimetype="text/html")
        asked = request.get_json(silent=True) or request.form.to_dict()
        outcome, late = asked.get("outcome"), bool(asked.get("late"))
        if outcome not in ("success", "insufficient_funds", "abandon"):
            return _error("INVALID_PARAMETER", 400)
        with self.lock:
            status = trade["trade_status"]
            payable = status == WAIT and _now() < trade["time_expire"]
            if outcome == "abandon":
                return _json(_public(trade))
            if not payable and not (late and status in (WAIT, CLOSED)):
                return _error("ACQ.TRADE_STATUS_ERROR", 409, trade_status=status)
            trade["trade_status"] = SUCCESS if outcome == "success" else PAY_FAILED
            if outcome == "success":
                trade["gmt_payment"] = _now()
        self.day.notify(trade["notify_url"], self._notification(trade), self.key)
        return _json(_public(trade))

    # -- notifications ----------------------------------------------------------------

    def _notification(self, trade, **overrides) -> dict:
        params = {"notify_time": _now().isoformat(), "notify_type": "trade_status_sync",
                  "notify_id": uuid.uuid4().hex, "app_id": APP_ID,
                  "trade_no": trade["trade_no"], "out_trade_no": trade["out_trade_no"],
                  "trade_status": trade["trade_status"],
                  "total_amount": _yuan(trade["total_amount"]),
                  "gmt_payment": trade["gmt_payment"].isoformat() if trade["gmt_payment"]
                  else ""}
        params.update(overrides)
        return params

    def _behaviour(self, request):
        if request.method == "PUT":
            asked = json.loads(request.get_data() or b"{}")
            if not isinstance(asked, dict):
                return _error("INVALID_PARAMETER", 400)
            self.day.configure(asked)
        return _json({"behaviour": self.day.behaviour, "counts": self.day.counts})

    def _send_notification(self, request):
        asked = json.loads(request.get_data())
        trade = self.trades.get(str(asked["out_trade_no"]))
        if trade is None:
            return _error("ACQ.TRADE_NOT_EXIST", 404)
        overrides = {k: str(asked[k]) for k in ("trade_status", "total_amount") if k in asked}
        params = self._notification(trade, **overrides)
        self.day.notify(trade["notify_url"], params,
                        self.forger if asked.get("forged") else self.key)
        return _json({"sent": True}, 202)


def _trade_no() -> str:
    return _now().strftime("%Y%m%d") + uuid.uuid4().hex[:20]


def _amount(yuan) -> int:
    """"200.00" -> 20000 fen; anything else is a bad request."""
    whole, _, cents = str(yuan).partition(".")
    if not whole.isdigit() or len(cents) != 2 or not cents.isdigit():
        raise ValueError("an amount is yuan with two decimals")
    return int(whole) * 100 + int(cents)


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _refunded(trade) -> int:
    return sum(r["amount"] for r in trade["refunds"].values())


def _refund_answer(trade, request_no: str, amount: int) -> dict:
    return {"out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"],
            "out_request_no": request_no, "refund_amount": _yuan(amount),
            "refund_fee": _yuan(_refunded(trade))}


def _public(trade) -> dict:
    return {"out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"],
            "trade_status": trade["trade_status"], "total_amount": _yuan(trade["total_amount"]),
            "refund_fee": _yuan(_refunded(trade)),
            "gmt_payment": trade["gmt_payment"].isoformat() if trade["gmt_payment"] else None}


def _cashier_page(trade) -> str:
    subject, amount = escape(trade["subject"]), _yuan(trade["total_amount"])
    buttons = "".join(
        f'<button name="outcome" value="{value}">{label}</button>'
        for value, label in (("success", "Pay"), ("insufficient_funds", "Pay (card declined)"),
                             ("abandon", "Cancel")))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Cashier</title></head>"
            f"<body><h1>{subject}</h1><p>¥{amount}</p>"
            f"<form method='post'>{buttons}</form></body></html>")
