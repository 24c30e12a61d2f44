"""Live streams at scale: many open SSE streams on one gateway process, and how
soon a notification reaches its stream.

    python -m bench.streams --streams 1000 --rate 100 --duration 30

Registers --streams citizens, opens one signed stream for each (all on one
gateway), and measures the gateway's resident memory before and after (per idle
stream). Then makes notifications at --rate per second for random citizens
through notify's `send` RPC (as payments and appointments will), and measures
from the call to the event arriving on its stream: p50/p95/p99 and how many
never arrived. One thread reads every stream (selectors), so the client is not
what is measured. Needs `make up`.
"""

import json
import os
import random
import selectors
import socket
import subprocess
import time
import uuid
from pathlib import Path

from bench.load import Connections, percentile, scenario_arguments, store
from gateway.signing import signed_headers


def gateway_rss_kib() -> int:
    """The gateway process's resident memory (the largest of the processes whose
    command line names it: the others are the shells that started it)."""
    pids = subprocess.run(["pgrep", "-f", "cityhub run gateway"], capture_output=True,
                          text=True).stdout.split()
    sizes = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]))
    return max(sizes)


def register(url, app_id, secret, count: int) -> list[str]:
    connections, run, ids = Connections(url), uuid.uuid4().hex[:8], []
    for n in range(count):
        body = json.dumps({"partner_user_id": f"sse-{run}-{n}", "phone": "+8613800000000",
                           "locale": "en"}).encode()
        headers = signed_headers(app_id, secret, "POST", "/v1/citizens", body)
        headers["Content-Type"] = "application/json"
        status, raw = connections.request("POST", "/v1/citizens", body, headers)
        assert status == 201, raw
        ids.append(json.loads(raw)["citizen_id"])
    return ids


class Streams:
    """Every citizen's stream on its own socket, read by one selector."""

    def __init__(self, host: str, port: int, app_id: str, secret: str):
        self.host, self.port, self.app_id, self.secret = host, port, app_id, secret
        self.selector = selectors.DefaultSelector()
        self.buffers: dict[socket.socket, bytes] = {}
        self.arrived: dict[str, float] = {}  # notification id -> when it came
        self.ended = 0  # streams the gateway ended

    def open(self, citizen_id: str) -> None:
        path = f"/v1/citizens/{citizen_id}/notifications/stream"
        headers = signed_headers(self.app_id, self.secret, "GET", path)
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: text/event-stream\r\n"
        request += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        sock = socket.create_connection((self.host, self.port), timeout=10)
        sock.sendall(request.encode())
        head = b""
        while b"retry: 2000" not in head:  # subscribed: what happens now, it gets
            chunk = sock.recv(4096)
            assert chunk, "the gateway closed a stream"
            head += chunk
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
        sock.setblocking(False)
        self.buffers[sock] = b""
        self.selector.register(sock, selectors.EVENT_READ)

    def poll(self, timeout: float) -> None:
        for key, _ in self.selector.select(timeout):
            sock = key.fileobj
            try:
                chunk = sock.recv(65536)
            except BlockingIOError:
                continue
            now = time.perf_counter()
            if not chunk:
                self.selector.unregister(sock)
                self.ended += 1
                continue
            data = self.buffers[sock] + chunk
            *lines, self.buffers[sock] = data.split(b"\n")
            for line in lines:
                if line.startswith(b"id: "):
                    self.arrived.setdefault(line[4:].decode().strip(), now)

    def close(self) -> None:
        for sock in list(self.buffers):
            sock.close()


def make_notifications(amqp_uri: str, citizens: list[str], rate: float, duration: float,
                       streams: Streams) -> dict[str, float]:
    """Notification id -> when its send was asked, at `rate` per second, reading the
    streams in between."""
    from nameko.standalone.rpc import ClusterRpcProxy

    asked: dict[str, float] = {}
    run = uuid.uuid4().hex[:8]
    with ClusterRpcProxy({"AMQP_URI": amqp_uri, "serializer": "json"}, timeout=10) as cluster:
        start = time.perf_counter()
        for n in range(int(rate * duration)):
            due = start + n / rate
            while (wait := due - time.perf_counter()) > 0:
                streams.poll(min(wait, 0.005))
            at = time.perf_counter()
            answer = cluster.notify.send(f"bench-sse-{run}-{n}", random.choice(citizens),
                                         "level_reached", {"level": 1})
            asked[answer["notification_id"]] = at
    return asked


def main() -> None:
    parser = scenario_arguments(__doc__, rate=100, duration=30)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--amqp-uri", default=os.environ.get(
        "CITYHUB_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    args = parser.parse_args()
    host, port = args.url.split("//")[1].split(":")
    citizens = register(args.url, args.app_id, args.secret, args.streams)
    time.sleep(2)  # their welcomes have gone out: not what is measured
    before = gateway_rss_kib()
    streams = Streams(host, int(port), args.app_id, args.secret)
    for citizen_id in citizens:
        streams.open(citizen_id)
    time.sleep(3)
    after = gateway_rss_kib()
    asked = make_notifications(args.amqp_uri, citizens, args.rate, args.duration, streams)
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and not set(asked) <= set(streams.arrived):
        streams.poll(0.05)
    streams.close()
    latencies = [streams.arrived[n] - t for n, t in asked.items() if n in streams.arrived]
    report = {
        "scenario": "streams", "open_streams": args.streams,
        "offered_events_per_s": args.rate, "duration_s": args.duration,
        "events": len(asked), "never_arrived": len(set(asked) - set(streams.arrived)),
        "streams_ended_by_the_gateway": streams.ended,
        "event_to_stream_ms": {
            name: round(percentile(latencies, p) * 1000, 1) if latencies else None
            for name, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))},
        "gateway_rss_mib": {"before_streams": round(before / 1024, 1),
                            "with_streams_idle": round(after / 1024, 1)},
        "gateway_kib_per_idle_stream": round((after - before) / args.streams, 1),
    }
    store(report)


if __name__ == "__main__":
    main()
