"""In-memory twins of identity's unit of work, repository, code store and outside
systems, for testing its use cases in milliseconds without the platform.

`tests/integration/test_identity_stores.py` runs the same contract tests against
these and the real ones (SQL on SQLite and PostgreSQL, Redis, the sandboxes over
HTTP), so a fake cannot drift from what it stands for.
"""

import copy
import uuid
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from sandboxes.face import SCORES
from sandboxes.registry import OUTAGE_ID_NUMBER, PEOPLE
from services.identity.adapters import (
    FaceResult,
    FaceSession,
    FaceUnavailable,
    RegistryAnswer,
    RegistryUnavailable,
)
from services.identity.domain.phone_codes import PendingCode
from services.identity.models import PENDING, Citizen, RealNameFailure
from services.identity.repository import AlreadyTaken


class FakeRepository:
    """The Repository's methods over dicts of model instances (no session)."""

    def __init__(self):
        self.citizens: dict[str, Citizen] = {}
        self.attempts: dict[int, RealNameFailure] = {}
        self.consents: dict = {}
        self.access: list = []
        self.faces: dict = {}

    # citizens
    def add(self, citizen: Citizen) -> Citizen:
        """For tests: a citizen as registration leaves it."""
        self.citizens[citizen.id] = citizen
        return citizen

    def citizen(self, citizen_id):
        citizen = self.citizens.get(citizen_id)
        return copy.copy(citizen) if citizen else None

    def citizen_of_partner(self, partner_id, citizen_id):
        citizen = self.citizens.get(citizen_id)
        return copy.copy(citizen) if citizen and citizen.partner_id == partner_id else None

    def citizen_by_partner_user(self, partner_id, partner_user_id):
        return next((copy.copy(c) for c in self.citizens.values()
                     if (c.partner_id, c.partner_user_id) == (partner_id, partner_user_id)),
                    None)

    def set_level(self, citizen_id, level):
        self.citizens[citizen_id].assurance_level = level

    def lock_citizen(self, citizen_id):
        pass  # one thread at a time here

    def id_number_taken(self, partner_id, index, citizen_id):
        return any(c.partner_id == partner_id and c.id_number_index == index
                   and c.id != citizen_id for c in self.citizens.values())

    def set_real_name(self, citizen_id, level, name_sealed, id_number_sealed,
                      id_number_index):
        citizen = self.citizens[citizen_id]
        if self.id_number_taken(citizen.partner_id, id_number_index, citizen_id):
            raise AlreadyTaken("the ID number backs another citizen")
        citizen.assurance_level, citizen.name_sealed = level, name_sealed
        citizen.id_number_sealed, citizen.id_number_index = id_number_sealed, id_number_index

    # real-name attempts
    def attempts_since(self, citizen_id, since):
        return [a.failed_at for a in self.attempts.values()
                if a.citizen_id == citizen_id and a.failed_at >= since]

    def add_attempt(self, citizen_id, at):
        attempt_id = max(self.attempts, default=0) + 1
        self.attempts[attempt_id] = RealNameFailure(id=attempt_id, citizen_id=citizen_id,
                                                    reason=PENDING, failed_at=at)
        return attempt_id

    def settle_attempt(self, attempt_id, reason):
        self.attempts[attempt_id].reason = reason

    def forget_attempt(self, attempt_id):
        self.attempts.pop(attempt_id, None)

    # consents and the access log
    def add_consent(self, consent):
        if self.active_consent(consent.citizen_id, consent.partner_id, consent.purpose,
                               consent.attributes) is not None:
            # What the database's uq_consents_active answers.
            raise IntegrityError("INSERT INTO consents", {}, Exception("uq_consents_active"))
        self.consents[consent.id] = consent

    def active_consent(self, citizen_id, partner_id, purpose, attributes):
        return next((c for c in self.active_consents(citizen_id, partner_id, purpose)
                     if c.attributes == attributes), None)

    def active_consents(self, citizen_id, partner_id, purpose=None):
        return sorted((c for c in self.consents.values()
                       if (c.citizen_id, c.partner_id) == (citizen_id, partner_id)
                       and c.revoked_at is None and purpose in (None, c.purpose)),
                      key=lambda c: c.granted_at)

    def consent_of(self, citizen_id, partner_id, consent_id):
        consent = self.consents.get(consent_id)
        if consent is None or (consent.citizen_id, consent.partner_id) != (citizen_id,
                                                                            partner_id):
            return None
        return consent

    def revoke_consent(self, consent_id, at):
        self.consents[consent_id].revoked_at = at

    def last_access_hash(self, citizen_id):
        return next((e.hash for e in reversed(self.access) if e.citizen_id == citizen_id), None)

    def append_access(self, entry):
        if any((e.citizen_id, e.prev_hash) == (entry.citizen_id, entry.prev_hash)
               for e in self.access):
            raise AlreadyTaken("another read was appended after the same entry")
        entry.seq = len(self.access) + 1
        self.access.append(entry)

    def access_log(self, citizen_id):
        return [e for e in self.access if e.citizen_id == citizen_id]

    # face verifications
    def add_face_verification(self, verification):
        self.faces[verification.id] = verification

    def face_verification(self, verification_id):
        found = self.faces.get(verification_id)
        return copy.copy(found) if found else None

    def finish_face_verification(self, verification_id, status, result_sealed, at):
        verification = self.faces[verification_id]
        if verification.status != "pending":
            return False
        verification.status, verification.result_sealed = status, result_sealed
        verification.completed_at = at
        return True


