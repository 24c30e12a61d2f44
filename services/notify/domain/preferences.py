"""Which channels carry a notification to a citizen, beyond the inbox.

The inbox always gets it: it is the record of what the city told the citizen.
The other channels (the partner's push, SMS, e-mail) follow the citizen's
preferences per category, with two exceptions the law makes:

- a critical category (security: a lockout, a new device) cannot be turned off;
- a critical template in another category (a deadline that carries a penalty) goes
  out even on a channel the citizen turned off, and that send records why.

Quiet hours (22:00 to 08:00 city time) hold a non-critical SMS until morning.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from contracts.errors import InvalidInput
from contracts.time import CITY_TIME
from services.notify.domain.templates import CATEGORIES

PUSH, SMS, EMAIL = "push", "sms", "email"
CHOSEN_CHANNELS = (PUSH, SMS, EMAIL)
CRITICAL_CATEGORIES = ("security",)
# Out of the box: the partner's push for everything, e-mail for everything once an
# address is confirmed, and texts only where they matter (and cost) most.
DEFAULTS = {category: {PUSH: True, SMS: category in CRITICAL_CATEGORIES, EMAIL: True}
            for category in CATEGORIES}
QUIET_FROM, QUIET_UNTIL = time(22, 0), time(8, 0)
OVERRIDE_REASON = "critical: sent although the citizen turned this channel off"


@dataclass(frozen=True)
class Route:
    """One channel a notification goes out on, and why if the citizen said no."""

    channel: str
    reason: str | None = None


def effective(stored: dict[tuple[str, str], bool]) -> dict[str, dict[str, bool]]:
    """Every category's channels: what the citizen chose, else the default; critical
    categories always on."""
    return {category: {channel: (True if category in CRITICAL_CATEGORIES
                                 else stored.get((category, channel), default))
                       for channel, default in channels.items()}
            for category, channels in DEFAULTS.items()}


def check_changes(changes) -> list[tuple[str, str, bool]]:
    """(category, channel, on) for each change asked for; turning a critical
    category off is refused."""
    if not isinstance(changes, dict) or not changes:
        raise InvalidInput("categories must name at least one category", field="categories")
    result = []
    for category, channels in changes.items():
        if category not in CATEGORIES:
            raise InvalidInput(f"unknown category {category!r}", field="categories",
                               code="unknown_category")
        if not isinstance(channels, dict):
            raise InvalidInput("each category maps channels to true or false",
                               field=f"categories.{category}")
        for channel, on in channels.items():
            if channel not in CHOSEN_CHANNELS:
                raise InvalidInput(f"unknown channel {channel!r}; the channels are "
                                   f"{', '.join(CHOSEN_CHANNELS)}",
                                   field=f"categories.{category}", code="unknown_channel")
            if not isinstance(on, bool):
                raise InvalidInput("a channel is on (true) or off (false)",
                                   field=f"categories.{category}.{channel}")
            if category in CRITICAL_CATEGORIES and not on:
                raise InvalidInput(f"{category} messages are required by law and cannot "
                                   "be turned off", field=f"categories.{category}",
                                   code="category_is_critical")
            result.append((category, channel, on))
    return result


def is_critical(template) -> bool:
    return template.critical or template.category in CRITICAL_CATEGORIES


def could_use(template, available: set[str]) -> bool:
    """Whether any channel beyond the inbox could carry the template at all."""
    return any(channel in available and (channel == PUSH or channel in template.channels)
               for channel in CHOSEN_CHANNELS)


def routes(template, preferences: dict[str, dict[str, bool]], available: set[str]) -> list[Route]:
    """The channels beyond the inbox that this template goes out on, among those
    `available` for the citizen (an endpoint, a phone, a confirmed address)."""
    chosen = preferences[template.category]
    result = []
    for channel in CHOSEN_CHANNELS:
        if not could_use(template, {channel} & available):
            continue
        if chosen[channel]:
            result.append(Route(channel))
        elif is_critical(template):
            result.append(Route(channel, OVERRIDE_REASON))
    return result


def quiet_until(now: datetime, critical: bool) -> datetime | None:
    """When a text may go out if `now` is in the city's quiet hours (None: now)."""
    if critical:
        return None
    local = now.astimezone(CITY_TIME)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, CITY_TIME)
