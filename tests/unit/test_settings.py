import pytest
from pydantic import ValidationError

from chassis.settings import Settings


def test_each_deployable_defaults_to_its_own_sqlite_file_under_var(tmp_path):
    settings = Settings(var_dir=tmp_path)
    assert settings.database_url("notify") == f"sqlite:///{tmp_path}/notify.db"


def test_a_database_url_from_the_environment_wins(monkeypatch):
    monkeypatch.setenv("CITYHUB_NOTIFY_DATABASE_URL", "postgresql+psycopg2://db/notify")
    assert Settings().database_url("notify") == "postgresql+psycopg2://db/notify"


def test_production_refuses_the_development_sandbox_secret():
    with pytest.raises(ValidationError, match="CITYHUB_SANDBOX_SECRET"):
        Settings(env="production")


def test_production_refuses_the_development_data_key():
    with pytest.raises(ValidationError, match="CITYHUB_DATA_KEYS"):
        Settings(env="production", sandbox_secret="a-real-secret")


def test_production_refuses_the_development_assertion_key():
    with pytest.raises(ValidationError, match="CITYHUB_ASSERTION_KEYS"):
        Settings(env="production", sandbox_secret="a-real-secret",
                 data_keys="k:" + "A" * 43 + "=")


def test_prefetch_and_heartbeat_are_set_deliberately_in_the_nameko_config():
    config = Settings(max_workers=20, amqp_heartbeat=5).nameko_config()
    assert config["max_workers"] == 20 and config["HEARTBEAT"] == 5


def test_production_refuses_the_development_sms_receipt_secret():
    with pytest.raises(ValidationError, match="CITYHUB_SMS_CALLBACK_SECRET"):
        Settings(env="production", sandbox_secret="a-real-secret",
                 data_keys="k:" + "A" * 43 + "=", assertion_keys="s:" + "B" * 43 + "=")


def test_production_refuses_the_provider_sandboxs_public_key():
    with pytest.raises(ValidationError, match="CITYHUB_PAYMENT_PROVIDER_PUBLIC_KEY"):
        Settings(env="production", sandbox_secret="a-real-secret",
                 data_keys="k:" + "A" * 43 + "=", assertion_keys="s:" + "B" * 43 + "=",
                 sms_callback_secret="a-real-receipt-secret", receipt_keys="r:" + "C" * 43 + "=")


def test_production_refuses_the_development_receipt_key():
    with pytest.raises(ValidationError, match="CITYHUB_RECEIPT_KEYS"):
        Settings(env="production", sandbox_secret="a-real-secret",
                 data_keys="k:" + "A" * 43 + "=", assertion_keys="s:" + "B" * 43 + "=",
                 sms_callback_secret="a-real-receipt-secret")


def test_production_starts_with_every_development_key_replaced():
    # Positive control for the refusals above: real values pass.
    settings = Settings(env="production", sandbox_secret="a-real-secret",
                        data_keys="k:" + "A" * 43 + "=", assertion_keys="s:" + "B" * 43 + "=",
                        sms_callback_secret="a-real-receipt-secret",
                        receipt_keys="r:" + "C" * 43 + "=",
                        payment_provider_public_key="the provider's own key",
                        amqp_uri="amqp://payments:a-real-password@rabbit:5672/")
    assert settings.env == "production"


def test_production_refuses_the_brokers_guest_user_on_any_node():
    with pytest.raises(ValidationError, match="not guest"):
        Settings(env="production", sandbox_secret="a-real-secret",
                 data_keys="k:" + "A" * 43 + "=", assertion_keys="s:" + "B" * 43 + "=",
                 sms_callback_secret="a-real-receipt-secret", receipt_keys="r:" + "C" * 43 + "=",
                 payment_provider_public_key="the provider's own key",
                 amqp_uri="amqp://payments:pw@rabbit-a/;amqp://guest:guest@rabbit-b/")


CLUSTER = ["amqp://cityhub:pw@rabbit-a:5672/city", "amqp://cityhub:pw@rabbit-b:5672/city",
           "amqp://cityhub:pw@rabbit-c:5672/city"]


def test_a_clusters_nodes_are_one_broker_uri_and_processes_start_on_different_nodes():
    starts = set()
    for _ in range(60):
        order = Settings(amqp_uri=" ; ".join(CLUSTER)).amqp_uri.split(";")
        assert order == CLUSTER[CLUSTER.index(order[0]):] + CLUSTER[:CLUSTER.index(order[0])]
        starts.add(order[0])
    assert starts == set(CLUSTER)  # 60 draws miss a node with chance 3 * (2/3)^60


def test_one_broker_stays_as_given():
    assert Settings(amqp_uri=CLUSTER[0]).amqp_uri == CLUSTER[0]


@pytest.mark.parametrize("uri", ["", "rabbit-a:5672", "amqp://cityhub:s3cret@/city",
                                 f"{CLUSTER[0]};redis://cityhub:s3cret@rabbit-b"])
def test_a_malformed_broker_uri_is_refused_without_showing_its_password(uri):
    with pytest.raises(ValidationError) as refused:
        Settings(amqp_uri=uri)
    assert "CITYHUB_AMQP_URI must be amqp://" in str(refused.value)
    assert "s3cret" not in str(refused.value)
