"""The nonces partners used within the signature window, and the rate-limit counters
(gateway/rate_limits.py), kept in Redis.

One round trip per signed request: `SET nonce:APP:NONCE 1 NX EX seconds`, true when
the nonce is new, pipelined with an `INCR` and `EXPIRE … NX` for each rate-limit
window the request counts in. It is spoken here in Redis's own protocol (RESP) over
a few pooled connections, because redis-py spends about seven times the instructions
of the round trip itself on one command (bench/README.md), and the gateway sends
these for every request. Everything else in CityHub uses redis-py.
"""

from urllib.parse import unquote, urlsplit

import eventlet
from eventlet.semaphore import Semaphore

MAX_CONNECTIONS = 64
TIMEOUT_SECONDS = 5.0


class NonceStoreError(Exception):
    """Redis could not be reached or refused the command."""


class Refused(NonceStoreError):
    """Redis answered with an error; the connection is still good."""


def command(*parts: bytes) -> bytes:
    """A command as RESP: an array of bulk strings."""
    encoded = b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
    return b"*%d\r\n%s" % (len(parts), encoded)


class _Connection:
    def __init__(self, host: str, port: int, password: str | None, db: int):
        self.socket = eventlet.connect((host, port))
        self.socket.settimeout(TIMEOUT_SECONDS)
        self.replies = self.socket.makefile("rb")
        try:
            if password:
                self.ask(command(b"AUTH", password.encode()))
            if db:
                self.ask(command(b"SELECT", b"%d" % db))
        except Exception:
            self.close()
            raise

    def ask(self, request: bytes, replies: int = 1) -> list[bytes]:
        """Send one or more pipelined commands; their one-line replies (simple string,
        integer, error or null), every one read before an error is raised, so the
        connection stays in step."""
        self.socket.sendall(request)
        lines = [self.replies.readline() for _ in range(replies)]
        if not all(line.endswith(b"\r\n") for line in lines):
            raise NonceStoreError("Redis closed the connection")
        for line in lines:
            if line.startswith(b"-"):
                raise Refused(f"Redis refused the command: {line[1:].strip().decode()}")
        return lines

    def close(self):
        self.replies.close()
        self.socket.close()


class NonceStore:
    def __init__(self, redis_url: str):
        parts = urlsplit(redis_url)
        if parts.scheme != "redis":
            raise ValueError("the nonce store speaks to redis:// URLs only")
        self.address = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.password = unquote(parts.password) if parts.password else None
        self.db = int(parts.path.lstrip("/") or 0)
        self._idle: list[_Connection] = []
        self._slots = Semaphore(MAX_CONNECTIONS)

    def claim(self, key: str, seconds: int) -> bool:
        """Remember `key` for `seconds`; False if it was already remembered."""
        return self.claim_counting(key, seconds)[0]

    def claim_counting(self, key: str, seconds: int, counters=()) -> tuple[bool, list[int]]:
        """`claim`, and one more counted in each of `counters`, (key, seconds it
        lives): their new counts, in the same round trip."""
        request = command(b"SET", key.encode(), b"1", b"NX", b"EX", b"%d" % seconds)
        replies = self._ask(request + _counting(counters), 1 + 2 * len(counters))
        # "+OK": set; a null ("$-1" in RESP2, "_" in RESP3): already there.
        return replies[0].startswith(b"+OK"), _counts(replies[1:])

    def count(self, counters) -> list[int]:
        """Count one more in each of `counters` (key, seconds it lives): their counts."""
        return _counts(self._ask(_counting(counters), 2 * len(counters)))

    def _ask(self, request: bytes, replies: int) -> list[bytes]:
        with self._slots:
            for attempt in (1, 2):
                connection = self._idle.pop() if self._idle and attempt == 1 else None
                try:
                    connection = connection or _Connection(*self.address, self.password,
                                                           self.db)
                    reply = connection.ask(request, replies)
                except Refused:
                    if connection is not None:  # refused a command, not the login
                        self._idle.append(connection)
                    raise
                except (OSError, NonceStoreError) as exc:
                    if connection is not None:
                        connection.close()
                    # An idle connection the server has closed fails like this. A
                    # restart closes them all: drop the other idle ones too, and try
                    # once more on a new connection, never on another old one.
                    self.close()
                    if attempt == 2:
                        raise NonceStoreError(f"Redis is unavailable: {exc}") from exc
                    continue
                self._idle.append(connection)
                return reply
        raise AssertionError("unreachable")

    def close(self):
        while self._idle:
            self._idle.pop().close()


def _counting(counters) -> bytes:
    # EXPIRE … NX sets the window's end once, at its first request.
    return b"".join(command(b"INCR", key.encode()) +
                    command(b"EXPIRE", key.encode(), b"%d" % seconds, b"NX")
                    for key, seconds in counters)


def _counts(replies: list[bytes]) -> list[int]:
    """The INCR replies (":42"), every other line."""
    return [int(line[1:]) for line in replies[0::2]]
