"""Working through what is due, a batch at a time: the rounds of services' timers
(payments' janitor and write-offs, appointments' sweeps and reminders)."""

import eventlet

BATCH = 100
AT_ONCE = 10  # outside calls one round makes at the same time


def one_by_one(step, items) -> list:
    return [step(item) for item in items]


def at_once(step, items) -> list:
    """Each item's step in a green thread of its own, AT_ONCE at a time: for steps that
    wait on an outside system, and whose writes re-read their row, so that order does
    not matter."""
    return list(eventlet.GreenPool(AT_ONCE).imap(step, items))


def in_batches(read, find, step, each=one_by_one, size: int = BATCH) -> list:
    """Run `step` on everything `find(connection, size)` says is due, a batch at a time
    until a batch comes back short: the steps' results, in order.

    `read()` opens what `find` reads with (a unit of work's `read` or `core_read`);
    `each(step, items)` runs a batch, one by one unless the caller runs them at once
    (payments does, in green threads: the outside systems' answers take the time).
    Each step must move its item on, or the next batch finds it again.
    """
    results = []
    while True:
        with read() as connection:
            due = find(connection, size)
        results.extend(each(step, due))
        if len(due) < size:
            return results
