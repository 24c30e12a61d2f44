"""Webhook deliveries to a partner's endpoint (the sandbox receiver on loopback).

    python -m bench.webhooks --rate 200 --duration 30       # sustained delivery
    python -m bench.webhooks --outage 300 --outage-rate 50  # backlog after an outage

Each event is a citizen registration through the gateway (open loop, at --rate),
whose welcome notification notify delivers to a new partner's endpoint. The
sustained run reports deliveries per second and the lag from the registration's
answer to the endpoint receiving its delivery. The outage run makes the endpoint
answer 503 for --outage seconds while events keep coming at --outage-rate, then
lets it answer 200 again and reports how long the backlog took to drain (including
the wait for the next probe under the endpoint's backoff). Needs `make up` (the
gateway and the sandboxes) and the `cityhub` command with the same settings.
"""

import json
import subprocess
import threading
import time
import urllib.request
import uuid

from bench.load import Connections, percentile, run_open_loop, scenario_arguments, store
from gateway.signing import signed_headers

SANDBOX = "http://127.0.0.1:8101/v1/webhook-receiver"


def http_json(method: str, url: str, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def new_partner_with_endpoint(connections: Connections, receiver: str) -> tuple[str, str]:
    created = json.loads(subprocess.run(
        ["cityhub", "partner", "create", f"bench-{receiver}"], check=True,
        capture_output=True, text=True).stdout)
    app_id, secret = created["app_id"], created["secret"]
    body = json.dumps({"url": f"{SANDBOX}/{receiver}", "categories": ["account"]}).encode()
    headers = signed_headers(app_id, secret, "PUT", "/v1/partner/webhook", body)
    headers["Content-Type"] = "application/json"
    status, answer = connections.request("PUT", "/v1/partner/webhook", body, headers)
    assert status == 201, answer
    return app_id, secret


def registrations(connections, app_id, secret, answered_at: dict):
    def task(index: int):
        body = json.dumps({"partner_user_id": f"wh-{uuid.uuid4().hex[:12]}",
                           "phone": "+8613800000000", "locale": "en"}).encode()
        headers = signed_headers(app_id, secret, "POST", "/v1/citizens", body)
        headers["Content-Type"] = "application/json"
        status, raw = connections.request("POST", "/v1/citizens", body, headers)
        if status == 201:
            answered_at[json.loads(raw)["citizen_id"]] = time.time()
        return status, status == 201, {}

    return task


def wait_for(receiver: str, count: int, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        summary = http_json("GET", f"{SANDBOX}/{receiver}/summary")
        if summary["distinct_taken"] >= count or time.monotonic() > deadline:
            return summary
        time.sleep(0.2)


def lag_report(receiver: str, answered_at: dict) -> dict:
    records = http_json("GET", f"{SANDBOX}/{receiver}")["received"]
    first_taken = {}
    for record in records:
        if record["answered"] < 300 and record["event_id"] not in first_taken:
            first_taken[record["event_id"]] = record
    lags = [r["received_at"] - answered_at[r["body"]["citizen_id"]]
            for r in first_taken.values() if r["body"]["citizen_id"] in answered_at]
    times = sorted(r["received_at"] for r in first_taken.values())
    span = times[-1] - times[0] if len(times) > 1 else 0
    return {
        "events": len(answered_at), "delivered": len(first_taken),
        "lost": len(answered_at) - len(first_taken),
        "doubled": sum(1 for r in records if r["answered"] < 300) - len(first_taken),
        "deliveries_per_s": round(len(times) / span, 1) if span else None,
        "lag_ms": {name: round(percentile(lags, p) * 1000, 1) if lags else None
                   for name, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))},
    }


def sustained(args) -> dict:
    connections = Connections(args.url)
    receiver = f"bench-{uuid.uuid4().hex[:8]}"
    app_id, secret = new_partner_with_endpoint(connections, receiver)
    answered_at: dict = {}
    load = run_open_loop(registrations(connections, app_id, secret, answered_at),
                         args.rate, args.duration, workers=max(32, int(args.rate / 4)))
    load.pop("outcomes")
    wait_for(receiver, len(answered_at), timeout=120)
    return {"scenario": "webhooks-sustained", "offered_events_per_s": args.rate,
            "registration": {k: load[k] for k in ("requests", "errors", "latency_ms")},
            **lag_report(receiver, answered_at)}


def outage(args) -> dict:
    connections = Connections(args.url)
    receiver = f"bench-{uuid.uuid4().hex[:8]}"
    app_id, secret = new_partner_with_endpoint(connections, receiver)
    http_json("PUT", f"{SANDBOX}/{receiver}/behaviour", {"status": 503})
    answered_at: dict = {}
    task = registrations(connections, app_id, secret, answered_at)
    load = run_open_loop(task, args.outage_rate, args.outage, workers=32)
    load.pop("outcomes")
    before = http_json("GET", f"{SANDBOX}/{receiver}/summary")
    back = time.time()
    http_json("PUT", f"{SANDBOX}/{receiver}/behaviour", {})
    done = wait_for(receiver, len(answered_at), timeout=args.outage + 1200)
    records = http_json("GET", f"{SANDBOX}/{receiver}")["received"]
    first_ok = min(r["received_at"] for r in records if r["answered"] < 300)
    report = lag_report(receiver, answered_at)
    return {"scenario": "webhooks-outage", "outage_s": args.outage,
            "events_per_s": args.outage_rate, "registration_errors": load["errors"],
            "attempts_during_outage": before["received"],
            "backlog_at_recovery": len(answered_at),
            "first_delivery_after_recovery_s": round(first_ok - back, 1),
            "drain_after_recovery_s": round(done["last_taken_at"] - back, 1),
            "drain_after_first_delivery_s": round(done["last_taken_at"] - first_ok, 1),
            **{k: report[k] for k in ("delivered", "lost", "doubled", "deliveries_per_s")}}


def main() -> None:
    parser = scenario_arguments(__doc__, rate=200, duration=30)
    parser.add_argument("--outage", type=float, default=0,
                        help="seconds the endpoint answers 503 (0: the sustained run)")
    parser.add_argument("--outage-rate", type=float, default=50)
    args = parser.parse_args()
    report = outage(args) if args.outage else sustained(args)
    store(report)


if __name__ == "__main__":
    threading.stack_size(512 * 1024)
    main()
