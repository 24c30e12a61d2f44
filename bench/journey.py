"""The citizen journey under load: a signed registration, then the welcome message.

    python -m bench.journey --rate 100 --duration 60
    python -m bench.journey --find-max

Registration latency is from the request's due time to its response. For a
sample of registrations a second thread polls the inbox every 20 ms and
records how long the welcome took to become visible after the POST answered
(polling after 20 ms, then backing off to every 200 ms).
Results are printed and stored as JSON under bench/results/.
"""

import json
import threading
import time
import uuid

from bench.load import Connections, percentile, run_open_loop, scenario_arguments, store
from gateway.signing import signed_headers

SUSTAINABLE_P99_MS = 100.0
POLL_FIRST_SECONDS = 0.02
POLL_MAX_SECONDS = 0.2


def journey_task(connections: Connections, app_id: str, secret: str, run: str,
                 sample_every: int, visibility: list, pollers: list):
    def poll_welcome(citizen_id: str, answered: float):
        path = f"/v1/citizens/{citizen_id}/notifications"
        deadline = answered + 10
        pause = POLL_FIRST_SECONDS
        while time.perf_counter() < deadline:
            headers = signed_headers(app_id, secret, "GET", path)
            status, body = connections.request("GET", path, b"", headers)
            if status == 200 and json.loads(body)["items"]:
                visibility.append(time.perf_counter() - answered)
                return
            # Back off like a real client: polling a slow platform every 20 ms
            # would add the most load exactly when it can least take it.
            time.sleep(pause)
            pause = min(pause * 2, POLL_MAX_SECONDS)
        visibility.append(None)

    def task(index: int):
        body = json.dumps({"partner_user_id": f"bench-{run}-{index}",
                           "phone": "+8613800000000", "locale": "en"}).encode()
        headers = signed_headers(app_id, secret, "POST", "/v1/citizens", body)
        headers["Content-Type"] = "application/json"
        status, raw = connections.request("POST", "/v1/citizens", body, headers)
        answered = time.perf_counter()
        ok = status == 201
        if ok and index % sample_every == 0:
            citizen_id = json.loads(raw)["citizen_id"]
            poller = threading.Thread(target=poll_welcome, args=(citizen_id, answered))
            poller.start()
            pollers.append(poller)
        return status, ok, {}

    return task


def measure(url: str, app_id: str, secret: str, rate: float, duration: float,
            sample_every: int) -> dict:
    connections = Connections(url)
    visibility: list = []
    pollers: list = []
    task = journey_task(connections, app_id, secret, uuid.uuid4().hex[:8], sample_every,
                        visibility, pollers)
    result = run_open_loop(task, rate, duration, workers=max(32, int(rate / 4)))
    for poller in pollers:
        poller.join()
    result.pop("outcomes")
    seen = [v for v in visibility if v is not None]
    result["welcome_visible_ms"] = {
        "sampled": len(visibility), "never_seen": len(visibility) - len(seen),
        **{name: round(percentile(seen, p) * 1000, 1) if seen else None
           for name, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))},
    }
    result["sustainable"] = (result["errors"] == 0 and result["latency_ms"]["p99"] is not None
                             and result["latency_ms"]["p99"] < SUSTAINABLE_P99_MS)
    return result


def main() -> None:
    parser = scenario_arguments(__doc__, rate=100, duration=60)
    parser.add_argument("--sample-every", type=int, default=20,
                        help="follow every Nth registration to its welcome message")
    parser.add_argument("--find-max", action="store_true",
                        help="step the rate up until it is no longer sustainable")
    parser.add_argument("--step-duration", type=float, default=20)
    args = parser.parse_args()

    runs = []
    if args.find_max:
        for rate in (100, 150, 200, 250, 300, 350, 400, 500, 600):
            result = measure(args.url, args.app_id, args.secret, rate, args.step_duration,
                             args.sample_every)
            runs.append(result)
            print(json.dumps(result))
            if not result["sustainable"]:
                break
        best = max((r["offered_rate"] for r in runs if r["sustainable"]), default=None)
        report = {"scenario": "journey-find-max", "highest_sustainable_rate": best,
                  "criterion": f"no errors and p99 < {SUSTAINABLE_P99_MS:g} ms", "runs": runs}
    else:
        result = measure(args.url, args.app_id, args.secret, args.rate, args.duration,
                         args.sample_every)
        report = {"scenario": "journey", **result}
    store(report)


if __name__ == "__main__":
    main()
