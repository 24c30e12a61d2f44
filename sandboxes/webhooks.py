"""A partner's webhook receiver, for tests and for partners trying the sandbox.

Register `http://127.0.0.1:8101/v1/webhook-receiver/NAME` as the endpoint (any
NAME you like), then:

    GET    /v1/webhook-receiver/NAME            what it received, oldest first
    GET    /v1/webhook-receiver/NAME/summary    how many, and how many distinct ids taken
    DELETE /v1/webhook-receiver/NAME            forget it all
    PUT    /v1/webhook-receiver/NAME/behaviour  {"status": 503, "delay_seconds": 0,
                                                 "times": 3, "secret": "whsec_..."}

`status` answers that status instead of 200; `delay_seconds` waits before
answering (longer than the hub's timeout is a timeout); `times` applies them to
the next N deliveries only (null: until changed). With `secret` it checks each
signature as a partner must, answers 400 to a bad one, and records whether each
one was valid. Every delivery is recorded, whatever the answer.

Test names (documented in README.md), with no behaviour to set:
    fail-NNN      always answers NNN (fail-503, fail-429, fail-410 ...)
    slow-MS       answers 200 after MS milliseconds
    timeout       answers after 60 s, which no endpoint timeout waits for
"""

import hashlib
import hmac
import json
import re
import threading
import time
from collections import defaultdict, deque

from werkzeug.wrappers import Request, Response

PREFIX = "/v1/webhook-receiver/"
KEEP = 200_000  # deliveries remembered per name
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def signature_valid(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """A partner's check of `CityHub-Signature: t=...,v1=...` (docs/api.md)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))


def _json(value, status: int = 200) -> Response:
    return Response(json.dumps(value, ensure_ascii=False), status=status,
                    mimetype="application/json")


def _built_in(name: str) -> dict:
    if match := re.fullmatch(r"fail-([1-5][0-9][0-9])", name):
        return {"status": int(match.group(1))}
    if match := re.fullmatch(r"slow-([0-9]{1,6})", name):
        return {"delay_seconds": int(match.group(1)) / 1000}
    if name == "timeout":
        return {"delay_seconds": 60.0}
    return {}


class Receivers:
    def __init__(self):
        self.received: dict[str, deque] = defaultdict(lambda: deque(maxlen=KEEP))
        self.behaviour: dict[str, dict] = {}
        self.lock = threading.Lock()

    def app(self, environ, start_response):
        request = Request(environ)
        name, _, rest = request.path[len(PREFIX):].partition("/")
        if not _NAME.match(name) or rest not in ("", "behaviour", "summary"):
            return Response(status=404)(environ, start_response)
        if rest == "behaviour" and request.method == "PUT":
            response = self.set_behaviour(name, request.get_data())
        elif rest == "behaviour":
            response = Response(status=405, headers={"Allow": "PUT"})
        elif rest == "summary":
            response = _json(self.summary(name))
        elif request.method == "POST":
            response = self.receive(name, request)
        elif request.method == "GET":
            response = _json({"received": list(self.received[name]),
                              "behaviour": self.behaviour.get(name, _built_in(name))})
        elif request.method == "DELETE":
            self.received.pop(name, None)
            self.behaviour.pop(name, None)
            response = Response(status=204)
        else:
            response = Response(status=405, headers={"Allow": "GET, POST, DELETE"})
        return response(environ, start_response)

    def summary(self, name: str) -> dict:
        records = list(self.received[name])
        taken = [r for r in records if r["answered"] < 300]
        return {"received": len(records), "taken": len(taken),
                "distinct_taken": len({r["event_id"] for r in taken}),
                "last_taken_at": max((r["received_at"] for r in taken), default=None)}

    def set_behaviour(self, name: str, data: bytes) -> Response:
        try:
            behaviour = json.loads(data)
            assert isinstance(behaviour, dict)
            assert set(behaviour) <= {"status", "delay_seconds", "times", "secret"}
        except (ValueError, AssertionError):
            return _json({"error": "expected {status, delay_seconds, times, secret}"}, 400)
        self.behaviour[name] = behaviour
        return _json(behaviour)

    def receive(self, name: str, request: Request) -> Response:
        body = request.get_data()
        behaviour = self._next_behaviour(name)
        record = {"event_id": request.headers.get("CityHub-Event-Id"),
                  "sequence": request.headers.get("CityHub-Sequence", type=int),
                  "attempt": request.headers.get("CityHub-Delivery-Attempt", type=int),
                  "received_at": time.time(), "answered": 200}
        try:
            record["body"] = json.loads(body)
        except ValueError:
            record["body"] = None
        secret = behaviour.get("secret")
        if secret is not None:
            record["signature_valid"] = signature_valid(
                secret, request.headers.get("CityHub-Signature", ""), body)
        if secret is not None and not record["signature_valid"]:
            record["answered"] = 400
        elif behaviour.get("status"):
            record["answered"] = int(behaviour["status"])
        self.received[name].append(record)  # received, even if the answer comes too late
        if behaviour.get("delay_seconds"):
            time.sleep(float(behaviour["delay_seconds"]))
        return _json({"received": record["answered"] < 300}, record["answered"])

    def _next_behaviour(self, name: str) -> dict:
        with self.lock:
            behaviour = self.behaviour.get(name)
            if behaviour is None:
                return _built_in(name)
            if behaviour.get("times") is not None:
                if behaviour["times"] <= 0:
                    return {"secret": behaviour["secret"]} if "secret" in behaviour else {}
                behaviour["times"] -= 1
            return dict(behaviour)
