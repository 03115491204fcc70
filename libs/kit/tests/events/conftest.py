# The services run monkey patched (the runner does it); so do these tests,
# before kafka-python or nameko import threading and socket.
import eventlet

eventlet.monkey_patch()

import socket  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from cokit.events.tables import add_event_tables  # noqa: E402

BOOTSTRAP = "127.0.0.1:9092"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "kafka_outage: stops and restarts a Kafka broker of its own (select with -m kafka_outage)",
    )


def broker_up() -> bool:
    host, port = BOOTSTRAP.split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def kafka():
    if not broker_up():
        pytest.skip("no Kafka broker on %s (bash deploy/local/infra.sh up kafka)" % BOOTSTRAP)
    return BOOTSTRAP


@pytest.fixture
def unique():
    return uuid.uuid4().hex[:10]


@pytest.fixture
def db_url(tmp_path):
    url = "sqlite:///%s" % (tmp_path / "service.db")
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    add_event_tables(metadata)
    sa.Table("notes", metadata, sa.Column("id", sa.String(36), primary_key=True), sa.Column("text", sa.String(200)))
    metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def service_config(kafka, db_url):
    return {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "SERVICE_NAME": "kittest",
        "INSTANCE_ID": "test-instance",
        "DATABASE_URL": db_url,
    }
