"""The nonces partners used within the signature window, kept in Redis.

One command per signed request: `SET nonce:APP:NONCE 1 NX EX seconds`, true when
the nonce is new. It is spoken here in Redis's own protocol (RESP) over a few
pooled connections, because redis-py spends about seven times the instructions
of the round trip itself on this one command (bench/README.md), and the gateway
sends it for every request. Everything else in CityHub uses redis-py.
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

    def ask(self, request: bytes) -> bytes:
        """Send one command; its one-line reply (simple string, error or null)."""
        self.socket.sendall(request)
        line = self.replies.readline()
        if not line.endswith(b"\r\n"):
            raise NonceStoreError("Redis closed the connection")
        if line.startswith(b"-"):
            raise Refused(f"Redis refused the command: {line[1:].strip().decode()}")
        return line

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
        request = command(b"SET", key.encode(), b"1", b"NX", b"EX", b"%d" % seconds)
        with self._slots:
            for attempt in (1, 2):
                connection = self._idle.pop() if self._idle and attempt == 1 else None
                try:
                    connection = connection or _Connection(*self.address, self.password,
                                                           self.db)
                    reply = connection.ask(request)
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
                # "+OK": set; a null ("$-1" in RESP2, "_" in RESP3): already there.
                return reply.startswith(b"+OK")
        raise AssertionError("unreachable")

    def close(self):
        while self._idle:
            self._idle.pop().close()
