"""The janitor: every order ends, even if every notification from the provider is
lost. An order still open is asked about at the provider a few minutes after it was
made, then less and less often; once past its expiry it is closed at the provider
before it is marked `expired`, and a provider that does not answer means "unknown":
ask again later, never "failed". With these waits an order is terminal within an hour
of its expiry.

A closed trade can still take money (a bank transfer in flight when it closed), and
every notification of it can be lost. So the janitor goes on asking about a trade it
closed, or that the provider closed, less and less often (by default at most an hour
apart) until the provider's answer is final: paid (the money is booked and refunded in
full) or still unpaid 25 hours after the close, by when the provider's own retries of a
notification are over (Alipay's span 25 hours). Reconciliation finds anything later.
"""

from datetime import datetime, timedelta

FIRST_QUERY_AFTER = timedelta(minutes=2)
LONGEST_WAIT = timedelta(minutes=10)
ASK, CLOSE, WAIT = "ask", "close", "wait"


def next_query(created_at: datetime, queries_made: int, first: timedelta = FIRST_QUERY_AFTER,
               longest: timedelta = LONGEST_WAIT) -> datetime:
    """2 min after the order was made, then 2, 4, 8, 10, 10 ... minutes apart."""
    return created_at + first + sum((wait(n, first, longest) for n in range(queries_made)),
                                    timedelta())


def wait(attempts: int, first: timedelta = FIRST_QUERY_AFTER,
         longest: timedelta = LONGEST_WAIT) -> timedelta:
    """How long to wait after the attempt numbered `attempts` (from 0): doubling from
    `first`, never more than `longest`. Agency write-offs and refunds that did not go
    through are tried again on the same schedule."""
    return min(first * (2 ** min(attempts, 30)), longest)


def next_check(created_at: datetime, expires_at: datetime, queries_made: int,
               first: timedelta = FIRST_QUERY_AFTER,
               longest: timedelta = LONGEST_WAIT) -> datetime:
    """When the janitor looks at an open order next: its next query, or its expiry."""
    return min(next_query(created_at, queries_made, first, longest), expires_at)


def what_to_do(created_at: datetime, expires_at: datetime, queries_made: int,
               now: datetime, first: timedelta = FIRST_QUERY_AFTER,
               longest: timedelta = LONGEST_WAIT) -> str:
    """For an order still open: CLOSE it at the provider (it has expired), ASK the
    provider how it stands (it is due), or WAIT."""
    if now >= expires_at:
        return CLOSE
    return ASK if now >= next_query(created_at, queries_made, first, longest) else WAIT


# A call to an outside system that did not go through (a close, a write-off, a
# refund) is tried again this soon at first.
RETRY_FIRST = timedelta(seconds=5)


def next_close(expires_at: datetime, now: datetime) -> datetime:
    """When to try closing an expired order again after the provider did not answer:
    as long again as it has been expired (5 s at first, at most 10 min), so that an
    order asked about many times before it expired is not made to wait the longest
    for its close."""
    return now + min(max(now - expires_at, RETRY_FIRST), LONGEST_WAIT)

