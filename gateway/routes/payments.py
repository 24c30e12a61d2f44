"""Bills, linked accounts, payment orders, refunds and e-receipts, and the payment
provider's notifications.

Routes of GatewayService (gateway/service.py), which holds their dependencies:
each handler checks whose citizen it is, asks one service and answers.
"""

from werkzeug.wrappers import Response

from gateway import schemas
from gateway.entrypoint import api
from gateway.errors import json_response


class PaymentRoutes:
    @api("GET", "/v1/fees/catalogue", answers={200: schemas.FeeList})
    def fee_catalogue(self, request, partner_id):
        """Government fees payable through the hub."""
        return 200, {"items": self.payments.list_fees()}

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
