import pytest

from contracts.errors import Forbidden, InvalidInput
from services.identity.domain.consent import (
    GENESIS,
    chain_is_intact,
    check_covered,
    check_request,
    entry_hash,
)


def chain(n):
    entries, prev = [], GENESIS
    for i in range(n):
        e = {"citizen_id": "c", "reader": "acme", "attributes": "name",
             "purpose": "fine-payment", "read_at": f"2026-11-23T00:00:0{i}"}
        e["prev_hash"], e["hash"] = prev, entry_hash(prev, *e.values())
        prev = e["hash"]
        entries.append(e)
    return entries


def test_a_consent_names_known_attributes_and_a_plain_purpose():
    assert check_request(["name", "id_number", "name"], "fine-payment") == (
        ["id_number", "name"], "fine-payment")
    with pytest.raises(InvalidInput):
        check_request(["face"], "fine-payment")
    with pytest.raises(InvalidInput):
        check_request(["name"], "Because!")


def test_a_read_needs_every_attribute_covered_by_a_consent_for_the_purpose():
    check_covered([["name"], ["id_number"]], ["id_number", "name"])
    with pytest.raises(Forbidden) as raised:
        check_covered([["name"]], ["id_number", "name"])
    assert raised.value.code == "consent_required"


def test_an_untouched_access_log_chain_is_intact():
    assert chain_is_intact(chain(3))


def test_editing_any_entry_breaks_the_chain():
    entries = chain(3)
    entries[1]["purpose"] = "marketing"
    assert not chain_is_intact(entries)


def test_deleting_an_entry_breaks_the_chain():
    entries = chain(3)
    del entries[1]
    assert not chain_is_intact(entries)
