"""Booking visits under load, and the 07:00 rush.

    python -m bench.appointments hold-book --rate 300 --duration 30
    python -m bench.appointments rush --crowd 5000 --places 200

hold-book: at a constant rate, a citizen (one of --citizens, each at level 1) holds a
place of a service-hall slot and books it: two signed calls, measured apart and
together (target: at least 300/s sustained, p99 under 100 ms, 0 overbookings). The
halls' open slots are given --places-per-slot places first (in the appointments
database, as an agency adding 号源 would), so that the run does not run out of them;
each citizen books a different department or day each time (one per department per
day is the rule).

rush: --crowd citizens ask at once for the --places places of the next hall slot to
open, the instant it opens: the sandbox clock (`cityhub clock`) is set a few seconds
before its release, and every hold is due within --spread seconds of it. Each held
place is then booked (targets: exactly --places booked, every other answer a clear
`fully_booked`, p99 of the answers under 1 s, places granted in arrival order, which
is reported as how many of the first --places to arrive got one).

Both count overbookings afterwards in the database: slots with more taken than
places, or whose count differs from their active appointments.

Needs `make up` (SQLite, or PostgreSQL with CITYHUB_APPOINTMENTS_DATABASE_URL).
Results are printed and stored as JSON under bench/results/.
"""

import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.load import Connections, percentile, run_open_loop, scenario_arguments, store
from bench.payments import signed_call

HALLS = ("hall-tianhe", "hall-haizhu")
HOLD_BOOK_P99_TARGET_MS, RUSH_P99_TARGET_MS = 100.0, 1000.0


def citizens_at_level_1(url: str, count: int, var_dir: Path, app_id: str,
                        secret: str) -> list[str]:
    """`count` citizens of the partner with confirmed phones (setup, not measured)."""
    connections, run = Connections(url), uuid.uuid4().hex[:6]
    phones = [f"+86139{n:08d}" for n in random.sample(range(10**8), count)]  # none twice

    def register(n: int) -> tuple[str, str]:
        _, made = signed_call(connections, app_id, secret, "POST", "/v1/citizens",
                              {"partner_user_id": f"visitor-{run}-{n}", "phone": phones[n],
                               "locale": "en"})
        citizen_id = made["citizen_id"]
        signed_call(connections, app_id, secret, "POST",
                    f"/v1/citizens/{citizen_id}/phone-verifications")
        return citizen_id, phones[n]

    with ThreadPoolExecutor(max_workers=16) as pool:
        made = list(pool.map(register, range(count)))
    codes = _texted_codes(var_dir, {phone for _, phone in made})

    def confirm(pair) -> str:
        citizen_id, phone = pair
        status, _ = signed_call(connections, app_id, secret, "POST",
                                f"/v1/citizens/{citizen_id}/phone-verifications/confirm",
                                {"code": codes[phone]})
        assert status == 200, f"confirming a phone answered {status}"
        return citizen_id

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(confirm, made))


def _texted_codes(var_dir: Path, phones: set[str]) -> dict[str, str]:
    """The last code texted to each phone, read once from the SMS sandbox's log."""
    log, codes = var_dir / "sandbox" / "sms.jsonl", {}
    for _ in range(100):
        if log.exists():
            for line in log.read_text(encoding="utf-8").splitlines():
                message = json.loads(line)
                if message["to"] in phones:
                    codes[message["to"]] = re.search(r"\b(\d{6})\b", message["text"]).group(1)
        if len(codes) == len(phones):
            return codes
        time.sleep(0.2)
    raise AssertionError(f"{len(phones) - len(codes)} codes were never texted")


def _engine(var_dir: Path):
    url = os.environ.get("CITYHUB_APPOINTMENTS_DATABASE_URL",
                         f"sqlite:///{var_dir / 'appointments.db'}")
    return create_engine(url)


