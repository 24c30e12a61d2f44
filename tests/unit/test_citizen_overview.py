"""The overview's rules, with fake sections: each comes in its deadline or is marked
unavailable, the rest stay complete, and only identity can refuse the whole."""

import time

import eventlet
import pytest

from contracts.errors import NotFound, UpstreamTimeout
from gateway import overview

DEADLINE = 0.1


def answers(**extra):
    return {"identity": lambda t: {"assurance_level": 2, "locale": "en"},
            "payments": lambda t: {"bills_due": [], "in_flight": []},
            "notifications": lambda t: {"unread_count": 3}} | extra


def test_every_section_that_answers_is_there_and_the_overview_is_complete():
    found = overview.overview(overview.gather(answers(), DEADLINE), "c-1", owned=False)
    assert found["complete"] is True
    assert found["identity"] == {"status": "ok", "assurance_level": 2, "locale": "en"}
    assert found["notifications"] == {"status": "ok", "unread_count": 3}


def test_a_section_that_fails_or_overruns_is_unavailable_and_the_rest_still_come_in_time():
    def down(deadline):
        raise UpstreamTimeout("payments did not answer")

    def ignores_its_deadline(deadline):
        eventlet.sleep(5)  # a call that does not bound itself is stopped all the same
        return {"unread_count": 0}

    started = time.monotonic()
    found = overview.overview(overview.gather(
        answers(payments=down, notifications=ignores_its_deadline), DEADLINE), "c-1",
        owned=False)
    assert time.monotonic() - started < DEADLINE + overview.GRACE_SECONDS + 0.1
    assert found["payments"] == found["notifications"] == {"status": "unavailable"}
    assert found["identity"]["status"] == "ok" and found["complete"] is False


def test_another_partners_citizen_is_not_found_whatever_the_other_sections_say():
    def not_yours(deadline):
        raise NotFound("no such citizen", field="citizen_id", code="citizen_not_found")

    with pytest.raises(NotFound):
        overview.overview(overview.gather(answers(identity=not_yours), DEADLINE), "c-1",
                          owned=True)


def test_with_identity_down_only_a_citizen_known_to_be_the_partners_gets_an_answer():
    def down(deadline):
        raise UpstreamTimeout("identity did not answer")

    found = overview.gather(answers(identity=down), DEADLINE)
    assert overview.overview(found, "c-1", owned=True)["identity"] == {"status": "unavailable"}
    with pytest.raises(Exception) as refused:
        overview.overview(found, "c-1", owned=False)
    assert refused.value.status == 503
