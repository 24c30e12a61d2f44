"""The HTTP API's bodies. The same models validate requests and generate OpenAPI."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    # Unknown fields are an error, not silently ignored: a typo must not pass.
    model_config = ConfigDict(extra="forbid", strict=True)


class RegisterCitizen(Strict):
    partner_user_id: str = Field(min_length=1, max_length=128,
                                 pattern=r"^[A-Za-z0-9_.:@-]+$",
                                 description="The partner's own id for this user.")
    phone: str = Field(pattern=r"^\+[1-9]\d{7,14}$", description="E.164, e.g. +8613812345678")
    locale: Literal["zh-CN", "en"] = Field(description="Language of messages to the citizen.")


class ConfirmPhone(Strict):
    code: str = Field(pattern=r"^\d{6}$", description="The six digits the citizen received")


class RealName(Strict):
    name: str = Field(min_length=1, max_length=64, description="As on the identity card")
    id_number: str = Field(min_length=15, max_length=18,
                           description="18-character resident identity card number")


class AssertionRequest(Strict):
    audience: str = Field(pattern=r"^[a-z][a-z0-9_.-]{0,63}$",
                          description="Who will check the token, e.g. payments")


class Assertion(BaseModel):
    token: str = Field(description="JWT, EdDSA (Ed25519); verify with the JWKS")
    token_type: Literal["JWT"]
    assurance_level: int
    expires_in: int


class GrantConsent(Strict):
    attributes: list[Literal["name", "id_number", "phone"]] = Field(min_length=1)
    purpose: str = Field(pattern=r"^[a-z][a-z0-9_.-]{2,63}$",
                         description="Why the partner reads them, e.g. fine-payment")


class Consent(BaseModel):
    consent_id: str
    attributes: list[str]
    purpose: str
    granted_at: str
    revoked_at: str | None


class ConsentList(BaseModel):
    items: list[Consent]


class Attributes(BaseModel):
    purpose: str
    attributes: dict[str, str | None] = Field(description="In the clear; every read is logged")


class AccessLogItem(BaseModel):
    reader: str
    attributes: list[str]
    purpose: str
    read_at: str
    hash: str


class AccessLog(BaseModel):
    items: list[AccessLogItem]
    chain_intact: bool


class FaceVerification(BaseModel):
    verification_id: str
    status: Literal["pending", "passed", "failed", "expired"]
    expires_at: str
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
    locale: str
    assurance_level: int
    created_at: str


class Notification(BaseModel):
    notification_id: str
    kind: str
    locale: str
    title: str
    body: str
    created_at: str


class NotificationList(BaseModel):
    items: list[Notification]


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


class CreatePayment(Strict):
    fee_code: str = Field(pattern=r"^[a-z0-9-]{1,64}$", description="From the fee catalogue")
    amount_cents: int | None = Field(
        default=None, ge=1, description="In fen; required when the fee has no fixed amount")
    reference: str | None = Field(
        default=None, description="The bill, account or ticket number the payment settles; "
                                  "required when the fee has no fixed amount")


class Payment(BaseModel):
    payment_id: str
    fee_code: str
    amount_cents: int
    currency: str
    reference: str | None
    status: Literal["awaiting_payment"]
    created_at: str


class PaymentList(BaseModel):
    items: list[Payment]


class BookAppointment(Strict):
    institution_id: str = Field(min_length=1, max_length=64)
    day: date = Field(description="YYYY-MM-DD, from tomorrow to 14 days ahead (city time)")
    period: Literal["morning", "afternoon"]


class Appointment(BaseModel):
    appointment_id: str
    institution_id: str
    day: str
    period: str
    status: Literal["booked"]
    created_at: str


class AppointmentList(BaseModel):
    items: list[Appointment]


class Institution(BaseModel):
    id: str
    kind: Literal["hospital", "service_hall"]
    name: LocalisedName
    district: str
    address: str
    required_assurance_level: int = Field(description="A booking below it is refused (403)")
    places_per_period: int


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
    status: str
    checks: dict[str, str] = {}
