"""The HTTP API's bodies, queries and answers. The gateway validates requests with
these models and the OpenAPI document is generated from them and the routes
(gateway/openapi.py), so the two cannot drift. Formats come from contracts/formats.py,
which the services' own rules use too."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel, model_validator

from contracts import formats
from contracts.errors import InvalidInput


class Strict(BaseModel):
    # Unknown fields are an error, not silently ignored: a typo must not pass.
    model_config = ConfigDict(extra="forbid", strict=True)


def _whole_number(value):
    # JSON Schema's integer is any number with no fraction: 56085.0 is 56085.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class RegisterCitizen(Strict):
    partner_user_id: str = Field(pattern=formats.PARTNER_USER_ID,
                                 description="The partner's own id for this user.")
    phone: str = Field(pattern=formats.PHONE, description="E.164, e.g. +8613812345678")
    locale: Literal[formats.LOCALES] = Field(description="Language of messages to the citizen.")


class AddEmail(Strict):
    address: str = Field(pattern=formats.EMAIL, max_length=formats.EMAIL_MAX,
                         description="Mailed a six-digit code; it is the citizen's once "
                                     "confirmed")


class ConfirmPhone(Strict):
    code: str = Field(pattern=formats.PHONE_CODE,
                      description="The six digits the citizen received")


class RealName(Strict):
    name: str = Field(pattern=formats.NAME,
                      description="As on the identity card: 1-64 characters, no digits, no "
                                  "space at either end")
    id_number: str = Field(pattern=formats.ID_NUMBER,
                           description="18-character resident identity card number: 17 "
                                       "digits and a digit or X; its birth date and check "
                                       "character are checked too (id_number_invalid)")


class AssertionRequest(Strict):
    audience: str = Field(pattern=formats.AUDIENCE,
                          description="Who will check the token, e.g. payments")


class Assertion(BaseModel):
    token: str = Field(description="JWT, EdDSA (Ed25519); verify with the JWKS")
    token_type: Literal["JWT"]
    assurance_level: int
    expires_in: int


Attribute = Literal["name", "id_number", "phone"]


class GrantConsent(Strict):
    attributes: list[Attribute] = Field(min_length=1)
    purpose: str = Field(pattern=formats.PURPOSE,
                         description="Why the partner reads them, e.g. fine-payment")


class AttributesQuery(Strict):
    attributes: str = Field(pattern=r"^(name|id_number|phone)(,(name|id_number|phone))*$",
                            description="Comma separated, e.g. name,id_number")
    purpose: str = Field(pattern=formats.PURPOSE, description="A purpose consented to")


class InstitutionsQuery(Strict):
    kind: Literal["hospital", "service_hall"] | None = None


class Consent(BaseModel):
    consent_id: str
    attributes: list[str]
    purpose: str
    granted_at: datetime
    revoked_at: datetime | None


class ConsentList(BaseModel):
    items: list[Consent]


class Attributes(BaseModel):
    purpose: str
    attributes: dict[str, str | None] = Field(description="In the clear; every read is logged")


class AccessLogItem(BaseModel):
    reader: str
    attributes: list[str]
    purpose: str
    read_at: datetime
    hash: str


class AccessLog(BaseModel):
    items: list[AccessLogItem]
    chain_intact: bool


class FaceVerification(BaseModel):
    verification_id: str
    status: Literal["pending", "passed", "failed", "expired"]
    expires_at: datetime
    sandbox_complete_url: str | None = Field(
        default=None, description="Sandbox only: POST {\"outcome\": \"pass\"} here to "
                                  "play the citizen's phone")


class CodeSent(BaseModel):
    status: Literal["sent"]
    expires_in: int = Field(description="Seconds the code stays valid")


class Citizen(BaseModel):
    citizen_id: str
    partner_user_id: str
    phone: str = Field(description="Masked: +86138****5678")
    name: str | None = Field(default=None, description="Masked (张*); null before level 2")
    id_number: str | None = Field(default=None,
                                  description="Masked (1101**********002X); null before level 2")
    email: str | None = Field(default=None,
                              description="Masked (z********@example.com); null until confirmed")
    locale: str
    assurance_level: int
    created_at: datetime


class NotificationsQuery(BaseModel):
    # Query strings are text: "20" is the number 20 here, unlike in JSON bodies.
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100, description="Items per page")
    cursor: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,200}$",
                               description="next_cursor of the page before; opaque")


class Action(BaseModel):
    type: str = Field(description="What the super-app opens: profile, payment, bill, "
                                  "appointment, slot (a waitlist offer)")
    id: str


Category = Literal[formats.NOTIFICATION_CATEGORIES]


class Notification(BaseModel):
    notification_id: str
    category: Category
    template_id: str
    template_version: int
    locale: str
    title: str
    body: str
    action: Action | None
    read: bool
    created_at: datetime


DeliveryState = Literal["created", "sending", "delivered", "temporary-failure",
                        "permanent-failure", "technical-failure"]


class ChannelStatus(BaseModel):
    channel: Literal["inbox", "push", "sms", "email"]
    status: DeliveryState
    action: Literal["none", "wait", "retry_later", "fix_address", "switch_channel"] = Field(
        description="What the caller should do: nothing, wait, try again later, fix the "
                    "phone or address, or reach the citizen another way")
    reason: str | None = Field(description="Why it went out although the citizen turned "
                                           "the channel off, or why it waited")
    detail: str | None = Field(description="What the provider or endpoint said")
    updated_at: datetime | None = None


class NotificationDetail(Notification):
    channels: list[ChannelStatus]


class ChannelChoice(Strict):
    push: bool | None = Field(default=None, description="The partner's push (webhook)")
    sms: bool | None = None
    email: bool | None = None


class AcceptSubscription(Strict):
    template_id: str = Field(pattern=r"^[a-z0-9_]{1,64}$",
                             description="The template the citizen subscribed to")
    kind: Literal["one_time", "long_term"] = Field(
        description="one_time: one message per acceptance; long_term: payments, "
                    "appointments and matters only")


class Subscription(BaseModel):
    template_id: str
    one_time_credits: int = Field(description="Pushes left from one-time acceptances")
    long_term: bool
    updated_at: datetime


class SubscriptionList(BaseModel):
    items: list[Subscription]


class PutPreferences(Strict):
    categories: dict[Category, ChannelChoice] = Field(
        min_length=1, description="The categories to change; channels left out keep "
                                  "their setting")


class ChannelsChosen(BaseModel):
    push: bool
    sms: bool
    email: bool


class QuietHours(BaseModel):
    from_: str = Field(alias="from")
    until: str
    time_zone: str
    applies_to: list[str]


class Preferences(BaseModel):
    categories: dict[Category, ChannelsChosen] = Field(
        description="The inbox gets everything; these are the other channels")
    critical_categories: list[Category] = Field(description="Always on, by law")
    quiet_hours: QuietHours


class Receipt(BaseModel):
    received: bool


class NotificationPage(BaseModel):
    items: list[Notification] = Field(description="Newest first")
    unread_count: int
    next_cursor: str | None = Field(description="Pass as cursor for the next (older) page; "
                                                "null on the last page")


class AllRead(BaseModel):
    marked: int = Field(description="How many were unread")
    unread_count: Literal[0]


class PutWebhook(Strict):
    url: str = Field(max_length=2048, pattern=formats.WEBHOOK_URL,
                     description="Where deliveries are posted: https (http only in "
                                 "development), never a private address in production")
    categories: list[Category] = Field(min_length=1,
                                       description="The notification categories to deliver")
    enabled: bool = Field(default=True, description="false pauses deliveries; true "
                                                    "re-enables a paused endpoint, resuming "
                                                    "where deliveries stopped")
    requires_subscription: bool = Field(
        default=False, description="A mini-program: push a template to a citizen only with "
                                   "their subscription to it (POST …/subscriptions)")


class Webhook(BaseModel):
    url: str
    categories: list[Category]
    status: Literal["active", "paused"]
    requires_subscription: bool
    consecutive_failures: int
    pending: int = Field(description="Deliveries waiting to be sent")
    retry_at: datetime | None = Field(description="While failing: the next attempt")
    paused_at: datetime | None
    created_at: datetime
    updated_at: datetime
    secret: str | None = Field(default=None,
                               description="The signing secret: only in the answer that "
                                           "created the endpoint; keep it")


DeliveryStatus = Literal["pending", "delivered", "failed", "expired", "cancelled"]


class DeliveriesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: DeliveryStatus | None = None
    limit: int = Field(default=20, ge=1, le=100, description="Items per page")
    cursor: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,200}$",
                               description="next_cursor of the page before; opaque")


class Delivery(BaseModel):
    delivery_id: str
    event_id: str = Field(description="The idempotency id: the same on every attempt")
    sequence: int
    category: Category
    status: DeliveryStatus
    attempts: int
    last_attempt_at: datetime | None
    last_status_code: int | None = Field(description="What the endpoint answered last")
    last_error: str | None = Field(description="e.g. timed out, could not connect")
    delivered_at: datetime | None
    created_at: datetime


class DeliveryList(BaseModel):
    items: list[Delivery] = Field(description="Newest first")
    next_cursor: str | None


class PartnerEventsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,200}$",
                              description="next_cursor of the answer before; from the "
                                          "first event without it")
    limit: int = Field(default=100, ge=1, le=100)


class PartnerEventData(BaseModel):
    notification: Notification


class PartnerEvent(BaseModel):
    id: str = Field(description="The idempotency id: deliveries of it carry the same")
    sequence: int = Field(description="1, 2, 3 ... per partner, without gaps")
    type: Literal["notification.created"]
    category: Category
    citizen_id: str
    created_at: datetime
    data: PartnerEventData


class PartnerEventList(BaseModel):
    items: list[PartnerEvent] = Field(description="Oldest first")
    next_cursor: str = Field(description="Pass as after to go on, also when items is empty")


class LocalisedName(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    zh_CN: str = Field(alias="zh-CN")
    en: str


class Fee(BaseModel):
    code: str
    category: str
    name: LocalisedName
    amount_cents: int | None = Field(description="null: the amount comes from the bill")
    currency: str
    required_assurance_level: int


class FeeList(BaseModel):
    items: list[Fee]


class LookupBill(Strict):
    fee_code: str = Field(pattern=r"^[a-z0-9-]{1,64}$",
                          description="A billed fee from the catalogue (amount_cents null)")
    bill_number: str = Field(min_length=4, max_length=64,
                             description="The ticket number, or account and period, as the "
                                         "agency prints it")


class Bill(BaseModel):
    bill_id: str
    fee_code: str
    bill_number: str
    account: str | None = Field(description="The account it was issued to; null for a ticket")
    payee: str
    amount_cents: int = Field(description="As the agency issued it, in fen")
    late_fee_cents: int = Field(description="Added by the agency after the due date")
    total_cents: int = Field(description="What an order for it costs")
    currency: str
    due_date: date
    status: Literal["payable", "paid", "expired"]


class BillList(BaseModel):
    items: list[Bill] = Field(description="Payable bills, soonest due first")


class LinkAccount(Strict):
    fee_code: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    account: str = Field(min_length=4, max_length=32,
                         description="A plate (粤A12345), a water or power account")


class LinkedAccount(BaseModel):
    fee_code: str
    account: str
    refreshed_at: datetime | None = Field(description="When its bills were last fetched")


class LinkedAccountList(BaseModel):
    items: list[LinkedAccount]


def _amount_shown():
    return Field(default=None, description="The amount the citizen was shown; when sent, "
                                           "an order for any other amount is refused (422 "
                                           "amount_changed)")


class PayBill(Strict):
    bill_id: str = Field(min_length=36, max_length=36,
                         description="A bill the citizen looked up; the agency's amount is "
                                     "the order's")
    amount_cents: Annotated[int, Field(ge=1, le=formats.MAX_AMOUNT_CENTS),
                            BeforeValidator(_whole_number)] | None = _amount_shown()


class PayFee(Strict):
    fee_code: str = Field(pattern=r"^[a-z0-9-]{1,64}$",
                          description="A fee with a fixed amount, from the catalogue")
    reference: str | None = Field(
        default=None, pattern=formats.REFERENCE,
        description="Your own reference for the order (shown with it)")
    amount_cents: Annotated[int, Field(ge=1, le=formats.MAX_AMOUNT_CENTS),
                            BeforeValidator(_whole_number)] | None = _amount_shown()


class CreatePayment(RootModel[PayBill | PayFee]):
    """A bill by its id, or a fixed fee by its code."""


PAYMENT_STATES = Literal["awaiting_payment", "succeeded", "agency_confirmed", "failed",
                         "expired", "closed", "partially_refunded", "refunded"]


class Payment(BaseModel):
    payment_id: str
    fee_code: str
    bill_id: str | None
    amount_cents: int
    refunded_cents: int
    currency: str
    reference: str | None
    status: PAYMENT_STATES
    cashier_url: str | None = Field(description="Where the citizen pays, while awaiting payment")
    created_at: datetime
    expires_at: datetime | None = Field(description="Unpaid by then, the order expires")
    paid_at: datetime | None


class Transition(BaseModel):
    from_: str | None = Field(alias="from")
    to: PAYMENT_STATES
    cause: Literal["created", "provider_notification", "provider_query", "janitor",
                   "agency", "refund", "reconciliation"]
    at: datetime
    note: str | None


class PaymentDetail(Payment):
    history: list[Transition] = Field(description="Every move of the order, oldest first")
    refundable_cents: int = Field(description="What a refund can still give back (refunds in "
                                              "flight count as given)")


class PaymentList(BaseModel):
    items: list[Payment]


class Refund(BaseModel):
    refund_id: str
    request_no: str
    amount_cents: int
    reason: str
    requested_by: Literal["platform", "agency", "ops"]
    status: Literal["pending", "succeeded"]
    created_at: datetime
    done_at: datetime | None


class RefundList(BaseModel):
    items: list[Refund]


class ReceiptBody(BaseModel):
    number: str
    payment_id: str
    agency: str
    payee: str
    fee_code: str
    fee: LocalisedName | None
    reference: str | None
    amount_cents: int
    currency: str
    paid_at: datetime
    agency_confirmation: str | None
    payer: str | None = Field(description="The payer's name, masked (张*)")


class ReceiptCopy(BaseModel):
    token: str = Field(description="A JWS (EdDSA) signed by the hub; verify it with the keys "
                                   "at /v1/.well-known/jwks.json or POST /v1/receipts/verify")
    qr_payload: str = Field(description="What the receipt's QR code holds: CHR1: and the token")
    receipt: ReceiptBody


class VerifyReceipt(Strict):
    token: str = Field(min_length=1, max_length=8192,
                       description="The receipt's token, or its QR payload")


class ReceiptCheck(BaseModel):
    valid: bool
    reason: str | None = Field(description="Why it is not valid")
    receipt: ReceiptBody | None
    payment_status: str | None = Field(description="How the order stands now (a receipt "
                                                   "stays valid after a refund; this says so)")
    refunded_cents: int | None = None


class SlotsQuery(BaseModel):
    # Query strings are text: "2026-12-02" is a date here.
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    department: str | None = Field(default=None, min_length=1, max_length=64,
                                   description="Only this department's slots")
    from_: date | None = Field(default=None, alias="from", ge=formats.FIRST_CITY_DAY,
                               le=formats.LAST_CITY_DAY,
                               description="First city day (YYYY-MM-DD, 2000-01-01 to "
                                           "2099-12-31); today if absent")
    to: date | None = Field(default=None, ge=formats.FIRST_CITY_DAY,
                            le=formats.LAST_CITY_DAY,
                            description="Last city day, at most 31 days on; "
                                        "a week from `from` if absent")

    @model_validator(mode="after")
    def _a_listing(self):
        # Refused here, before any RPC, as appointments would refuse it.
        if self.from_ and self.to:
            if self.to < self.from_:
                raise InvalidInput("to is before from", field="to")
            if (self.to - self.from_).days >= formats.LONGEST_LISTING_DAYS:
                raise InvalidInput(f"a listing covers at most {formats.LONGEST_LISTING_DAYS}"
                                   " days", field="to")
        return self


class Department(BaseModel):
    id: str
    institution_id: str
    name: LocalisedName
    fee_code: str | None = Field(description="The registration fee in the catalogue; "
                                             "null: booking is free")
    documents: list[LocalisedName] = Field(description="What to bring, so that one trip is "
                                                       "enough")


class DepartmentList(BaseModel):
    items: list[Department]


class ScheduleName(BaseModel):
    id: str
    name: LocalisedName


class Slot(BaseModel):
    slot_id: str
    department_id: str
    schedule: ScheduleName
    day: date = Field(description="The city's day")
    start: datetime
    end: datetime
    status: Literal["free", "busy"] = Field(description="FHIR Slot.status: busy when no "
                                                       "place is left")
    places: int
    places_left: int
    opens_at: datetime = Field(description="When the slot can first be held")
    released: bool


class SlotList(BaseModel):
    items: list[Slot]


class HoldSlot(Strict):
    slot_id: str = Field(min_length=1, max_length=36)


class Hold(BaseModel):
    hold_id: str = Field(description="Book it with POST …/appointments before expires_at")
    slot_id: str
    status: Literal["proposed"]
    expires_at: datetime


class WaitlistEntry(BaseModel):
    waitlist_id: str
    slot_id: str
    start: datetime
    status: Literal["waiting", "offered"] = Field(
        description="offered: a place came free and the citizen was told; hold it to take it")
    joined_at: datetime
    offered_at: datetime | None


class WaitlistList(BaseModel):
    items: list[WaitlistEntry]


class BookAppointment(Strict):
    hold_id: str = Field(min_length=1, max_length=36)


class FeeOrder(BaseModel):
    payment_id: str
    amount_cents: int
    cashier_url: str | None
    expires_at: datetime


APPOINTMENT_STATES = Literal["pending", "booked", "arrived", "cancelled", "noshow"]


class Appointment(BaseModel):
    appointment_id: str
    institution_id: str
    department_id: str
    slot_id: str
    day: date
    start: datetime
    end: datetime
    status: APPOINTMENT_STATES = Field(description="FHIR Appointment.status")
    payment_id: str | None
    queue_number: str | None = Field(description="Given at check-in: A001, A002…")
    ended_because: str | None = Field(description="cancelled_by_citizen, hold_expired…")
    created_at: datetime
    documents: list[LocalisedName] | None = Field(
        default=None, description="What to bring (on a single appointment's answer)")
    payment: FeeOrder | None = Field(
        default=None, description="The registration fee's order, on a booking's answer "
                                  "where the department charges one")


class AppointmentList(BaseModel):
    items: list[Appointment]


class Institution(BaseModel):
    id: str
    kind: Literal["hospital", "service_hall"]
    name: LocalisedName
    district: str
    address: str
    required_assurance_level: int = Field(description="A hold below it is refused (403)")


class InstitutionList(BaseModel):
    items: list[Institution]


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. signature_invalid")
    message: str
    field: str | None
    request_id: str


class Error(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str] = Field(description="ok, or down: and why, per dependency")
    down: list[str] | None = Field(default=None, description="What is down, when unavailable")


class JsonWebKey(BaseModel):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    alg: Literal["EdDSA"]
    use: Literal["sig"]


class JsonWebKeySet(BaseModel):
    keys: list[JsonWebKey]


# The catalogue's categories (services/matters/domain/catalogue.py; a unit test keeps
# the two the same), so that the document states the rule the service enforces.
ServiceCategoryCode = Literal[
    "traffic", "utilities", "social_insurance", "housing_fund", "medical", "household",
    "residence", "entry_exit", "property", "tax", "civil_affairs", "employment",
    "business", "education"]


class ServicesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(default=None, min_length=1, max_length=100,
                          description="Words to find in a service's name or summary, in "
                                      "Chinese or English (every word must be there)")
    category: ServiceCategoryCode | None = Field(
        default=None, description="Only this category (a service's category.code)")


class ServiceCategory(BaseModel):
    code: ServiceCategoryCode
    name: LocalisedName


class ServiceFee(BaseModel):
    fee_code: str | None = Field(description="The fee in GET /v1/fees/catalogue, "
                                             "paid through the hub; null: paid at the agency")
    amount_cents: int | None = Field(description="null: the bill or ticket says how much")


class CatalogueService(BaseModel):
    code: str
    category: ServiceCategory
    agency: str = Field(description="Who decides the matter or takes the money")
    required_assurance_level: int = Field(description="1 a confirmed phone, 2 a proven real "
                                                      "name, 3 a face check")
    delivery: Literal["fully_online", "by_appointment", "one_trip"] = Field(
        description="fully_online; by_appointment: a visit booked through the hub; "
                    "one_trip: apply online, go once")
    application: bool = Field(description="Applied for through the hub and decided by the "
                                          "agency, followed by a tracking number")
    fee: ServiceFee | None = Field(description="null: free")
    sla_working_days: int = Field(description="Working days from a complete application to "
                                              "the decision; 0: at once")
    name: LocalisedName
    summary: LocalisedName
    documents: list[LocalisedName] = Field(description="What to bring or attach")


class CatalogueServiceList(BaseModel):
    items: list[CatalogueService]


DocumentReference = Annotated[str, Field(min_length=1, max_length=200)]


class ApplyForService(Strict):
    service_code: str = Field(pattern=r"^[a-z0-9-]{1,64}$",
                              description="A catalogue service with application: true")
    phone: str = Field(pattern=formats.PHONE,
                       description="The phone the application is filed with (E.164): the "
                                   "public progress query asks for it with the tracking "
                                   "number. Kept only as a keyed hash")
    documents: list[DocumentReference] = Field(
        default_factory=list, max_length=20,
        description="References to the documents attached (ids in the partner's or the "
                    "city's document store), never the files")


class Resubmit(Strict):
    documents: list[DocumentReference] = Field(
        default_factory=list, max_length=20,
        description="References to what puts right the items the agency listed")


class ProgressStep(BaseModel):
    """A step of a matter's timeline as the public progress query shows it."""

    model_config = ConfigDict(populate_by_name=True)

    at: datetime
    action: str
    by: Literal["citizen", "agency", "hub"]
    from_: str | None = Field(alias="from")
    to: str
    says: str = Field(description="The step as the citizen reads it (Accept-Language)")


