"""Scale-out: the journey and hold + book benches on 1 and 2 gateways and 1 and 2
replicas of every service, one layout after another in one sitting.

    python -m bench.scale_out                      # the four layouts, 30 s a bench
    python -m bench.scale_out --layouts 1x1 2x2 --journey-rate 150

A layout `RxG` is R replicas of each service and G gateway processes (on one port,
SO_REUSEPORT). Each gets a fresh `make up` (deploy/local-up.sh) on PostgreSQL, since a
second replica of a service needs it, with its databases made anew, so no layout
inherits another's rows. Then, at the same offered rates in every layout, the journey
bench (bench/journey.py) and the hold + book bench (bench/appointments.py), each with
the platform's CPU per journey summed over every process of each kind (bench/load.py).

The machine has two cores, so a second process adds no capacity here: what the table
shows is what a replica costs in CPU and latency, and whether work queues behind one
process (a p99 that falls with a second replica would say so). Results are stored in
bench/results/ as `…-scale-out.json`; bench/README.md has the figures.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.load import store
from tests.fixtures.servers import recreate_databases

ROOT = Path(__file__).resolve().parents[1]
LAYOUTS = ("1x1", "1x2", "2x1", "2x2")
READY_SECONDS = 180


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layouts", nargs="+", default=LAYOUTS)
    parser.add_argument("--journey-rate", type=float, default=100)
    # Below what two cores book on PostgreSQL (about 60/s): a saturated run would
    # compare queues, not layouts.
    parser.add_argument("--hold-book-rate", type=float, default=40)
    parser.add_argument("--duration", type=float, default=30)
    args = parser.parse_args()
    layouts = []
    for layout in args.layouts:
        replicas, gateways = (int(n) for n in layout.split("x"))
        layouts.append({"layout": layout, "replicas_of_each_service": replicas,
                        "gateway_processes": gateways,
                        **measure(replicas, gateways, args)})
        print(json.dumps(layouts[-1]), flush=True)
    store({"scenario": "scale-out", "databases": "PostgreSQL", "journey_rate": args.journey_rate,
           "hold_book_rate": args.hold_book_rate, "duration_s": args.duration,
           "layouts": layouts})


def measure(replicas: int, gateways: int, args) -> dict:
    var_dir = ROOT / "var" / "scale-out"
    env = {key: value for key, value in os.environ.items() if not key.startswith("CITYHUB_")}
    env |= {"CITYHUB_REPLICAS": str(replicas), "CITYHUB_GATEWAY_PROCESSES": str(gateways),
            "CITYHUB_VAR_DIR": str(var_dir),
            **{f"CITYHUB_{name.upper()}_DATABASE_URL": url
               for name, url in recreate_databases("cityhub_bench").items()},
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    up = subprocess.Popen([str(ROOT / "deploy" / "local-up.sh")], env=env, cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          start_new_session=True)
    try:
        ready()
        bench(env, "bench.journey", "--rate", "50", "--duration", "10", keep=False)  # warm
        journey = bench(env, "bench.journey", "--rate", str(args.journey_rate),
                        "--duration", str(args.duration))
        hold_book = bench(env, "bench.appointments", "hold-book", "--rate",
                          str(args.hold_book_rate), "--duration", str(args.duration),
                          "--var-dir", str(var_dir))
    finally:
        os.killpg(up.pid, signal.SIGINT)  # as Ctrl-C on make up
        try:
            up.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
    return {"journey": summary(journey), "hold_book": summary(hold_book)}


def ready() -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen("http://127.0.0.1:8000/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass  # not up yet
        time.sleep(1)
    raise SystemExit(f"make up was not ready within {READY_SECONDS} s")


def bench(env: dict, module: str, *args: str, keep: bool = True) -> dict:
    """Run one bench; the report it stored (removed again unless `keep`)."""
    done = subprocess.run([sys.executable, "-m", module, *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    stored = ROOT / done.stdout.strip().splitlines()[-1].removeprefix("stored ")
    report = json.loads(stored.read_text())
    if not keep:
        stored.unlink()
    return report


def summary(report: dict) -> dict:
    return {"throughput_per_s": report["throughput_per_s"], "errors": report["errors"],
            "latency_ms": report["latency_ms"],
            "cpu_ms_per_journey": report["platform_cpu_ms_per_request"]}


if __name__ == "__main__":
    main()
