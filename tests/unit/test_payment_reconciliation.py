"""The day's three-way match: the provider's statement, our ledger, the agencies."""

from services.payments.domain.reconciliation import (
    AMOUNT_DIFFERS,
    MISSING_AT_PROVIDER,
    MISSING_IN_LEDGER,
    PAYMENT,
    REFUND,
    UNCONFIRMED_BY_AGENCY,
    Line,
    match,
)


def lines(*entries) -> dict:
    return {(kind, key): Line(kind, key, order, amount) for kind, key, order, amount in entries}


def kinds(found) -> list[tuple[str, str]]:
    return [(m.kind, m.key) for m in found]


def test_a_day_on_which_every_side_agrees_has_no_mismatch():
    both = lines((PAYMENT, "o1", "o1", 100), (REFUND, "r1", "o1", 40))
    assert match(both, both, set(both), set(both), set()) == []


def test_money_the_provider_moved_that_we_did_not_book_is_missing_in_the_ledger():
    theirs = lines((PAYMENT, "o1", "o1", 100))
    found = match(theirs, {}, set(theirs), set(), set())
    assert kinds(found) == [(MISSING_IN_LEDGER, "o1")]
    assert (found[0].provider_amount, found[0].ledger_amount) == (100, None)


def test_money_we_booked_that_the_provider_did_not_move_is_missing_at_the_provider():
    ours = lines((REFUND, "r1", "o1", 40))
    assert kinds(match({}, ours, set(), set(ours), set())) == [(MISSING_AT_PROVIDER, "r1")]


def test_the_same_line_with_another_amount_differs():
    theirs, ours = lines((PAYMENT, "o1", "o1", 100)), lines((PAYMENT, "o1", "o1", 99))
    assert kinds(match(theirs, ours, set(theirs), set(ours), set())) == [(AMOUNT_DIFFERS, "o1")]


def test_a_payment_both_agree_on_that_the_agency_has_not_confirmed_is_reported():
    both = lines((PAYMENT, "o1", "o1", 100), (PAYMENT, "o2", "o2", 100))
    found = match(both, both, set(both), set(both), {"o2"})
    assert kinds(found) == [(UNCONFIRMED_BY_AGENCY, "o2")]


def test_a_line_of_another_day_found_on_the_other_side_is_matched_not_missing():
    # Paid at 23:59:59 by the provider's clock, booked by us just after midnight.
    theirs = lines((PAYMENT, "o1", "o1", 100))
    ours = lines((PAYMENT, "o1", "o1", 100))
    assert match(theirs, ours, set(theirs), set(), set()) == []
    # Positive control: without our line it is missing.
    assert kinds(match(theirs, {}, set(theirs), set(), set())) == [(MISSING_IN_LEDGER, "o1")]
