"""Moving a queue an earlier release declared (a classic queue) to what this release
declares (a quorum queue), with every message it holds: `cityhub topology` does it,
with the services stopped (docs/operations.md, "Moving to quorum queues").

A queue's type cannot change in place, so each one found with other arguments is
emptied into a holding queue bound like it, deleted, declared anew and filled again
from the holding queue. Every message is republished with a publisher confirm before it
is acked off the queue it leaves, so a crash at any point leaves it in one queue or in
both (handlers are idempotent: the inbox drops the second); a move stopped half way is
finished by the next run. A holding queue never expires messages, so what a retry queue
held (each waiting its backoff) goes to its handler's main queue, due now.

RabbitMQ has no command for this (a shovel needs a plugin and moves only into queues
that exist), so it is written here, on the AMQP calls the replay of dead letters uses.
"""

from amqp.exceptions import PreconditionFailed
from kombu import Queue

from chassis.topology import ensure_exchanges, missing, own_channel

HOLDING_SUFFIX = ".moving"


def move_all(connection, queues: list[Queue], empty_into: dict[str, str]) -> list[dict]:
    """Move every queue of `queues` that exists with other arguments (and finish moves a
    crash stopped); what was moved: [{"queue", "messages", "into"}]."""
    moved = []
    ensure_exchanges(connection, queues)
    for queue in queues:
        target = empty_into.get(queue.name, queue.name)
        holding = queue.name + HOLDING_SUFFIX
        if not _declares(connection, queue):
            _empty(connection, queue, holding)
        if not missing(connection, "queue", [holding]):  # this move, or one a crash left
            _declares(connection, queue)
            moved.append({"queue": queue.name, "into": target,
                          "messages": _refill(connection, holding, queue, target)})
    return moved


def _declares(connection, queue: Queue) -> bool:
    """Declare `queue`; False if it exists with other arguments."""
    with own_channel(connection) as channel:
        try:
            queue.bind(channel).declare()
            return True
        except PreconditionFailed:
            return False


def _bindings(queue: Queue) -> list[tuple[str, str]]:
    found = [(queue.exchange.name, queue.routing_key)] if queue.exchange and \
        queue.exchange.name else []
    found += [(b.exchange.name, b.routing_key) for b in queue.bindings or ()]
    return found


def _empty(connection, queue: Queue, holding: str) -> None:
    """Hold the old queue's messages (and new ones, bound like it), then delete it."""
    with own_channel(connection) as channel:
        channel.queue_declare(holding, durable=True, auto_delete=False,
                              arguments={"x-queue-type": "quorum"})
        for exchange, key in _bindings(queue):
            channel.queue_bind(holding, exchange, key)
            channel.queue_unbind(queue.name, exchange, key)
    _drain(connection, queue.name, holding)
    with own_channel(connection) as channel:
        channel.queue_delete(queue.name)


def _drain(connection, source: str, target: str) -> int:
    """Every message of `source` republished (confirmed) to `target`, then acked."""
    moved = 0
    with own_channel(connection) as channel:
        channel.confirm_select()
        while (message := channel.basic_get(source, no_ack=False)) is not None:
            message.properties.pop("expiration", None)
            channel.basic_publish_confirm(message, exchange="", routing_key=target,
                                          mandatory=True)
            channel.basic_ack(message.delivery_tag)
            moved += 1
    return moved


def _refill(connection, holding: str, queue: Queue, target: str) -> int:
    """The new queue is declared and bound: unbind the holding queue, empty it into
    `target`, delete it."""
    with own_channel(connection) as channel:
        for exchange, key in _bindings(queue):
            channel.queue_unbind(holding, exchange, key)
    count = _drain(connection, holding, target)
    with own_channel(connection) as channel:
        channel.queue_delete(holding)
    return count
