"""Scheduled sends: at their time, once, and never after their cancellation."""

from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from nameko.testing.services import entrypoint_hook

from contracts.errors import Conflict, InvalidInput, NotFound
from services.notify.service import NotifyService
from tests.fixtures.services import container_of

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self):
        self.now = START

    def __call__(self):
        return self.now


@pytest.fixture
def notify(run_services, settings):
    """(call(entrypoint, *args), clock): notify in-process on a clock the test moves,
    its own timer slowed right down so that the test decides when sends go out."""
    clock = Clock()
    slow = settings.model_copy(update={"schedule_poll_seconds": 3600.0})
    runner = run_services(NotifyService, CITYHUB_CLOCK=clock, CITYHUB_SETTINGS=slow)

    def call(name, *args, **kwargs):
        with entrypoint_hook(container_of(runner, "notify"), name) as entrypoint:
            return entrypoint(*args, **kwargs)

    return call, clock


def remind(call, key="appointment:a-1:reminder", at=START + timedelta(hours=1), **values):
    return call("schedule", key, "c-1", "level_reached", "en", values or {"level": 2},
                at.isoformat(), {"type": "appointment", "id": "a-1"})


def inbox(call):
    return call("list_notifications", "c-1")["items"]


def test_a_send_goes_out_when_it_is_due_and_only_once(notify):
    call, clock = notify
    assert remind(call)["status"] == "scheduled"
    call("send_due")
    assert inbox(call) == []  # not yet
    clock.now = START + timedelta(hours=1)
    call("send_due")
    call("send_due")
    (sent,) = inbox(call)
    assert (sent["template_id"], sent["action"]) == (
        "level_reached", {"type": "appointment", "id": "a-1"})
    assert call("cancel", "appointment:a-1:reminder")["status"] == "sent"


def test_scheduling_the_same_key_again_moves_the_send(notify):
    call, clock = notify
    remind(call)
    remind(call, at=START + timedelta(hours=3))
    clock.now = START + timedelta(hours=2)
    call("send_due")
    assert inbox(call) == []
    clock.now = START + timedelta(hours=3)
    call("send_due")
    assert len(inbox(call)) == 1


def test_a_cancelled_send_never_goes_out_and_cannot_come_back(notify):
    call, clock = notify
    remind(call)
    assert call("cancel", "appointment:a-1:reminder")["status"] == "cancelled"
    clock.now = START + timedelta(days=1)
    call("send_due")
    assert inbox(call) == []
    with pytest.raises(Conflict) as refused:
        remind(call)
    assert refused.value.code == "already_cancelled"


def test_sends_and_cancellations_racing_never_both_happen(notify):
    call, clock = notify
    keys = [f"race:{n}" for n in range(20)]
    for key in keys:
        remind(call, key=key)
    clock.now = START + timedelta(hours=1)
    pool = eventlet.GreenPool()
    pool.spawn(call, "send_due")
    for key in keys:
        pool.spawn(call, "cancel", key)
    pool.waitall()
    call("send_due")
    # Asked one at a time afterwards, each key says what became of it.
    final = [call("cancel", key)["status"] for key in keys]
    assert set(final) <= {"sent", "cancelled"}
    assert "cancelled" in final  # control: the race had both outcomes to get wrong
    assert len(call("list_notifications", "c-1", 100)["items"]) == final.count("sent")


@pytest.mark.parametrize("change, field", [
    ({"key": "has spaces"}, "key"), ({"at": "tomorrow"}, "send_at"),
    ({"values": {}}, "values"), ({"template": "no-such-template"}, "template_id"),
])
def test_a_bad_schedule_is_refused_and_schedules_nothing(notify, change, field):
    call, clock = notify
    at = change.get("at", (START + timedelta(hours=1)).isoformat())
    with pytest.raises(InvalidInput) as refused:
        call("schedule", change.get("key", "k-1"), "c-1", change.get("template", "level_reached"),
             "en", change.get("values", {"level": 2}), at)
    assert refused.value.field == field
    with pytest.raises(NotFound):
        call("cancel", "k-1")
