from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from services.identity.domain import NewCitizen
from services.identity.models import PENDING, AccessLogEntry, Citizen, Consent, RealNameFailure
from services.identity.phone_codes import LIFETIME_SECONDS, PendingCode


def set_level(session: Session, citizen_id: str, level: int) -> None:
    session.execute(update(Citizen).where(Citizen.id == citizen_id)
                    .values(assurance_level=level))


def lock_citizen(session: Session, citizen_id: str) -> None:
    """Serialise the transactions of one citizen from here to their commit.

    A write as the transaction's first statement: PostgreSQL locks the row, and
    SQLite takes its write lock (waiting up to busy_timeout). A read first would
    not do on SQLite: its driver begins the transaction only at the first write,
    so what was read before could already be stale.
    """
    session.execute(update(Citizen).where(Citizen.id == citizen_id)
                    .values(assurance_level=Citizen.assurance_level))


def attempts_since(session: Session, citizen_id: str, since) -> list:
    """When each real-name attempt that counts for the lockout was made: failures,
    and attempts still waiting for the registry's answer."""
    return list(session.scalars(
        select(RealNameFailure.failed_at).where(RealNameFailure.citizen_id == citizen_id,
                                                RealNameFailure.failed_at >= since)))


def add_attempt(session: Session, citizen_id: str, at) -> int:
    attempt = RealNameFailure(citizen_id=citizen_id, reason=PENDING, failed_at=at)
    session.add(attempt)
    session.flush()
    return attempt.id


def settle_attempt(session: Session, attempt_id: int, reason: str) -> None:
    session.execute(update(RealNameFailure).where(RealNameFailure.id == attempt_id)
                    .values(reason=reason))


def forget_attempt(session: Session, attempt_id: int) -> None:
    session.execute(delete(RealNameFailure).where(RealNameFailure.id == attempt_id))


def id_number_taken(session: Session, partner_id: str, index: str, citizen_id: str) -> bool:
    return session.scalar(select(Citizen.id).where(
        Citizen.partner_id == partner_id, Citizen.id_number_index == index,
        Citizen.id != citizen_id)) is not None


def set_real_name(session: Session, citizen_id: str, level: int, name_sealed: str,
                  id_number_sealed: str, id_number_index: str) -> None:
    session.execute(update(Citizen).where(Citizen.id == citizen_id).values(
        assurance_level=level, name_sealed=name_sealed, id_number_sealed=id_number_sealed,
        id_number_index=id_number_index))


def citizen_of_partner(session: Session, partner_id: str, citizen_id: str) -> Citizen | None:
    citizen = session.get(Citizen, citizen_id)
    if citizen is None or citizen.partner_id != partner_id:
        return None
    return citizen


def citizen_by_partner_user(session: Session, partner_id: str,
                            partner_user_id: str) -> Citizen | None:
    return session.scalar(select(Citizen).where(Citizen.partner_id == partner_id,
                                                Citizen.partner_user_id == partner_user_id))


# Built once: SQLAlchemy then reuses its compiled form without working out its
# cache key again. On the registration hot path an ORM flush costs more than the row.
INSERT_CITIZEN = insert(Citizen.__table__)


def add_citizen(connection: Connection, citizen: NewCitizen) -> None:
    connection.execute(INSERT_CITIZEN, [{
        "id": citizen.id, "partner_id": citizen.partner_id,
        "partner_user_id": citizen.partner_user_id, "phone_sealed": citizen.phone_sealed,
        "phone_index": citizen.phone_index, "locale": citizen.locale,
        "assurance_level": citizen.assurance_level, "created_at": citizen.created_at}])


class PhoneCodes:
    """Pending phone codes in Redis: one per citizen, gone after five minutes."""

    def __init__(self, redis):
        self.redis = redis

    @staticmethod
    def _key(citizen_id: str) -> str:
        return f"phone-code:{citizen_id}"

    def put(self, citizen_id: str, code: PendingCode) -> None:
        key = self._key(citizen_id)
        with self.redis.pipeline() as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"digest": code.digest, "expires_at": code.expires_at,
                                    "tries": code.tries_left})
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

    def discard(self, citizen_id: str) -> None:
        self.redis.delete(self._key(citizen_id))


def active_consents(session: Session, citizen_id: str, partner_id: str,
                    purpose: str | None = None) -> list[Consent]:
    query = select(Consent).where(Consent.citizen_id == citizen_id,
                                  Consent.partner_id == partner_id,
                                  Consent.revoked_at.is_(None))
    if purpose is not None:
        query = query.where(Consent.purpose == purpose)
    return list(session.scalars(query))


def consent_of(session: Session, citizen_id: str, partner_id: str,
               consent_id: str) -> Consent | None:
    consent = session.get(Consent, consent_id)
    if consent is None or (consent.citizen_id, consent.partner_id) != (citizen_id, partner_id):
        return None
    return consent


def last_access_hash(session: Session, citizen_id: str) -> str | None:
    return session.scalar(select(AccessLogEntry.hash).where(
        AccessLogEntry.citizen_id == citizen_id).order_by(AccessLogEntry.seq.desc()).limit(1))


def access_log(session: Session, citizen_id: str) -> list[AccessLogEntry]:
    return list(session.scalars(select(AccessLogEntry).where(
        AccessLogEntry.citizen_id == citizen_id).order_by(AccessLogEntry.seq)))