class FakeUnitOfWork:
    """Commits all of a transaction's changes and events, or none of them."""

    def __init__(self):
        self.repository = FakeRepository()
        self.published: list = []  # events of committed transactions, in order
        self._pending: list = []

    @contextmanager
    def transaction(self):
        saved = copy.deepcopy(self.repository.__dict__)
        self._pending = []
        try:
            yield self.repository
        except BaseException:
            self.repository.__dict__ = saved  # rolled back
            self._pending = []
            raise
        self.published += self._pending
        self._pending = []

    @contextmanager
    def read(self):
        yield self.repository

    def publish(self, event):
        self._pending.append(event)


class FakePhoneCodes:
    """PhoneCodes over a dict; gone after `discard`, one try less per attempt."""

    def __init__(self):
        self.codes: dict[str, PendingCode] = {}
        self.texts: dict[tuple, int] = {}

    def put(self, citizen_id, code):
        self.codes[citizen_id] = code

    def take_attempt(self, citizen_id):
        code = self.codes.get(citizen_id)
        if code is None:
            return None
        self.codes[citizen_id] = PendingCode(code.digest, code.expires_at, code.tries_left - 1)
        return code

    def discard(self, citizen_id):
        self.codes.pop(citizen_id, None)

    def count_text(self, phone_index, day):
        key = (phone_index, day)
        self.texts[key] = self.texts.get(key, 0) + 1
        return self.texts[key]


class FakeRegistry:
    """The population registry as the sandbox plays it: the same people, the same outage."""

    def __init__(self, people=None):
        self.people = dict(PEOPLE if people is None else people)
        self.asked = 0

    def check(self, name, id_number):
        self.asked += 1
        if id_number == OUTAGE_ID_NUMBER:
            raise RegistryUnavailable("the registry answered 503")
        if id_number not in self.people:
            return RegistryAnswer.NOT_FOUND
        return RegistryAnswer.MATCH if self.people[id_number] == name else \
            RegistryAnswer.MISMATCH


class FakeFaceProvider:
    """Face sessions in memory; `complete` plays the citizen's phone, `down` an outage."""

    def __init__(self):
        self.sessions: dict[str, dict] = {}
        self.down = False

    def start(self):
        if self.down:
            raise FaceUnavailable("the face provider is down")
        session_id = uuid.uuid4().hex
        self.sessions[session_id] = {"status": "pending"}
        return FaceSession(session_id, f"fake://face/{session_id}/complete")

    def complete(self, session_id, outcome):
        match_score, risk_score = SCORES[outcome]
        self.sessions[session_id] = {"status": "completed", "outcome": outcome,
                                     "match_score": match_score, "risk_score": risk_score}

    def result(self, session_id):
        if self.down:
            raise FaceUnavailable("the face provider is down")
        session = self.sessions[session_id]
        if session["status"] != "completed":
            return None
        return FaceResult(session["outcome"], session["match_score"], session["risk_score"])


class FakeTexts:
    """The `sms(phone, kind, locale, values)` callable: what would have been texted."""

    def __init__(self):
        self.sent: list[tuple] = []

    def __call__(self, phone, kind, locale, values):
        self.sent.append((phone, kind, locale, values))
