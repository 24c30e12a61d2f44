"""Taking a unit of a timer's work, so that of several replicas exactly one does it.

Every replica's timer finds the same due rows; before a step calls an outside system
for one (the provider, an agency), it takes the row by moving its due time on to the
end of a lease, in a conditional update that only a row still due matches. Of the
replicas that try at once the database lets one win; the others skip the row and go
on with the rest of their batch, so replicas share a batch rather than repeat it. The
step then sets the due time it wants. A replica that dies holding a row leaves it due
again when the lease ends, for whichever replica looks next.

A conditional update rather than `SELECT … FOR UPDATE SKIP LOCKED`: no lock is held
across the outside call (which may take the call's whole timeout), and SQLite, which
has no SKIP LOCKED, runs the same statement.
"""

import hashlib
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Column, func, select, update

# How long a take lasts where no settings are at hand (tests); the services pass their
# settings' work_lease_seconds, whose default this is.
LEASE = timedelta(seconds=30)


def take(connection, due: Column, key: Column, value, now: datetime, until: datetime) -> bool:
    """Take the row whose `key` is `value` until `until`, if its `due` time has come:
    True for exactly one of the callers that try at once."""
    return connection.execute(
        update(due.table).where(key == value, due <= now).values({due.name: until})
    ).rowcount == 1


@contextmanager
def alone(uow, name: str):
    """Whether this replica is the only one doing `name` now (True) or another is
    (False, skip it this round): for work that is one whole unit, such as reading an
    agency's feed from where the last reader stopped. On PostgreSQL a transaction-level
    advisory lock, held on a connection of its own until the block ends, so a replica
    that dies lets go at once; SQLite runs one replica, which is always alone."""
    with uow.core_read() as connection:
        if connection.dialect.name != "postgresql":
            yield True
            return
        key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big",
                             signed=True)
        yield bool(connection.execute(select(func.pg_try_advisory_xact_lock(key))).scalar())
