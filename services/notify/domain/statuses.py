"""Delivery statuses per channel, in GOV.UK Notify's model, and what a caller
should do about each (the action code).

    created            accepted, not yet handed to the provider    wait
    sending            with the provider, no receipt yet           wait
    delivered          the provider says the citizen has it        none
    temporary-failure  the phone was off, the mailbox full...      retry_later
    permanent-failure  no such number or address, or refused       fix_address
    technical-failure  the provider or the hub could not send      switch_channel

A status only moves forward: a receipt arriving twice, or late, changes nothing.
"""

CREATED, SENDING, DELIVERED = "created", "sending", "delivered"
TEMPORARY_FAILURE, PERMANENT_FAILURE, TECHNICAL_FAILURE = (
    "temporary-failure", "permanent-failure", "technical-failure")
FINAL = (DELIVERED, TEMPORARY_FAILURE, PERMANENT_FAILURE, TECHNICAL_FAILURE)
STATUSES = (CREATED, SENDING, *FINAL)

_ACTIONS = {CREATED: "wait", SENDING: "wait", DELIVERED: "none",
            TEMPORARY_FAILURE: "retry_later", PERMANENT_FAILURE: "fix_address",
            TECHNICAL_FAILURE: "switch_channel"}

# What an SMS provider's receipt says, as CMPP/SMPP gateways spell it.
RECEIPTS = {"DELIVRD": DELIVERED, "EXPIRED": TEMPORARY_FAILURE,
            "UNDELIV": PERMANENT_FAILURE, "REJECTD": PERMANENT_FAILURE}

# A webhook delivery's status, as the push channel's.
_WEBHOOK = {"delivered": DELIVERED, "failed": PERMANENT_FAILURE,
            "expired": TEMPORARY_FAILURE, "cancelled": TECHNICAL_FAILURE}


def action_for(channel: str, status: str) -> str:
    if channel == "push" and status == PERMANENT_FAILURE:
        return "switch_channel"  # the partner's endpoint refused it: nothing to fix here
    return _ACTIONS[status]


def can_move(current: str, new: str) -> bool:
    """Forward only: created -> sending -> a final status, never back or sideways."""
    if current in FINAL:
        return False
    return STATUSES.index(new) > STATUSES.index(current)


def from_receipt(code: str) -> str | None:
    return RECEIPTS.get(code)


def from_webhook(status: str, attempts: int) -> str:
    if status == "pending":
        return SENDING if attempts else CREATED
    return _WEBHOOK[status]


class TemporaryFailure(Exception):
    """The provider says: not now (a full mailbox, 4xx); try again later."""
