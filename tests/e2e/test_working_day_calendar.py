"""Ops keep the working-day calendar with `cityhub holidays`: the holiday notice's days
come with `cityhub seed`, and a day ops set stays theirs."""

import json
import subprocess

import pytest

from tests.fixtures.platform import BIN

pytestmark = pytest.mark.e2e


def days(platform, year: int) -> dict[str, dict]:
    return {d["day"]: d for d in json.loads(platform.cli("holidays", "list", "--year",
                                                          str(year)))}


def test_the_notice_days_are_listed_with_the_weekend_days_worked_for_them(platform):
    listed = days(platform, 2026)
    assert listed["2026-10-01"]["working"] is False
    assert listed["2026-09-20"] == {"day": "2026-09-20", "working": True,
                                    "name": "国庆节调休 worked for National Day",
                                    "set_by": "notice"}
    assert "2026-10-03" not in listed  # a Saturday is off without being set


def test_a_day_ops_set_stays_through_a_new_seed_until_cleared(platform):
    platform.cli("holidays", "set", "2027-02-11", "--off", "--name", "春节 Spring Festival")
    platform.cli("seed")
    assert days(platform, 2027)["2027-02-11"]["set_by"] == "ops"
    cleared = json.loads(platform.cli("holidays", "clear", "2027-02-11"))
    assert cleared == {"day": "2027-02-11", "cleared": True}
    assert "2027-02-11" not in days(platform, 2027)


def test_a_day_the_weekday_rule_already_gets_right_is_refused(platform):
    refused = subprocess.run([BIN / "cityhub", "holidays", "set", "2026-11-28", "--off",
                              "--name", "a Saturday"], env=platform.env, capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode == 1
    assert "2026-11-28 is a weekend day" in refused.stderr
    assert "2026-11-28" not in days(platform, 2026)
