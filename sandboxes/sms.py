"""A stand-in for the SMS gateway, spoken to over HTTP on loopback.

    POST /v1/sms   {"to": "+86...", "text": "...", "reference": "...", "callback_url": "..."}
    202 {"message_id": "..."}
    503 {"error": "unavailable"}    for the outage test number below

What it was asked to send is kept, like a real gateway's delivery log, in its
own file (var/sandbox/sms.jsonl); `cityhub sandbox sms PHONE` prints it.

With a `reference` (the sender's own id for the text) the gateway behaves like a
carrier's: the same reference again is the same message, sent once, and a
delivery receipt is posted to `callback_url` a moment later, signed with
HMAC-SHA256 of its body (hex, header X-Receipt-Signature) under the callback
secret: {"reference", "message_id", "status"}, status as CMPP/SMPP spell it.

A test can make the gateway flaky, as carriers' gateways are:

    PUT /v1/sms/behaviour {"fail_rate": 0.3, "slow_rate": 0.1, "slow_seconds": 4,
                           "seed": 7}

answers 503 to that share of sends (sending nothing), and answers that share
only after `slow_seconds` (having sent it: the sender's timeout is then a lie,
and only the reference keeps its retry from texting twice); `seed` makes the
draws repeatable. The answer, and GET on the same path, count the sends it
failed and slowed since. {} is reliable again.

Test numbers (documented in README.md):
    +8613000000503   the gateway answers 503 (an outage)
    +8613000000400   the gateway answers 400 (it refuses the number)
    +8613000000408   accepted; the receipt says EXPIRED (phone off: a temporary failure)
    +8613000000404   accepted; the receipt says UNDELIV (no such subscriber: permanent)
    any other E.164 number: accepted, logged, and the receipt says DELIVRD
"""

import hashlib
import hmac
import json
import random
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from werkzeug.wrappers import Request, Response

OUTAGE_NUMBER = "+8613000000503"
REFUSED_NUMBER = "+8613000000400"
RECEIPTS = {"+8613000000408": "EXPIRED", "+8613000000404": "UNDELIV"}
RECEIPT_DELAY_SECONDS = 0.2


def log_file(data_dir: Path) -> Path:
    return data_dir / "sms.jsonl"


def _json(value, status: int) -> Response:
    return Response(json.dumps(value), status=status, mimetype="application/json")


def make_app(data_dir: Path, callback_secret: str = ""):
    data_dir.mkdir(parents=True, exist_ok=True)
    by_reference: dict[str, str] = {}
    behaviour: dict = {}
    lock = threading.Lock()

    def app(environ, start_response):
        request = Request(environ)
        if request.path.endswith("/behaviour"):
            if request.method == "PUT":
                try:
                    asked = json.loads(request.get_data() or b"{}")
                    assert isinstance(asked, dict)
                except (ValueError, AssertionError):
                    return _json({"error": "bad_request"}, 400)(environ, start_response)
                behaviour.clear()
                behaviour.update(asked, failed=0, slowed=0,
                                 draws=random.Random(asked.get("seed")))
            return _json({k: v for k, v in behaviour.items() if k != "draws"}, 200)(
                environ, start_response)
        draws = behaviour.get("draws") or random
        if draws.random() < float(behaviour.get("fail_rate", 0)):
            behaviour["failed"] += 1
            return _json({"error": "unavailable"}, 503)(environ, start_response)
        slow = draws.random() < float(behaviour.get("slow_rate", 0))
        if slow:
            behaviour["slowed"] += 1
        try:
            body = json.loads(request.get_data())
            to, text = str(body["to"]), str(body["text"])
            reference, callback_url = body.get("reference"), body.get("callback_url")
        except (ValueError, KeyError, TypeError):
            return _json({"error": "bad_request"}, 400)(environ, start_response)
        if to == OUTAGE_NUMBER:
            return _json({"error": "unavailable"}, 503)(environ, start_response)
        if to == REFUSED_NUMBER:
            return _json({"error": "invalid_number"}, 400)(environ, start_response)
        with lock:
            if reference is not None and reference in by_reference:
                return _json({"message_id": by_reference[reference]}, 202)(
                    environ, start_response)
            message = {"message_id": uuid.uuid4().hex, "to": to, "text": text,
                       "sent_at": time.time()}
            if reference is not None:
                by_reference[reference] = message["message_id"]
            with log_file(data_dir).open("a", encoding="utf-8") as log:
                log.write(json.dumps(message, ensure_ascii=False) + "\n")
        if reference is not None and callback_url:
            receipt = {"reference": reference, "message_id": message["message_id"],
                       "status": RECEIPTS.get(to, "DELIVRD")}
            threading.Thread(target=_send_receipt, daemon=True,
                             args=(callback_url, receipt, callback_secret)).start()
        if slow:
            time.sleep(float(behaviour.get("slow_seconds", 4)))
        return _json({"message_id": message["message_id"]}, 202)(environ, start_response)

    return app


def _send_receipt(url: str, receipt: dict, secret: str) -> None:
    """Like a carrier: a moment later, and again a few times if the hub does not answer."""
    body = json.dumps(receipt).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    for wait in (RECEIPT_DELAY_SECONDS, 1, 5, 30):
        time.sleep(wait)
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Receipt-Signature": signature})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            continue


def messages_to(data_dir: Path, phone: str) -> list[dict]:
    """What the sandbox was asked to send to `phone`, oldest first."""
    path = log_file(data_dir)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [m for m in map(json.loads, lines) if m["to"] == phone]
