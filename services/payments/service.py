"""Payments' entrypoints: bills from agencies, orders paid at the provider's cashier,
the provider's notifications, and the upkeep that ends every order and passes every
payment on to its agency. Each entrypoint is a few lines: rules in domain/, steps in
use_cases/, queries in repository.py."""

from chassis.assertions import AssertionVerifier
from chassis.batches import at_once
from chassis.db import Database
from chassis.metrics import Instrumentation
from chassis.rpc import ServiceRpc, rpc
from chassis.settings import FromSettings, SettingsProvider
from chassis.timers import every
from chassis.timestamps import Clock
from contracts.assurance import require
from contracts.errors import NotFound
from services.payments import repository
from services.payments.adapters import HttpAgencies, HttpProvider
from services.payments.models import Outbox
from services.payments.use_cases import (
    bills,
    ordering,
    receipts,
    refunds,
    settlement,
    upkeep,
)
from services.payments.views import bill_view, fee_view, payment_view, refund_view

LINKING_LEVEL = 2  # linking an account shows its bills: the holder's real name first


class PaymentsService:
    name = "payments"

    db = Database(Outbox)
    assertions = AssertionVerifier()
    instrumentation = Instrumentation()
    settings = SettingsProvider()
    clock = Clock()
    agencies = FromSettings(lambda s: HttpAgencies(s.agency_url,
                                                   s.payment_provider_timeout_seconds))
    provider = FromSettings(lambda s: HttpProvider(s.payment_provider_url,
                                                   s.payment_provider_public_key,
                                                   s.payment_provider_timeout_seconds))
    terms = FromSettings(ordering.Terms)
    receipt_keys = FromSettings(receipts.ReceiptKeys)
    identity = ServiceRpc("identity")

    @rpc
    def ping(self):
        return "pong"

    @rpc
    def list_fees(self):
        with self.db.read() as session:
            return [fee_view(fee) for fee in repository.all_fees(session)]

    @rpc
    def lookup_bill(self, citizen_id, fee_code, bill_number):
        """The agency's bill for a ticket or bill number."""
        return bills.lookup(self.db, self.agencies, citizen_id, fee_code, bill_number,
                            self.clock())

    @rpc
    def bills_due(self, citizen_id):
        return bills.bills_due(self.db, citizen_id)

    @rpc
    def overview(self, citizen_id):
        """The citizen's overview of payments: bills due, and orders in flight."""
        with self.db.core_read() as connection:
            due, in_flight = repository.overview(connection, citizen_id)
        return {"bills_due": [bill_view(b) for b in due],
                "in_flight": [payment_view(p) for p in in_flight]}

    @rpc
    def link_account(self, citizen_id, assertion, fee_code, account):
        """Link an account (level 2): (account, newly linked)."""
        require(self.assertions.level_of(assertion, citizen_id, audience=self.name),
                LINKING_LEVEL)
        view, created = bills.link(self.db, self.agencies, citizen_id, fee_code, account,
                                   self.clock())
        return {"account": view, "created": created}

    @rpc
    def linked_accounts(self, citizen_id):
        return bills.accounts(self.db, citizen_id)

    @rpc
    def unlink_account(self, citizen_id, fee_code, account):
        bills.unlink(self.db, citizen_id, fee_code, account)

    @rpc
    def refresh_bills(self, after=None, limit=50):
        """One batch of the daily refresh of linked accounts (`cityhub bills refresh`)."""
        return bills.refresh(self.db, self.agencies, self.clock(), after, limit)

    @rpc
    def create_payment(self, citizen_id, partner_id, assertion, idempotency_key, body,
                       levels=None):
        """An order for a bill (`bill_id`) or a catalogue fee (`fee_code`), made once per
        Idempotency-Key: {"payment": ..., "replayed": bool}. `levels`: the catalogue's,
        by fee code (contracts/assurance.py)."""
        level = self.assertions.level_of(assertion, citizen_id, audience=self.name)
        payment, replayed = ordering.create(self.db, self.agencies, self.provider, self.terms,
                                            citizen_id, partner_id, level, idempotency_key,
                                            body, self.clock(), levels)
        return {"payment": payment, "replayed": replayed}

    @rpc
    def list_payments(self, citizen_id):
        with self.db.read() as session:
            return [payment_view(p) for p in repository.payments_of(session, citizen_id)]

    @rpc
    def get_payment(self, citizen_id, payment_id):
        """One order with its history of transitions and their causes."""
        with self.db.read() as session:
            payment = self._payment(session, citizen_id, payment_id)
            view = payment_view(payment, repository.history(session, payment.id))
            view["refundable_cents"] = refunds.refundable_now(session, payment)
            return view

    @rpc
    def list_refunds(self, citizen_id, payment_id):
        with self.db.read() as session:
            payment = self._payment(session, citizen_id, payment_id)
            return [refund_view(r) for r in repository.refunds_of(session, payment.id)]

    @rpc
    def receipt(self, citizen_id, payment_id):
        """The e-receipt of a payment its agency confirmed (409 before)."""
        with self.db.read() as session:
            payment = self._payment(session, citizen_id, payment_id)
        return receipts.receipt(self.db, self.receipt_keys, self.identity.payer_on_receipt,
                                payment, self.clock())

    @rpc
    def verify_receipt(self, token):
        return receipts.verify(self.db, self.receipt_keys, token)

    @rpc
    def provider_notification(self, provider_name, body):
        """The provider's asynchronous notification, as it came: `success` or `fail`."""
        if provider_name != ordering.PROVIDER_NAME:
            raise NotFound("no such payment provider", field="provider")
        return settlement.notification(self.db, self.provider, self.terms, body,
                                       self.clock())

    # Four timers, so that an agency that takes its time holds up no order's end, and
    # the trades watched after their close hold up no open order.
    @every("payment_janitor_poll_seconds")
    def janitor(self):
        """Ask about open orders, and close the expired ones at the provider."""
        upkeep.janitor_round(self.db, self.provider, self.terms, self.clock(), at_once)

    @every("payment_janitor_poll_seconds")
    def watch_closed_trades(self):
        """Ask about trades closed unpaid: money that landed on one is refunded."""
        upkeep.watch_round(self.db, self.provider, self.terms, self.clock(), at_once)

    @every("payment_janitor_poll_seconds")
    def confirm_to_agencies(self):
        """Pass paid orders on to their agency until it acknowledges each."""
        upkeep.confirm_round(self.db, self.agencies, self.terms, self.clock(), at_once)

    @every("payment_janitor_poll_seconds")
    def send_refunds(self):
        """Read the refunds agencies ask for; send those due until the provider pays."""
        refunds.from_agencies(self.db, self.agencies, self._agencies(), self.clock())
        upkeep.refund_round(self.db, self.provider, self.terms, self.clock(), at_once)

    @rpc
    def refund(self, payment_id, amount_cents, refundable_cents, request_no, reason):
        """Ops' refund (`cityhub payments refund`): refused with 412 unless
        `refundable_cents` is what the order can still give."""
        return refunds.request(self.db, payment_id, amount_cents, refundable_cents, request_no,
                               reason, "ops", self.clock())

    @rpc
    def refund_in_full(self, payment_id, request_no, reason, requested_by):
        """Another service's refund of all an order can still give (appointments: a
        cancelled paid visit), once per request number."""
        return refunds.in_full(self.db, payment_id, request_no, reason, requested_by,
                               self.clock())

    def _agencies(self) -> list[str]:
        with self.db.read() as session:
            return sorted({fee.agency for fee in repository.all_fees(session) if fee.agency})

    @staticmethod
    def _payment(session, citizen_id, payment_id):
        payment = repository.payment_of(session, citizen_id, payment_id)
        if payment is None:
            raise NotFound("no such payment for this citizen", field="payment_id",
                           code="payment_not_found")
        return payment
