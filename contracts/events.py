"""Events: facts that happened, named in the past tense.

Every event crosses the broker inside the same envelope. Payloads carry ids and
non-personal values only: never names, phones, ID numbers or face results.
"""

import uuid
from datetime import UTC, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class EventEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    version: int = 1
    source: str
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str | None = None
    citizen_id: str | None = None
    payload: dict


class Event(BaseModel):
    """A payload; each kind names its TYPE (routing key) and SOURCE (publisher) once.

    `db.publish(CitizenRegistered(...))` inside a transaction is all a service
    writes; handlers subscribe with `@reliable_handler(CitizenRegistered)`.
    """

    TYPE: ClassVar[str]
    SOURCE: ClassVar[str]
    # True: published as TYPE.<citizen_id>, so that a consumer that wants only some
    # citizens' events binds to just those (the gateways' live streams).
    BY_CITIZEN: ClassVar[bool] = False

    def routing_key(self) -> str:
        return f"{self.TYPE}.{self.citizen_id}" if self.BY_CITIZEN else self.TYPE

    @classmethod
    def binding_key(cls, citizen_id: str | None = None) -> str:
        """The binding that receives these events (of one citizen, when given)."""
        if not cls.BY_CITIZEN:
            return cls.TYPE
        return f"{cls.TYPE}.{citizen_id if citizen_id is not None else '*'}"


class CitizenRegistered(Event):
    """identity -> anyone: a partner registered a new citizen."""

    TYPE: ClassVar[str] = "citizen.registered"
    SOURCE: ClassVar[str] = "identity"

    citizen_id: str
    partner_id: str
    locale: str


def open_envelope(body: dict, payload_model):
    """The envelope of a delivered event, and its payload as `payload_model`."""
    envelope = EventEnvelope.model_validate(body)
    return envelope, payload_model.model_validate(envelope.payload)


def events_exchange(source: str) -> str:
    """The topic exchange a service publishes its events to."""
    return f"{source}.events"


class CitizenPhoneVerified(Event):
    """identity -> anyone: the citizen confirmed their phone with a one-time code."""

    TYPE: ClassVar[str] = "citizen.phone_verified"
    SOURCE: ClassVar[str] = "identity"

    citizen_id: str
    partner_id: str


class CitizenVerified(Event):
    """identity -> anyone: the citizen reached a new assurance level."""

    TYPE: ClassVar[str] = "citizen.verified"
    SOURCE: ClassVar[str] = "identity"

    citizen_id: str
    partner_id: str
    level: int
    locale: str


class CitizenVerificationFailed(Event):
    """identity -> anyone: a check failed; `locked` when that failure locked the check."""

    TYPE: ClassVar[str] = "citizen.verification_failed"
    SOURCE: ClassVar[str] = "identity"

    citizen_id: str
    partner_id: str
    check: str
    reason: str
    locked: bool
    locale: str


class CitizenEmailConfirmed(Event):
    """identity -> anyone: the citizen confirmed an e-mail address (notify may mail them)."""

    TYPE: ClassVar[str] = "citizen.email_confirmed"
    SOURCE: ClassVar[str] = "identity"

    citizen_id: str
    partner_id: str
    locale: str


class FaceVerificationStarted(Event):
    """identity -> anyone: the citizen began face and liveness, to finish by `expires_at`
    on their phone."""

    TYPE: ClassVar[str] = "face_verification.started"
    SOURCE: ClassVar[str] = "identity"

    verification_id: str
    citizen_id: str
    expires_at: str  # RFC 3339, UTC


class FaceVerificationEnded(Event):
    """identity -> anyone: a face verification ended: `passed`, `failed` or `expired`
    (no face results: the outcome only)."""

    TYPE: ClassVar[str] = "face_verification.ended"
    SOURCE: ClassVar[str] = "identity"

    verification_id: str
    citizen_id: str
    status: str


class ConsentGranted(Event):
    """identity -> anyone: a citizen let a partner read attributes for a purpose."""

    TYPE: ClassVar[str] = "consent.granted"
    SOURCE: ClassVar[str] = "identity"

    consent_id: str
    citizen_id: str
    partner_id: str
    attributes: list[str]
    purpose: str


class ConsentRevoked(Event):
    """identity -> anyone: a citizen withdrew a consent."""

    TYPE: ClassVar[str] = "consent.revoked"
    SOURCE: ClassVar[str] = "identity"

    consent_id: str
    citizen_id: str
    partner_id: str


class NotificationCreated(Event):
    """notify -> the gateways' live streams: a message is in a citizen's inbox.

    `notification` is the inbox item as the API shows it. Its texts come from the
    templates, which carry no personal data (services/notify/templates/README.md).
    """

    TYPE: ClassVar[str] = "notification.created"
    SOURCE: ClassVar[str] = "notify"
    BY_CITIZEN: ClassVar[bool] = True

    citizen_id: str
    notification: dict


class PaymentEvent(Event):
    """payments -> anyone: something happened to a citizen's payment order.

    Ids, the fee and amounts only: what the order pays for is the citizen's to see
    through the API, not the broker's.
    """

    SOURCE: ClassVar[str] = "payments"

    payment_id: str
    citizen_id: str
    fee_code: str
    amount_cents: int


class PaymentCreated(PaymentEvent):
    TYPE: ClassVar[str] = "payment.created"


class PaymentSucceeded(PaymentEvent):
    """The provider took the citizen's money for the order."""

    TYPE: ClassVar[str] = "payment.succeeded"


