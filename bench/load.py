"""An open-loop load generator: requests leave on a fixed schedule.

A closed loop (send, wait, send) slows down when the server does and hides the
queueing a real crowd of users would see. Here request i is due at
start + i / rate whatever happened before it, and its latency is measured from
that due time, so a stall shows up in the percentiles instead of vanishing.
"""

import argparse
import http.client
import os
import queue
import resource
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class Outcome:
    due: float
    latency: float
    ok: bool
    status: int
    extra: dict = field(default_factory=dict)


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class Connections:
    """One keep-alive HTTP connection per worker thread."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.local = threading.local()

    def request(self, method: str, path: str, body: bytes, headers: dict):
        for attempt in (1, 2):
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = self.local.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=30)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.HTTPException):
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


# Processes whose CPU a run reports, by what their command line says they are.
PLATFORM_PROCESSES = {"cityhub run ": None, "cityhub sandbox": "sandbox",
                      "beam.smp": "rabbitmq", "redis-server": "redis", "postgres": "postgresql"}


def platform_cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by each of the platform's processes on this machine, by
    deployable (every process of a kind summed), read from /proc (Linux)."""
    ticks, used = os.sysconf("SC_CLK_TCK"), {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # it ended while we looked
        for marker, name in PLATFORM_PROCESSES.items():
            if marker in command:
                name = name or command.partition(marker)[2].split()[0]
                # utime and stime: fields 14 and 15 of stat, 12 and 13 after the name
                used[name] = used.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
                break
    return used


def cpu_ms_per(before: dict[str, float], after: dict[str, float], count: int) -> dict:
    """Each process's CPU milliseconds per `count` (a request, a journey) between two
    readings of platform_cpu_seconds(), and their total."""
    spent = {name: round(1000 * (after[name] - before.get(name, 0.0)) / max(count, 1), 2)
             for name in sorted(after)}
    return {**spent, "total": round(sum(spent.values()), 2)}


def run_open_loop(task, rate: float, duration: float, workers: int = 64) -> dict:
    """Call task(i) -> Outcome-ish dict at `rate` per second for `duration` seconds."""
    total = int(rate * duration)
    due_queue: queue.Queue = queue.Queue()
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def worker():
        while True:
            item = due_queue.get()
            if item is None:
                return
            index, due = item
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                status, ok, extra = task(index)
            except Exception as exc:  # noqa: BLE001 - an error is a measured outcome
                status, ok, extra = 0, False, {"error": type(exc).__name__}
            outcome = Outcome(due, time.perf_counter() - due, ok, status, extra)
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    platform_before = platform_cpu_seconds()
    start = time.perf_counter() + 0.2
    for index in range(total):
        due_queue.put((index, start + index / rate))
    for _ in threads:
        due_queue.put(None)
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    platform_after = platform_cpu_seconds()
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)

    latencies = [o.latency for o in outcomes if o.ok]
    errors = [o for o in outcomes if not o.ok]
    finished_by = max((o.due + o.latency for o in outcomes), default=start) - start
    return {
        "offered_rate": rate,
        "duration_s": duration,
        "requests": len(outcomes),
        "errors": len(errors),
        "error_statuses": sorted({o.status for o in errors}),
        "throughput_per_s": round(len(latencies) / max(finished_by, duration), 1),
        "latency_ms": {name: round(percentile(latencies, p) * 1000, 1) if latencies else None
                       for name, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))},
        "generator_cpu_percent_of_one_core": round(100 * cpu / elapsed, 1),
        "platform_cpu_ms_per_request": cpu_ms_per(platform_before, platform_after,
                                                  len(outcomes)),
        "outcomes": outcomes,
    }


def scenario_arguments(doc: str, rate: float, duration: float) -> argparse.ArgumentParser:
    """The options every scenario takes: where the gateway is, as whom, how hard."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--app-id", default="sandbox")
    parser.add_argument("--secret", default=os.environ.get("CITYHUB_SANDBOX_SECRET",
                                                           "sandbox-secret"))
    parser.add_argument("--rate", type=float, default=rate)
    parser.add_argument("--duration", type=float, default=duration)
    return parser


def store(report: dict) -> None:
    """Stamp the report with the machine and the time, print it and keep it under
    bench/results/, named by that time and its scenario."""
    import json
    import platform
    from datetime import UTC, datetime
    from pathlib import Path

    report["environment"] = {
        "machine": platform.machine(), "cpus": os.cpu_count(),
        "python": platform.python_version(),
        # A driver of other benches (bench/scale_out.py) says what it ran them on.
        "databases": report.pop("databases", None) or (
            "PostgreSQL" if os.environ.get("CITYHUB_IDENTITY_DATABASE_URL")
            else "SQLite (make up default)")}
    report["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    name = f"{report['measured_at'][:19].replace(':', '')}-{report['scenario']}.json"
    (results / name).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=2))
    print(f"stored bench/results/{name}")
