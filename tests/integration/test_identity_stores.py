"""Identity's repository and code store, held to one contract: the SQL repository on
SQLite (as `make up`) and on PostgreSQL, and the service layer's in-memory fakes."""

import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from chassis.db import make_engine
from chassis.migrations import upgrade
from services.identity.domain.phone_codes import PendingCode
from services.identity.models import Citizen, Consent, FaceVerification
from services.identity.repository import AlreadyTaken, PhoneCodes, UnitOfWork
from tests.service_layer.fakes import FakePhoneCodes, FakeUnitOfWork

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


class SessionDb:
    """The two things UnitOfWork asks of chassis.db.UnitOfWork, over a plain engine."""

    def __init__(self, url: str):
        self.engine = make_engine(url, pool_size=2)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.published = []

    @contextmanager
    def transaction(self):
        with self.sessions.begin() as session:
            yield session

    @contextmanager
    def read(self):
        with self.sessions() as session:
            yield session

    def publish(self, event):
        self.published.append(event)


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def uow(request, tmp_path):
    if request.param == "fake":
        yield FakeUnitOfWork()
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'identity.db'}"
        upgrade("services.identity", url)
    else:
        url = request.getfixturevalue("clean_databases")["identity"]
    db = SessionDb(url)
    yield UnitOfWork(db)
    db.engine.dispose()


def add_citizen(uow, partner_id="acme") -> str:
    citizen_id = str(uuid.uuid4())
    with uow.transaction() as repository:
        citizen = Citizen(id=citizen_id, partner_id=partner_id,
                          partner_user_id=f"u-{citizen_id[:8]}", phone_sealed="sealed",
                          phone_index=f"i-{citizen_id}", locale="en", assurance_level=1,
                          created_at=NOW)
        repository.add(citizen)
    return citizen_id


def test_a_citizen_is_found_only_by_its_own_partner(uow):
    citizen_id = add_citizen(uow)
    with uow.read() as repository:
        assert repository.citizen_of_partner("acme", citizen_id).id == citizen_id
        assert repository.citizen_of_partner("other", citizen_id) is None


def test_an_attempt_counts_until_it_is_forgotten_and_a_settled_one_stays(uow):
    citizen_id = add_citizen(uow)
    with uow.transaction() as repository:
        repository.lock_citizen(citizen_id)
        kept = repository.add_attempt(citizen_id, NOW)
        forgotten = repository.add_attempt(citizen_id, NOW + timedelta(minutes=1))
    with uow.transaction() as repository:
        repository.settle_attempt(kept, "identity_mismatch")
        repository.forget_attempt(forgotten)
    with uow.read() as repository:
        assert repository.attempts_since(citizen_id, NOW - timedelta(hours=1)) == [NOW]
        assert repository.attempts_since(citizen_id, NOW + timedelta(seconds=1)) == []


def test_an_id_number_backs_one_citizen_per_partner(uow):
    first, second, elsewhere = add_citizen(uow), add_citizen(uow), add_citizen(uow, "other")
    with uow.transaction() as repository:
        repository.set_real_name(first, 2, "n", "i", "index-1")
    with pytest.raises(AlreadyTaken), uow.transaction() as repository:
        repository.set_real_name(second, 2, "n", "i", "index-1")
    with uow.transaction() as repository:
        repository.set_real_name(elsewhere, 2, "n", "i", "index-1")
    with uow.read() as repository:
        assert repository.citizen_of_partner("acme", second).assurance_level == 1
        assert repository.id_number_taken("acme", "index-1", second)
        assert not repository.id_number_taken("acme", "index-1", first)


def test_a_failed_transaction_leaves_nothing_behind(uow):
    citizen_id = add_citizen(uow)
    with pytest.raises(RuntimeError), uow.transaction() as repository:
        repository.set_level(citizen_id, 3)
        raise RuntimeError("the use case changed its mind")
    with uow.read() as repository:
        assert repository.citizen_of_partner("acme", citizen_id).assurance_level == 1


