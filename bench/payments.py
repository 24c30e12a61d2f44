"""Paying a bill under load, and reconciling a busy day.

    python -m bench.payments journey --rate 150 --duration 60
    python -m bench.payments reconcile --orders 100000

journey: at a constant rate, a citizen (one of --citizens, each at level 2 with a
partner of its own) looks a fine up, orders it, and pays at the sandbox cashier.
Its latency is the three calls together; the order call's own latency is reported
apart (target p99 < 100 ms). For every --sample-every'th journey a second thread
follows the order to `agency_confirmed` and the `payment_succeeded` notification in
the inbox. Notification to `succeeded` is read from the order's history: the moment
the provider took the money (`paid_at`, the provider's) to the moment the order moved
(target p95 < 500 ms).

reconcile: a payments database of its own holding --orders paid orders of one city
day (a thousandth refunded in part, a thousandth missing on each side), a statement
served over HTTP like the provider's, and `cityhub reconcile`'s own code timed from
download to report (target: 100,000 orders in at most 30 s).

Results are printed and stored as JSON under bench/results/.
"""

import json
import random
import re
import subprocess
import threading
import time
import uuid
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from bench.load import Connections, percentile, run_open_loop, scenario_arguments, store
from gateway.signing import signed_headers

ORDER_P99_TARGET_MS = 100.0
NAMES = (("张三", "11010519491231002X"), ("李四", "440524188001010014"))


def signed_call(connections: Connections, app_id: str, secret: str, method: str, path: str,
                body=None, headers=None):
    """(status, JSON answer) of a call signed as the partner."""
    data = json.dumps(body).encode() if body is not None else b""
    sent = signed_headers(app_id, secret, method, path, data)
    sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    status, raw = connections.request(method, path, data, sent)
    return status, json.loads(raw) if raw else None


def citizens_at_level_2(url: str, count: int, var_dir: Path) -> list[tuple[str, str, str]]:
    """(app_id, secret, citizen_id) of `count` citizens, each of a partner of its own."""
    connections, made = Connections(url), []
    for n in range(count):
        created = json.loads(subprocess.run(
            ["cityhub", "partner", "create", f"bench-pay-{uuid.uuid4().hex[:8]}"],
            capture_output=True, text=True, check=True).stdout)
        app_id, secret = created["app_id"], created["secret"]
        call = partial(signed_call, connections, app_id, secret)
        phone = f"+86137{random.randrange(10**8):08d}"
        _, citizen = call("POST", "/v1/citizens", {"partner_user_id": f"payer-{n}",
                                                   "phone": phone, "locale": "en"})
        citizen_id = citizen["citizen_id"]
        call("POST", f"/v1/citizens/{citizen_id}/phone-verifications")
        code = _texted_code(var_dir, phone)
        call("POST", f"/v1/citizens/{citizen_id}/phone-verifications/confirm", {"code": code})
        name, id_number = NAMES[n % 2]
        status, _ = call("POST", f"/v1/citizens/{citizen_id}/real-name",
                         {"name": name, "id_number": id_number})
        assert status == 200, "the real-name check failed: is the registry sandbox up?"
        made.append((app_id, secret, citizen_id))
    return made


def _texted_code(var_dir: Path, phone: str) -> str:
    log = var_dir / "sandbox" / "sms.jsonl"
    for _ in range(100):
        if log.exists():
            for line in reversed(log.read_text(encoding="utf-8").splitlines()):
                message = json.loads(line)
                if message["to"] == phone:
                    return re.search(r"\b(\d{6})\b", message["text"]).group(1)
        time.sleep(0.1)
    raise AssertionError("no code was texted")


