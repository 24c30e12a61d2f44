"""The rules of rate limits, without Redis: windows, what the headers say, and when a
request is refused."""

import pytest

from contracts.errors import TooManyAttempts
from gateway import rate_limits
from gateway.rate_limits import Policy, Standing

PARTNER = Policy("partner", 100, 60)
SENSITIVE = Policy("sensitive", 5, 60)


def test_requests_in_one_minute_share_a_counter_and_the_next_minute_starts_afresh():
    at = 1_800_000_000.0  # a whole minute
    assert PARTNER.counter("acme", at)[0] == PARTNER.counter("acme", at + 59.9)[0]
    assert PARTNER.counter("acme", at)[0] != PARTNER.counter("acme", at + 60)[0]
    assert PARTNER.counter("acme", at)[0] != PARTNER.counter("other", at)[0]
    assert PARTNER.counter("acme", at)[1] == 61  # outlives its window by a second


def test_the_reset_is_the_whole_seconds_left_in_the_window_never_zero():
    at = 1_800_000_000.0
    assert PARTNER.reset(at) == 60
    assert PARTNER.reset(at + 17.2) == 43
    assert PARTNER.reset(at + 59.99) == 1


def test_every_response_says_each_policy_and_what_is_left_of_it():
    fields = rate_limits.header_fields([Standing(PARTNER, 3, 42), Standing(SENSITIVE, 7, 42)])
    assert fields == {
        "RateLimit-Policy": '"partner";q=100;w=60, "sensitive";q=5;w=60',
        "RateLimit": '"partner";r=97;t=42, "sensitive";r=0;t=42'}
    assert rate_limits.header_fields([]) == {}


def test_the_request_that_passes_a_quota_is_refused_with_when_to_try_again():
    rate_limits.check([Standing(PARTNER, 100, 30)])  # control: the hundredth passes
    with pytest.raises(TooManyAttempts) as refused:
        rate_limits.check([Standing(PARTNER, 101, 30), Standing(SENSITIVE, 1, 12)])
    assert (refused.value.status, refused.value.code, refused.value.retry_after) == (
        429, "rate_limited", 30)
    assert "partner" in refused.value.message


def test_standings_pair_each_policy_with_its_count():
    limits = [(PARTNER, "acme"), (SENSITIVE, "acme:c-1")]
    found = rate_limits.standings(limits, [10, 2], 1_800_000_010.0)
    assert [(s.policy.name, s.used, s.remaining, s.reset) for s in found] == [
        ("partner", 10, 90, 50), ("sensitive", 2, 3, 50)]
