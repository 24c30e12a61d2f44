"""`cityhub reconcile --date`: the provider's statement of a city day against our
ledger and the agencies' write-offs (the rules of matching: domain/reconciliation.py).

What the hub can settle by itself, it settles: money the provider moved that we had
not booked is asked about at the provider and its answer applied as any other (a
payment on an order that had ended is refunded in full, once), and a refund the
provider made that we had not booked is sent again under its request number, which
books it. Every mismatch becomes a `payment.reconciliation_mismatch` event and a line in
the day's report, saying whether it was settled; the summary counts what still needs
a person.
"""

import csv
import io
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

from contracts.events import PaymentReconciliationMismatch
from contracts.time import CITY_TIME
from services.payments import repository
from services.payments.domain.provider import fen
from services.payments.domain.reconciliation import (
    MISSING_IN_LEDGER,
    PAYMENT,
    REFUND,
    Line,
    match,
)
from services.payments.use_cases import upkeep

CHUNK = 1000  # ids per IN (...) query: well under every database's parameter limit


def city_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=CITY_TIME)
    return start, start + timedelta(days=1)


def reconcile(uow, provider, terms, day: date, report_dir: Path, now: datetime,
              progress=lambda n: None) -> dict:
    """Match the day and settle what can be; `progress(n)` is told of each n lines
    handled (a progress bar)."""
    theirs = _statement(provider.statement(day.isoformat()), progress)
    start, end = city_day_bounds(day)
    with uow.read() as session:
        paid = repository.paid_between(session, start, end)
        refunded = repository.refunds_done_between(session, start, end)
        payment_keys = {k for kind, k in theirs if kind == PAYMENT} - set(paid)
        refund_keys = {k for kind, k in theirs if kind == REFUND} - set(refunded)
        for chunk in _chunks(sorted(payment_keys)):
            paid.update(repository.paid_by_ids(session, chunk))
        for chunk in _chunks(sorted(refund_keys)):
            refunded.update(repository.refunds_by_request_nos(session, chunk))
        progress(len(paid) + len(refunded))
    ours = {(PAYMENT, order_id): Line(PAYMENT, order_id, order_id, row.amount_cents)
            for order_id, row in paid.items()}
    ours.update({(REFUND, number): Line(REFUND, number, row.payment_id, row.amount_cents)
                 for number, row in refunded.items()})
    day_ours = ({(PAYMENT, i) for i, row in paid.items() if start <= row.paid_at < end}
                | {(REFUND, n) for n, row in refunded.items() if start <= row.done_at < end})
    awaiting = {i for i, row in paid.items()
                if row.agency_confirmation is None and row.next_confirm_at is not None}
    mismatches = match(theirs, ours, set(theirs), day_ours, awaiting)
    outcomes = [_settle(uow, provider, terms, m, now) for m in mismatches]
    _publish(uow, day, mismatches, outcomes)
    report = _write_report(report_dir, day, mismatches, outcomes)
    settled = sum(1 for done, _ in outcomes if done)
    return {"day": day.isoformat(), "provider_lines": len(theirs), "ledger_lines": len(ours),
            "mismatches": dict(Counter(m.kind for m in mismatches)), "settled": settled,
            "need_a_person": len(mismatches) - settled, "report": str(report)}


def _settle(uow, provider, terms, mismatch, now: datetime) -> tuple[bool, str]:
    """(settled, what was done or why a person is needed) for one mismatch."""
    if mismatch.kind != MISSING_IN_LEDGER:
        return False, "for a person (docs/operations.md, Reconciliation)"
    if mismatch.line == PAYMENT:
        answer = upkeep.ask_about(uow, provider, terms, mismatch.order_id, now,
                                  "reconciliation")
        with uow.read() as session:
            booked = repository.paid_by_ids(session, [mismatch.order_id])
        if mismatch.order_id in booked:
            return True, "asked the provider: booked (paid after its order ended: refunded)"
        return False, f"asked the provider: {answer}"
    with uow.read() as session:
        refund = repository.refund_by_request_no(session, mismatch.key)
    if refund is None:
        return False, "a refund we never asked for"
    upkeep.send_refund(uow, provider, refund.id, now)
    with uow.read() as session:
        if mismatch.key in repository.refunds_by_request_nos(session, [mismatch.key]):
            return True, "sent again under its request number: booked"
    return False, "sent again under its request number: the provider did not confirm it"


def _statement(text: str, progress) -> dict[tuple[str, str], Line]:
    lines = {}
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), 1):
        if row["type"] == "payment":
            line = Line(PAYMENT, row["out_trade_no"], row["out_trade_no"], fen(row["amount"]))
        else:
            line = Line(REFUND, row["out_request_no"], row["out_trade_no"], fen(row["amount"]))
        lines[(line.kind, line.key)] = line
        if number % 10_000 == 0:
            progress(10_000)
    progress(len(lines) % 10_000)
    return lines


def _publish(uow, day: date, mismatches, outcomes) -> None:
    for chunk in _chunks(list(zip(mismatches, outcomes, strict=True))):
        with uow.transaction():
            for m, (settled, _) in chunk:
                uow.publish(PaymentReconciliationMismatch(
                    day=day.isoformat(), kind=m.kind, line=m.line, key=m.key,
                    payment_id=m.order_id, provider_amount_cents=m.provider_amount,
                    ledger_amount_cents=m.ledger_amount, settled=settled))


def _write_report(report_dir: Path, day: date, mismatches, outcomes) -> Path:
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / f"reconciliation-{day.isoformat()}.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["kind", "line", "key", "payment_id", "provider_amount_cents",
                         "ledger_amount_cents", "settled", "what_was_done"])
        for m, (settled, done) in zip(mismatches, outcomes, strict=True):
            writer.writerow([m.kind, m.line, m.key, m.order_id, m.provider_amount,
                             m.ledger_amount, "yes" if settled else "no", done])
    return path


def _chunks(items):
    items = list(items)
    for at in range(0, len(items), CHUNK):
        yield items[at:at + CHUNK]
