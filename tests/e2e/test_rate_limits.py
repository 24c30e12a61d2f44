"""Partners' rate limits, shared by every gateway process through Redis: every signed
answer says where the partner stands, a partner over its quota gets 429 with
Retry-After, and sensitive routes are limited per partner and citizen too."""

import json
import time

import pytest

from tests.e2e.test_real_name import error, new_partner

pytestmark = pytest.mark.e2e


def away_from_a_window_edge(needed: float = 10.0) -> None:
    """Limits count in whole minutes: wait for the next one if this one is ending."""
    left = 60 - time.time() % 60
    if left < needed:
        time.sleep(left + 0.1)


def limited_partner(platform, **limits) -> tuple[str, str]:
    partner = new_partner(platform)
    flags = [f"--{name.replace('_', '-')}={value}" for name, value in limits.items()]
    shown = json.loads(platform.cli("partner", "limits", partner[0], *flags))
    assert shown["app_id"] == partner[0]
    return partner


def test_every_signed_answer_says_the_partners_quota_and_what_is_left(platform):
    partner = new_partner(platform)
    first = platform.call("GET", "/v1/fees/catalogue", partner=partner)
    second = platform.call("GET", "/v1/fees/catalogue", partner=partner)
    assert first.headers["RateLimit-Policy"] == '"partner";q=60000;w=60'
    left = [int(r.headers["RateLimit"].split("r=")[1].split(";")[0]) for r in (first, second)]
    assert left[0] - left[1] == 1 or left[1] == 59999  # or the second opened a new minute
    refused = platform.call("GET", "/v1/citizens/nobody", partner=partner)
    assert refused.status_code == 404 and "RateLimit" in refused.headers  # errors too


def test_a_partner_over_its_quota_is_refused_until_the_minute_ends_and_others_are_not(
        platform):
    partner = limited_partner(platform, per_minute=5)
    away_from_a_window_edge()
    answers = [platform.call("GET", "/v1/fees/catalogue", partner=partner) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert error(answers[-1]) == (429, "rate_limited")
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert answers[-1].headers["RateLimit"].startswith('"partner";r=0;')
    other = new_partner(platform)  # control: another partner is not held back
    assert platform.call("GET", "/v1/fees/catalogue", partner=other).status_code == 200


def test_requests_with_a_bad_signature_do_not_spend_the_partners_quota(platform):
    partner = limited_partner(platform, per_minute=3)
    away_from_a_window_edge()
    forged = (partner[0], "not-the-secret")
    for _ in range(5):
        assert error(platform.call("GET", "/v1/fees/catalogue", partner=forged)) == (
            401, "signature_invalid")
    assert [platform.call("GET", "/v1/fees/catalogue", partner=partner).status_code
            for _ in range(4)] == [200, 200, 200, 429]  # control: the quota still bites


def test_sensitive_routes_are_limited_per_citizen_as_well(platform):
    partner = limited_partner(platform, sensitive_per_minute=2)
    citizens = [platform.register(f"rl-{n}-{time.time_ns()}", partner=partner)["citizen_id"]
                for n in range(2)]
    away_from_a_window_edge()

    def confirm(citizen_id):
        return platform.call("POST", f"/v1/citizens/{citizen_id}/phone-verifications/confirm",
                             {"code": "000000"}, partner=partner)

    first = [confirm(citizens[0]).status_code for _ in range(3)]
    assert first[2] == 429 and 429 not in first[:2]
    assert confirm(citizens[1]).status_code != 429  # another citizen of the same partner
    assert platform.call("GET", "/v1/fees/catalogue", partner=partner).status_code == 200


def test_limits_go_back_to_the_defaults(platform):
    partner = limited_partner(platform, per_minute=5)
    shown = json.loads(platform.cli("partner", "limits", partner[0], "--default"))
    assert (shown["requests_per_minute"], shown["own"]["requests_per_minute"]) == (60000, None)
