"""A busy day reconciled: `cityhub reconcile`'s own code over --orders paid orders.

    python -m bench.payments reconcile --orders 100000 [--database-url URL]

Builds a payments database of its own (SQLite under a temporary directory, as `make
up` runs, or the PostgreSQL database named), fills one city day with paid orders and
their ledger entries, a thousandth of them refunded in part, serves the provider's
statement of that day over HTTP, and times the match from download to report. A
hundred orders are planted on each side only, a hundred with another amount and a
hundred unconfirmed by their agency, so the answer can be checked as well as timed.
"""

import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from chassis.db import StandaloneDatabase
from chassis.migrations import upgrade
from chassis.settings import DEV_PROVIDER_PUBLIC_KEY, get_settings
from services.payments.adapters import HttpProvider
from services.payments.domain.provider import yuan
from services.payments.models import LedgerEntry, Outbox, Payment, Refund
from services.payments.seed import seed
from services.payments.use_cases.ordering import Terms
from services.payments.use_cases.reconciling import reconcile

DAY = date(2026, 11, 24)
PLANTED = 100  # of each kind of mismatch
TARGET_SECONDS = 30.0


def measure(orders: int, database_url: str | None = None) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="cityhub-reconcile-"))
    url = database_url or f"sqlite:///{workdir / 'payments.db'}"
    upgrade("services.payments", url)
    database = StandaloneDatabase("payments", url, Outbox)
    with database.sessionmaker.begin() as session:
        seed(session)
    filled = time.perf_counter()
    statement = _fill(database, orders)
    filled = time.perf_counter() - filled
    server = _serve(workdir, statement)
    try:
        provider = HttpProvider(f"http://127.0.0.1:{server.port}",
                                DEV_PROVIDER_PUBLIC_KEY, timeout=10)
        started = time.perf_counter()
        summary = reconcile(database.unit_of_work(), provider, Terms(get_settings()), DAY,
                            workdir / "reports", datetime.now(UTC))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        database.close()
    return {"scenario": "payments-reconcile", "orders": orders,
            "database": "PostgreSQL" if url.startswith("postgresql") else "SQLite",
            "seconds": round(elapsed, 2), "target_seconds": TARGET_SECONDS,
            "orders_per_s": round(orders / elapsed), "fill_seconds": round(filled, 1),
            "mismatches": summary["mismatches"],
            "mismatches_expected": {kind: PLANTED for kind in (
                "missing_in_ledger", "missing_at_provider", "amount_differs",
                "unconfirmed_by_agency")},
            "statement_lines": summary["provider_lines"],
            # The planted lines are orders the hub never made: none can be settled.
            "settled": summary["settled"], "need_a_person": summary["need_a_person"]}


def _fill(database, orders: int) -> str:
    """The day's orders in the database; the provider's statement of the same day."""
    noon = datetime(DAY.year, DAY.month, DAY.day, 4, 0, tzinfo=UTC)  # 12:00 city time
    lines = ["trade_no,out_trade_no,type,out_request_no,amount,time"]
    payments, entries, refunds = [], [], []
    for n in range(orders):
        pid, at = str(uuid.uuid4()), noon + timedelta(microseconds=n * 100)
        amount = 1000 + n % 50_000
        unconfirmed = n < PLANTED
        payments.append({
            "id": pid, "citizen_id": "c", "partner_id": "p", "fee_code": "traffic-fine",
            "agency": "traffic-police", "amount_cents": amount, "currency": "CNY",
            "status": "succeeded" if unconfirmed else "agency_confirmed", "created_at": at,
            "paid_at": at, "queries_made": 0, "confirm_attempts": 0, "refunded_cents": 0,
            "agency_confirmation": None if unconfirmed else f"C{n}",
            "next_confirm_at": at if unconfirmed else None})
        entries += [{"movement": f"{pid}:paid", "payment_id": pid, "account": account,
                     "amount_cents": sign * amount, "at": at}
                    for account, sign in (("citizen", -1), ("provider_clearing", 1))]
        if PLANTED <= n < 2 * PLANTED:
            continue  # missing at the provider
        told = amount + 1 if 2 * PLANTED <= n < 3 * PLANTED else amount
        lines.append(f"T{n},{pid},payment,,{yuan(told)},{at.isoformat()}")
        if n % 1000 == 999:
            number = f"r-{pid}"
            refunds.append({"id": str(uuid.uuid4()), "payment_id": pid, "request_no": number,
                            "amount_cents": 100, "reason": "ops", "requested_by": "ops",
                            "status": "succeeded", "created_at": at, "attempts": 0,
                            "done_at": at})
            lines.append(f"T{n},{pid},refund,{number},{yuan(100)},{at.isoformat()}")
    for n in range(PLANTED):  # money the provider moved that we never booked
        lines.append(f"X{n},{uuid.uuid4()},payment,,{yuan(500)},{noon.isoformat()}")
    with database.engine.begin() as connection:
        for table, rows in ((Payment, payments), (LedgerEntry, entries), (Refund, refunds)):
            for at in range(0, len(rows), 5000):
                connection.execute(insert(table), rows[at:at + 5000])
    return "\n".join(lines) + "\n"


def _serve(workdir: Path, statement: str) -> subprocess.Popen:
    """The statement where the provider serves it, by a web server of its own process
    (a server thread here was starved while the match waited on its answer)."""
    path = workdir / "www" / "v1" / "provider" / "statements" / f"{DAY.isoformat()}.csv"
    path.parent.mkdir(parents=True)
    path.write_text(statement)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                               "127.0.0.1", "--directory", str(workdir / "www")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server.port = port
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.05)
    raise AssertionError("the statement server did not start")
