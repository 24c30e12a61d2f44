from kombu import Connection
from werkzeug.wrappers import Response

from chassis.assertions import AssertionKeys, jwks, load_keys
from chassis.crypto import Cipher, transit
from chassis.metrics import Instrumentation
from chassis.redis_client import Redis
from chassis.rpc import ServiceRpc
from chassis.settings import FromSettings, SettingsProvider
from contracts.errors import Forbidden
from contracts.formats import LOCALES
from gateway import docs, openapi, overview, rate_limits, schemas
from gateway.assertions import Assertions
from gateway.auth import Partners
from gateway.catalogue_levels import CatalogueLevels
from gateway.directory import CitizenDirectory
from gateway.entrypoint import api
from gateway.errors import json_response
from gateway.hold_lines import HoldLines
from gateway.streams import LiveStreams, event_stream

READY_TIMEOUT = 1.0
READS_LANGUAGE = {"Accept-Language": "en: each timeline step's `says` in English; "
                                     "otherwise in Chinese (zh-CN)"}


def language(request) -> str:
    """The language a timeline is written in for this caller: zh-CN unless it asks en."""
    return request.accept_languages.best_match(LOCALES, default=LOCALES[0])


class GatewayService:
    name = "gateway"

    identity = ServiceRpc("identity")
    payments = ServiceRpc("payments")
    appointments = ServiceRpc("appointments")
    notify = ServiceRpc("notify")
    matters = ServiceRpc("matters")
    settings = SettingsProvider()
    redis = Redis()
    directory = CitizenDirectory()
    catalogue_levels = CatalogueLevels()
    partners = Partners()
    streams = LiveStreams()
    assertion_keys = AssertionKeys()
    assertions = Assertions()
    hold_lines = HoldLines()
    receipt_keys = FromSettings(lambda settings: load_keys(settings.receipt_keys))
    cipher = Cipher()
    instrumentation = Instrumentation()

    @api("GET", "/healthz", signed=False, probe=True, answers={200: schemas.Health})
    def healthz(self, request):
        """The process is alive."""
        return 200, {"status": "ok"}

    @api("GET", "/readyz", signed=False, probe=True,
         answers={200: schemas.Readiness, 503: schemas.Readiness})
    def readyz(self, request):
        """The broker, Redis and every service answer (503 names what is down)."""
        checks = {"broker": self._check(self._broker_answers),
                  "redis": self._check(self.redis.ping)}
        for service in self._services_called():
            checks[service] = self._check(getattr(self, service).with_timeout(READY_TIMEOUT).ping)
        down = sorted(name for name, state in checks.items() if state != "ok")
        if down:
            return 503, {"status": "unavailable", "down": down, "checks": checks}
        return 200, {"status": "ready", "checks": checks}

    @api("GET", "/v1/openapi.json", signed=False, answers={200: None})
    def openapi_document(self, request):
        """This document."""
        return 200, openapi.document(type(self))

    @api("GET", "/docs", signed=False, answers={200: "text/html"})
    def reference(self, request):
        """This document, browsable, with a quick start (no CDN: every file is served
        from here)."""
        return docs.page()

    @api("GET", "/docs/assets/<name>", signed=False,
         answers={200: "text/javascript"})
    def reference_asset(self, request, name):
        """A file the browsable reference needs."""
        return docs.asset(name)

    @api("POST", "/v1/citizens", body=schemas.RegisterCitizen,
         answers={201: schemas.Citizen, 200: schemas.Citizen})
    def register_citizen(self, request, partner_id, body):
        """Register a partner's user as a citizen (200 and the same citizen if already known)."""
        citizen = self.identity.register_citizen(
            partner_id, body.partner_user_id, self.cipher.seal(body.phone, transit("phone")),
            body.locale)
        self.directory.remember(citizen["citizen_id"], partner_id)
        created = citizen.pop("created")
        return (201 if created else 200), citizen

    @api("GET", "/v1/citizens/<citizen_id>", answers={200: schemas.Citizen})
    def get_citizen(self, request, partner_id, citizen_id):
        """A citizen's profile, personal data masked."""
        citizen = self.identity.get_citizen(partner_id, citizen_id)
        self.directory.remember(citizen_id, partner_id)
        return 200, citizen

    @api("GET", "/v1/citizens/<citizen_id>/overview", answers={200: schemas.Overview})
    def citizen_overview(self, request, partner_id, citizen_id):
        """Everything the city is doing for the citizen, in one answer: assurance level,
        bills due, payments in flight, visits to come, open matters, unread
        notifications. A section whose service is slow or down comes back
        {"status": "unavailable"} within its deadline, the rest complete."""
        found = overview.gather({
            "identity": lambda t: self.identity.with_timeout(t).overview(partner_id,
                                                                         citizen_id),
            "payments": lambda t: self.payments.with_timeout(t).overview(citizen_id),
            "appointments": lambda t: self.appointments.with_timeout(t).overview(citizen_id),
            "matters": lambda t: self.matters.with_timeout(t).overview(citizen_id),
            "notifications": lambda t: self.notify.with_timeout(t).overview(citizen_id),
        }, self.settings.overview_section_seconds)
        answer = overview.overview(found, citizen_id,
                                   self.directory.owner_of(citizen_id) == partner_id)
        if not isinstance(found["identity"], Exception):
            self.directory.remember(citizen_id, partner_id)
        return 200, answer

    @api("POST", "/v1/citizens/<citizen_id>/phone-verifications", sensitive=True,
         answers={202: schemas.CodeSent})
    def start_phone_verification(self, request, partner_id, citizen_id):
        """Text the citizen a six-digit code (valid 5 minutes)."""
        return 202, self.identity.start_phone_verification(partner_id, citizen_id)

    @api("POST", "/v1/citizens/<citizen_id>/phone-verifications/confirm",
         body=schemas.ConfirmPhone, sensitive=True, answers={200: schemas.Citizen})
    def confirm_phone(self, request, partner_id, citizen_id, body):
        """Confirm the phone with the code: assurance level 1."""
        return 200, self.identity.confirm_phone(partner_id, citizen_id, body.code)

    @api("POST", "/v1/citizens/<citizen_id>/email", body=schemas.AddEmail, sensitive=True,
         answers={202: schemas.CodeSent})
    def start_email_verification(self, request, partner_id, citizen_id, body):
        """Mail a six-digit code to the address (valid 5 minutes)."""
        return 202, self.identity.start_email_verification(
            partner_id, citizen_id, self.cipher.seal(body.address, transit("email")))

    @api("POST", "/v1/citizens/<citizen_id>/email/confirm", body=schemas.ConfirmPhone,
         sensitive=True, answers={200: schemas.Citizen})
    def confirm_email(self, request, partner_id, citizen_id, body):
        """Confirm the address with the mailed code: notifications can be mailed to it."""
        return 200, self.identity.confirm_email(partner_id, citizen_id, body.code)

    @api("POST", "/v1/citizens/<citizen_id>/real-name", body=schemas.RealName,
         sensitive=True, answers={200: schemas.Citizen})
    def verify_real_name(self, request, partner_id, citizen_id, body):
        """Match name and ID number against the population registry: assurance level 2."""
        return 200, self.identity.verify_real_name(
            partner_id, citizen_id, self.cipher.seal(body.name, transit("name")),
            self.cipher.seal(body.id_number, transit("id_number")))

    @api("POST", "/v1/citizens/<citizen_id>/assertions", body=schemas.AssertionRequest,
         answers={201: schemas.Assertion})
    def issue_assertion(self, request, partner_id, citizen_id, body):
        """A signed, short-lived statement of the citizen's id and assurance level."""
        return 201, self.identity.issue_assertion(partner_id, citizen_id, body.audience)

    @api("GET", "/v1/.well-known/jwks.json", signed=False,
         answers={200: schemas.JsonWebKeySet})
    def jwks(self, request):
        """The public keys that verify assertions."""
        return 200, {"keys": jwks(self.assertion_keys.keys)["keys"]
                     + jwks(self.receipt_keys)["keys"]}

    @api("POST", "/v1/citizens/<citizen_id>/consents", body=schemas.GrantConsent,
         answers={201: schemas.Consent})
    def grant_consent(self, request, partner_id, citizen_id, body):
        """The citizen lets this partner read attributes for a purpose."""
        return 201, self.identity.grant_consent(partner_id, citizen_id, body.attributes,
                                                body.purpose)

    @api("GET", "/v1/citizens/<citizen_id>/consents", answers={200: schemas.ConsentList})
    def list_consents(self, request, partner_id, citizen_id):
        """This partner's active consents."""
        return 200, {"items": self.identity.list_consents(partner_id, citizen_id)}

    @api("DELETE", "/v1/citizens/<citizen_id>/consents/<consent_id>", answers={204: None})
    def revoke_consent(self, request, partner_id, citizen_id, consent_id):
        """Revoke a consent (revoking twice is fine)."""
        self.identity.revoke_consent(partner_id, citizen_id, consent_id)
        return Response(status=204)

    @api("GET", "/v1/citizens/<citizen_id>/attributes", query=schemas.AttributesQuery,
         answers={200: schemas.Attributes})
    def read_attributes(self, request, partner_id, citizen_id, query):
        """Verified attributes in the clear, for a consented purpose; every read is logged."""
        result = self.identity.read_attributes(partner_id, citizen_id,
                                               query.attributes.split(","), query.purpose)
        result["attributes"] = {
            name: self.cipher.open(value, transit(name)) if value else None
            for name, value in result["attributes"].items()}
        return 200, result

    @api("GET", "/v1/citizens/<citizen_id>/access-log", answers={200: schemas.AccessLog})
    def access_log(self, request, partner_id, citizen_id):
        """Who read the citizen's personal data, when and why; hash-chained."""
        return 200, self.identity.access_log(partner_id, citizen_id)

    @api("POST", "/v1/citizens/<citizen_id>/face-verifications", sensitive=True,
         answers={201: schemas.FaceVerification})
    def start_face_verification(self, request, partner_id, citizen_id):
        """Start face and liveness (level 2 -> 3); valid 10 minutes."""
        return 201, self.identity.start_face_verification(partner_id, citizen_id)

    @api("GET", "/v1/citizens/<citizen_id>/face-verifications/<verification_id>",
         answers={200: schemas.FaceVerification})
    def get_face_verification(self, request, partner_id, citizen_id, verification_id):
        """The result, as the server itself obtained it from the provider."""
        return 200, self.identity.get_face_verification(partner_id, citizen_id,
                                                        verification_id)

    @api("GET", "/v1/citizens/<citizen_id>/notifications", query=schemas.NotificationsQuery,
         answers={200: schemas.NotificationPage})
    def list_notifications(self, request, partner_id, citizen_id, query):
        """The citizen's inbox, newest first, a page at a time, with the unread count."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.notify.list_notifications(citizen_id, query.limit, query.cursor)

    @api("GET", "/v1/citizens/<citizen_id>/notifications/stream",
         answers={200: "text/event-stream"},
         headers={"Last-Event-ID": "the id of the last notification the client got"})
    def notification_stream(self, request, partner_id, citizen_id):
        """Live notifications as Server-Sent Events, resumable with Last-Event-ID."""
        self._check_owner(partner_id, citizen_id)
        subscription = self.streams.subscribe(citizen_id)  # before the replay: no gap
        try:
            last = request.headers.get("Last-Event-ID")
            replay = self.notify.since(citizen_id, last) if last else []
        except BaseException:
            self.streams.unsubscribe(subscription)
            raise
        request.environ["eventlet.minimum_write_chunk_size"] = 0  # each event at once
        return Response(event_stream(self.streams, subscription, replay, last),
                        mimetype="text/event-stream", direct_passthrough=True,
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    # <uuid:…>: notification ids are uuids, so /notifications/stream and
    # /notifications/read-all are never taken for one.
    @api("GET", "/v1/citizens/<citizen_id>/notifications/<uuid:notification_id>",
         answers={200: schemas.NotificationDetail})
    def get_notification(self, request, partner_id, citizen_id, notification_id):
        """One notification and each channel it went out on, with delivery statuses."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.notify.get_notification(citizen_id, str(notification_id))

    @api("GET", "/v1/citizens/<citizen_id>/notification-preferences",
         answers={200: schemas.Preferences})
    def get_preferences(self, request, partner_id, citizen_id):
        """Which channels carry each category, beyond the inbox."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.notify.get_preferences(citizen_id)

    @api("PUT", "/v1/citizens/<citizen_id>/notification-preferences",
         body=schemas.PutPreferences, answers={200: schemas.Preferences})
    def put_preferences(self, request, partner_id, citizen_id, body):
        """Turn channels on or off per category (422 category_is_critical for security)."""
        self._check_owner(partner_id, citizen_id)
        changes = {category: choice.model_dump(exclude_none=True)
                   for category, choice in body.categories.items()}
        return 200, self.notify.put_preferences(citizen_id, changes)

    @api("POST", "/v1/citizens/<citizen_id>/subscriptions", body=schemas.AcceptSubscription,
         answers={201: schemas.Subscription})
    def accept_subscription(self, request, partner_id, citizen_id, body):
        """The citizen accepted your mini-program's subscription message for a template."""
        self._check_owner(partner_id, citizen_id)
        return 201, self.notify.accept_subscription(citizen_id, body.template_id, body.kind)

    @api("GET", "/v1/citizens/<citizen_id>/subscriptions",
         answers={200: schemas.SubscriptionList})
    def list_subscriptions(self, request, partner_id, citizen_id):
        """The citizen's subscriptions to your pushes, with one-time credits left."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.notify.list_subscriptions(citizen_id)

    @api("DELETE", "/v1/citizens/<citizen_id>/subscriptions/<template_id>",
         answers={204: None})
    def withdraw_subscription(self, request, partner_id, citizen_id, template_id):
        """The citizen withdrew their subscription to a template (again: no change)."""
        self._check_owner(partner_id, citizen_id)
        self.notify.withdraw_subscription(citizen_id, template_id)
        return Response(status=204)

    @api("POST", "/callbacks/sms", signed=False, callback=True,
         answers={200: schemas.Receipt})
    def sms_receipt(self, request):
        """The SMS gateway's delivery receipts (signed by the gateway, not a partner)."""
        known = self.notify.sms_receipt(request.get_data(as_text=True),
                                        request.headers.get("X-Receipt-Signature", ""))
        return 200, {"received": known["known"]}

    @api("POST", "/v1/citizens/<citizen_id>/notifications/<notification_id>/read",
         answers={200: schemas.Notification})
    def mark_notification_read(self, request, partner_id, citizen_id, notification_id):
        """Mark one notification read (again: no change)."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.notify.mark_read(citizen_id, notification_id)

    @api("POST", "/v1/citizens/<citizen_id>/notifications/read-all",
         answers={200: schemas.AllRead})
    def mark_all_notifications_read(self, request, partner_id, citizen_id):
        """Mark every notification of the citizen read."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.notify.mark_all_read(citizen_id)

    @api("PUT", "/v1/partner/webhook", body=schemas.PutWebhook,
         answers={201: schemas.Webhook, 200: schemas.Webhook})
    def put_webhook(self, request, partner_id, body):
        """Register the partner's webhook endpoint (201, with its signing secret this
        once) or change, pause or re-enable it (200)."""
        answer = self.notify.put_webhook(partner_id, body.url, body.categories, body.enabled,
                                         body.requires_subscription)
        webhook = answer["webhook"]
        if webhook.get("secret"):
            webhook["secret"] = self.cipher.open(webhook["secret"], transit("webhook_secret"))
        return (201 if answer["created"] else 200), webhook

    @api("GET", "/v1/partner/webhook", answers={200: schemas.Webhook})
    def get_webhook(self, request, partner_id):
        """The endpoint, its status and how many deliveries wait."""
        return 200, self.notify.get_webhook(partner_id)

    @api("DELETE", "/v1/partner/webhook", answers={204: None})
    def remove_webhook(self, request, partner_id):
        """Remove the endpoint; pending deliveries are cancelled (the feed keeps them)."""
        self.notify.remove_webhook(partner_id)
        return Response(status=204)

    @api("GET", "/v1/partner/webhook/deliveries", query=schemas.DeliveriesQuery,
         answers={200: schemas.DeliveryList})
    def webhook_deliveries(self, request, partner_id, query):
        """Recent deliveries, newest first, with their last attempt."""
        return 200, self.notify.webhook_deliveries(partner_id, query.status, query.limit,
                                                   query.cursor)

    @api("POST", "/v1/partner/webhook/deliveries/<delivery_id>/retry",
         answers={202: schemas.Delivery})
    def retry_delivery(self, request, partner_id, delivery_id):
        """Send one delivery again, soon (whatever became of it)."""
        return 202, self.notify.retry_delivery(partner_id, delivery_id)

    @api("GET", "/v1/partner/events", query=schemas.PartnerEventsQuery,
         answers={200: schemas.PartnerEventList})
    def partner_events(self, request, partner_id, query):
        """The partner's events in order, to pull instead of (or to replay) webhooks."""
        return 200, self.notify.partner_events(partner_id, query.after, query.limit)

    @api("GET", "/v1/fees/catalogue", answers={200: schemas.FeeList})
    def fee_catalogue(self, request, partner_id):
        """Government fees payable through the hub."""
        return 200, {"items": self.payments.list_fees()}

    @api("GET", "/v1/services", query=schemas.ServicesQuery,
         answers={200: schemas.CatalogueServiceList})
    def catalogue(self, request, partner_id, query):
        """The city's services holding every word of `q` (Chinese or English), those
        named by it first."""
        return 200, {"items": self.matters.search_services(query.q, query.category)}

    @api("GET", "/v1/services/<code>", answers={200: schemas.CatalogueService})
    def catalogue_service(self, request, partner_id, code):
        """One service of the catalogue: who decides it, the level it needs, its fee,
        its time limit in working days and the documents it takes."""
        return 200, self.matters.get_service(code)

    @api("POST", "/v1/citizens/<citizen_id>/applications", body=schemas.ApplyForService,
         headers=READS_LANGUAGE, answers={201: schemas.Matter})
    def apply_for_service(self, request, partner_id, citizen_id, body):
        """Apply for a catalogue service its agency decides: `submitted`, with a tracking
        number and the agency's deadline (403 below the service's level)."""
        return 201, self._as_citizen(partner_id, citizen_id, lambda token: self.matters.apply(
            citizen_id, partner_id, token, body.service_code, body.documents,
            self.cipher.seal(body.phone, transit("phone")), language(request)))

    @api("GET", "/v1/citizens/<citizen_id>/matters", headers=READS_LANGUAGE,
         answers={200: schemas.MatterList})
    def list_matters(self, request, partner_id, citizen_id):
        """The citizen's matters, newest first, each with its timeline."""
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.matters.list_matters(citizen_id, language(request))}

    @api("GET", "/v1/citizens/<citizen_id>/matters/<tracking_number>",
         headers=READS_LANGUAGE, answers={200: schemas.Matter})
    def get_matter(self, request, partner_id, citizen_id, tracking_number):
        """One matter by its tracking number, with every step so far."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.matters.get_matter(citizen_id, tracking_number, language(request))

    @api("POST", "/v1/citizens/<citizen_id>/matters/<tracking_number>/resubmit",
         body=schemas.Resubmit, headers=READS_LANGUAGE, answers={200: schemas.Matter})
    def resubmit_matter(self, request, partner_id, citizen_id, tracking_number, body):
        """Send back an application the agency asked corrections for, with what puts
        them right."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.matters.citizen_acts(citizen_id, tracking_number, "resubmit",
                                              body.documents, language(request))

    @api("POST", "/v1/citizens/<citizen_id>/matters/<tracking_number>/withdraw",
         headers=READS_LANGUAGE, answers={200: schemas.Matter})
    def withdraw_matter(self, request, partner_id, citizen_id, tracking_number):
        """Withdraw an application not yet decided."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.matters.citizen_acts(citizen_id, tracking_number, "withdraw",
                                              None, language(request))

    @api("POST", "/v1/citizens/<citizen_id>/matters/<tracking_number>/rating",
         body=schemas.RateMatter, answers={201: schemas.MatterRating})
    def rate_matter(self, request, partner_id, citizen_id, tracking_number, body):
        """好差评: rate a closed matter once; a poor rating gives its agency a
        rectification task (409 before it closes or once rated)."""
        self._check_owner(partner_id, citizen_id)
        return 201, self.matters.rate(citizen_id, tracking_number, body.level, body.comment)

    @api("POST", "/v1/progress", signed=False, body=schemas.ProgressQuery,
         public_limits=lambda request, kwargs: [
             (rate_limits.PROGRESS_ADDRESS, request.remote_addr or "-"),
             (rate_limits.PROGRESS_NUMBER, kwargs["body"].tracking_number)],
         headers=READS_LANGUAGE, answers={200: schemas.Progress})
    def progress(self, request, body):
        """The public progress query (进度查询): a matter's state and steps for its
        tracking number and the phone it was filed with; no partner signature. A wrong
        phone is answered as an unknown number: 404."""
        return 200, self.matters.progress(body.tracking_number,
                                          self.cipher.seal(body.phone, transit("phone")),
                                          language(request))

    @api("GET", "/v1/institutions", query=schemas.InstitutionsQuery,
         answers={200: schemas.InstitutionList})
    def institutions(self, request, partner_id, query):
        """Hospitals and service halls that take appointments."""
        return 200, {"items": self.appointments.list_institutions(query.kind)}

    @api("POST", "/v1/citizens/<citizen_id>/bills/lookup", body=schemas.LookupBill,
         answers={200: schemas.Bill})
    def lookup_bill(self, request, partner_id, citizen_id, body):
        """The agency's bill for a ticket or bill number: amount, late fee, due date."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.payments.lookup_bill(citizen_id, body.fee_code, body.bill_number)

    @api("GET", "/v1/citizens/<citizen_id>/bills", answers={200: schemas.BillList})
    def bills_due(self, request, partner_id, citizen_id):
        """Payable bills the citizen looked up or that came for their linked accounts."""
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.payments.bills_due(citizen_id)}

    @api("POST", "/v1/citizens/<citizen_id>/accounts", body=schemas.LinkAccount,
         answers={201: schemas.LinkedAccount, 200: schemas.LinkedAccount})
    def link_account(self, request, partner_id, citizen_id, body):
        """Link a plate or utility account (level 2): its new bills are fetched daily."""
        linked = self._as_citizen(partner_id, citizen_id,
                                  lambda token: self.payments.link_account(
                                      citizen_id, token, body.fee_code, body.account))
        return (201 if linked["created"] else 200), linked["account"]

    @api("GET", "/v1/citizens/<citizen_id>/accounts", answers={200: schemas.LinkedAccountList})
    def linked_accounts(self, request, partner_id, citizen_id):
        """The accounts the citizen linked."""
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.payments.linked_accounts(citizen_id)}

    @api("DELETE", "/v1/citizens/<citizen_id>/accounts/<fee_code>/<account>",
         answers={204: None})
    def unlink_account(self, request, partner_id, citizen_id, fee_code, account):
        """Stop fetching an account's bills."""
        self._check_owner(partner_id, citizen_id)
        self.payments.unlink_account(citizen_id, fee_code, account)
        return Response(status=204)

    @api("POST", "/v1/citizens/<citizen_id>/payments", body=schemas.CreatePayment,
         answers={201: schemas.Payment},
         headers={"Idempotency-Key": "required: the same key and body again (within 24 h) "
                                     "is the same order"})
    def create_payment(self, request, partner_id, citizen_id, body):
        """Order a bill or a fixed fee; the answer carries the cashier URL and expires_at."""
        made = self._as_citizen(partner_id, citizen_id,
                                lambda token: self.payments.create_payment(
                                    citizen_id, partner_id, token,
                                    request.headers.get("Idempotency-Key"),
                                    body.model_dump(exclude_none=True),
                                    self._levels("fees")))
        response = json_response(201, made["payment"])
        if made["replayed"]:
            response.headers["Idempotent-Replayed"] = "true"
        return response

    @api("GET", "/v1/citizens/<citizen_id>/payments", answers={200: schemas.PaymentList})
    def list_payments(self, request, partner_id, citizen_id):
        """The citizen's payment orders, newest first."""
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.payments.list_payments(citizen_id)}

    @api("GET", "/v1/citizens/<citizen_id>/payments/<payment_id>",
         answers={200: schemas.PaymentDetail})
    def get_payment(self, request, partner_id, citizen_id, payment_id):
        """One order and its history: every transition with its cause."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.payments.get_payment(citizen_id, payment_id)

    @api("GET", "/v1/citizens/<citizen_id>/payments/<payment_id>/refunds",
         answers={200: schemas.RefundList})
    def list_refunds(self, request, partner_id, citizen_id, payment_id):
        """The order's refunds, oldest first."""
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.payments.list_refunds(citizen_id, payment_id)}

    @api("GET", "/v1/citizens/<citizen_id>/payments/<payment_id>/receipt",
         answers={200: schemas.ReceiptCopy})
    def payment_receipt(self, request, partner_id, citizen_id, payment_id):
        """The e-receipt, signed by the hub, once the agency confirmed the payment
        (409 receipt_not_ready before); `qr_payload` is what its QR code holds."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.payments.receipt(citizen_id, payment_id)

    @api("POST", "/v1/receipts/verify", signed=False, body=schemas.VerifyReceipt,
         answers={200: schemas.ReceiptCheck})
    def verify_receipt(self, request, body):
        """Check a receipt (its token or QR payload): anyone may, no signature needed."""
        return 200, self.payments.verify_receipt(body.token)

    @api("POST", "/callbacks/payments/<provider>", signed=False, callback=True,
         answers={200: "text/plain", 400: "text/plain"})
    def payment_notification(self, request, provider):
        """The payment provider's notifications (signed by the provider, not a partner):
        exactly `success` once applied, so that the provider stops sending it."""
        answer = self.payments.provider_notification(provider,
                                                     request.get_data(as_text=True))
        return Response(answer, status=200 if answer == "success" else 400,
                        mimetype="text/plain")

    @api("GET", "/v1/institutions/<institution_id>/departments",
         answers={200: schemas.DepartmentList})
    def departments(self, request, partner_id, institution_id):
        """An institution's departments (a hall's services), with fees and documents."""
        return 200, {"items": self.appointments.list_departments(institution_id)}

    @api("GET", "/v1/institutions/<institution_id>/slots", query=schemas.SlotsQuery,
         answers={200: schemas.SlotList})
    def slots(self, request, partner_id, institution_id, query):
        """Slots of city days `from` to `to`, with the places left and when each opens."""
        return 200, {"items": self.appointments.list_slots(
            institution_id, query.department,
            query.from_.isoformat() if query.from_ else None,
            query.to.isoformat() if query.to else None)}

    @api("POST", "/v1/citizens/<citizen_id>/holds", body=schemas.HoldSlot,
         answers={201: schemas.Hold})
    def hold_slot(self, request, partner_id, citizen_id, body):
        """Hold a place of a slot for a few minutes (403 below the institution's level)."""
        self._check_owner(partner_id, citizen_id)
        return 201, self.hold_lines.hold(body.slot_id, lambda turn: self._as_citizen(
            partner_id, citizen_id, lambda token: turn(
                lambda: self.appointments.hold(citizen_id, partner_id, token, body.slot_id,
                                               self._levels("bookings")))))

    @api("DELETE", "/v1/citizens/<citizen_id>/holds/<hold_id>", answers={204: None})
    def let_go_of_hold(self, request, partner_id, citizen_id, hold_id):
        """Give a held place back (letting go twice is fine)."""
        self._check_owner(partner_id, citizen_id)
        self.appointments.let_go(citizen_id, hold_id)
        return Response(status=204)

    @api("POST", "/v1/citizens/<citizen_id>/waitlist", body=schemas.HoldSlot,
         answers={201: schemas.WaitlistEntry, 200: schemas.WaitlistEntry})
    def join_waitlist(self, request, partner_id, citizen_id, body):
        """Wait for a place of a full slot: each place that frees is offered to everyone
        waiting, and the first to hold it gets it (200: already waiting)."""
        joined = self._as_citizen(partner_id, citizen_id,
                                  lambda token: self.appointments.join_waitlist(
                                      citizen_id, token, body.slot_id,
                                      self._levels("bookings")))
        return (201 if joined["joined"] else 200), joined["entry"]

    @api("GET", "/v1/citizens/<citizen_id>/waitlist", answers={200: schemas.WaitlistList})
    def list_waitlist(self, request, partner_id, citizen_id):
        """The slots the citizen waits for."""
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.appointments.list_waitlist(citizen_id)}

    @api("DELETE", "/v1/citizens/<citizen_id>/waitlist/<waitlist_id>", answers={204: None})
    def leave_waitlist(self, request, partner_id, citizen_id, waitlist_id):
        """Stop waiting (twice is fine)."""
        self._check_owner(partner_id, citizen_id)
        self.appointments.leave_waitlist(citizen_id, waitlist_id)
        return Response(status=204)

    @api("POST", "/v1/citizens/<citizen_id>/appointments", body=schemas.BookAppointment,
         answers={201: schemas.Appointment})
    def book_appointment(self, request, partner_id, citizen_id, body):
        """Book a held place; where the department charges a registration fee, the answer
        is `pending` with the fee's order (pay at its cashier_url before expires_at)."""
        return 201, self._as_citizen(partner_id, citizen_id,
                                     lambda token: self.appointments.book(
                                         citizen_id, body.hold_id, token))

    @api("POST", "/v1/citizens/<citizen_id>/appointments/<appointment_id>/reschedule",
         body=schemas.HoldSlot, answers={200: schemas.Appointment})
    def reschedule_appointment(self, request, partner_id, citizen_id, appointment_id, body):
        """Move a booked visit to another slot of its department, or change nothing."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.appointments.reschedule(citizen_id, appointment_id, body.slot_id)

    @api("POST", "/v1/citizens/<citizen_id>/appointments/<appointment_id>/check-in",
         answers={200: schemas.Appointment})
    def check_in(self, request, partner_id, citizen_id, appointment_id):
        """The institution's kiosk checks a booked visit in: `arrived`, with a queue number.
        Only a partner registered as that institution's kiosk may call it."""
        institution_id = self.partners.kiosk_of(partner_id)
        if institution_id is None:
            raise Forbidden("only an institution's check-in kiosk checks visits in",
                            field="X-App-Id", code="kiosk_only")
        return 200, self.appointments.check_in(institution_id, citizen_id, appointment_id)

    @api("GET", "/v1/citizens/<citizen_id>/appointments",
         answers={200: schemas.AppointmentList})
    def list_appointments(self, request, partner_id, citizen_id):
        """The citizen's appointments, soonest first."""
        self._check_owner(partner_id, citizen_id)
        return 200, {"items": self.appointments.list_appointments(citizen_id)}

    @api("GET", "/v1/citizens/<citizen_id>/appointments/<appointment_id>",
         answers={200: schemas.Appointment})
    def get_appointment(self, request, partner_id, citizen_id, appointment_id):
        """One appointment, with the documents to bring."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.appointments.get_appointment(citizen_id, appointment_id)

    @api("POST", "/v1/citizens/<citizen_id>/appointments/<appointment_id>/cancel",
         answers={200: schemas.Appointment})
    def cancel_appointment(self, request, partner_id, citizen_id, appointment_id):
        """Cancel before the deadline (hospitals: 18:00 city time the day before)."""
        self._check_owner(partner_id, citizen_id)
        return 200, self.appointments.cancel(citizen_id, appointment_id)

    def _as_citizen(self, partner_id, citizen_id, call):
        """`call(token)` with identity's signed word on the citizen's level, which the
        service checks against what it requires (kept a while: gateway/assertions.py;
        another partner's citizen: 404 from identity)."""
        return self.assertions.on_behalf(self.identity, partner_id, citizen_id, call)

    def _levels(self, of: str) -> dict | None:
        """The catalogue's levels for fees or bookings (gateway/catalogue_levels.py)."""
        levels = self.catalogue_levels.current(self.matters)
        return levels[of] if levels else None

    def _check_owner(self, partner_id, citizen_id):
        """Another partner's citizen is a 404, exactly like one that does not exist."""
        if self.directory.owner_of(citizen_id) != partner_id:
            self.identity.get_citizen(partner_id, citizen_id)  # raises NotFound
            self.directory.remember(citizen_id, partner_id)

    @classmethod
    def _services_called(cls) -> list[str]:
        """Every service the gateway calls is one readiness waits for."""
        return [name for name, value in vars(cls).items() if isinstance(value, ServiceRpc)]

    def _broker_answers(self):
        with Connection(self.settings.amqp_uri,
                        connect_timeout=READY_TIMEOUT) as connection:
            connection.ensure_connection(max_retries=1)

    @staticmethod
    def _check(probe) -> str:
        try:
            probe()
            return "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            return f"down: {type(exc).__name__}"
