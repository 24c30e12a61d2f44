"""The citizen's overview and the public progress query under load.

    python -m bench.hub overview --rate 300 --duration 30
    python -m bench.hub overview --rate 300 --duration 30 --pause payments
    python -m bench.hub progress --rate 100 --duration 30

overview: at a constant rate, GET /v1/citizens/{id}/overview for one of --citizens
citizens (each at level 1; the answer gathers five services). Target: at least 300/s
with p99 under 100 ms. With --pause NAME the named service's process is frozen
(SIGSTOP, as a hung process is) for the run and thawed after: every answer must still
come, with that section `unavailable`, within the section deadline (0.25 s); the run
reports how many answers were complete and how many marked the service unavailable.

progress: at a constant rate, POST /v1/progress (unsigned) for one of --matters
tracking numbers with its phone, each request from its own loopback address (any
127.x.y.z is this machine), as a crowd of citizens asking: the per-address and
per-number limits (30 and 10 a minute) are part of what is measured, so the run has
enough numbers and addresses for none to be refused. The matters are written straight
into matters' database first (setup, not measured), with the blind index of their phone
as `make up`'s settings compute it.

Needs `make up` (SQLite, or PostgreSQL with CITYHUB_MATTERS_DATABASE_URL).
Results are printed and stored as JSON under bench/results/.
"""

import http.client
import json
import math
import os
import signal
import subprocess
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import create_engine

from bench.appointments import citizens_at_level_1
from bench.load import Connections, run_open_loop, scenario_arguments, store
from bench.payments import signed_call

OVERVIEW_P99_TARGET_MS = 100.0
PER_ADDRESS, PER_NUMBER = 25, 8  # a minute, under the default limits (30, 10)


def overview(args) -> dict:
    citizens = citizens_at_level_1(args.url, args.citizens, Path(args.var_dir), args.app_id,
                                   args.secret)
    connections = Connections(args.url)
    unavailable = {"complete": 0, "sections": {}}
    lock = threading.Lock()

    def task(index: int):
        citizen_id = citizens[index % len(citizens)]
        status, body = signed_call(connections, args.app_id, args.secret, "GET",
                                   f"/v1/citizens/{citizen_id}/overview")
        if status == 200:
            with lock:
                unavailable["complete"] += body["complete"]
                for name, section in body.items():
                    if isinstance(section, dict) and section.get("status") == "unavailable":
                        unavailable["sections"][name] = unavailable["sections"].get(name, 0) + 1
        return status, status == 200, {}

    paused = _pids(args.pause) if args.pause else []
    for pid in paused:
        os.kill(pid, signal.SIGSTOP)
    try:
        result = run_open_loop(task, args.rate, args.duration,
                               workers=max(64, int(args.rate / 2)))
    finally:
        for pid in paused:
            os.kill(pid, signal.SIGCONT)
    result.pop("outcomes")
    result["answers_complete"] = unavailable["complete"]
    result["sections_unavailable"] = unavailable["sections"]
    result["paused"] = args.pause
    result["targets"] = {"per_s": 300, "p99_ms": OVERVIEW_P99_TARGET_MS}
    scenario = f"hub-overview{'-' + args.pause + '-paused' if args.pause else ''}"
    return {"scenario": scenario, "citizens": len(citizens), **result}


def _pids(name: str) -> list[int]:
    """The processes of `cityhub run NAME` (the python child, not a shell around it)."""
    found = subprocess.run(["pgrep", "-f", f"cityhub run {name}$"], capture_output=True,
                           text=True).stdout.split()
    if not found:
        raise SystemExit(f"no `cityhub run {name}` process is running")
    return [int(pid) for pid in found]


def progress(args) -> dict:
    needed = math.ceil(args.rate * 60 / PER_NUMBER)
    numbers = _matters(Path(args.var_dir), max(args.matters, needed))
    addresses = max(1, math.ceil(args.rate * 60 / PER_ADDRESS))
    parts = urlsplit(args.url)

    def task(index: int):
        number, phone = numbers[index % len(numbers)]
        at = index % addresses
        source = f"127.{10 + at // 62500}.{at // 250 % 250}.{at % 250 + 1}"
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30,
                                                source_address=(source, 0))
        try:
            connection.request("POST", "/v1/progress",
                               json.dumps({"tracking_number": number, "phone": phone}),
                               {"Content-Type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            return answer.status, answer.status == 200, {}
        finally:
            connection.close()

    result = run_open_loop(task, args.rate, args.duration,
                           workers=max(64, int(args.rate / 2)))
    result.pop("outcomes")
    return {"scenario": "hub-progress", "matters": len(numbers), "addresses": addresses,
            **result}


def _matters(var_dir: Path, count: int) -> list[tuple[str, str]]:
    """`count` open applications, each filed with a phone of its own, written straight
    into matters' database through its tables: (tracking number, phone). Numbers take
    a prefix no earlier run took, so runs never collide."""
    from sqlalchemy import insert, select

    from chassis.crypto import FieldCipher
    from chassis.settings import get_settings
    from services.matters.models import Matter, MatterStep

    settings = get_settings()
    cipher = FieldCipher(settings.data_keys, settings.blind_index_key)
    url = os.environ.get("CITYHUB_MATTERS_DATABASE_URL") or f"sqlite:///{var_dir}/matters.db"
    engine = create_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        taken = {n[:2] for n in connection.scalars(select(Matter.tracking_number))}
        prefix = next(a + b for a in "BCDEFHJKLMNPQRSTUVWXY" for b in "ABCDEFGHJKLMNPQRSTUVWXYZ"
                      if a + b not in taken)
        made, matters, steps = [], [], []
        for n in range(1, count + 1):
            phone, matter_id = f"+86137{uuid.uuid4().int % 10**8:08d}", str(uuid.uuid4())
            matters.append({
                "id": matter_id, "tracking_number": f"{prefix}-{now:%Y%m%d}-{n:06d}",
                "citizen_id": str(uuid.uuid4()), "partner_id": "bench", "kind": "application",
                "service_code": "household-registration-certificate", "state": "in_review",
                "due_at": now + timedelta(days=7), "corrections": None, "documents": [],
                "opened_at": now, "closed_at": None,
                "phone_index": cipher.blind_index(phone, "matter.phone")})
            steps += [{"matter_id": matter_id, "position": 1, "at": now, "action": "apply",
                       "by": "citizen", "from_state": None, "to_state": "submitted",
                       "detail": {}},
                      {"matter_id": matter_id, "position": 2, "at": now, "action": "accept",
                       "by": "agency", "from_state": "submitted", "to_state": "in_review",
                       "detail": {}}]
            made.append((matters[-1]["tracking_number"], phone))
        connection.execute(insert(Matter.__table__), matters)
        connection.execute(insert(MatterStep.__table__), steps)
    engine.dispose()
    return made


def main() -> None:
    parser = scenario_arguments(__doc__, rate=300, duration=30)
    parser.add_argument("scenario", choices=("overview", "progress"))
    parser.add_argument("--citizens", type=int, default=300)
    parser.add_argument("--matters", type=int, default=1000)
    parser.add_argument("--pause", help="overview: freeze this service for the run "
                                        "(payments, appointments, matters, notify)")
    parser.add_argument("--var-dir", default="var")
    args = parser.parse_args()
    store(overview(args) if args.scenario == "overview" else progress(args))


if __name__ == "__main__":
    main()
