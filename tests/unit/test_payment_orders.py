from types import SimpleNamespace

import pytest

from contracts.errors import InvalidInput
from services.payments.domain import MAX_AMOUNT_CENTS, order_terms

FINE = SimpleNamespace(code="traffic-fine", amount_cents=None)
CERTIFICATE = SimpleNamespace(code="household-registration-certificate", amount_cents=500)


def field_of(call) -> str:
    with pytest.raises(InvalidInput) as refused:
        call()
    return refused.value.field


def test_a_fixed_fee_costs_its_catalogue_amount_when_no_amount_is_sent():
    assert order_terms(CERTIFICATE, None, None) == (500, None)


def test_a_fixed_fee_refuses_a_different_amount():
    assert field_of(lambda: order_terms(CERTIFICATE, 499, None)) == "amount_cents"


def test_a_fine_is_ordered_for_the_amount_and_ticket_number_on_the_ticket():
    assert order_terms(FINE, 20000, "GZ-2026-0001") == (20000, "GZ-2026-0001")


def test_a_fine_without_an_amount_is_refused():
    assert field_of(lambda: order_terms(FINE, None, "GZ-2026-0001")) == "amount_cents"


def test_a_fine_without_its_ticket_number_is_refused():
    assert field_of(lambda: order_terms(FINE, 20000, None)) == "reference"


@pytest.mark.parametrize("amount", [0, -5, MAX_AMOUNT_CENTS + 1])
def test_an_amount_outside_one_fen_to_the_ceiling_is_refused(amount):
    assert field_of(lambda: order_terms(FINE, amount, "GZ-2026-0001")) == "amount_cents"


@pytest.mark.parametrize("reference", ["ab", "has space", "x" * 65, "罚单123"])
def test_a_malformed_reference_is_refused(reference):
    assert field_of(lambda: order_terms(FINE, 100, reference)) == "reference"
