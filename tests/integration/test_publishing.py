import subprocess
import time

import pytest
from kombu import Connection

from chassis.broker import Publisher, PublishFailed
from tests.fixtures.servers import VHOST

pytestmark = pytest.mark.integration


@pytest.fixture
def sink(amqp_uri):
    with Connection(amqp_uri) as connection:
        connection.channel().queue_declare("cityhub.test.sink", durable=False,
                                           auto_delete=False)
    yield "cityhub.test.sink"
    with Connection(amqp_uri) as connection:
        connection.channel().queue_delete("cityhub.test.sink")


def depth(amqp_uri, queue):
    with Connection(amqp_uri) as connection:
        return connection.channel().queue_declare(queue, passive=True).message_count


def test_a_publisher_whose_connection_the_broker_closed_reconnects_and_publishes(
        amqp_uri, sink):
    publisher = Publisher(amqp_uri)
    publisher.publish({"n": 1}, exchange="", routing_key="cityhub.test.sink")
    subprocess.run(["rabbitmqctl", "close_all_connections", "-p", VHOST, "test: broker restart"],
                   check=True, capture_output=True)
    publisher.publish({"n": 2}, exchange="", routing_key="cityhub.test.sink")
    publisher.close()
    assert depth(amqp_uri, sink) == 2


def test_a_message_no_queue_would_receive_is_refused_not_dropped(amqp_uri):
    publisher = Publisher(amqp_uri)
    with pytest.raises(PublishFailed, match="NO_ROUTE"):
        publisher.publish({"n": 1}, exchange="", routing_key="cityhub.test.nobody-listens")
    publisher.close()


def test_a_publisher_without_confirms_notices_the_broker_closed_it_and_loses_nothing(
        amqp_uri, sink):
    # RabbitMQ closes a connection by sending Connection.Close, then ignores
    # whatever arrives on it until its close timeout: a publish that does not
    # read first would vanish for tens of seconds.
    publisher = Publisher(amqp_uri, confirms=False)
    publisher.publish({"n": 1}, exchange="", routing_key="cityhub.test.sink")
    subprocess.run(["rabbitmqctl", "close_all_connections", "-p", VHOST, "test: broker restart"],
                   check=True, capture_output=True)
    time.sleep(0.2)
    publisher.publish({"n": 2}, exchange="", routing_key="cityhub.test.sink")
    publisher.close()
    time.sleep(0.2)
    assert depth(amqp_uri, sink) == 2
