import pytest
import sqlalchemy as sa
from google.protobuf import struct_pb2

from cokit.events import outbox
from cokit.events.envelope import build_envelope, decode
from cokit.events.processed import is_processed, mark_processed
from cokit.events.tables import add_event_tables, outbox_table


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine("sqlite:///%s" % (tmp_path / "u.db"))
    md = sa.MetaData()
    add_event_tables(md)
    notes = sa.Table("notes", md, sa.Column("id", sa.String(36), primary_key=True))
    md.create_all(engine)
    engine.notes = notes
    yield engine
    engine.dispose()


def _env(agg="a1"):
    return build_envelope("note.added", agg, struct_pb2.Struct(), instance_id="i")


def test_tables_join_the_service_metadata_once():
    md = sa.MetaData()
    t1, p1 = add_event_tables(md)
    t2, p2 = add_event_tables(md)
    assert t1 is t2 and p1 is p2
    assert set(md.tables) == {"outbox_events", "processed_events"}


def test_committed_transaction_keeps_state_and_event(engine):
    env = _env()
    with engine.begin() as conn:
        conn.execute(sa.insert(engine.notes).values(id="n1"))
        outbox.add(conn, "kit.events.v1", env)
    with engine.connect() as conn:
        rows = outbox.fetch_unpublished(conn, 10)
        assert conn.execute(sa.select(sa.func.count()).select_from(engine.notes)).scalar() == 1
    assert [r.event_id for r in rows] == [env.event_id]
    assert rows[0].key == "a1" and rows[0].topic == "kit.events.v1"
    assert decode(rows[0].value).envelope == env


def test_rolled_back_transaction_leaves_no_event(engine):
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            conn.execute(sa.insert(engine.notes).values(id="n1"))
            outbox.add(conn, "kit.events.v1", _env())
            raise RuntimeError("domain rule failed")
    with engine.connect() as conn:
        assert outbox.fetch_unpublished(conn, 10) == []
        assert conn.execute(sa.select(sa.func.count()).select_from(engine.notes)).scalar() == 0


def test_add_refuses_to_autocommit(engine):
    with engine.connect() as conn:
        conn.commit()  # ends the autobegun transaction, if any
        with pytest.raises(RuntimeError):
            outbox.add(conn, "kit.events.v1", _env())


def test_rows_come_in_seq_order_and_mark_published(engine):
    envs = [_env("k%d" % (i % 3)) for i in range(7)]
    for env in envs:
        with engine.begin() as conn:
            outbox.add(conn, "kit.events.v1", env)
    with engine.connect() as conn:
        rows = outbox.fetch_unpublished(conn, 5)
    assert [r.event_id for r in rows] == [e.event_id for e in envs[:5]]
    assert [r.seq for r in rows] == sorted(r.seq for r in rows)
    with engine.begin() as conn:
        outbox.mark_published(conn, [r.seq for r in rows[:3]])
    with engine.connect() as conn:
        rest = outbox.fetch_unpublished(conn, 10)
        assert outbox.unpublished_count(conn) == 4
    assert [r.event_id for r in rest] == [e.event_id for e in envs[3:]]


def test_commit_wakes_relays_of_that_engine_only_when_events_were_added(engine):
    calls = []
    remove = outbox.on_commit_of(engine, lambda: calls.append(1))
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(engine.notes).values(id="n1"))
        assert calls == []
        with engine.begin() as conn:
            outbox.add(conn, "kit.events.v1", _env())
        assert calls == [1]
        with pytest.raises(ZeroDivisionError):
            with engine.begin() as conn:
                outbox.add(conn, "kit.events.v1", _env())
                1 / 0
        with engine.begin() as conn:
            conn.execute(sa.insert(engine.notes).values(id="n2"))
        assert calls == [1]
    finally:
        remove()


def test_processed_marker_is_idempotent_per_group(engine):
    with engine.begin() as conn:
        assert mark_processed(conn, "e1", "g1") is True
        assert mark_processed(conn, "e1", "g1") is False
        assert mark_processed(conn, "e1", "g2") is True
    with engine.connect() as conn:
        assert is_processed(conn, "e1", "g1")
        assert not is_processed(conn, "e2", "g1")


def test_outbox_table_definition_has_the_relay_columns():
    t = outbox_table(sa.MetaData())
    assert {"seq", "event_id", "topic", "key", "value", "created_at", "published_at"} <= set(t.c.keys())
    assert t.c.event_id.unique


def test_a_batch_kafka_acknowledged_is_not_sent_again_when_its_marking_failed(engine, monkeypatch):
    """The database went away between Kafka's acknowledgement and the marking: once it is back
    the relay marks those rows first and publishes only the rest."""
    from cokit.events import relay as relay_module

    class Producer:
        def __init__(self):
            self.sent = []

        def publish(self, records):
            self.sent += [r.key for r in records]
            return [None] * len(records)

    relay = relay_module.OutboxRelay(engine=engine)
    relay._producer = Producer()
    with engine.begin() as conn:
        outbox.add(conn, "kit.events.v1", _env("first"))
    real_mark = outbox.mark_published
    failures = [sa.exc.OperationalError("UPDATE", {}, Exception("server closed the connection"))]

    def mark_or_fail(conn, seqs):
        if failures:
            raise failures.pop()
        real_mark(conn, seqs)

    monkeypatch.setattr(relay_module._outbox, "mark_published", mark_or_fail)
    with pytest.raises(sa.exc.OperationalError):
        relay.relay_once(engine)
    with engine.begin() as conn:
        outbox.add(conn, "kit.events.v1", _env("second"))
    assert relay.relay_once(engine) == 1
    assert relay._producer.sent == [b"first", b"second"], "first sent once"
    with engine.connect() as conn:
        assert outbox.fetch_unpublished(conn, 10) == []
