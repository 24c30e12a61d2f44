"""The rules of partner webhooks: signature, what is retried, the backoff, pausing,
expiry, and which endpoints may be registered."""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from contracts.errors import InvalidInput
from sandboxes.webhooks import signature_valid
from services.notify.domain import webhooks

SECRET = "whsec_" + "ab" * 32
BODY = b'{"id":"e-1","sequence":1}'


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_as_stripe_does():
    header = webhooks.signature(SECRET, 1700000000, BODY)
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_a_partner_checking_the_signature_accepts_it_and_refuses_any_change():
    now = 1700000000
    header = webhooks.signature(SECRET, now, BODY)
    assert webhooks.signature_matches(SECRET, header, BODY, now)
    assert not webhooks.signature_matches(SECRET, header, BODY + b" ", now)
    assert not webhooks.signature_matches("whsec_other", header, BODY, now)
    assert not webhooks.signature_matches(SECRET, header.replace("t=17", "t=18"), BODY, now)
    assert not webhooks.signature_matches(SECRET, "garbage", BODY, now)


def test_a_signature_older_than_five_minutes_is_refused_as_a_replay():
    header = webhooks.signature(SECRET, 1700000000, BODY)
    assert webhooks.signature_matches(SECRET, header, BODY, 1700000000 + 300)
    assert not webhooks.signature_matches(SECRET, header, BODY, 1700000000 + 301)


def test_the_sandbox_receiver_checks_signatures_the_way_the_docs_tell_partners_to():
    import time

    header = webhooks.signature(SECRET, int(time.time()), BODY)
    assert signature_valid(SECRET, header, BODY)
    assert not signature_valid(SECRET, header, BODY[:-1])


@pytest.mark.parametrize(("status", "kind"), [
    (200, "delivered"), (204, "delivered"), (500, "retry"), (503, "retry"), (429, "retry"),
    (None, "retry"), (400, "failed"), (401, "failed"), (404, "failed"), (410, "failed"),
    (301, "failed"),
])
def test_5xx_429_and_no_answer_are_retried_other_statuses_are_not(status, kind):
    assert webhooks.outcome_of(status, None if status else "timed out").kind == kind


def test_the_endpoint_waits_1_2_4_seconds_and_so_on_up_to_15_minutes():
    waits = [webhooks.wait_after(n).total_seconds() for n in range(1, 13)]
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert webhooks.wait_after(3, jitter=1.1) == timedelta(seconds=4.4)


def test_a_hundred_failures_in_a_row_take_about_a_day_of_waits_then_pause_the_endpoint():
    waited = sum(webhooks.wait_after(n).total_seconds() for n in range(1, 100))
    assert 20 * 3600 < waited < 24 * 3600
    assert not webhooks.should_pause(99) and webhooks.should_pause(100)


def test_a_delivery_failing_for_24_hours_since_its_first_attempt_is_given_up():
    first = datetime(2026, 11, 25, 8, tzinfo=UTC)
    assert not webhooks.has_expired(None, first + timedelta(days=9))
    assert not webhooks.has_expired(first, first + timedelta(hours=23, minutes=59))
    assert webhooks.has_expired(first, first + timedelta(hours=24))


@pytest.mark.parametrize("url", ["https://partner.example/hooks", "http://127.0.0.1:8101/x"])
def test_any_http_or_https_endpoint_is_accepted_in_development(url):
    assert webhooks.check_url(url, production=False) == url


@pytest.mark.parametrize(("url", "addresses", "code"), [
    ("http://partner.example/hooks", [], "invalid_webhook_url"),
    ("https://127.0.0.1/hooks", [], "webhook_url_not_public"),
    ("https://localhost/hooks", [], "webhook_url_not_public"),
    ("https://[::1]/hooks", [], "webhook_url_not_public"),
    ("https://10.1.2.3/hooks", [], "webhook_url_not_public"),
    ("https://partner.example/hooks", ["192.168.0.10"], "webhook_url_not_public"),
    ("https://partner.example/hooks", ["169.254.169.254"], "webhook_url_not_public"),
    ("ftp://partner.example/hooks", [], "invalid_webhook_url"),
    ("https://u:p@partner.example/hooks", [], "invalid_webhook_url"),
    ("partner.example/hooks", [], "invalid_webhook_url"),
])
def test_production_takes_only_https_endpoints_on_public_addresses(url, addresses, code):
    with pytest.raises(InvalidInput) as refused:
        webhooks.check_url(url, production=True, addresses=addresses)
    assert refused.value.code == code


def test_a_public_https_endpoint_is_accepted_in_production():
    """Positive control for the refusals above."""
    url = "https://partner.example/hooks"
    assert webhooks.check_url(url, production=True, addresses=["93.184.216.34"]) == url


def test_categories_are_checked_and_kept_once_each():
    assert webhooks.check_categories(["payment", "account", "payment"]) == ["account",
                                                                            "payment"]
    with pytest.raises(InvalidInput) as refused:
        webhooks.check_categories(["payment", "weather"])
    assert refused.value.code == "unknown_category"


def outcomes(*kinds):
    return [webhooks.Outcome(kind) for kind in kinds]


def test_a_batch_that_fails_together_is_one_failure_not_one_per_delivery():
    assert webhooks.after_round(0, outcomes(*["retry"] * 50)) == (1, True)
    assert webhooks.after_round(7, outcomes("retry")) == (8, True)


def test_a_round_with_a_delivery_taken_resets_the_endpoints_failures():
    assert webhooks.after_round(7, outcomes("delivered", "delivered")) == (0, False)
    assert webhooks.after_round(7, outcomes("delivered", "failed")) == (0, False)
    # answering, but asking for some again: rest briefly, from the start of the schedule
    assert webhooks.after_round(7, outcomes("delivered", "retry")) == (1, True)


def test_an_endpoint_refusing_everything_with_a_4xx_also_counts_towards_pausing():
    assert webhooks.after_round(99, outcomes("failed", "failed")) == (100, False)
    assert webhooks.should_pause(100)


def test_in_production_a_delivery_to_a_name_now_resolving_inside_is_not_sent():
    """DNS rebinding: the check is made again at each delivery, before connecting."""
    from services.notify.adapters import HttpWebhooks

    sender = HttpWebhooks(timeout=1, connections_per_host=1, production=True)
    assert sender("https://localhost:9/hooks", b"{}", {}) == (
        None, "the endpoint resolves to a private address")
    # Control: outside production the same delivery is attempted (and finds nobody).
    development = HttpWebhooks(timeout=1, connections_per_host=1)
    assert development("http://127.0.0.1:9/hooks", b"{}", {}) == (None, "could not connect")
