"""Instructions one process spends per registration, counted by valgrind's callgrind.

    python -m bench.instructions identity --registrations 200

Wall-clock CPU on a shared virtual machine moves by tens of percent between
identical runs; an instruction count moves by well under one percent, so it can
tell a 5 % improvement from noise. It counts user-space instructions only (the
kernel's share, about a tenth here, is not in it), and the process under
valgrind runs some 50 times slower, so the requests go one at a time.

It runs its own platform in a temporary directory on the `make up` ports, so
stop `make up` first. The process under test runs under callgrind with counting
off; after a warm-up, counting is switched on for the measured registrations,
each followed (sequentially) until its welcome message is in the inbox.
"""

import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.load import Connections
from cityhub.deployables import DEPLOYABLES
from gateway.signing import signed_headers

URL = "http://127.0.0.1:8000"
APP_ID, SECRET = "sandbox", "sandbox-secret"
PROCESSES = list(DEPLOYABLES)


def cityhub(*args) -> list[str]:
    return [str(Path(sys.executable).parent / "cityhub"), *args]


def wait_ready(timeout: float = 600) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{URL}/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit("the platform did not become ready")


def journey(connections: Connections, notify_db: Path, run: str, index: int) -> None:
    """Register a citizen, wait for the welcome, then read the inbox once.

    The wait looks in notify's database file, not through the platform, so that
    every journey makes exactly the same requests however slow valgrind is.
    """
    body = json.dumps({"partner_user_id": f"ins-{run}-{index}", "phone": "+8613800000000",
                       "locale": "en"}).encode()
    headers = signed_headers(APP_ID, SECRET, "POST", "/v1/citizens", body)
    headers["Content-Type"] = "application/json"
    status, raw = connections.request("POST", "/v1/citizens", body, headers)
    if status != 201:
        raise SystemExit(f"registration failed: {status} {raw[:200]!r}")
    citizen_id = json.loads(raw)["citizen_id"]
    for _ in range(3000):
        with sqlite3.connect(notify_db) as db:
            if db.execute("SELECT 1 FROM notifications WHERE citizen_id = ?",
                          (citizen_id,)).fetchone():
                break
        time.sleep(0.01)
    else:
        raise SystemExit("no welcome message within 30 s")
    path = f"/v1/citizens/{citizen_id}/notifications"
    status, raw = connections.request("GET", path, b"",
                                      signed_headers(APP_ID, SECRET, "GET", path))
    if status != 200 or not json.loads(raw)["items"]:
        raise SystemExit(f"the inbox did not show the welcome: {status}")


def total_instructions(dump: Path) -> int:
    text = dump.read_text(errors="replace")
    match = re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)
    if match is None:
        raise SystemExit(f"no instruction total in {dump}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("process", choices=PROCESSES)
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--scenario", choices=("journey", "healthz"), default="journey",
                        help="healthz: only GET /healthz, the HTTP stack's own cost")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cityhub-instructions-"))
    print(f"working in {workdir}", file=sys.stderr)
    env = {**os.environ, "CITYHUB_VAR_DIR": str(workdir), "CITYHUB_LOG_LEVEL": "WARNING",
           "PYTHONHASHSEED": "0"}
    for step in (["migrate"], ["topology"], ["seed"]):
        subprocess.run(cityhub(*step), env=env, check=True, capture_output=True)
    out_file = workdir / "callgrind.out"
    children = [subprocess.Popen(cityhub("sandbox", "serve"), env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    # Each process's log (JSON lines) goes to the work directory, for when a run fails.
    measured = None
    for name in PROCESSES:
        command = cityhub("run", name)
        if name == args.process:
            command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                       f"--callgrind-out-file={out_file}", *command]
        log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        child = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        children.append(child)
        if name == args.process:
            measured = child
    try:
        wait_ready()
        connections = Connections(URL)
        run = f"{int(time.time())}"
        notify_db = workdir / "notify.db"

        def step(index):
            if args.scenario == "healthz":
                connections.request("GET", "/healthz", b"", {})
            else:
                journey(connections, notify_db, run, index)

        for index in range(args.warmup):
            step(index)
        subprocess.run(["callgrind_control", "-i", "on", str(measured.pid)], check=True,
                       capture_output=True)
        started = time.time()
        for index in range(args.warmup, args.warmup + args.registrations):
            step(index)
        elapsed = time.time() - started
        # The dump holds what was counted since counting was switched on.
        subprocess.run(["callgrind_control", "-d", str(measured.pid)], check=True,
                       capture_output=True)
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
    instructions = total_instructions(min(workdir.glob("callgrind.out.*")))
    print(json.dumps({
        "process": args.process,
        "scenario": args.scenario,
        "registrations": args.registrations,
        "instructions_per_registration": round(instructions / args.registrations),
        "seconds_under_valgrind": round(elapsed, 1),
    }))


if __name__ == "__main__":
    main()