def test_consents_are_active_until_revoked_and_belong_to_one_partner(uow):
    citizen_id = add_citizen(uow)
    consent = Consent(id=str(uuid.uuid4()), citizen_id=citizen_id, partner_id="acme",
                      attributes="name", purpose="fine-payment", granted_at=NOW)
    with uow.transaction() as repository:
        repository.add_consent(consent)
    with uow.read() as repository:
        assert [c.id for c in repository.active_consents(citizen_id, "acme")] == [consent.id]
        assert repository.active_consents(citizen_id, "acme", "marketing") == []
        assert repository.consent_of(citizen_id, "other", consent.id) is None
    with uow.transaction() as repository:
        repository.revoke_consent(consent.id, NOW)
    with uow.read() as repository:
        assert repository.active_consents(citizen_id, "acme") == []
        assert repository.consent_of(citizen_id, "acme", consent.id).revoked_at == NOW


def test_the_same_consent_is_active_once_and_may_be_granted_again_once_revoked(uow):
    citizen_id = add_citizen(uow)

    def consent(attributes="id_number,name"):
        return Consent(id=str(uuid.uuid4()), citizen_id=citizen_id, partner_id="acme",
                       attributes=attributes, purpose="fine-payment", granted_at=NOW)
    first = consent()
    with uow.transaction() as repository:
        repository.add_consent(first)
    with pytest.raises(IntegrityError), uow.transaction() as repository:
        repository.add_consent(consent())
    with uow.transaction() as repository:
        repository.add_consent(consent("name"))  # other attributes: another consent
    with uow.read() as repository:
        assert repository.active_consent(citizen_id, "acme", "fine-payment",
                                         "id_number,name").id == first.id
    with uow.transaction() as repository:
        repository.revoke_consent(first.id, NOW)
    with uow.transaction() as repository:
        repository.add_consent(consent())
    with uow.read() as repository:
        assert len(repository.active_consents(citizen_id, "acme")) == 2


def test_two_reads_appended_after_the_same_entry_are_refused(uow):
    from services.identity.models import AccessLogEntry

    citizen_id = add_citizen(uow)

    def entry(prev, digest):
        return AccessLogEntry(citizen_id=citizen_id, reader="acme", attributes="name",
                              purpose="p", read_at=NOW, prev_hash=prev, hash=digest)

    with uow.transaction() as repository:
        repository.append_access(entry("0" * 64, "a" * 64))
    with pytest.raises(AlreadyTaken), uow.transaction() as repository:
        repository.append_access(entry("0" * 64, "b" * 64))
    with uow.transaction() as repository:
        repository.append_access(entry("a" * 64, "c" * 64))
    with uow.read() as repository:
        assert [e.hash for e in repository.access_log(citizen_id)] == ["a" * 64, "c" * 64]
        assert repository.last_access_hash(citizen_id) == "c" * 64


def test_a_face_verification_is_finished_once(uow):
    citizen_id = add_citizen(uow)
    verification = FaceVerification(id=str(uuid.uuid4()), citizen_id=citizen_id,
                                     provider_session="s", status="pending", created_at=NOW,
                                     expires_at=NOW + timedelta(minutes=10))
    with uow.transaction() as repository:
        repository.add_face_verification(verification)
    with uow.transaction() as repository:
        assert repository.finish_face_verification(verification.id, "passed", None, NOW)
        assert not repository.finish_face_verification(verification.id, "failed", None, NOW)
    with uow.read() as repository:
        assert repository.face_verification(verification.id).status == "passed"


@pytest.fixture(params=["fake", "redis"])
def codes(request):
    if request.param == "fake":
        return FakePhoneCodes()
    return PhoneCodes(request.getfixturevalue("redis_client"))


def test_a_pending_code_loses_a_try_per_attempt_and_is_gone_when_discarded(codes):
    codes.put("c-1", PendingCode("digest", 1_000.0))
    assert codes.take_attempt("c-1") == PendingCode("digest", 1_000.0, 5)
    assert codes.take_attempt("c-1").tries_left == 4
    codes.put("c-1", PendingCode("fresh", 2_000.0))  # a new code replaces the old
    assert codes.take_attempt("c-1") == PendingCode("fresh", 2_000.0, 5)
    codes.discard("c-1")
    assert codes.take_attempt("c-1") is None
    assert codes.take_attempt("never-sent") is None


def test_texts_are_counted_per_number_and_per_day(codes):
    today, tomorrow = NOW.date(), (NOW + timedelta(days=1)).date()
    number = f"index-{uuid.uuid4().hex}"
    assert [codes.count_text(number, today) for _ in range(3)] == [1, 2, 3]
    assert codes.count_text(number, tomorrow) == 1
    assert codes.count_text(f"other-{number}", today) == 1
