"""All of identity's queries, and the unit of work its use cases run in.

Use cases see `uow.transaction()` / `uow.read()` giving a `Repository`, and
`uow.publish(event)`; `tests/service_layer/fakes.py` has in-memory twins of all
three, and `tests/integration/test_identity_stores.py` holds both to the same
contract.
"""

from contextlib import contextmanager

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.identity.domain.citizens import NewCitizen
from services.identity.domain.phone_codes import LIFETIME_SECONDS, PendingCode
from services.identity.models import (
    PENDING,
    AccessLogEntry,
    Citizen,
    Consent,
    FaceVerification,
    RealNameFailure,
)


class AlreadyTaken(Exception):
    """A unique rule refused the write: the ID number backs another citizen of the
    partner, or another read was appended after the same access-log entry."""


class UnitOfWork:
    """`with uow.transaction() as repository:` commits everything, events included, or
    nothing; `uow.read()` is the same repository without a commit."""

    def __init__(self, db):
        self._db = db

    @contextmanager
    def transaction(self):
        with self._db.transaction() as session:
            yield Repository(session)

    @contextmanager
    def read(self):
        with self._db.read() as session:
            yield Repository(session)

    def publish(self, event) -> None:
        self._db.publish(event)


class Repository:
    def __init__(self, session: Session):
        self.session = session

    # citizens
    def add(self, citizen: Citizen) -> Citizen:
        """An ORM insert; registration's hot path uses add_citizen (Core) instead."""
        self.session.add(citizen)
        return citizen

    def citizen(self, citizen_id: str) -> Citizen | None:
        """Any partner's citizen: for our own services, never for a partner's request."""
        return self.session.get(Citizen, citizen_id)

    def citizen_of_partner(self, partner_id: str, citizen_id: str) -> Citizen | None:
        citizen = self.session.get(Citizen, citizen_id)
        if citizen is None or citizen.partner_id != partner_id:
            return None
        return citizen

    def citizen_by_partner_user(self, partner_id: str, partner_user_id: str) -> Citizen | None:
        return self.session.scalar(select(Citizen).where(
            Citizen.partner_id == partner_id, Citizen.partner_user_id == partner_user_id))

    def set_email(self, citizen_id: str, email_sealed: str, at) -> None:
        self.session.execute(update(Citizen).where(Citizen.id == citizen_id)
                             .values(email_sealed=email_sealed, email_confirmed_at=at))

    def set_level(self, citizen_id: str, level: int) -> None:
        self.session.execute(update(Citizen).where(Citizen.id == citizen_id)
                             .values(assurance_level=level))

    def lock_citizen(self, citizen_id: str) -> None:
        """Serialise the transactions of one citizen from here to their commit.

        A write as the transaction's first statement: PostgreSQL locks the row, and
        SQLite takes its write lock (waiting up to busy_timeout). A read first would
        not do on SQLite: its driver begins the transaction only at the first write,
        so what was read before could already be stale.
        """
        self.session.execute(update(Citizen).where(Citizen.id == citizen_id)
                             .values(assurance_level=Citizen.assurance_level))

    def id_number_taken(self, partner_id: str, index: str, citizen_id: str) -> bool:
        return self.session.scalar(select(Citizen.id).where(
            Citizen.partner_id == partner_id, Citizen.id_number_index == index,
            Citizen.id != citizen_id)) is not None

    def set_real_name(self, citizen_id: str, level: int, name_sealed: str,
                      id_number_sealed: str, id_number_index: str) -> None:
        try:
            self.session.execute(update(Citizen).where(Citizen.id == citizen_id).values(
                assurance_level=level, name_sealed=name_sealed,
                id_number_sealed=id_number_sealed, id_number_index=id_number_index))
        except IntegrityError:
            raise AlreadyTaken("the ID number backs another citizen") from None

    # real-name attempts
    def attempts_since(self, citizen_id: str, since) -> list:
        """When each real-name attempt that counts for the lockout was made: failures,
        and attempts still waiting for the registry's answer."""
        return list(self.session.scalars(
            select(RealNameFailure.failed_at).where(RealNameFailure.citizen_id == citizen_id,
                                                    RealNameFailure.failed_at >= since)))

    def add_attempt(self, citizen_id: str, at) -> int:
        attempt = RealNameFailure(citizen_id=citizen_id, reason=PENDING, failed_at=at)
        self.session.add(attempt)
        self.session.flush()
        return attempt.id

    def settle_attempt(self, attempt_id: int, reason: str) -> None:
        self.session.execute(update(RealNameFailure).where(RealNameFailure.id == attempt_id)
                             .values(reason=reason))

    def forget_attempt(self, attempt_id: int) -> None:
        self.session.execute(delete(RealNameFailure).where(RealNameFailure.id == attempt_id))

    # consents and the access log
    def add_consent(self, consent: Consent) -> None:
        self.session.add(consent)

    def active_consents(self, citizen_id: str, partner_id: str,
                        purpose: str | None = None) -> list[Consent]:
        query = select(Consent).where(Consent.citizen_id == citizen_id,
                                      Consent.partner_id == partner_id,
                                      Consent.revoked_at.is_(None))
        if purpose is not None:
            query = query.where(Consent.purpose == purpose)
        return list(self.session.scalars(query.order_by(Consent.granted_at)))

    def active_consent(self, citizen_id: str, partner_id: str, purpose: str,
                       attributes: str) -> Consent | None:
        """The active consent for exactly these attributes (comma separated, sorted)."""
        return self.session.scalar(select(Consent).where(
            Consent.citizen_id == citizen_id, Consent.partner_id == partner_id,
            Consent.purpose == purpose, Consent.attributes == attributes,
            Consent.revoked_at.is_(None)))

    def consent_of(self, citizen_id: str, partner_id: str, consent_id: str) -> Consent | None:
        consent = self.session.get(Consent, consent_id)
        if consent is None or (consent.citizen_id, consent.partner_id) != (citizen_id,
                                                                            partner_id):
            return None
        return consent

    def revoke_consent(self, consent_id: str, at) -> None:
        self.session.execute(update(Consent).where(Consent.id == consent_id)
                             .values(revoked_at=at))

    def last_access_hash(self, citizen_id: str) -> str | None:
        return self.session.scalar(select(AccessLogEntry.hash).where(
            AccessLogEntry.citizen_id == citizen_id).order_by(AccessLogEntry.seq.desc())
            .limit(1))

    def append_access(self, entry: AccessLogEntry) -> None:
        self.session.add(entry)
        try:
            self.session.flush()  # two appends after the same entry: the second fails here
        except IntegrityError:
            raise AlreadyTaken("another read was appended after the same entry") from None

    def access_log(self, citizen_id: str) -> list[AccessLogEntry]:
        """Oldest first."""
        return list(self.session.scalars(select(AccessLogEntry).where(
            AccessLogEntry.citizen_id == citizen_id).order_by(AccessLogEntry.seq)))

    # face verifications
    def add_face_verification(self, verification: FaceVerification) -> None:
        self.session.add(verification)

    def face_verification(self, verification_id: str) -> FaceVerification | None:
        return self.session.get(FaceVerification, verification_id)

    def finish_face_verification(self, verification_id: str, status: str,
                                 result_sealed: str | None, at) -> bool:
        """Record the outcome if it is still pending: False when another got there first."""
        return self.session.execute(
            update(FaceVerification)
            .where(FaceVerification.id == verification_id, FaceVerification.status == "pending")
            .values(status=status, result_sealed=result_sealed, completed_at=at)).rowcount == 1


