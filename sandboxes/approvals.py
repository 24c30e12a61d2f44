"""A stand-in for the agencies' approval systems (审批系统), which decide the
applications citizens file through the hub, over HTTP.

The hub files and the agency decides, each on its own time, so the two sides talk by
messages: the hub posts what it owes the agency, and reads the agency's decisions from
a numbered feed, as it reads refund requests from the billing agencies.

    POST /v1/approvals/AGENCY/messages     {"message_id", "kind", "tracking_number",
         "service_code", "documents", ...}: kind `application`, `resubmission`,
         `withdrawal`, `lapsed` (the citizen let a send-back run out), `deadline_near`,
         `deadline_passed`, `rectification`, `decision_refused`. The same message_id
         again gets the same answer.
    GET  /v1/approvals/AGENCY/messages     what the agency received (tests read it)
    GET  /v1/approvals/AGENCY/decisions?after=SEQ  {"items": [{"seq", "decision_id",
         "tracking_number", "action", "items", "reason", "at"}]}, oldest first
    POST /v1/approvals/AGENCY/decisions    a test, as the agency's clerk: {"tracking_number",
         "action", "items"?, "reason"?} is added to the feed (201)
    PUT  /v1/approvals/behaviour           {"down": ["public-security"] | true,
         "fail_rate": 0.2, "seed": 1, "duplicate_decisions": true,
         "reverse_decisions": true}; {} is well again

Test documents (documented in README.md, like a provider's test cards): an application
filed with a document reference

    TEST-APPROVE      is accepted, then approved
    TEST-REJECT       is accepted, then rejected (reason does_not_qualify)
    TEST-INCOMPLETE   is accepted, then sent back for ["photo", "proof-of-address"];
                      resubmitted with any document, it is approved
    (anything else)   is accepted, and waits for the clerk
"""

import json
import threading
import uuid
from datetime import UTC, datetime

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandboxes.moods import Mood

PREFIX = "/v1/approvals"
KINDS = ("application", "resubmission", "withdrawal", "lapsed", "deadline_near",
         "deadline_passed", "rectification", "decision_refused")
MISSING = ["photo", "proof-of-address"]

_URLS = Map([
    Rule(f"{PREFIX}/behaviour", endpoint="behaviour", methods=["GET", "PUT"]),
    Rule(f"{PREFIX}/<agency>/messages", endpoint="messages", methods=["GET", "POST"]),
    Rule(f"{PREFIX}/<agency>/decisions", endpoint="decisions", methods=["GET", "POST"]),
])


def _json(value, status: int = 200) -> Response:
    return Response(json.dumps(value, ensure_ascii=False), status=status,
                    mimetype="application/json")


class Approvals:
    def __init__(self, now=lambda: datetime.now(UTC)):
        self.now = now
        self.answers: dict[str, dict] = {}  # message id -> the answer it got
        self.received: dict[str, list[dict]] = {}  # by agency, in order
        self.cases: dict[str, dict] = {}  # by tracking number
        self.feed: dict[str, list[dict]] = {}  # decisions by agency, in order
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
        if self.mood.is_down(agency):
            return _json({"error": "unavailable"}, 503)(environ, start_response)
        try:
            response = getattr(self, f"_{endpoint}")(request, agency)
        except (ValueError, KeyError, TypeError, AttributeError):
            response = _json({"error": "bad_request"}, 400)
        return response(environ, start_response)

    def _behaviour(self, request):
        if request.method == "PUT" and not self.mood.put(request.get_data()):
            return _json({"error": "bad_request"}, 400)
        return _json({"behaviour": self.mood.asked})

    # -- what the hub sends ------------------------------------------------------------

    def _messages(self, request, agency):
        if request.method == "GET":
            return _json({"items": list(self.received.get(agency, []))})
        body = json.loads(request.get_data())
        message_id, kind = str(body["message_id"]), body["kind"]
        number = str(body["tracking_number"])
        if kind not in KINDS:
            return _json({"error": "unknown_kind"}, 422)
        with self.lock:
            if message_id in self.answers:
                return _json(self.answers[message_id])
            case = self.cases.get(number)
            if kind == "application":
                case = self.cases.setdefault(number, {
                    "agency": agency, "service_code": str(body["service_code"]),
                    "case_number": f"{agency[:3].upper()}-{len(self.cases) + 1:07d}",
                    "documents": list(body.get("documents", []))})
            elif case is None or case["agency"] != agency:
                return _json({"error": "no_such_case"}, 404)
            self.received.setdefault(agency, []).append({**body, "at": self._at()})
            self._decide(agency, number, kind, body)
            answer = {"message_id": message_id, "case_number": case["case_number"],
                      "received_at": self._at()}
            self.answers[message_id] = answer
        return _json(answer)

    def _decide(self, agency: str, number: str, kind: str, body: dict) -> None:
        """The test documents' decisions, made as the message arrives."""
        documents = body.get("documents") or []
        if kind == "application":
            self._add(agency, number, "accept")
            if "TEST-APPROVE" in documents:
                self._add(agency, number, "approve")
            elif "TEST-REJECT" in documents:
                self._add(agency, number, "reject", reason="does_not_qualify")
            elif "TEST-INCOMPLETE" in documents:
                self._add(agency, number, "request_corrections", items=MISSING)
        elif kind == "resubmission" and documents and \
                "TEST-INCOMPLETE" in self.cases[number]["documents"]:
            self._add(agency, number, "approve")

    # -- what the agency decides --------------------------------------------------------

    def _decisions(self, request, agency):
        if request.method == "POST":
            body = json.loads(request.get_data())
            number = str(body["tracking_number"])
            with self.lock:
                case = self.cases.get(number)
                if case is None or case["agency"] != agency:
                    return _json({"error": "no_such_case"}, 404)
                entry = self._add(agency, number, str(body["action"]),
                                  items=list(body.get("items") or []),
                                  reason=body.get("reason"))
            return _json(entry, 201)
        after = int(request.args.get("after", 0))
        items = [d for d in self.feed.get(agency, []) if d["seq"] > after]
        if self.mood.get("duplicate_decisions"):
            items = [copy for d in items for copy in (d, d)]
        if self.mood.get("reverse_decisions"):
            items.reverse()
        return _json({"items": items})

    def _add(self, agency: str, number: str, action: str, items=(), reason=None) -> dict:
        feed = self.feed.setdefault(agency, [])
        entry = {"seq": len(feed) + 1, "decision_id": str(uuid.uuid4()),
                 "tracking_number": number, "action": action, "items": list(items),
                 "reason": reason, "at": self._at()}
        feed.append(entry)
        return entry

    def _at(self) -> str:
        return self.now().isoformat()
