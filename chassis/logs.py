"""Structured JSON logs, one object per line, carrying the request id.

The request id travels in Nameko context data; `Instrumentation` binds it to the
worker's green thread so every log line the worker writes carries it.
Personal data never goes into a log: log ids, codes and counts only.
"""

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id",
                                                                          default=None)
# Attributes every LogRecord has; anything else was passed in `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def bind_request_id(request_id: str | None) -> None:
    _request_id.set(request_id)


def current_request_id() -> str | None:
    return _request_id.get()


class JsonFormatter(logging.Formatter):
    def __init__(self, deployable: str):
        super().__init__()
        self.deployable = deployable

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.deployable,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": current_request_id(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure(deployable: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(deployable))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # kombu and amqp are chatty at INFO about reconnects we already report.
    logging.getLogger("amqp").setLevel(logging.WARNING)
    # One access line per HTTP request costs the gateway ~8% of its CPU at load;
    # request counts and latencies are in its metrics instead.
    logging.getLogger("nameko.web.server").setLevel(logging.WARNING)
