"""Identity's assertions for the citizens the gateway acts for, kept while fresh.

A hold, a booking or a payment carries identity's signed word on the citizen's level,
and asking identity for it on every call was an RPC, a database read and a signature
per call: on a booking, about a third of the platform's work. So the gateway keeps each
token for half its lifetime and reuses it.

One token serves every service that checks a level (its `aud` names them all), so a
citizen's hold and the booking after it cost identity one call, not one each.

Keeping is safe because a kept token can only understate the citizen: levels only rise
(phone, real name, face), nothing withdraws them, and the key is the partner as well as
the citizen, so no partner is ever lent another's token. A service that refuses a kept
token as `assurance_level_too_low` is asked once more with a fresh one, so a citizen who
has just proven more is never refused for what the gateway remembered. Refused calls
change nothing, so asking again is safe.

cachetools' TTLCache keeps the tokens: bounded, and each one forgotten on time.
"""

from collections.abc import Callable

from cachetools import TTLCache
from nameko.extensions import DependencyProvider

from chassis.settings import settings_of
from contracts.errors import Forbidden

MAX_ENTRIES = 200_000
TOO_LOW = "assurance_level_too_low"
# The services the gateway calls with a citizen's assertion.
AUDIENCES = ["appointments", "payments", "matters"]


class Assertions(DependencyProvider):
    def setup(self):
        lifetime = settings_of(self.container).assertion_lifetime_seconds
        self.kept: TTLCache = TTLCache(maxsize=MAX_ENTRIES, ttl=lifetime / 2)

    def get_dependency(self, worker_ctx):
        return self

    def on_behalf(self, identity, partner_id: str, citizen_id: str,
                  call: Callable[[str], object]):
        """`call(token)` with an assertion for the citizen: a kept one, or identity's
        fresh one when none is kept or the kept one fell short."""
        key = (partner_id, citizen_id)
        token = self.kept.get(key)
        if token is not None:
            try:
                return call(token)
            except Forbidden as refused:
                if refused.code != TOO_LOW:
                    raise
        token = identity.issue_assertion(partner_id, citizen_id, AUDIENCES)["token"]
        self.kept[key] = token
        return call(token)