def journey(args) -> dict:
    payers = citizens_at_level_2(args.url, args.citizens, Path(args.var_dir))
    connections, cashier = Connections(args.url), Connections(args.sandbox_url)
    run, order_ms, followed, followers = uuid.uuid4().hex[:6], [], [], []

    def call(payer, method, path, body=None, headers=None):
        return signed_call(connections, payer[0], payer[1], method, path, body, headers)

    def follow(payer, payment_id, paid_answered):
        """The notification in the inbox, then the agency's confirmation."""
        citizen_id, deadline = payer[2], paid_answered + 60
        inbox = f"/v1/citizens/{citizen_id}/notifications?limit=100"
        visible = None
        while visible is None and time.perf_counter() < deadline:
            status, page = call(payer, "GET", inbox)
            if any(m["action"] and m["action"].get("id") == payment_id
                   and m["template_id"] == "payment_succeeded" for m in page["items"]):
                visible = time.perf_counter() - paid_answered
            else:
                time.sleep(0.05)
        path = f"/v1/citizens/{citizen_id}/payments/{payment_id}"
        while visible is not None and time.perf_counter() < deadline:
            status, order = call(payer, "GET", path)
            if status == 200 and order["status"] == "agency_confirmed":
                history = {h["to"]: h["at"] for h in order["history"]}
                followed.append((_seconds(order["paid_at"], history["succeeded"]), visible,
                                 _seconds(order["paid_at"], history["agency_confirmed"])))
                return
            time.sleep(0.1)
        followed.append(None)

    def task(index: int):
        payer = payers[index % len(payers)]
        citizen_id = payer[2]
        ticket = f"4401{run_digits}9{index:07d}"
        status, bill = call(payer, "POST", f"/v1/citizens/{citizen_id}/bills/lookup",
                            {"fee_code": "traffic-fine", "bill_number": ticket})
        if status != 200:
            return status, False, {"step": "lookup"}
        started = time.perf_counter()
        status, order = call(payer, "POST", f"/v1/citizens/{citizen_id}/payments",
                             {"bill_id": bill["bill_id"]},
                             {"Idempotency-Key": f"bench-{run}-{index}"})
        order_ms.append((time.perf_counter() - started) * 1000)
        if status != 201:
            return status, False, {"step": "order"}
        status, _ = cashier.request("POST", urlsplit(order["cashier_url"]).path,
                                    b'{"outcome": "success"}',
                                    {"Content-Type": "application/json"})
        if status != 200:
            return status, False, {"step": "cashier"}
        if index % args.sample_every == 0:
            follower = threading.Thread(target=follow, args=(
                payer, order["payment_id"], time.perf_counter()))
            follower.start()
            followers.append(follower)
        return 201, True, {}

    run_digits = f"{random.randrange(1000):03d}"
    result = run_open_loop(task, args.rate, args.duration, workers=max(48, int(args.rate / 3)))
    for follower in followers:
        follower.join()
    result.pop("outcomes")
    seen = [f for f in followed if f is not None]
    result["order_call_ms"] = _spread(order_ms)
    result["notification_to_succeeded_ms"] = _spread([f[0] * 1000 for f in seen])
    result["paid_to_notification_visible_ms"] = _spread([f[1] * 1000 for f in seen])
    result["paid_to_agency_confirmed_ms"] = _spread([f[2] * 1000 for f in seen])
    result["followed"] = {"sampled": len(followed), "never_finished": len(followed) - len(seen)}
    result["targets"] = {"journeys_per_s": 150, "order_call_p99_ms": ORDER_P99_TARGET_MS,
                         "notification_to_succeeded_p95_ms": 500}
    return {"scenario": "payments-journey", "citizens": len(payers), **result}


def _seconds(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end.replace("Z", "+00:00"))
            - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()


def _spread(values: list[float]) -> dict:
    return {"count": len(values), **{name: round(percentile(values, p), 1) if values else None
                                     for name, p in (("p50", 50), ("p95", 95), ("p99", 99),
                                                     ("max", 100))}}


def main() -> None:
    parser = scenario_arguments(__doc__, rate=150, duration=60)
    parser.add_argument("scenario", choices=("journey", "reconcile"))
    parser.add_argument("--citizens", type=int, default=10)
    parser.add_argument("--sample-every", type=int, default=20)
    parser.add_argument("--sandbox-url", default="http://127.0.0.1:8101")
    parser.add_argument("--var-dir", default="var")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--database-url", help="reconcile: a PostgreSQL database to fill "
                                               "(default: a SQLite file of its own)")
    args = parser.parse_args()
    if args.scenario == "journey":
        store(journey(args))
    else:
        from bench.reconcile import measure

        store(measure(args.orders, args.database_url))


if __name__ == "__main__":
    main()