class MatterStep(ProgressStep):
    """A step as the citizen's partner sees it: with what was asked for and attached."""

    detail: dict = Field(description="items: what the agency asked for; documents: the "
                                     "references attached")


class Matter(BaseModel):
    tracking_number: str = Field(description="GZ-YYYYMMDD-NNNNNN: the city day it began "
                                             "and its place among that day's matters")
    kind: Literal["application", "payment", "appointment", "verification"] = Field(
        description="An application an agency decides, or what the hub follows: a "
                    "payment (until its agency confirms it), a visit (until it happens), "
                    "a face check (until it ends)")
    service_code: str = Field(description="The catalogue service; for a payment its fee "
                                          "code, for a visit its department; "
                                          "face-verification")
    state: str
    waiting_for: Literal["citizen", "agency", "hub"] | None = Field(
        description="Whose move it is; null once the matter has ended")
    due_at: datetime | None = Field(description="When the one it waits for must have moved, "
                                                "counted in working days; null: no clock")
    corrections: list[str] | None = Field(description="What the agency listed the first "
                                                      "time it sent the application back")
    opened_at: datetime
    closed_at: datetime | None
    timeline: list[MatterStep]


class MatterList(BaseModel):
    items: list[Matter]


class RateMatter(Strict):
    level: Literal["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied",
                   "very_dissatisfied"] = Field(
        description="好差评's five levels; the last two open a rectification task for the "
                    "agency, due in 15 working days")
    comment: str | None = Field(default=None, max_length=500,
                                description="The citizen's words (kept sealed)")