def overbookings(engine) -> dict:
    with engine.connect() as connection:
        over = connection.execute(text(
            "SELECT count(*) FROM slots WHERE taken > places")).scalar()
        uncounted = connection.execute(text(
            "SELECT count(*) FROM slots s WHERE taken <> (SELECT count(*) FROM appointments a "
            "WHERE a.slot_id = s.id AND a.status <> 'cancelled')")).scalar()
    return {"slots_over_their_places": over, "slots_miscounted": uncounted}


def open_hall_slots(url: str, app_id: str, secret: str) -> dict[tuple[str, str], list[str]]:
    """The halls' released slots starting in more than an hour, by (department, day)."""
    connections, found = Connections(url), {}
    today = datetime.now(UTC).date()
    soon = datetime.now(UTC) + timedelta(hours=1)
    for hall in HALLS:
        _, listed = signed_call(connections, app_id, secret, "GET",
                                f"/v1/institutions/{hall}/slots?from={today}"
                                f"&to={today + timedelta(days=16)}")
        for slot in listed["items"]:
            if slot["released"] and datetime.fromisoformat(slot["start"]) > soon:
                found.setdefault((slot["department_id"], slot["day"]), []).append(
                    slot["slot_id"])
    return found


def hold_book(args) -> dict:
    var_dir = Path(args.var_dir)
    engine = _engine(var_dir)
    with engine.begin() as connection:
        connection.execute(text("UPDATE slots SET places = :places WHERE department_id LIKE "
                                "'hall-%' AND places < :places"),
                           {"places": args.places_per_slot})
    citizens = citizens_at_level_1(args.url, args.citizens, var_dir, args.app_id, args.secret)
    by_day = open_hall_slots(args.url, args.app_id, args.secret)
    days = sorted(by_day)
    if args.rate * args.duration > len(citizens) * len(days):
        raise SystemExit(f"{len(citizens)} citizens x {len(days)} department-days cannot "
                         f"take {int(args.rate * args.duration)} bookings: more --citizens")
    connections = Connections(args.url)
    hold_ms, book_ms = [], []

    def call(method, path, body=None):
        return signed_call(connections, args.app_id, args.secret, method, path, body)

    def task(index: int):
        citizen_id = citizens[index % len(citizens)]
        # Each citizen goes through the department-days in turn: never two on one.
        slot_id = random.choice(by_day[days[(index // len(citizens)) % len(days)]])
        started = time.perf_counter()
        status, held = call("POST", f"/v1/citizens/{citizen_id}/holds", {"slot_id": slot_id})
        hold_ms.append((time.perf_counter() - started) * 1000)
        if status != 201:
            return status, False, {"step": "hold", "code": (held or {}).get("error", {})}
        started = time.perf_counter()
        status, _ = call("POST", f"/v1/citizens/{citizen_id}/appointments",
                         {"hold_id": held["hold_id"]})
        book_ms.append((time.perf_counter() - started) * 1000)
        return status, status == 201, {"step": "book"}

    result = run_open_loop(task, args.rate, args.duration,
                           workers=max(64, int(args.rate / 2)))
    outcomes = result.pop("outcomes")
    result["refused"] = _codes(outcomes)
    result["hold_call_ms"] = _spread(hold_ms)
    result["book_call_ms"] = _spread(book_ms)
    result["overbookings"] = overbookings(engine)
    result["targets"] = {"per_s": 300, "p99_ms": HOLD_BOOK_P99_TARGET_MS, "overbookings": 0}
    return {"scenario": "appointments-hold-book", "citizens": len(citizens), **result}


def rush(args) -> dict:
    var_dir = Path(args.var_dir)
    engine = _engine(var_dir)
    citizens = citizens_at_level_1(args.url, args.crowd, var_dir, args.app_id, args.secret)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        # The next hall slot to open that no rush has had (the sandbox clock is put
        # back after each), given all the places of this one.
        slot_id, opens_at = connection.execute(text(
            "SELECT id, opens_at FROM slots WHERE department_id LIKE 'hall-%' AND "
            "opens_at > :now AND taken = 0 ORDER BY opens_at, start LIMIT 1"),
            {"now": now}).one()
        connection.execute(text("UPDATE slots SET places = :places WHERE id = :id"),
                           {"places": args.places, "id": slot_id})
    opens_at = _aware(opens_at)
    lead = 3.0  # seconds from setting the clock to the release
    _clock("set", (opens_at - timedelta(seconds=lead)).isoformat())
    release = time.perf_counter() + lead
    connections = Connections(args.url)
    answers: list[tuple[float, int, float, str]] = []  # (due, status, latency, hold id)
    lock = threading.Lock()

    def ask(index: int, due: float):
        citizen_id = citizens[index]
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        status, held = signed_call(connections, args.app_id, args.secret, "POST",
                                   f"/v1/citizens/{citizen_id}/holds", {"slot_id": slot_id})
        latency = time.perf_counter() - due
        code = held["hold_id"] if status == 201 else held["error"]["code"]
        with lock:
            answers.append((due, status, latency, code))
        if status == 201:
            signed_call(connections, args.app_id, args.secret, "POST",
                        f"/v1/citizens/{citizen_id}/appointments",
                        {"hold_id": held["hold_id"]})

    # A small margin after the release, so that no ask is early by the services' clock
    # (each reads the sandbox clock's offset every 0.2 s).
    start = release + 0.3
    dues = sorted(start + random.random() * args.spread for _ in range(args.crowd))
    try:
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            for index, due in enumerate(dues):
                pool.submit(ask, index, due)
    finally:
        _clock("reset")
    statuses: dict[str, int] = {}
    for _, status, _, code in answers:
        key = "held" if status == 201 else code
        statuses[key] = statuses.get(key, 0) + 1
    by_arrival = sorted(answers)
    first = by_arrival[:args.places]
    with engine.connect() as connection:
        booked = connection.execute(text(
            "SELECT count(*) FROM appointments WHERE slot_id = :id AND status = 'booked'"),
            {"id": slot_id}).scalar()
    latencies = [a[2] for a in answers]
    return {
        "scenario": "appointments-rush", "crowd": args.crowd, "places": args.places,
        "spread_s": args.spread, "answers": statuses, "booked": booked,
        "first_to_arrive_who_got_a_place": sum(1 for a in first if a[1] == 201),
        "answer_ms": {name: round(percentile(latencies, p) * 1000, 1)
                      for name, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))},
        "overbookings": overbookings(engine),
        "targets": {"booked": args.places, "p99_ms": RUSH_P99_TARGET_MS,
                    "every_other_answer": "fully_booked"},
    }


def _clock(*args: str) -> None:
    # The command beside this Python: the bench's virtualenv need not be on PATH.
    subprocess.run([Path(sys.executable).parent / "cityhub", "clock", *args], check=True,
                   capture_output=True)


def _aware(moment) -> datetime:
    moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _codes(outcomes) -> dict:
    counted: dict[str, int] = {}
    for outcome in outcomes:
        if not outcome.ok:
            key = f"{outcome.extra.get('step')}:{outcome.status}"
            counted[key] = counted.get(key, 0) + 1
    return counted


def _spread(values: list[float]) -> dict:
    return {"count": len(values), **{name: round(percentile(values, p), 1) if values else None
                                     for name, p in (("p50", 50), ("p95", 95), ("p99", 99),
                                                     ("max", 100))}}


def main() -> None:
    parser = scenario_arguments(__doc__, rate=300, duration=30)
    parser.add_argument("scenario", choices=("hold-book", "rush"))
    parser.add_argument("--citizens", type=int, default=400)
    parser.add_argument("--places-per-slot", type=int, default=200)
    parser.add_argument("--crowd", type=int, default=5000)
    parser.add_argument("--places", type=int, default=200)
    parser.add_argument("--spread", type=float, default=3.0,
                        help="rush: the asks are due within this many seconds of the release")
    parser.add_argument("--workers", type=int, default=400)
    parser.add_argument("--var-dir", default="var")
    args = parser.parse_args()
    store(hold_book(args) if args.scenario == "hold-book" else rush(args))


if __name__ == "__main__":
    main()
