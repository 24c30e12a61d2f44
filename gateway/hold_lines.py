"""Asks for a place of a slot, in line: each one sent when the one that came before it
is answered, and refused at once for a second after the slot was answered full.

At a popular slot's release thousands ask for a few hundred places at once. Sent to
appointments together, the holds reached its database in no particular order (SQLite
hands its write lock to whichever waiter retries first; identity's assertion, asked
first, takes each ask a different time), so places did not go to those who asked
first; and once the places were gone every further ask still cost a refused UPDATE in
appointments, ahead of the asks still queued: that work, not the places, made answers
slow and shed in the rush (bench/README.md).

So an ask takes its place in its slot's line as it arrives, gets the citizen's
assertion meanwhile, and is sent to appointments once the ask ahead of it has been
answered (or after a second: one slow ask must not stall a line). For a second after
appointments says a slot is full the gateway gives that answer itself, before an ask
joins the line and again when its turn comes. A hold takes a few milliseconds, so a
line costs nothing on an ordinary day and a rush's places go in about a second. A place
that frees in the second a slot is remembered full (a hold let go or run out, a
cancelled visit) is refused for at most the rest of it; the waitlist, which offers it
through notify, is slower than that. appointments' database stays the only judge of
who gets a place: this only ever refuses, never grants. Each gateway process keeps its
own lines.
"""

from collections.abc import Callable

import eventlet
from cachetools import TTLCache
from eventlet.event import Event
from nameko.extensions import DependencyProvider

from chassis import metrics
from contracts.errors import Conflict

FULL_FOR_SECONDS = 1.0
WAIT_FOR_AHEAD_SECONDS = 1.0
MAX_ENTRIES = 10_000
FULL = "fully_booked"


class HoldLines(DependencyProvider):
    def setup(self):
        self.full: TTLCache = TTLCache(maxsize=MAX_ENTRIES, ttl=FULL_FOR_SECONDS)
        self.lines: dict[str, Line] = {}

    def get_dependency(self, worker_ctx):
        return self

    def refuse_if_full(self, slot_id: str) -> None:
        """The refusal appointments gave within the second, if it gave one."""
        refusal = self.full.get(slot_id)
        if refusal is not None:
            metrics.FULL_SLOT_ANSWERS.inc()
            raise Conflict(*refusal)

    def hold(self, slot_id: str, ask: Callable[[Callable], dict]) -> dict:
        """`ask(turn)`, in the slot's line: `turn(call)` makes `call()` (appointments'
        hold) when this ask's turn comes, unless the slot is answered full by then."""
        self.refuse_if_full(slot_id)
        line = self.lines.setdefault(slot_id, Line())
        ahead, answered = line.join()

        def turn(call: Callable[[], dict]) -> dict:
            if ahead is not None and not ahead.ready():
                with eventlet.Timeout(WAIT_FOR_AHEAD_SECONDS, False):
                    ahead.wait()
            self.refuse_if_full(slot_id)
            try:
                return call()
            except Conflict as refused:
                if refused.code == FULL:
                    self.full[slot_id] = (refused.message, refused.field, refused.code)
                raise

        try:
            return ask(turn)
        finally:
            answered.send()
            if line.leave():
                del self.lines[slot_id]


class Line:
    """A slot's asks in the order they came: each waits for the answer of the one ahead.
    Green threads switch only where they wait, so nothing comes between reading and
    changing a line."""

    def __init__(self):
        self.last: Event | None = None
        self.asks = 0

    def join(self) -> tuple[Event | None, Event]:
        """(the answer of the ask ahead, if any, and this ask's own answer)."""
        ahead, self.last = self.last, Event()
        self.asks += 1
        return ahead, self.last

    def leave(self) -> bool:
        """True when nobody is left in the line."""
        self.asks -= 1
        return self.asks == 0
