"""A stand-in for the SMS gateway, spoken to over HTTP on loopback.

    POST /v1/sms   {"to": "+86...", "text": "..."}
    202 {"message_id": "..."}
    503 {"error": "unavailable"}    for the outage test number below

What it was asked to send is kept, like a real gateway's delivery log, in its
own file (var/sandbox/sms.jsonl); `cityhub sandbox sms PHONE` prints it.

Test numbers (documented in README.md):
    +8613000000503   the gateway answers 503 (an outage)
    any other E.164 number: accepted and logged
"""

import json
import time
import uuid
from pathlib import Path

from werkzeug.wrappers import Request, Response

OUTAGE_NUMBER = "+8613000000503"


def log_file(data_dir: Path) -> Path:
    return data_dir / "sms.jsonl"


def make_app(data_dir: Path):
    data_dir.mkdir(parents=True, exist_ok=True)

    def app(environ, start_response):
        request = Request(environ)
        try:
            body = json.loads(request.get_data())
            to, text = str(body["to"]), str(body["text"])
        except (ValueError, KeyError, TypeError):
            return Response('{"error": "bad_request"}', status=400,
                            mimetype="application/json")(environ, start_response)
        if to == OUTAGE_NUMBER:
            return Response('{"error": "unavailable"}', status=503,
                            mimetype="application/json")(environ, start_response)
        message = {"message_id": uuid.uuid4().hex, "to": to, "text": text,
                   "sent_at": time.time()}
        with log_file(data_dir).open("a", encoding="utf-8") as log:
            log.write(json.dumps(message, ensure_ascii=False) + "\n")
        return Response(json.dumps({"message_id": message["message_id"]}), status=202,
                        mimetype="application/json")(environ, start_response)

    return app


def messages_to(data_dir: Path, phone: str) -> list[dict]:
    """What the sandbox was asked to send to `phone`, oldest first."""
    path = log_file(data_dir)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [m for m in map(json.loads, lines) if m["to"] == phone]
