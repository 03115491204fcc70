import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from google.protobuf import struct_pb2
from nameko.testing.services import dummy, entrypoint_hook
from nameko.testing.utils import get_extension

from cokit.db import Database
from cokit.events.envelope import decode
from cokit.events.relay import OutboxRelay
from cokit.events.tables import outbox

from .kafka_helpers import read_all, wait_for

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[4]


def make_service(topic):
    class Notes:
        name = "notes"
        db = Database()
        events = OutboxRelay(engine="db", topic=topic, poll_interval=0.5)

        @dummy
        def add_note(self, note_id, key):
            with self.db.begin() as conn:
                conn.execute(sa.text("INSERT INTO notes (id, text) VALUES (:i, 'x')"), {"i": note_id})
                payload = struct_pb2.Struct()
                payload.update({"note": note_id})
                return self.events.add(conn, "note.added", key, payload).event_id

    return Notes


def _unpublished(db_url):
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            ).scalar()
    finally:
        engine.dispose()


def _check_order(records, sent):
    """Every event once; per key, in the order they were written."""
    ids = [decode(r.value).envelope.event_id for r in records]
    assert sorted(ids) == sorted(i for i, _ in sent), "missing or duplicated events"
    for key in {k for _, k in sent}:
        want = [i for i, k in sent if k == key]
        got = [
            decode(r.value).envelope.event_id for r in sorted(records, key=lambda r: r.offset) if r.key == key.encode()
        ]
        assert got == want, "order of key %s" % key


def test_relay_publishes_committed_events_in_order(container_factory, service_config, unique):
    topic = "kit-relay-%s.events.v1" % unique
    container = container_factory(make_service(topic), service_config)
    container.start()
    sent = []
    with entrypoint_hook(container, "add_note") as add_note:
        for i in range(30):
            key = "agg-%d" % (i % 4)
            sent.append((add_note("n%d" % i, key), key))
    # A transaction that fails leaves no event behind.
    with pytest.raises(Exception):
        with entrypoint_hook(container, "add_note") as add_note:
            add_note("n0", "agg-0")  # duplicate primary key: rolls back
    assert wait_for(lambda: _unpublished(service_config["DATABASE_URL"]) == 0, timeout=20)
    records = read_all(service_config["KAFKA_BOOTSTRAP_SERVERS"], topic, expect=len(sent))
    _check_order(records, sent)
    env = decode(records[0].value).envelope
    assert env.instance_id == "test-instance" and env.type == "note.added"
    assert get_extension(container, OutboxRelay).published == len(sent)


@pytest.fixture
def own_broker():
    """A broker of this test's own (deploy/local with its own state and ports): the test stops
    it, and a shared broker stopped under other tests' feet fails them."""
    from e2e_tests.infra import PrivateBackend

    backend = PrivateBackend(REPO / ".local" / "kit-outage" / "servers", port_offset=700)
    try:
        yield backend, backend.up("kafka").kafka_bootstrap
    finally:
        backend.close()


@pytest.mark.kafka_outage
def test_relay_keeps_events_while_the_broker_is_down(container_factory, service_config, unique, own_broker):
    backend, bootstrap = own_broker
    service_config = {**service_config, "KAFKA_BOOTSTRAP_SERVERS": bootstrap}
    topic = "kit-outage-%s.events.v1" % unique
    container = container_factory(make_service(topic), service_config)
    container.start()
    sent = []
    with entrypoint_hook(container, "add_note") as add_note:
        for i in range(5):
            sent.append((add_note("a%d" % i, "agg-%d" % (i % 2)), "agg-%d" % (i % 2)))
    assert wait_for(lambda: _unpublished(service_config["DATABASE_URL"]) == 0, timeout=20)
    backend.stop("kafka")
    try:
        with entrypoint_hook(container, "add_note") as add_note:
            for i in range(20):
                sent.append((add_note("b%d" % i, "agg-%d" % (i % 3)), "agg-%d" % (i % 3)))
                time.sleep(0.1)
        time.sleep(2)
        assert _unpublished(service_config["DATABASE_URL"]) == 20
    finally:
        backend.start("kafka")
    assert wait_for(lambda: _unpublished(service_config["DATABASE_URL"]) == 0, timeout=90)
    records = read_all(service_config["KAFKA_BOOTSTRAP_SERVERS"], topic, expect=len(sent))
    _check_order(records, sent)
