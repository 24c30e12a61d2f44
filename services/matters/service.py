"""Matters' entrypoints: the city's service catalogue, and the applications citizens
follow by tracking number. Rules in domain/, steps in use_cases/, queries in
repository.py."""

from datetime import timedelta

from chassis.assertions import AssertionVerifier
from chassis.crypto import Cipher, transit
from chassis.db import Database
from chassis.events import reliable_handler
from chassis.metrics import Instrumentation
from chassis.rpc import rpc
from chassis.settings import FromSettings
from chassis.timers import every
from chassis.timestamps import Clock
from contracts.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCheckedIn,
    AppointmentNoshow,
    AppointmentRescheduled,
    FaceVerificationEnded,
    FaceVerificationStarted,
    PaymentAgencyConfirmed,
    PaymentCreated,
    PaymentExpired,
    PaymentFailed,
    PaymentSucceeded,
    open_envelope,
)
from services.matters import repository
from services.matters.adapters import HttpApprovals
from services.matters.domain import catalogue
from services.matters.models import Inbox, Outbox
from services.matters.use_cases import (
    agency_exchange,
    applying,
    following,
    rating,
    watching,
)
from services.matters.views import catalogue_service_view

PHONE_INDEX = "matter.phone"  # the blind index's context
LOCALE = "zh-CN"  # what a timeline says, unless the caller asks for en


class MattersService:
    name = "matters"

    db = Database(Outbox, Inbox)
    assertions = AssertionVerifier()
    cipher = Cipher()
    approvals = FromSettings(lambda s: HttpApprovals(s.approvals_url,
                                                     s.approvals_timeout_seconds))
    instrumentation = Instrumentation()
    clock = Clock()
    work_lease = FromSettings(lambda s: timedelta(seconds=s.work_lease_seconds))

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def search_services(self, q=None, category=None):
        """The catalogue's services holding every word of `q`, in `category`."""
        words = catalogue.check_query(q, category)
        with self.db.read() as session:
            return [catalogue_service_view(s) for s in catalogue.search(
                repository.catalogue(session), words, category)]

    @rpc
    def get_service(self, code):
        with self.db.read() as session:
            found = repository.catalogue_service(session, code)
            if found is None:
                raise catalogue.not_found(code)
            return catalogue_service_view(found)

    @rpc
    def levels(self):
        """{"fees": {fee code: level}, "bookings": {institution kind: level}}: the levels
        the gateway carries to payments and appointments on every call it makes for a
        citizen, so that a level changes by editing the catalogue."""
        with self.db.read() as session:
            return repository.levels(session)

    @rpc
    def apply(self, citizen_id, partner_id, assertion, service_code, documents, sealed_phone,
              locale=LOCALE):
        """`sealed_phone`: the phone it is filed with, sealed for transit; only its
        blind index is kept."""
        level = self.assertions.level_of(assertion, citizen_id, audience=self.name)
        return applying.apply(self.db, citizen_id, partner_id, level, service_code,
                              documents, self._phone_index(sealed_phone), self.clock(),
                              locale)

    @rpc
    def citizen_acts(self, citizen_id, tracking_number, action, documents=None, locale=LOCALE):
        """The citizen resubmits or withdraws their own application."""
        return applying.act(self.db, tracking_number, "citizen", action, self.clock(),
                            documents=documents, citizen_id=citizen_id, locale=locale)

    # Two timers, so that an agency slow to take messages delays no decision.
    @every("agency_exchange_poll_seconds")
    def send_to_agencies(self):
        """Post what the hub owes the agencies, until each acknowledges it."""
        agency_exchange.send_round(self.db, self.approvals, self.clock(), self.work_lease)

    @every("agency_exchange_poll_seconds")
    def read_agency_decisions(self):
        """Apply the agencies' new decisions to their applications."""
        agency_exchange.read_round(self.db, self.approvals, self.clock())

    @every("sla_watch_seconds")
    def watch_deadlines(self):
        """Count deadlines by how they stand; tell agencies of near and passed ones;
        lapse send-backs the citizen let run out."""
        watching.watch_round(self.db, self.clock())

    @rpc
    def rate(self, citizen_id, tracking_number, level, comment=None):
        """好差评: the citizen's one rating of their closed matter."""
        return rating.rate(self.db, self.cipher, citizen_id, tracking_number, level,
                           comment, self.clock())

    @rpc
    def progress(self, tracking_number, sealed_phone, locale=LOCALE):
        """The public progress query: the matter's state and steps, if `sealed_phone`
        (sealed for transit) is the phone it was filed with."""
        return applying.progress(self.db, tracking_number, self._phone_index(sealed_phone),
                                 locale)

    @rpc
    def overview(self, citizen_id):
        """The citizen's overview of matters: those still open."""
        return {"open": applying.open_of(self.db, citizen_id)}

    # Payments, visits and face checks followed as matters, from their services' events.
    @reliable_handler(PaymentCreated)
    def on_payment_created(self, body):
        self._follow(body, PaymentCreated)

    @reliable_handler(PaymentSucceeded)
    def on_payment_succeeded(self, body):
        self._follow(body, PaymentSucceeded)

    @reliable_handler(PaymentAgencyConfirmed)
    def on_payment_confirmed(self, body):
        self._follow(body, PaymentAgencyConfirmed)

    @reliable_handler(PaymentFailed)
    def on_payment_failed(self, body):
        self._follow(body, PaymentFailed)

    @reliable_handler(PaymentExpired)
    def on_payment_expired(self, body):
        self._follow(body, PaymentExpired)

    @reliable_handler(AppointmentBooked)
    def on_appointment_booked(self, body):
        self._follow(body, AppointmentBooked)

    @reliable_handler(AppointmentRescheduled)
    def on_appointment_rescheduled(self, body):
        self._follow(body, AppointmentRescheduled)

    @reliable_handler(AppointmentCheckedIn)
    def on_appointment_checked_in(self, body):
        self._follow(body, AppointmentCheckedIn)

    @reliable_handler(AppointmentCancelled)
    def on_appointment_cancelled(self, body):
        self._follow(body, AppointmentCancelled)

    @reliable_handler(AppointmentNoshow)
    def on_appointment_noshow(self, body):
        self._follow(body, AppointmentNoshow)

    @reliable_handler(FaceVerificationStarted)
    def on_face_verification_started(self, body):
        self._follow(body, FaceVerificationStarted)

    @reliable_handler(FaceVerificationEnded)
    def on_face_verification_ended(self, body):
        self._follow(body, FaceVerificationEnded)

    def _follow(self, body, event_type):
        """The event on its matter's timeline, once (the inbox), in one transaction."""
        envelope, event = open_envelope(body, event_type)
        with self.db.transaction() as session:
            if self.db.claim(session.connection(), envelope.event_id):
                following.follow(self.db, session, event, envelope.occurred_at)

    @rpc
    def list_matters(self, citizen_id, locale=LOCALE):
        return applying.of_citizen(self.db, citizen_id, locale)

    @rpc
    def get_matter(self, citizen_id, tracking_number, locale=LOCALE):
        return applying.timeline(self.db, tracking_number, citizen_id, locale)

    def _phone_index(self, sealed_phone) -> str:
        return self.cipher.blind_index(self.cipher.open(sealed_phone, transit("phone")),
                                       PHONE_INDEX)