# Built once: SQLAlchemy then reuses its compiled form without working out its
# cache key again. On the registration hot path an ORM flush costs more than the row.
INSERT_CITIZEN = insert(Citizen.__table__)


_STANDING = select(Citizen.assurance_level, Citizen.locale).where(
    Citizen.id == bindparam("citizen_id"), Citizen.partner_id == bindparam("partner_id"))


def standing(connection: Connection, partner_id: str, citizen_id: str):
    """The partner's citizen's level and locale (the overview's hot path: no ORM
    session, nothing to decrypt); None if not the partner's."""
    return connection.execute(_STANDING, {"citizen_id": citizen_id,
                                          "partner_id": partner_id}).first()


def add_citizen(connection: Connection, citizen: NewCitizen) -> None:
    """Registration's hot path: one Core statement, no ORM session."""
    connection.execute(INSERT_CITIZEN, [{
        "id": citizen.id, "partner_id": citizen.partner_id,
        "partner_user_id": citizen.partner_user_id, "phone_sealed": citizen.phone_sealed,
        "phone_index": citizen.phone_index, "locale": citizen.locale,
        "assurance_level": citizen.assurance_level, "created_at": citizen.created_at}])


class PhoneCodes:
    """Pending phone codes in Redis, one per citizen, gone after five minutes; and how
    many codes each phone number was texted per day."""

    PREFIX = "phone-code"

    def __init__(self, redis):
        self.redis = redis

    def _key(self, citizen_id: str) -> str:
        return f"{self.PREFIX}:{citizen_id}"

    def put(self, citizen_id: str, code: PendingCode, **extra: str) -> None:
        """Replace the pending code; `extra` values wait beside it (an address)."""
        key = self._key(citizen_id)
        with self.redis.pipeline() as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"digest": code.digest, "expires_at": code.expires_at,
                                    "tries": code.tries_left, **extra})
            pipe.expire(key, LIFETIME_SECONDS)
            pipe.execute()

    def take_attempt(self, citizen_id: str) -> PendingCode | None:
        """The pending code as it stood before this attempt, which costs one try.

        The try is taken atomically first, so concurrent guesses cannot share one.
        """
        key = self._key(citizen_id)
        stored = self.redis.hgetall(key)
        if not stored:
            return None
        left = self.redis.hincrby(key, "tries", -1)
        return PendingCode(stored["digest"], float(stored["expires_at"]), left + 1)

    def waiting(self, citizen_id: str, field: str) -> str | None:
        """A value put beside the pending code."""
        return self.redis.hget(self._key(citizen_id), field)

    def discard(self, citizen_id: str) -> None:
        self.redis.delete(self._key(citizen_id))

    def count_text(self, phone_index: str, day) -> int:
        """Count one more code texted to this number (by its blind index) on `day`:
        how many that makes. Kept two days, past any time zone's end of that day."""
        key = f"phone-texts:{phone_index}:{day.isoformat()}"
        with self.redis.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, 2 * 24 * 3600)
            count, _ = pipe.execute()
        return count


class EmailCodes(PhoneCodes):
    """Pending e-mail codes, each with the sealed address it was mailed to."""

    PREFIX = "email-code"
