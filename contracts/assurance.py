"""Assurance levels: how well a citizen's identity is proven, shared by every service.

Identity raises a citizen's level; every other service only reads it, from a signed
assertion (chassis.assertions), and refuses a call below the level the city's service
catalogue declares: the gateway carries the catalogue's levels with each call
(gateway/catalogue_levels.py), and a service falls back on its own table without them.
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


def needed(catalogue_levels: dict | None, key: str, own: int) -> int:
    """The level the catalogue sets for `key` (a fee code, a kind of institution), or
    the service's own when the call carries none for it."""
    if not catalogue_levels or key not in catalogue_levels:
        return own
    return int(catalogue_levels[key])
