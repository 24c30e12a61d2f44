"""E-receipts: issued once per confirmed payment, signed by the hub, checked by anyone.

The payer's name comes from identity, masked, when the receipt is first asked for
(identity records the read in the citizen's access log); the receipt is then stored,
so every later copy is the same token.
"""

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from chassis.assertions import load_keys
from contracts.errors import Conflict
from services.payments import repository
from services.payments.domain import receipts as rules
from services.payments.models import Receipt


class ReceiptKeys:
    """The first configured key signs; the public half of every key verifies."""

    def __init__(self, settings):
        keys = load_keys(settings.receipt_keys)
        self.kid, self.signing_key = next(iter(keys.items()))
        self.public = {kid: key.public_key() for kid, key in keys.items()}


def receipt(uow, keys: ReceiptKeys, payer_of, payment, now: datetime) -> dict:
    """The payment's receipt; `payer_of(citizen_id)` is the masked name (or None)."""
    if payment.agency_confirmation is None:
        raise Conflict("the receipt is issued once the agency confirms the payment",
                       field="payment_id", code="receipt_not_ready")
    with uow.read() as session:
        stored = session.get(Receipt, payment.id)
        if stored is not None:
            return _view(stored.token)
        fee = repository.fee(session, payment.fee_code)
    token = rules.sign(rules.claims(payment, fee, payer_of(payment.citizen_id), now),
                       keys.kid, keys.signing_key)
    try:
        with uow.transaction() as session:
            session.add(Receipt(payment_id=payment.id, number=rules.number(
                payment.id, payment.paid_at), token=token, issued_at=now))
    except IntegrityError:  # a twin request stored it first: that one is the receipt
        with uow.read() as session:
            token = session.get(Receipt, payment.id).token
    return _view(token)


def verify(uow, keys: ReceiptKeys, token) -> dict:
    """Whether we signed this receipt, what it says, and how its order stands now."""
    try:
        said = rules.verify(token, keys.public)
    except rules.InvalidReceipt as exc:
        return {"valid": False, "reason": str(exc), "receipt": None, "payment_status": None}
    with uow.read() as session:
        payment = repository.payment(session, said["payment_id"])
    return {"valid": True, "reason": None, "receipt": said,
            "payment_status": payment.status if payment else None,
            "refunded_cents": payment.refunded_cents if payment else None}


def _view(token: str) -> dict:
    return {"token": token, "qr_payload": rules.QR_PREFIX + token,
            "receipt": rules.contents(token)}
