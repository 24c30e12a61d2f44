"""Notify's entrypoints: events become notifications, which go to the inbox, the
live streams, the partner's feed and push, texts and e-mails; the inbox is paged
and marked read; scheduled sends go out when due. Each entrypoint is a few lines:
rules in domain/, the steps in use_cases/, queries in repository/."""

from contextlib import nullcontext
from functools import partial

import eventlet

from chassis.crypto import Cipher, transit
from chassis.db import Database
from chassis.events import reliable_handler
from chassis.metrics import Instrumentation
from chassis.rpc import ServiceRpc, rpc
from chassis.settings import FromSettings, SettingsProvider
from chassis.timers import every
from chassis.timestamps import Clock
from contracts.errors import InvalidInput, ServiceUnavailable
from contracts.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCheckedIn,
    AppointmentNoshow,
    AppointmentReminder,
    AppointmentRescheduled,
    BillIssued,
    CitizenEmailConfirmed,
    CitizenRegistered,
    CitizenVerificationFailed,
    CitizenVerified,
    MatterMoved,
    MatterOpened,
    NotificationCreated,
    PaymentAgencyConfirmed,
    PaymentExpired,
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
    WaitlistOffered,
    open_envelope,
)
from services.notify import repository
from services.notify.adapters import HttpSms, HttpWebhooks, SmtpMail, addresses_of
from services.notify.domain.inbox import DEFAULT_PAGE, MAX_PAGE, inbox_message
from services.notify.domain.preferences import EMAIL, SMS
from services.notify.domain.statuses import DELIVERED, TemporaryFailure
from services.notify.domain.templates import TemplateError
from services.notify.domain.triggers import what_to_tell
from services.notify.domain.webhooks import check_url
from services.notify.models import Inbox, Outbox
from services.notify.repository import partners
from services.notify.use_cases import channels, inbox, scheduled, sending, webhook_endpoints
from services.notify.use_cases.partner_push import Courier, record_event
from services.notify.views import notification_view


def _courier(settings) -> Courier:
    send = HttpWebhooks(settings.webhook_timeout_seconds, settings.webhook_connections_per_host,
                        production=settings.env == "production")

    def parallel(fn, items):
        return list(eventlet.GreenPool(settings.webhook_connections_per_host).imap(fn, items))

    return Courier(settings, send, eventlet.spawn_n, parallel)


class _Known:
    """A citizen notify has just met: their partner, and no confirmed address yet."""

    def __init__(self, partner_id: str):
        self.partner_id, self.email_confirmed = partner_id, False


