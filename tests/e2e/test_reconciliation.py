"""`cityhub reconcile`: the day's statement against the ledger and the agencies, every
mismatch an event and a line in the day's report."""

import csv
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.time import city_day
from tests.e2e.test_payments import ordered_bill, pay, reaches
from tests.e2e.test_real_name import citizen_at_level_2
from tests.fixtures.platform import BIN
from tests.fixtures.waiting import eventually

pytestmark = pytest.mark.e2e


def reconcile(platform, day: str):
    return subprocess.run([BIN / "cityhub", "reconcile", "--date", day], env=platform.env,
                          capture_output=True, text=True, timeout=300)


def test_reconciliation_reports_what_the_three_sides_disagree_on(platform):
    citizen = citizen_at_level_2(platform)
    agreed = ordered_bill(platform, citizen)
    pay(platform, agreed)
    reaches(platform, citizen, agreed["payment_id"], "agency_confirmed")
    # Money the provider took that we never heard of: no notification, no janitor.
    unheard = ordered_bill(platform, citizen)
    platform.execute("payments", "UPDATE payments SET next_check_at = :later WHERE id = :p",
                     later=datetime(2099, 1, 1, tzinfo=UTC), p=unheard["payment_id"])
    platform.provider_behaves(drop_rate=1.0)
    pay(platform, unheard)
    platform.provider_behaves()
    # A payment the traffic police have not confirmed: they went down.
    unconfirmed = ordered_bill(platform, citizen)
    platform.sandbox("PUT", "/v1/agencies/behaviour", {"down": ["traffic-police"]})
    try:
        pay(platform, unconfirmed)
        reaches(platform, citizen, unconfirmed["payment_id"], "succeeded")
        done = reconcile(platform, city_day(datetime.now(UTC)).isoformat())
    finally:
        platform.sandbox("PUT", "/v1/agencies/behaviour", {})
    assert done.returncode == 1, done.stderr  # a mismatch needs a person
    summary = json.loads(done.stdout)
    assert "reconcile" in done.stderr  # the progress bar
    with Path(summary["report"]).open() as report:
        found = {(row["kind"], row["payment_id"]): row["settled"]
                 for row in csv.DictReader(report)}
    # The money we had not booked is asked about and booked at once; the agency's
    # silence is for a person.
    assert found[("missing_in_ledger", unheard["payment_id"])] == "yes"
    assert found[("unconfirmed_by_agency", unconfirmed["payment_id"])] == "no"
    assert not [kind for kind, pid in found if pid == agreed["payment_id"]]
    reaches(platform, citizen, unheard["payment_id"], "agency_confirmed")
    outbox = eventually(lambda: platform.scalar(
        "payments", "SELECT count(*) FROM outbox WHERE routing_key = "
                    "'payment.reconciliation_mismatch' AND sent_at IS NOT NULL") or None)
    assert outbox >= 2


def test_a_day_without_payments_reconciles_clean_and_a_bad_date_is_refused(platform):
    done = reconcile(platform, "2001-01-01")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["mismatches"] == {}
    refused = reconcile(platform, "yesterday")
    assert refused.returncode == 1 and "YYYY-MM-DD" in refused.stderr
