"""The registration fee as a saga with payments, on the real databases: a paid place is
booked once, an unpaid one given back, a payment that comes late is booked if its
place is still free and refunded if not, and a cancelled paid visit is refunded once.
Payments is a fake that answers as the real one does (an order per Idempotency-Key)."""

from datetime import UTC, datetime, timedelta

import pytest

from contracts.errors import ServiceUnavailable
from contracts.time import iso_utc
from services.appointments.models import Appointment, Slot
from services.appointments.use_cases import holding, paying
from tests.fixtures.servers import seeded_appointments
from tests.integration.test_holding_places import a_slot_row

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday, 10:00 city time
DEPARTMENT = "hosp-city-first.internal"


@pytest.fixture(params=["sqlite", "postgresql"])
def uow(request, tmp_path):
    yield from seeded_appointments(request, tmp_path, NOW)


class Payments:
    """Payments' two RPCs: an order per key (the same key: the same order), and a
    refund per request number; `down` makes it refuse as a busy service does."""

    def __init__(self):
        self.orders, self.refunds, self.down = {}, [], False

    def create_payment(self, citizen_id, partner_id, assertion, key, body):
        assert body["fee_code"] == "hospital-registration" and assertion == "token"
        replayed = key in self.orders
        order = self.orders.setdefault(key, {
            "payment_id": f"pay-{len(self.orders) + 1}", "amount_cents": 1000,
            "cashier_url": "https://cashier.example/pay",
            "expires_at": iso_utc(NOW + timedelta(minutes=15))})
        return {"payment": order, "replayed": replayed}

    def refund_in_full(self, payment_id, request_no, reason, requested_by):
        if self.down:
            raise ServiceUnavailable("busy")
        if request_no not in self.refunds:
            self.refunds.append(request_no)
        return {"request_no": request_no}


@pytest.fixture
def payments():
    return Payments()


def a_slot(uow, places=None) -> str:
    return a_slot_row(uow, DEPARTMENT, places).id


def taken(uow, slot_id) -> int:
    with uow.read() as session:
        return session.get(Slot, slot_id).taken


def status(uow, appointment_id) -> tuple:
    with uow.read() as session:
        found = session.get(Appointment, appointment_id)
        return found.status, found.refund_state


def pending(uow, payments, citizen="c-1", slot_id=None, at=NOW) -> dict:
    slot_id = slot_id or a_slot(uow)
    hold_id = holding.hold(uow, citizen, "p", 2, slot_id, at)["hold_id"]
    return holding.book(uow, payments, citizen, hold_id, "token", at)[0]


def told(uow, step, payment_id, at=NOW, *args):
    with uow.core_transaction() as connection:
        return step(uow, connection, payment_id, *args, at)


def test_a_fee_booking_is_pending_with_its_order_until_paid_then_booked(uow, payments):
    slot_id = a_slot(uow)
    answer = pending(uow, payments, slot_id=slot_id)
    assert (answer["status"], answer["payment"]["payment_id"]) == ("pending", "pay-1")
    assert answer["payment"]["cashier_url"] == "https://cashier.example/pay"
    assert taken(uow, slot_id) == 1
    assert told(uow, paying.paid, "pay-1") == "booked"
    assert told(uow, paying.paid, "pay-1") == "unchanged"  # told twice
    assert status(uow, answer["appointment_id"]) == ("booked", None)
    assert taken(uow, slot_id) == 1


def test_booking_the_same_hold_again_is_the_same_order(uow, payments):
    answer = pending(uow, payments)
    again, booked_again = holding.book(uow, payments, "c-1", answer["appointment_id"],
                                       "token", NOW)
    assert not booked_again
    assert again["payment"]["payment_id"] == answer["payment"]["payment_id"]
    assert len(payments.orders) == 1


def test_an_unpaid_fee_gives_the_place_back(uow, payments):
    slot_id = a_slot(uow)
    answer = pending(uow, payments, slot_id=slot_id)
    later = NOW + timedelta(minutes=16)
    assert told(uow, paying.unpaid, "pay-1", later, "payment_expired") == "ended"
    assert status(uow, answer["appointment_id"]) == ("cancelled", None)
    assert taken(uow, slot_id) == 0
    assert told(uow, paying.unpaid, "pay-1", later, "payment_expired") == "unchanged"
    assert taken(uow, slot_id) == 0


def test_a_fee_paid_after_its_order_ran_out_books_the_place_if_still_free(uow, payments):
    slot_id = a_slot(uow, places=1)
    answer = pending(uow, payments, slot_id=slot_id)
    later = NOW + timedelta(minutes=16)
    told(uow, paying.unpaid, "pay-1", later, "payment_expired")
    assert told(uow, paying.paid, "pay-1", later) == "booked_late"
    assert status(uow, answer["appointment_id"]) == ("booked", None)
    assert taken(uow, slot_id) == 1


def test_a_fee_paid_after_its_place_went_to_another_is_refunded_once(uow, payments):
    slot_id = a_slot(uow, places=1)
    answer = pending(uow, payments, slot_id=slot_id)
    later = NOW + timedelta(minutes=16)
    told(uow, paying.unpaid, "pay-1", later, "payment_expired")
    holding.hold(uow, "c-2", "p", 2, slot_id, later)  # the freed place is taken
    assert told(uow, paying.paid, "pay-1", later) == "refund_due"
    assert told(uow, paying.paid, "pay-1", later) == "unchanged"
    assert taken(uow, slot_id) == 1
    payments.down = True
    assert paying.ask_refunds(uow, payments, later) == 0  # asked again next time
    assert status(uow, answer["appointment_id"]) == ("cancelled", "due")
    payments.down = False
    assert paying.ask_refunds(uow, payments, later) == 1
    assert paying.ask_refunds(uow, payments, later) == 0
    assert payments.refunds == [f"appointment-{answer['appointment_id']}"]
    assert status(uow, answer["appointment_id"]) == ("cancelled", "asked")


def test_a_cancelled_paid_visit_is_refunded_and_its_place_given_back(uow, payments):
    slot_id = a_slot(uow)
    answer = pending(uow, payments, slot_id=slot_id)
    told(uow, paying.paid, "pay-1")
    cancelled = holding.cancel(uow, "c-1", answer["appointment_id"], NOW)
    assert cancelled["status"] == "cancelled"
    assert taken(uow, slot_id) == 0
    assert paying.ask_refunds(uow, payments, NOW) == 1
    assert payments.refunds == [f"appointment-{answer['appointment_id']}"]


def test_a_fee_paid_after_the_citizen_cancelled_is_refunded_not_booked(uow, payments):
    slot_id = a_slot(uow)
    answer = pending(uow, payments, slot_id=slot_id)
    holding.cancel(uow, "c-1", answer["appointment_id"], NOW)
    assert told(uow, paying.paid, "pay-1") == "refund_due"
    assert status(uow, answer["appointment_id"]) == ("cancelled", "due")
    assert taken(uow, slot_id) == 0


def test_a_payment_not_for_an_appointment_is_left_alone(uow, payments):
    assert told(uow, paying.paid, "someone-elses-fine") == "not_ours"
    assert told(uow, paying.unpaid, "someone-elses-fine", NOW, "payment_failed") == "not_ours"
