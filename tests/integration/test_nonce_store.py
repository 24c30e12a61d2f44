"""The gateway's nonce store, against the real Redis."""

import uuid

import eventlet
import pytest

from gateway.nonces import NonceStore, NonceStoreError, Refused
from tests.fixtures.servers import REDIS_URL

pytestmark = pytest.mark.integration


@pytest.fixture
def nonces(redis_client):
    store = NonceStore(REDIS_URL)
    yield store
    store.close()


def test_a_nonce_is_accepted_once_and_refused_after(nonces, redis_client):
    key = f"nonce:test:{uuid.uuid4().hex}"
    assert nonces.claim(key, 600) is True
    assert nonces.claim(key, 600) is False
    assert 590 < redis_client.ttl(key) <= 600


def test_nonces_go_to_the_database_the_url_names(nonces, redis_client):
    key = f"nonce:test:{uuid.uuid4().hex}"
    nonces.claim(key, 600)
    assert redis_client.exists(key)  # redis_client uses the same /14 database


def close_test_connections(redis_client) -> int:
    """What a Redis restart does to the store's connections, without touching anyone
    else's (a `make up` beside the tests): close every client of the tests' database."""
    me = redis_client.client_id()
    others = [c["id"] for c in redis_client.client_list()
              if c["db"] == "14" and int(c["id"]) != me]
    for client_id in others:
        redis_client.client_kill_filter(_id=client_id)
    return len(others)


def test_a_connection_the_server_closed_is_replaced_without_an_error(nonces, redis_client):
    nonces.claim(f"nonce:test:{uuid.uuid4().hex}", 600)
    assert close_test_connections(redis_client) == 1
    assert nonces.claim(f"nonce:test:{uuid.uuid4().hex}", 600) is True


def test_after_every_pooled_connection_was_closed_no_request_fails(nonces, redis_client):
    # Several idle connections, as after concurrent requests.
    pool = eventlet.GreenPool()
    list(pool.imap(lambda _: nonces.claim(f"nonce:test:{uuid.uuid4().hex}", 600), range(8)))
    assert close_test_connections(redis_client) >= 2
    for _ in range(8):
        assert nonces.claim(f"nonce:test:{uuid.uuid4().hex}", 600) is True


def test_an_unreachable_redis_is_a_clear_error():
    store = NonceStore("redis://127.0.0.1:1/0")
    with pytest.raises(NonceStoreError, match="unavailable"):
        store.claim("nonce:test:x", 600)


def test_a_command_redis_refuses_is_reported_as_refused(redis_client):
    # The server has no password, so logging in with one is refused.
    store = NonceStore(REDIS_URL.replace("redis://", "redis://:wrong@"))
    with pytest.raises(Refused):
        store.claim("nonce:test:x", 600)


def test_only_plain_redis_urls_are_accepted():
    with pytest.raises(ValueError):
        NonceStore("rediss://127.0.0.1:6380/0")


def test_a_nonce_and_its_rate_counters_go_in_one_round_trip_and_count_up(nonces,
                                                                           redis_client):
    counter = f"rate:test:{uuid.uuid4().hex}"
    for expected in (1, 2, 3):
        new, counts = nonces.claim_counting(f"nonce:test:{uuid.uuid4().hex}", 600,
                                            [(counter, 61), (counter + ":b", 61)])
        assert new is True and counts == [expected, expected]
    assert 55 < redis_client.ttl(counter) <= 61  # set by the first, not pushed on
    assert nonces.count([(counter, 61)]) == [4]
    # the connection stays in step after an error reply in the middle of a pipeline
    redis_client.set(counter + ":text", "not a number")
    with pytest.raises(Refused):
        nonces.count([(counter + ":text", 61), (counter, 61)])
    assert nonces.count([(counter, 61)]) == [6]
