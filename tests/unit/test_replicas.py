"""Starting replicas: each its own metrics port, and no second replica of a service on
SQLite (its timers need PostgreSQL's locks)."""

import pytest

from cityhub.runner import RefusedToStart, check_replica, metrics_port


def test_each_replica_serves_its_metrics_ten_ports_above_the_one_before():
    assert [metrics_port(9102, 0, replica) for replica in (1, 2, 3)] == [9102, 9112, 9122]
    assert metrics_port(9100, 20000, 2) == 29110


def test_a_second_replica_of_a_service_on_sqlite_is_refused_with_what_to_do():
    with pytest.raises(RefusedToStart) as refused:
        check_replica("payments", 2, "sqlite:///var/payments.db")
    assert "CITYHUB_PAYMENTS_DATABASE_URL" in str(refused.value)
    assert "PostgreSQL" in str(refused.value)


def test_one_replica_on_sqlite_several_on_postgresql_and_several_gateways_start():
    check_replica("payments", 1, "sqlite:///var/payments.db")
    check_replica("payments", 3, "postgresql://127.0.0.1/payments")
    check_replica("gateway", 2, "sqlite:///var/gateway.db")  # it only reads partners


def test_replicas_count_from_one():
    with pytest.raises(RefusedToStart):
        check_replica("identity", 0, "postgresql://127.0.0.1/identity")