class NotifyService:
    name = "notify"

    db = Database(Outbox, Inbox)
    instrumentation = Instrumentation()
    sms = FromSettings(lambda settings: HttpSms(settings.sms_url,
                                                settings.callback_url("/callbacks/sms"),
                                                settings.sms_callback_secret))
    mail = FromSettings(lambda settings: SmtpMail(settings.smtp_host, settings.smtp_port,
                                                  settings.mail_from))
    identity = ServiceRpc("identity")
    templates = FromSettings(lambda settings: repository.TemplateBook())
    courier = FromSettings(_courier)
    cipher = Cipher()
    settings = SettingsProvider()
    clock = Clock()

    @rpc
    def ping(self):
        return "pong"

    @reliable_handler(CitizenRegistered)
    def on_citizen_registered(self, body):
        self._tell(*open_envelope(body, CitizenRegistered))

    @reliable_handler(CitizenVerified)
    def on_citizen_verified(self, body):
        self._tell(*open_envelope(body, CitizenVerified))

    @reliable_handler(CitizenVerificationFailed)
    def on_verification_failed(self, body):
        self._tell(*open_envelope(body, CitizenVerificationFailed))

    @reliable_handler(PaymentSucceeded)
    def on_payment_succeeded(self, body):
        self._tell(*open_envelope(body, PaymentSucceeded))

    @reliable_handler(PaymentFailed)
    def on_payment_failed(self, body):
        self._tell(*open_envelope(body, PaymentFailed))

    @reliable_handler(PaymentExpired)
    def on_payment_expired(self, body):
        self._tell(*open_envelope(body, PaymentExpired))

    @reliable_handler(PaymentAgencyConfirmed)
    def on_payment_confirmed(self, body):
        self._tell(*open_envelope(body, PaymentAgencyConfirmed))

    @reliable_handler(PaymentRefunded)
    def on_payment_refunded(self, body):
        self._tell(*open_envelope(body, PaymentRefunded))

    @reliable_handler(BillIssued)
    def on_bill_issued(self, body):
        self._tell(*open_envelope(body, BillIssued))

    @reliable_handler(MatterOpened)
    def on_matter_opened(self, body):
        self._tell(*open_envelope(body, MatterOpened))

    @reliable_handler(MatterMoved)
    def on_matter_moved(self, body):
        self._tell(*open_envelope(body, MatterMoved))

    @reliable_handler(AppointmentBooked)
    def on_appointment_booked(self, body):
        self._tell(*open_envelope(body, AppointmentBooked))

    @reliable_handler(AppointmentCancelled)
    def on_appointment_cancelled(self, body):
        self._tell(*open_envelope(body, AppointmentCancelled))

    @reliable_handler(AppointmentCheckedIn)
    def on_appointment_checked_in(self, body):
        self._tell(*open_envelope(body, AppointmentCheckedIn))

    @reliable_handler(AppointmentNoshow)
    def on_appointment_noshow(self, body):
        self._tell(*open_envelope(body, AppointmentNoshow))

    @reliable_handler(AppointmentRescheduled)
    def on_appointment_rescheduled(self, body):
        self._tell(*open_envelope(body, AppointmentRescheduled))

    @reliable_handler(AppointmentReminder)
    def on_appointment_reminder(self, body):
        self._tell(*open_envelope(body, AppointmentReminder))

    @reliable_handler(WaitlistOffered)
    def on_waitlist_offered(self, body):
        self._tell(*open_envelope(body, WaitlistOffered))

    @rpc
    def send_sms(self, sealed_phone, template_id, locale, values):
        """Send a text now (a command, so RPC): the caller needs to know it went.

        The phone arrives sealed for transit (chassis.crypto.transit).
        """
        phone = self.cipher.open(sealed_phone, transit("phone"))
        template = self.templates.latest(template_id, self.db.core_read)
        text = template.render("sms", locale, values)["body"]
        return {"message_id": self.sms.send(phone, text)}

    @rpc
    def send_email(self, sealed_address, template_id, locale, values):
        """Mail now (a command: the caller needs to know it went); the address
        arrives sealed for transit."""
        address = self.cipher.open(sealed_address, transit("email"))
        template = self.templates.latest(template_id, self.db.core_read)
        parts = template.render("email", locale, values)
        try:
            return {"message_id": self.mail.send(address, parts["subject"], parts["body"])}
        except TemporaryFailure:
            raise ServiceUnavailable("the mail server deferred the message; try again later",
                                     code="email_deferred") from None

    @reliable_handler(CitizenEmailConfirmed)
    def on_email_confirmed(self, body):
        envelope, event = open_envelope(body, CitizenEmailConfirmed)
        with self.db.core_transaction() as connection:
            if self.db.claim(connection, envelope.event_id):
                partners.mailable(connection, event.citizen_id, event.partner_id,
                                  event.locale)

    @rpc
    def list_notifications(self, citizen_id, limit=DEFAULT_PAGE, cursor=None):
        return inbox.page(self.db, self._cursor_key, citizen_id, limit, cursor)

    @rpc
    def overview(self, citizen_id):
        """The citizen's overview of notifications: how many are unread."""
        return {"unread_count": inbox.unread(self.db, citizen_id)}

    @rpc
    def since(self, citizen_id, notification_id):
        return inbox.since(self.db, citizen_id, str(notification_id))

    @rpc
    def get_notification(self, citizen_id, notification_id):
        return inbox.detail(self.db, citizen_id, str(notification_id))

    @rpc
    def get_preferences(self, citizen_id):
        return inbox.preferences(self.db, citizen_id)

    @rpc
    def put_preferences(self, citizen_id, changes):
        return inbox.change_preferences(self.db, citizen_id, changes, self.clock())

    @rpc
    def sms_receipt(self, body, signature):
        """The SMS gateway's signed word on a text (through the gateway's callback)."""
        reference, code = self.sms.read_receipt(body.encode(), signature)
        return {"known": channels.receipt(self.db, reference, code, self.clock())}

    @every("text_poll_seconds")
    def send_texts_and_mail(self):
        """Hand the texts and e-mails that are due to their providers
        (use_cases/channels.py)."""
        channels.send_due(self.db, SMS, self._text, self.cipher.open, self.clock())
        channels.send_due(self.db, EMAIL, self._mail, self.cipher.open, self.clock())

    def _text(self, citizen_id: str, parts: dict, reference: str):
        """A text to the citizen's confirmed phone; its receipt comes later."""
        sealed = self.identity.phone_for_notification(citizen_id)
        if sealed is None:
            return None
        phone = self.cipher.open(sealed, transit("phone"))
        return self.sms.send(phone, parts["body"], reference=reference), None

    def _mail(self, citizen_id: str, parts: dict, reference: str):
        """A mail to the citizen's confirmed address: delivered when the server takes it."""
        sealed = self.identity.email_for_notification(citizen_id)
        if sealed is None:
            return None
        address = self.cipher.open(sealed, transit("email"))
        return (self.mail.send(address, parts["subject"], parts["body"], reference=reference),
                DELIVERED)

    @rpc
    def accept_subscription(self, citizen_id, template_id, kind):
        """The citizen accepted the partner's subscription message for a template."""
        with self.db.core_transaction() as connection:
            template = self._template(connection, template_id)
        return inbox.accept_subscription(self.db, citizen_id, template, kind, self.clock())

    @rpc
    def withdraw_subscription(self, citizen_id, template_id):
        inbox.withdraw_subscription(self.db, citizen_id, template_id)

    @rpc
    def list_subscriptions(self, citizen_id):
        return inbox.subscriptions(self.db, citizen_id)

    @rpc
    def mark_read(self, citizen_id, notification_id):
        return inbox.mark_read(self.db, citizen_id, str(notification_id), self.clock())

    @rpc
    def mark_all_read(self, citizen_id):
        return inbox.mark_all_read(self.db, citizen_id, self.clock())

    @rpc
    def schedule(self, key, citizen_id, template_id, locale, values, send_at, action=None):
        """Send at `send_at` under `key` (use_cases/scheduled.py)."""
        return scheduled.schedule(self.db, self._template, key, citizen_id, template_id,
                                  locale, values, send_at, action, self.clock())

    @rpc
    def send(self, key, citizen_id, template_id, values, action=None):
        """Tell the citizen now, once per `key` within 24 hours (use_cases/sending.py)."""
        return sending.send(self.db, self._template, self._deliver, key, citizen_id,
                            template_id, values or {}, action, self.clock())

    @rpc
    def cancel(self, key):
        return scheduled.cancel(self.db, key, self.clock())

    @rpc
    def put_webhook(self, partner_id, url, categories, enabled=True,
                    requires_subscription=False):
        """Register or change the partner's endpoint; a new one's secret comes back
        once, sealed for transit."""
        check_url(url, production=self.settings.env == "production",
                  addresses=addresses_of(url) if self.settings.env == "production" else ())
        view, secret = webhook_endpoints.put(self.db, partner_id, url, categories, enabled,
                                             self.clock(), self.cipher.seal,
                                             requires_subscription)
        if secret is not None:
            view["secret"] = self.cipher.seal(secret, transit("webhook_secret"))
        return {"created": secret is not None, "webhook": view}

    @rpc
    def get_webhook(self, partner_id):
        return webhook_endpoints.get(self.db, partner_id)

    @rpc
    def remove_webhook(self, partner_id):
        webhook_endpoints.remove(self.db, partner_id)

    @rpc
    def webhook_deliveries(self, partner_id, status=None, limit=DEFAULT_PAGE, cursor=None):
        return webhook_endpoints.deliveries(self.db, self._cursor_key, partner_id, status,
                                            limit, cursor)

    @rpc
    def retry_delivery(self, partner_id, delivery_id):
        return webhook_endpoints.retry(self.db, partner_id, str(delivery_id), self.clock())

    @rpc
    def partner_events(self, partner_id, after=None, limit=MAX_PAGE):
        return webhook_endpoints.events(self.db, self._cursor_key, partner_id, after, limit)

    @every("webhook_poll_seconds")
    def push_to_partners(self):
        """Start sending to each partner with deliveries due (partner_push.Courier)."""
        self.courier.dispatch(self.db, self.clock,
                              partial(self.cipher.open, context=webhook_endpoints.SECRET_CONTEXT))

    @every("schedule_poll_seconds")
    def send_due(self):
        scheduled.send_due(self.db, self._template, self._deliver, self.clock())

    def _template(self, connection, template_id: str):
        try:
            return self.templates.latest(template_id, partial(nullcontext, connection))
        except TemplateError:
            raise InvalidInput(f"no template {template_id}", field="template_id",
                               code="template_not_found") from None

    def _deliver(self, connection, template, values, message, known=None) -> None:
        """Into the inbox and, with the commit, onto the live streams (the outbox),
        into the partner's feed and push, and out as texts and e-mails. `known`: the
        citizen's recipients row, when the caller has read it already."""
        repository.add(connection, message)
        view = notification_view(message)
        self.db.publish(NotificationCreated(citizen_id=message.citizen_id, notification=view))
        known = known or partners.recipient(connection, message.citizen_id)
        partner_id = known.partner_id if known else None
        endpoint = partners.webhook(connection, partner_id) if partner_id else None
        push = channels.route(connection, template, message, values, self.clock(),
                              self.cipher.seal, self.settings.non_critical_daily_cap,
                              mailable=bool(known and known.email_confirmed), endpoint=endpoint)
        if partner_id is not None:
            record_event(connection, partner_id, message, view, push)

    @property
    def _cursor_key(self) -> bytes:
        # Derived from the blind-index key, for this use only.
        return f"inbox-cursor:{self.settings.blind_index_key}".encode()

    def _tell(self, envelope, event):
        """Put a message in the citizen's inbox, once per event, however often delivered."""
        tell = what_to_tell(event)
        with self.db.core_transaction() as connection:
            if not self.db.claim(connection, envelope.event_id):
                return  # a duplicate delivery
            known = partners.recipient(connection, event.citizen_id)
            if known is None:  # the first event about this citizen
                if not hasattr(event, "partner_id"):
                    # Only identity's events say who the citizen is to notify; another
                    # service's event that overtook them is retried until they arrive.
                    raise LookupError("no recipient yet for this citizen")
                partners.remember(connection, event.citizen_id, event.partner_id, event.locale)
            if tell is None:
                return  # nothing to tell
            locale = getattr(event, "locale", None) or known.locale
            template = self.templates.latest(tell.template_id, partial(nullcontext, connection))
            self._deliver(connection, template, tell.values,
                          inbox_message(template, tell.values, tell.action, event.citizen_id,
                                        locale, envelope.event_id, self.clock()),
                          known or _Known(event.partner_id))
