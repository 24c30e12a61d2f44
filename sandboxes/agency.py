"""A stand-in for the agencies that issue bills (traffic police, water, power,
social insurance) and take fees (hospitals, public security), over HTTP.

    GET  /v1/agencies/AGENCY/bills/BILL_NUMBER          one bill
    GET  /v1/agencies/AGENCY/accounts/ACCOUNT           the account (to link it)
    GET  /v1/agencies/AGENCY/accounts/ACCOUNT/bills     the account's unpaid bills
    POST /v1/agencies/AGENCY/write-offs                 {"order_id", "bill_number",
         "amount_cents"}: the hub tells the agency a bill (or a fee) was paid;
         the same order_id again is the same confirmation

A bill: {"bill_number", "account", "amount_cents", "late_fee_cents", "due_date",
"payee", "status": "payable" | "paid" | "expired"}. Amounts are integer fen.

Test bills and accounts (documented in README.md, like a provider's test cards):

    traffic-police  440100000000001   a payable fine, 200.00, due in 15 days
                    440100000000002   a fine already paid
                    440100000000003   an expired fine (past the online deadline)
                    440100000000004   overdue by 10 days: 200.00 and a late fee of
                                      3 % a day, 60.00 (never more than the fine)
                    4401 + 11 digits  any other: payable, 10.00 to 500.00
                    plate 粤A + 5     an account: one fine each, 440199 + digits
    water-company   W- + 8 digits     an account: this month's bill W-…-YYYYMM
    power-company   E- + 8 digits     the same, E-…-YYYYMM
    social-insurance SI- + 8 digits   this year's dues SI-…-YYYY, 380.00
    any agency      a number with 00000503  the agency is down: 503
                    an account with 00000403  not the citizen's: 403 on linking

    GET  /v1/agencies/AGENCY/refund-requests?after=SEQ  refunds the agency asks for
         (the hub's adapter reads them): {"items": [{"seq", "order_id",
         "amount_cents", "refundable_cents", "request_no", "reason"}]}

A test issues a new bill for an account with POST …/accounts/ACCOUNT/bills
{"amount_cents"}, asks for a refund as the agency's clerk with POST
…/refund-requests {"order_id", "amount_cents", "refundable_cents", "request_no",
"reason"}, and takes an agency down with PUT /v1/agencies/behaviour
{"down": ["water-company"], "fail_rate": 0.2, "seed": 1} ({} is up again).
"""

import hashlib
import json
import re
import threading
from datetime import UTC, datetime, timedelta

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from contracts.time import city_day
from sandboxes.moods import Mood

PREFIX = "/v1/agencies"
AGENCIES = {
    "traffic-police": "City Traffic Police Detachment",
    "water-company": "City Water Supply Co.",
    "power-company": "State Grid City Power Supply Co.",
    "social-insurance": "City Social Insurance Bureau",
    "hospital": "City Hospitals",
    "public-security": "City Public Security Bureau",
}
ACCOUNTS = {
    "traffic-police": re.compile(r"^粤A[0-9A-Z]{5}$"),
    "water-company": re.compile(r"^W-\d{8}$"),
    "power-company": re.compile(r"^E-\d{8}$"),
    "social-insurance": re.compile(r"^SI-\d{8}$"),
}
FINE = re.compile(r"^4401\d{11}$")
FIRST_BILLED_YEAR = "2000"
PERIOD_BILL = re.compile(r"^(?P<account>(W|E|SI)-\d{8})-(?P<period>\d{4,6})$")
LATE_FEE_PER_DAY = 0.03  # of the fine, a day (加处罚款), never more than the fine

_URLS = Map([
    Rule(f"{PREFIX}/behaviour", endpoint="behaviour", methods=["GET", "PUT"]),
    Rule(f"{PREFIX}/<agency>/bills/<bill_number>", endpoint="bill", methods=["GET"]),
    Rule(f"{PREFIX}/<agency>/accounts/<account>", endpoint="account", methods=["GET"]),
    Rule(f"{PREFIX}/<agency>/accounts/<account>/bills", endpoint="account_bills",
         methods=["GET", "POST"]),
    Rule(f"{PREFIX}/<agency>/write-offs", endpoint="write_off", methods=["POST"]),
    Rule(f"{PREFIX}/<agency>/refund-requests", endpoint="refund_requests",
         methods=["GET", "POST"]),
])


