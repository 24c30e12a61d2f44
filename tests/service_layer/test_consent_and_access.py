"""Consent, reads of verified attributes and the access log through the service layer."""

import pytest

from contracts.errors import Forbidden, NotFound
from contracts.events import ConsentGranted, ConsentRevoked
from services.identity.use_cases import access


def read(uow, someone, clock, attributes=("name",), purpose="fine-payment"):
    access.record_read(uow, someone, "acme", list(attributes), purpose, clock())


def test_a_read_without_consent_is_refused_and_logs_nothing(uow, citizen, clock):
    someone = citizen(level=2)
    with pytest.raises(Forbidden) as refused:
        read(uow, someone, clock)
    assert refused.value.code == "consent_required"
    assert access.access_log(uow, someone) == ([], True)


def test_a_consented_read_is_logged_in_an_intact_chain(uow, citizen, clock):
    someone = citizen(level=2)
    access.grant(uow, someone, "acme", ["id_number", "name"], "fine-payment", clock())
    read(uow, someone, clock)
    clock.advance(seconds=30)
    read(uow, someone, clock, ("id_number",))
    entries, intact = access.access_log(uow, someone)
    assert [e.attributes for e in entries] == ["name", "id_number"] and intact
    assert [type(e) for e in uow.published] == [ConsentGranted]


def test_a_consent_covers_only_its_purpose(uow, citizen, clock):
    someone = citizen(level=2)
    access.grant(uow, someone, "acme", ["name"], "fine-payment", clock())
    with pytest.raises(Forbidden):
        read(uow, someone, clock, purpose="marketing")


def test_an_edited_entry_breaks_the_chain(uow, citizen, clock):
    someone = citizen(level=2)
    access.grant(uow, someone, "acme", ["name"], "fine-payment", clock())
    read(uow, someone, clock)
    read(uow, someone, clock)
    uow.repository.access[0].purpose = "something-else"
    assert access.access_log(uow, someone)[1] is False


def test_revoking_twice_is_fine_and_stops_reads(uow, citizen, clock):
    someone = citizen(level=2)
    consent, _ = access.grant(uow, someone, "acme", ["name"], "fine-payment", clock())
    access.revoke(uow, someone, "acme", consent.id, clock())
    access.revoke(uow, someone, "acme", consent.id, clock())
    assert [type(e) for e in uow.published] == [ConsentGranted, ConsentRevoked]
    with pytest.raises(Forbidden):
        read(uow, someone, clock)


def test_another_partners_consent_cannot_be_revoked(uow, citizen, clock):
    someone = citizen(level=2)
    consent, _ = access.grant(uow, someone, "acme", ["name"], "fine-payment", clock())
    with pytest.raises(NotFound):
        access.revoke(uow, someone, "other", consent.id, clock())


def test_granting_an_active_consent_again_is_that_consent_and_tells_no_one_twice(
        uow, citizen, clock):
    someone = citizen(level=2)
    first, created = access.grant(uow, someone, "acme", ["id_number", "name"], "fine-payment",
                                  clock())
    again, created_again = access.grant(uow, someone, "acme", ["id_number", "name"],
                                        "fine-payment", clock())
    assert (created, created_again, again.id) == (True, False, first.id)
    assert [type(e) for e in uow.published] == [ConsentGranted]
    other, created_other = access.grant(uow, someone, "acme", ["name"], "fine-payment",
                                        clock())
    assert created_other and other.id != first.id