class RectificationStatus(BaseModel):
    due_at: datetime
    status: Literal["open"]


class MatterRating(BaseModel):
    tracking_number: str
    level: str
    comment: bool = Field(description="Whether a comment was given (its text is not "
                                      "echoed)")
    rated_at: datetime
    rectification: RectificationStatus | None


class ProgressQuery(Strict):
    tracking_number: str = Field(pattern=r"^[A-Z]{2}-[0-9]{8}-[0-9]{6}$",
                                 description="The matter's tracking number, GZ-YYYYMMDD-NNNNNN")
    phone: str = Field(pattern=formats.PHONE,
                       description="The phone the matter was filed with (E.164)")




class ProgressService(BaseModel):
    code: str
    name: dict[str, str]


class Progress(BaseModel):
    """Where a matter stands, for whoever holds its number and phone: no personal data,
    no documents."""

    tracking_number: str
    service: ProgressService
    state: str
    waiting_for: Literal["citizen", "agency", "hub"] | None
    due_at: datetime | None
    opened_at: datetime
    closed_at: datetime | None
    timeline: list[ProgressStep]


class Unavailable(BaseModel):
    status: Literal["unavailable"] = Field(
        description="The service did not answer within the overview's deadline")


class IdentitySection(BaseModel):
    status: Literal["ok"]
    assurance_level: int
    locale: str


class PaymentsSection(BaseModel):
    status: Literal["ok"]
    bills_due: list[Bill]
    in_flight: list[Payment] = Field(description="Orders not yet paid, or paid and not "
                                                 "yet confirmed by their agency")


class AppointmentsSection(BaseModel):
    status: Literal["ok"]
    upcoming: list[Appointment]


class OpenMatter(BaseModel):
    tracking_number: str
    kind: str
    service_code: str
    state: str
    waiting_for: Literal["citizen", "agency", "hub"] | None
    due_at: datetime | None
    opened_at: datetime


class MattersSection(BaseModel):
    status: Literal["ok"]
    open: list[OpenMatter]


class NotificationsSection(BaseModel):
    status: Literal["ok"]
    unread_count: int


class Overview(BaseModel):
    """Each section as its service answered, or `{"status": "unavailable"}`."""

    citizen_id: str
    identity: IdentitySection | Unavailable
    payments: PaymentsSection | Unavailable
    appointments: AppointmentsSection | Unavailable
    matters: MattersSection | Unavailable
    notifications: NotificationsSection | Unavailable
    complete: bool = Field(description="false: at least one section is unavailable")
