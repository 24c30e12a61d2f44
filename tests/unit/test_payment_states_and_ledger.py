"""Payment orders only move forward, and every movement of money balances."""

import random
from datetime import UTC, datetime

import pytest

from services.payments.domain import ledger, orders
from services.payments.domain.orders import (
    AGENCY_CONFIRMED,
    AWAITING_PAYMENT,
    CLOSED,
    EXPIRED,
    FAILED,
    PARTIALLY_REFUNDED,
    REFUNDED,
    SUCCEEDED,
)

NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize("path", [
    [AWAITING_PAYMENT, SUCCEEDED, AGENCY_CONFIRMED, PARTIALLY_REFUNDED, REFUNDED],
    [AWAITING_PAYMENT, SUCCEEDED, PARTIALLY_REFUNDED, PARTIALLY_REFUNDED, REFUNDED],
    [AWAITING_PAYMENT, FAILED],
    [AWAITING_PAYMENT, EXPIRED],
    [AWAITING_PAYMENT, CLOSED],
])
def test_an_order_moves_forward_along_its_paths(path):
    for current, new in zip(path, path[1:], strict=False):
        assert orders.move(current, new, "provider_notification", NOW) == orders.Transition(
            current, new, "provider_notification", NOW)


@pytest.mark.parametrize(("current", "late"), [
    (SUCCEEDED, SUCCEEDED),          # a duplicated notification
    (SUCCEEDED, FAILED),             # a reordered one
    (SUCCEEDED, AWAITING_PAYMENT),
    (EXPIRED, SUCCEEDED),            # paid after close: a refund's business, not a move
    (AGENCY_CONFIRMED, SUCCEEDED),
    (REFUNDED, PARTIALLY_REFUNDED),
    (PARTIALLY_REFUNDED, AGENCY_CONFIRMED),  # kept in the history, not a move back
    (FAILED, SUCCEEDED),
])
def test_a_late_or_repeated_word_moves_nothing(current, late):
    assert orders.move(current, late, "provider_notification", NOW) is None


def test_every_order_ends_somewhere_whatever_the_order_of_what_it_is_told():
    """Random sequences of moves, as shuffled and duplicated notifications would
    give: states never go back, and the first paid state is never un-paid."""
    rng = random.Random(9)
    rank = {state: n for n, state in enumerate(orders.STATES)}
    for _ in range(2000):
        state, paid = AWAITING_PAYMENT, False
        for new in rng.choices(orders.STATES, k=8):
            moved = orders.move(state, new, rng.choice(orders.CAUSES), NOW)
            if moved is None:
                continue
            assert not (paid and new not in orders.PAID)
            assert rank[new] >= rank[state]
            state, paid = new, paid or new in orders.PAID


def test_an_unknown_cause_or_state_is_a_defect_not_a_move():
    with pytest.raises(ValueError):
        orders.move(AWAITING_PAYMENT, SUCCEEDED, "a rumour", NOW)
    with pytest.raises(ValueError):
        orders.move(AWAITING_PAYMENT, "teleported", "janitor", NOW)


def test_a_payment_passed_on_and_partly_refunded_balances_to_zero():
    entries = [*ledger.paid(12_000), *ledger.passed_on("traffic_police", 12_000),
               *ledger.refunded(ledger.agency("traffic_police"), 2_000)]
    assert ledger.is_balanced(entries)
    assert ledger.balances(entries) == {"citizen": -10_000, "provider_clearing": 0,
                                        "agency:traffic_police": 10_000}


def test_any_sequence_of_movements_keeps_the_ledger_at_zero():
    rng = random.Random(3)
    accounts = [ledger.CITIZEN, ledger.PROVIDER_CLEARING, ledger.agency("water"),
                ledger.agency("power")]
    entries = []
    for _ in range(1000):
        source, target = rng.sample(accounts, 2)
        entries += ledger.movement(source, target, rng.randint(1, 10_000_000))
        assert ledger.is_balanced(entries)
    assert sum(ledger.balances(entries).values()) == 0


def test_a_one_sided_entry_is_caught():
    """Positive control for the check `cityhub ledger check` will run."""
    entries = [*ledger.paid(500), ledger.Entry(ledger.CITIZEN, -1)]
    assert not ledger.is_balanced(entries)


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_a_movement_is_a_positive_whole_number_of_fen(amount):
    with pytest.raises(ValueError):
        ledger.movement(ledger.CITIZEN, ledger.PROVIDER_CLEARING, amount)


def test_money_does_not_move_from_an_account_to_itself():
    with pytest.raises(ValueError):
        ledger.movement(ledger.CITIZEN, ledger.CITIZEN, 100)
