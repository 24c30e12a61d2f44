"""Slots appointments has just answered `fully_booked` for, remembered for a second.

At a popular slot's release thousands ask for a few hundred places at once, and once
the places are gone every further ask would still cost an assertion from identity and
a refused UPDATE in appointments, ahead of the asks still queued: that work, not the
places, is what made answers slow and shed in the rush (bench/README.md). For a second
after appointments says a slot is full the gateway says so itself.

A place that frees in that second (a hold let go or run out, a cancelled visit) is
refused for at most the rest of it; the waitlist, which offers it through notify, is
slower than that. appointments' database stays the only judge of who gets a place:
this only ever refuses, never grants.
"""

from cachetools import TTLCache
from nameko.extensions import DependencyProvider

from chassis import metrics
from contracts.errors import Conflict

FULL_FOR_SECONDS = 1.0
MAX_ENTRIES = 10_000
FULL = "fully_booked"


class FullSlots(DependencyProvider):
    def setup(self):
        self.full: TTLCache = TTLCache(maxsize=MAX_ENTRIES, ttl=FULL_FOR_SECONDS)

    def get_dependency(self, worker_ctx):
        return self

    def hold(self, slot_id: str, call):
        """`call()` (appointments' hold), unless the slot was answered full within the
        second: then the same refusal at once."""
        refusal = self.full.get(slot_id)
        if refusal is not None:
            metrics.FULL_SLOT_ANSWERS.inc()
            raise Conflict(*refusal)
        try:
            return call()
        except Conflict as refused:
            if refused.code == FULL:
                self.full[slot_id] = (refused.message, refused.field, refused.code)
            raise
