"""Which event tells the citizen what: one entry per event, naming its template.

To tell citizens about a new event: add a template (services/notify/templates/), one
entry here, and a `@reliable_handler(TheEvent)` in service.py that calls `_tell`.
"""

from dataclasses import dataclass

from contracts.events import CitizenRegistered, CitizenVerificationFailed, CitizenVerified


@dataclass(frozen=True)
class Tell:
    """What to tell: a template, the values for its placeholders, and what the
    super-app should open when the citizen taps it."""

    template_id: str
    values: dict
    action: dict | None = None


def _registered(event: CitizenRegistered) -> Tell:
    return Tell("welcome", {}, {"type": "profile", "id": event.citizen_id})


def _verified(event: CitizenVerified) -> Tell:
    return Tell("level_reached", {"level": event.level},
                {"type": "profile", "id": event.citizen_id})


def _verification_failed(event: CitizenVerificationFailed) -> Tell | None:
    # Only a lockout is worth telling the citizen about.
    if not event.locked:
        return None
    return Tell(f"{event.check}_locked", {}, {"type": "profile", "id": event.citizen_id})


TRIGGERS = {
    CitizenRegistered: _registered,
    CitizenVerified: _verified,
    CitizenVerificationFailed: _verification_failed,
}


def what_to_tell(event) -> Tell | None:
    return TRIGGERS[type(event)](event)
