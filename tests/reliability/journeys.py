"""Citizens' journeys as a partner's app makes them while the platform is losing parts.

A partner that gets a 5xx or a dropped connection sends the same request again (the same
body, the same Idempotency-Key), as docs/api.md asks; each journey here does so until
its deadline, so what a fault costs shows up as time, and what it breaks as a count.
"""

import time
import uuid

import requests

from tests.e2e.test_payments import lookup, order, pay
from tests.fixtures.platform import SANDBOX

DEADLINE_SECONDS = 90


class Unanswered(AssertionError):
    pass


def until_answered(platform, method: str, path: str, body=None, partner=SANDBOX,
                   headers=None) -> requests.Response:
    """The first answer that is not a 5xx, asking again after each one that is."""
    return _again(lambda: platform.call(method, path, body, partner=partner,
                                        headers=headers), f"{method} {path}")


def _again(ask, what: str) -> requests.Response:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        try:
            answer = ask()
            if answer.status_code < 500:
                return answer
        except requests.RequestException:
            pass  # the connection dropped with a gateway, or the answer did not come
        if time.monotonic() > deadline:
            raise Unanswered(f"{what} had no answer for {DEADLINE_SECONDS} s")
        time.sleep(0.2)


def registration(platform, partner, user: str) -> str:
    """A new citizen of `partner`: their id."""
    answer = until_answered(platform, "POST", "/v1/citizens", {
        "partner_user_id": user, "phone": "+8613812345678", "locale": "en"}, partner)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["citizen_id"]


def hold_and_book(platform, partner, citizen_id: str, slot_id: str) -> str:
    """A place of `slot_id` held and booked: the appointment's id. A hold asked again
    after its answer was lost is refused as a second place that day; the partner then
    finds the first among the citizen's appointments."""
    held = until_answered(platform, "POST", f"/v1/citizens/{citizen_id}/holds",
                          {"slot_id": slot_id}, partner)
    if held.status_code == 201:
        hold_id = held.json()["hold_id"]
    else:
        assert held.status_code == 409, held.text
        hold_id = _held(platform, partner, citizen_id, slot_id)
    booked = until_answered(platform, "POST", f"/v1/citizens/{citizen_id}/appointments",
                            {"hold_id": hold_id}, partner)
    assert booked.status_code in (200, 201), booked.text
    return booked.json()["appointment_id"]


def _held(platform, partner, citizen_id: str, slot_id: str) -> str:
    listing = until_answered(platform, "GET", f"/v1/citizens/{citizen_id}/appointments",
                             partner=partner)
    assert listing.status_code == 200, listing.text
    return next(item["appointment_id"] for item in listing.json()["items"]
                if item["slot_id"] == slot_id)


def pay_a_bill(platform, partner, citizen_id: str) -> str:
    """A fine looked up, ordered under one Idempotency-Key and paid at the provider's
    cashier: the order's id (the provider then tells the platform, and the agency is
    told in turn)."""
    citizen = (partner, citizen_id)
    bill = _again(lambda: lookup(platform, citizen), "bill lookup")
    assert bill.status_code == 200, bill.text
    key = str(uuid.uuid4())
    made = _again(lambda: order(platform, citizen, {"bill_id": bill.json()["bill_id"]}, key),
                  "payment order")
    assert made.status_code in (200, 201), made.text
    pay(platform, made.json())
    return made.json()["payment_id"]