class PaymentFailed(PaymentEvent):
    """The order ended unpaid: the bank `declined`, or the provider `closed` it."""

    TYPE: ClassVar[str] = "payment.failed"

    reason: str


class PaymentExpired(PaymentEvent):
    """Nobody paid the order in time; the janitor closed it at the provider."""

    TYPE: ClassVar[str] = "payment.expired"


class PaymentAgencyConfirmed(PaymentEvent):
    """The agency acknowledged the payment (the bill is written off)."""

    TYPE: ClassVar[str] = "payment.agency_confirmed"


class PaymentRefunded(PaymentEvent):
    """Money went back to the citizen: `refunded_cents` this time, for `reason`."""

    TYPE: ClassVar[str] = "payment.refunded"

    refund_id: str
    refunded_cents: int
    reason: str


class PaymentReconciliationMismatch(Event):
    """payments -> ops: the day's reconciliation found money the three sides disagree
    on (docs/operations.md, "Reconciliation", says what to do with each kind)."""

    TYPE: ClassVar[str] = "payment.reconciliation_mismatch"
    SOURCE: ClassVar[str] = "payments"

    day: str
    kind: str
    line: str
    key: str
    payment_id: str
    provider_amount_cents: int | None
    ledger_amount_cents: int | None
    # Settled by the hub itself (asked the provider and applied its answer, or sent a
    # refund again); False: a person must look (docs/operations.md, Reconciliation).
    settled: bool = False


class BillIssued(Event):
    """payments -> anyone: an agency issued a new bill on an account the citizen linked."""

    TYPE: ClassVar[str] = "bill.issued"
    SOURCE: ClassVar[str] = "payments"

    bill_id: str
    citizen_id: str
    fee_code: str
    amount_cents: int
    due_date: str


class AppointmentEvent(Event):
    """appointments -> anyone: something happened to a citizen's appointment.

    Ids and the slot's start only: where and why the citizen goes is theirs to read
    through the API.
    """

    SOURCE: ClassVar[str] = "appointments"

    appointment_id: str
    citizen_id: str
    institution_id: str
    department_id: str
    slot_id: str
    start: str  # RFC 3339, UTC


class AppointmentHeld(AppointmentEvent):
    """A place is held for the citizen for a few minutes, until they book it."""

    TYPE: ClassVar[str] = "appointment.held"


class AppointmentBooked(AppointmentEvent):
    TYPE: ClassVar[str] = "appointment.booked"


class AppointmentCancelled(AppointmentEvent):
    """The appointment ended before the visit: `reason` is who or what ended it
    (`cancelled_by_citizen`, `payment_failed`…)."""

    TYPE: ClassVar[str] = "appointment.cancelled"

    reason: str


class AppointmentRescheduled(AppointmentEvent):
    """The visit moved to another slot of its department (`slot_id`, `start` are the new)."""

    TYPE: ClassVar[str] = "appointment.rescheduled"

    from_slot_id: str
    from_start: str


class AppointmentReminder(AppointmentEvent):
    """Time to remind the citizen of a booked visit: `evening_before` or
    `two_hours_before`."""

    TYPE: ClassVar[str] = "appointment.reminder"

    kind: str


class AppointmentCheckedIn(AppointmentEvent):
    """The citizen arrived and checked in at the institution's kiosk."""

    TYPE: ClassVar[str] = "appointment.checked_in"

    queue_number: str


class AppointmentNoshow(AppointmentEvent):
    """The citizen did not check in by half an hour after the slot ended."""

    TYPE: ClassVar[str] = "appointment.noshow"


class WaitlistOffered(Event):
    """appointments -> anyone: a place of a slot the citizen waits for is free; the
    first waiting citizen to hold it gets it."""

    TYPE: ClassVar[str] = "waitlist.offered"
    SOURCE: ClassVar[str] = "appointments"

    waitlist_id: str
    citizen_id: str
    institution_id: str
    department_id: str
    slot_id: str
    start: str


class MatterEvent(Event):
    """matters -> anyone: a citizen's matter opened or moved on.

    The tracking number, the service and the states only: what was filed, and by
    whom, is the citizen's to read through the API. `items` are the names of what an
    agency asked for (a photo, a proof of address), never their contents.
    """

    SOURCE: ClassVar[str] = "matters"

    matter_id: str
    tracking_number: str
    citizen_id: str
    service_code: str
    kind: str
    action: str
    by: str  # citizen, agency, hub
    from_state: str | None
    to_state: str
    final: bool
    due_at: str | None  # RFC 3339, UTC: the new state's time limit
    items: list[str] = []


class MatterOpened(MatterEvent):
    TYPE: ClassVar[str] = "matter.opened"


class MatterMoved(MatterEvent):
    TYPE: ClassVar[str] = "matter.moved"


# Every kind of event any service publishes.
EVENT_MODELS: tuple[type[Event], ...] = (
    CitizenRegistered, CitizenPhoneVerified, CitizenVerified, CitizenVerificationFailed,
    CitizenEmailConfirmed, FaceVerificationStarted, FaceVerificationEnded, ConsentGranted,
    ConsentRevoked, NotificationCreated,
    PaymentCreated, PaymentSucceeded, PaymentFailed, PaymentExpired, PaymentAgencyConfirmed,
    PaymentRefunded, PaymentReconciliationMismatch, BillIssued,
    AppointmentHeld, AppointmentBooked, AppointmentCancelled, AppointmentRescheduled,
    AppointmentCheckedIn, AppointmentNoshow, AppointmentReminder, WaitlistOffered,
    MatterOpened, MatterMoved,
)