def _json(value, status: int = 200) -> Response:
    return Response(json.dumps(value, ensure_ascii=False), status=status,
                    mimetype="application/json")


def _digits_amount(text: str, low: int, high: int) -> int:
    """A stable amount for a number, so a bill is the same every time it is asked for."""
    draw = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
    return (low + draw % ((high - low) // 100 + 1) * 100)


class Agencies:
    def __init__(self, now=lambda: datetime.now(UTC)):
        self.now = now
        self.paid: dict[tuple[str, str], str] = {}  # (agency, bill) -> order id
        self.write_offs: dict[str, dict] = {}  # order id -> confirmation
        self.issued: dict[tuple[str, str], list[dict]] = {}  # extra bills by account
        self.refund_requests: dict[str, list[dict]] = {}  # by agency, in order
        self.mood = Mood()
        self.lock = threading.Lock()

    def app(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, values = _URLS.bind_to_environ(environ).match()
        except HTTPException as exc:
            return exc(environ, start_response)
        if endpoint == "behaviour":
            return self._behaviour(request)(environ, start_response)
        agency = values.pop("agency")
        if agency not in AGENCIES:
            return _json({"error": "no_such_agency"}, 404)(environ, start_response)
        if self._is_down(agency, values):
            return _json({"error": "unavailable"}, 503)(environ, start_response)
        try:
            response = getattr(self, f"_{endpoint}")(request, agency, **values)
        except (ValueError, KeyError, TypeError):
            response = _json({"error": "bad_request"}, 400)
        return response(environ, start_response)

    def _is_down(self, agency: str, values: dict) -> bool:
        return any("00000503" in str(v) for v in values.values()) or self.mood.is_down(agency)

    def _behaviour(self, request):
        if request.method == "PUT" and not self.mood.put(request.get_data()):
            return _json({"error": "bad_request"}, 400)
        return _json({"behaviour": self.mood.asked, "write_offs": len(self.write_offs)})

    # -- bills ----------------------------------------------------------------------

    def _bill(self, request, agency, bill_number):
        bill = self.find(agency, bill_number)
        if bill is None:
            return _json({"error": "no_such_bill"}, 404)
        return _json(bill)

    def find(self, agency: str, bill_number: str) -> dict | None:
        bill = self._made(agency, bill_number)
        if bill is not None and (agency, bill_number) in self.paid:
            bill["status"] = "paid"
        return bill

    def _made(self, agency: str, bill_number: str) -> dict | None:
        today = city_day(self.now())
        for extra in self.issued.values():
            for bill in extra:
                if bill["agency"] == agency and bill["bill_number"] == bill_number:
                    return dict(bill)
        if agency == "traffic-police" and FINE.match(bill_number):
            return self._fine(bill_number, today)
        match = PERIOD_BILL.match(bill_number)
        if match and ACCOUNTS.get(agency) and ACCOUNTS[agency].match(match["account"]):
            account, period = match["account"], match["period"]
            current = today.strftime("%Y" if agency == "social-insurance" else "%Y%m")
            if not _a_period(period, current) or period > current:
                return None
            return self._period_bill(agency, account, period, current, today)
        return None

    def _fine(self, number: str, today) -> dict:
        amount, due, status, late = 20000, today + timedelta(days=15), "payable", 0
        if number.endswith("00000000002"):
            status = "paid"
        elif number.endswith("00000000003"):
            status, due = "expired", today - timedelta(days=200)
        elif number.endswith("00000000004"):
            due = today - timedelta(days=10)
            late = min(amount, round(amount * LATE_FEE_PER_DAY * 10))
        elif not number.endswith("00000000001"):
            amount = _digits_amount(number, 1000, 50000)
        return {"agency": "traffic-police", "bill_number": number, "account": None,
                "amount_cents": amount, "late_fee_cents": late, "due_date": due.isoformat(),
                "payee": AGENCIES["traffic-police"], "status": status}

    def _period_bill(self, agency, account, period, current, today) -> dict:
        if agency == "social-insurance":
            amount = 38000
            due = today.replace(month=12, day=31)
        else:
            amount = _digits_amount(account + period, 2000, 12000)
            due = today.replace(day=1) + timedelta(days=55)
        return {"agency": agency, "bill_number": f"{account}-{period}", "account": account,
                "amount_cents": amount, "late_fee_cents": 0, "due_date": due.isoformat(),
                "payee": AGENCIES[agency], "status": "paid" if period < current else "payable"}

    # -- accounts -------------------------------------------------------------------

    def _account(self, request, agency, account):
        pattern = ACCOUNTS.get(agency)
        if pattern is None or not pattern.match(account):
            return _json({"error": "no_such_account"}, 404)
        if "00000403" in account:
            return _json({"error": "holder_mismatch"}, 403)
        return _json({"account": account, "agency": agency, "payee": AGENCIES[agency]})

    def _account_bills(self, request, agency, account):
        pattern = ACCOUNTS.get(agency)
        if pattern is None or not pattern.match(account):
            return _json({"error": "no_such_account"}, 404)
        with self.lock:
            extra = self.issued.setdefault((agency, account), [])
            if request.method == "POST":
                asked = json.loads(request.get_data() or b"{}")
                number = f"{agency[:2].upper()}{len(extra) + 1:04d}-{account}"
                if agency == "traffic-police":
                    number = "440199" + str(int(hashlib.sha256(
                        f"{account}{len(extra)}".encode()).hexdigest()[:12], 16))[-9:].zfill(9)
                extra.append({"agency": agency, "bill_number": number, "account": account,
                              "amount_cents": int(asked.get("amount_cents", 5000)),
                              "late_fee_cents": 0,
                              "due_date": (city_day(self.now()) + timedelta(days=30)).isoformat(),
                              "payee": AGENCIES[agency], "status": "payable"})
        bills = [self.find(agency, b["bill_number"]) for b in extra]
        if agency != "traffic-police":
            current = city_day(self.now()).strftime(
                "%Y" if agency == "social-insurance" else "%Y%m")
            bills.append(self.find(agency, f"{account}-{current}"))
        unpaid = [b for b in bills if b is not None and b["status"] == "payable"]
        return _json({"items": unpaid}, 201 if request.method == "POST" else 200)

    # -- write-offs -----------------------------------------------------------------

    def _write_off(self, request, agency):
        body = json.loads(request.get_data())
        order_id, bill_number = str(body["order_id"]), body.get("bill_number")
        amount = int(body["amount_cents"])
        with self.lock:
            done = self.write_offs.get(order_id)
            if done is not None:
                return _json(done)
            if bill_number is not None:
                bill = self.find(agency, str(bill_number))
                if bill is None:
                    return _json({"error": "no_such_bill"}, 404)
                if bill["status"] == "paid":
                    return _json({"error": "already_paid"}, 409)
                if amount != bill["amount_cents"] + bill["late_fee_cents"]:
                    return _json({"error": "amount_mismatch"}, 422)
                self.paid[(agency, str(bill_number))] = order_id
            done = {"order_id": order_id, "confirmation": f"{agency[:2].upper()}"
                    f"{self.now().strftime('%Y%m%d')}{len(self.write_offs) + 1:08d}",
                    "confirmed_at": self.now().isoformat()}
            self.write_offs[order_id] = done
        return _json(done)

    # -- refund requests (the agency asks the hub to pay a citizen back) -------------

    def _refund_requests(self, request, agency):
        """POST (a test, as the agency's clerk) adds one; GET lists those after `after`."""
        with self.lock:
            queue = self.refund_requests.setdefault(agency, [])
            if request.method == "POST":
                asked = json.loads(request.get_data())
                entry = {"seq": len(queue) + 1, "order_id": str(asked["order_id"]),
                         "amount_cents": int(asked["amount_cents"]),
                         "refundable_cents": int(asked["refundable_cents"]),
                         "request_no": str(asked["request_no"]),
                         "reason": str(asked.get("reason", "agency_correction"))}
                queue.append(entry)
                return _json(entry, 201)
        after = int(request.args.get("after", 0))
        return _json({"items": [e for e in queue if e["seq"] > after]})


def _a_period(period: str, current: str) -> bool:
    """A year (YYYY) or month (YYYYMM) the agency billed: its shape, a real month, and
    no earlier than the agency's first year (as a real agency has no bill of month 00)."""
    if len(period) != len(current) or period[:4] < FIRST_BILLED_YEAR:
        return False
    return len(period) == 4 or "01" <= period[4:] <= "12"
