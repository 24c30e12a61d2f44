"""Assurance levels: how well a citizen's identity is proven, shared by every service.

Identity raises a citizen's level; every other service only reads it, from a signed
assertion (chassis.assertions), and refuses a call below the level its catalogue
declares.
"""

from contracts.errors import Forbidden

LEVELS = {
    0: "registered by a partner",
    1: "phone confirmed by a one-time code",
    2: "real name matched against the population registry",
    3: "face and liveness passed",
}


def require(current: int, required: int) -> None:
    """Refuse a service call from a citizen below the level it needs."""
    if current < required:
        raise Forbidden(f"this needs assurance level {required} "
                        f"({LEVELS[required]}); the citizen is at level {current}",
                        field="assurance_level", code="assurance_level_too_low")
