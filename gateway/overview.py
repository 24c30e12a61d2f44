"""The citizen's overview: one answer gathered from every service at once.

Each section is asked in a green thread of its own with a short deadline. A section
whose service is down, slow or failing is answered `{"status": "unavailable"}` when
its deadline passes, and the rest still come: the overview is never slower than its
slowest deadline, and never fails because one service does. Only identity can fail
the whole answer: it says whether the citizen is the partner's (404 if not), unless
the gateway already knows (gateway/directory.py).
"""

import logging
import time

import eventlet

from chassis import metrics
from contracts.errors import CityHubError, NotFound, ServiceUnavailable, UpstreamTimeout

log = logging.getLogger(__name__)

UNAVAILABLE = {"status": "unavailable"}
GRACE_SECONDS = 0.05


def gather(sections: dict, deadline: float) -> dict:
    """{name: the call's answer with status "ok", or the exception it raised}. Each call
    `sections[name](deadline)` bounds itself; one that has not answered a moment after
    the deadline all the same is stopped and counts as timed out."""
    ends = time.monotonic() + deadline + GRACE_SECONDS
    threads = {name: eventlet.spawn(_one, call, deadline) for name, call in sections.items()}
    found = {}
    for name, thread in threads.items():
        try:
            with eventlet.Timeout(max(0.0, ends - time.monotonic())):
                found[name] = thread.wait()
        except eventlet.Timeout:
            thread.kill()
            found[name] = UpstreamTimeout(f"{name} did not answer within {deadline:g}s")
    return found


def _one(call, deadline: float):
    try:
        return {"status": "ok", **call(deadline)}
    except Exception as exc:  # noqa: BLE001 - a section's failure is the section's only
        return exc


def overview(found: dict, citizen_id: str, owned: bool) -> dict:
    """The answer from what `gather` found: each failed section unavailable, the whole
    refused if identity says the citizen is not the partner's, or cannot say and the
    gateway does not know."""
    identity = found["identity"]
    if isinstance(identity, NotFound):
        raise identity
    if isinstance(identity, Exception) and not owned:
        raise ServiceUnavailable("the citizen's overview cannot be checked right now; "
                                 "try again shortly", code="temporarily_unavailable")
    answer = {"citizen_id": citizen_id}
    for name, section in found.items():
        if isinstance(section, Exception):
            if not isinstance(section, CityHubError):
                log.warning("the overview's %s section failed: %s", name,
                            type(section).__name__)
            metrics.OVERVIEW_SECTIONS.labels(name, "unavailable").inc()
            answer[name] = UNAVAILABLE
        else:
            metrics.OVERVIEW_SECTIONS.labels(name, "ok").inc()
            answer[name] = section
    answer["complete"] = all(s is not UNAVAILABLE for s in answer.values())
    return answer
