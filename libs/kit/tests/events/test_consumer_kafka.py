import collections
import socket
import time

import eventlet
import pytest
import sqlalchemy as sa
from eventlet import patcher
from google.protobuf import struct_pb2
from nameko.testing.utils import get_extension

from citizenoffice.events.v1 import envelope_pb2
from cokit.db import Database
from cokit.events.consumer import KafkaConsumerEntrypoint, consume
from cokit.events.envelope import build_envelope, encode
from cokit.events.processed import is_processed

from .kafka_helpers import produce, read_all, wait_for

pytestmark = pytest.mark.e2e


def make_service(topic, group, behaviour, **options):
    class Reader:
        name = "reader"
        db = Database()

        @consume(topic, group=group, retry_backoff=0.1, **options)
        def on_event(self, event):
            behaviour(self, event)

    return Reader


def envelope_bytes(key, note, event_id=None):
    payload = struct_pb2.Struct()
    payload.update({"note": note})
    env = build_envelope("note.added", key, payload, instance_id="other", event_id=event_id)
    return env.event_id, encode(env)


def consumer_of(container):
    return get_extension(container, KafkaConsumerEntrypoint)


def test_failure_is_redelivered_and_commits_only_after_success(container_factory, service_config, unique, kafka):
    topic, group = "kit-c1-%s" % unique, "g-%s" % unique
    events = [envelope_bytes("agg-1", "n%d" % i) for i in range(5)]
    produce(kafka, topic, [(b"agg-1", value) for _, value in events])
    seen = []
    failed = set()

    def behaviour(service, event):
        note = event.payload["note"]
        if note == "n2" and note not in failed:
            failed.add(note)
            raise RuntimeError("transient")
        seen.append(note)

    container = container_factory(make_service(topic, group, behaviour), service_config)
    container.start()
    ext = consumer_of(container)
    assert wait_for(lambda: len(seen) == 5, timeout=60)
    assert seen == ["n0", "n1", "n2", "n3", "n4"], "in order, the failed one handled on retry"
    assert ext.stats.retries == 1 and ext.stats.dead_lettered == 0
    assert wait_for(lambda: sum(ext.stats.committed.values()) == 5, timeout=30)
    container.stop()

    # A new container of the same group starts after the committed offset and
    # does not even see the records again (not only skipped as duplicates).
    seen.clear()
    container2 = container_factory(make_service(topic, group, behaviour), service_config)
    container2.start()
    ext2 = consumer_of(container2)
    more = envelope_bytes("agg-1", "n5")
    produce(kafka, topic, [(b"agg-1", more[1])])
    assert wait_for(lambda: seen == ["n5"], timeout=30)
    eventlet.sleep(0.5)
    assert seen == ["n5"]
    assert ext2.stats.records == 1 and ext2.stats.duplicates == 0


def test_commit_is_not_made_when_the_handler_never_succeeded(container_factory, service_config, unique, kafka):
    # The handler hangs: stopping the container must not commit the record,
    # so the next container gets it again.
    topic, group = "kit-c2-%s" % unique, "g-%s" % unique
    produce(kafka, topic, [(b"k", envelope_bytes("k", "only")[1])])
    started = []

    def slow(service, event):
        started.append(event.offset)
        eventlet.sleep(60)

    container = container_factory(make_service(topic, group, slow, stop_timeout=3), service_config)
    container.start()
    assert wait_for(lambda: started, timeout=30)
    container.kill()
    assert consumer_of(container).stats.commits == 0

    handled = []
    container2 = container_factory(make_service(topic, group, lambda s, e: handled.append(e.offset)), service_config)
    container2.start()
    assert wait_for(lambda: handled == [0], timeout=90)  # after the dead member leaves the group


def test_duplicate_event_id_is_handled_once(container_factory, service_config, unique, kafka):
    topic, group = "kit-c3-%s" % unique, "g-%s" % unique
    event_id, value = envelope_bytes("agg", "dup")
    _, other = envelope_bytes("agg", "other")
    produce(kafka, topic, [(b"agg", value), (b"agg", value), (b"agg", other), (b"agg", value)])
    handled = []

    def behaviour(service, event):
        with service.db.begin() as conn:
            # State and marker in one transaction: the kit's own marker after
            # success is then a no-op.
            if event.mark_processed(conn):
                conn.execute(sa.text("INSERT INTO notes (id, text) VALUES (:i, 'x')"), {"i": event.event_id})
        handled.append(event.payload["note"])

    container = container_factory(make_service(topic, group, behaviour), service_config)
    container.start()
    ext = consumer_of(container)
    assert wait_for(lambda: ext.stats.handled + ext.stats.duplicates == 4, timeout=30)
    assert handled == ["dup", "other"]
    assert ext.stats.duplicates == 2
    engine = sa.create_engine(service_config["DATABASE_URL"])
    with engine.connect() as conn:
        assert is_processed(conn, event_id, group)
        assert conn.execute(sa.text("SELECT count(*) FROM notes")).scalar() == 2
    engine.dispose()


def test_poison_messages_go_to_the_dlq_and_consumption_goes_on(container_factory, service_config, unique, kafka):
    topic, group = "kit-c4-%s" % unique, "g-%s" % unique
    _, good1 = envelope_bytes("agg", "good1")
    _, bad = envelope_bytes("agg", "explode")
    _, good2 = envelope_bytes("agg", "good2")
    produce(kafka, topic, [(b"agg", good1), (b"agg", b"\xff\xfegarbage"), (b"agg", bad), (b"agg", good2)])
    handled, attempts = [], collections.Counter()

    def behaviour(service, event):
        note = event.payload["note"]
        attempts[note] += 1
        if note == "explode":
            raise ValueError("cannot route category 42")
        handled.append(note)

    container = container_factory(make_service(topic, group, behaviour, max_attempts=3), service_config)
    container.start()
    ext = consumer_of(container)
    assert wait_for(lambda: handled == ["good1", "good2"], timeout=30)
    assert attempts["explode"] == 3
    letters = read_all(kafka, topic + ".dlq", expect=2, timeout=20)
    assert len(letters) == 2
    decoded = [envelope_pb2.DeadLetter.FromString(r.value) for r in letters]
    by_offset = {d.offset: d for d in decoded}
    assert by_offset[1].value == b"\xff\xfegarbage"
    assert by_offset[1].error.startswith("EnvelopeError: ")
    assert by_offset[2].error == "ValueError: cannot route category 42"
    assert by_offset[2].value == bad and by_offset[2].topic == topic
    assert by_offset[2].consumer_group == group and by_offset[2].key == b"agg"
    assert "Traceback" not in by_offset[2].error
    assert wait_for(lambda: sum(ext.stats.committed.values()) == 4, timeout=30)
    assert sum(ext.stats.committed.values()) == 4


def test_a_database_out_of_reach_keeps_the_event_past_max_attempts(container_factory, service_config, unique, kafka):
    # A restart of PostgreSQL outlasts three quick attempts; dead-lettering then would lose
    # the event, though it is handled as soon as the database answers again.
    topic, group = "kit-c9-%s" % unique, "g-%s" % unique
    _, value = envelope_bytes("agg", "receipt")
    produce(kafka, topic, [(b"agg", value)])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        away = sa.create_engine("postgresql+pg8000://u:p@127.0.0.1:%d/db" % sock.getsockname()[1])
    attempts, handled = collections.Counter(), []

    def behaviour(service, event):
        attempts[event.event_id] += 1
        if sum(attempts.values()) <= 5:
            away.connect()
        handled.append(event.payload["note"])

    container = container_factory(
        make_service(topic, group, behaviour, max_attempts=3, max_retry_backoff=0.2), service_config
    )
    container.start()
    ext = consumer_of(container)
    assert wait_for(lambda: handled == ["receipt"], timeout=30)
    assert sum(attempts.values()) == 6 and ext.stats.dead_lettered == 0
    assert wait_for(lambda: sum(ext.stats.committed.values()) == 1, timeout=30)


def test_soak_idle_and_busy_past_the_session_timeout_keeps_the_partitions(
    container_factory, service_config, unique, kafka
):
    topic, group = "kit-soak-%s" % unique, "g-%s" % unique
    handled = []
    real_sleep = patcher.original("time").sleep

    def behaviour(service, event):
        note = event.payload["note"]
        if note == "busy-green":
            eventlet.sleep(8)  # a worker busy longer than the session
        elif note == "busy-blocking":
            real_sleep(10)  # a worker freezing the whole service hub
        handled.append(note)

    container = container_factory(
        make_service(topic, group, behaviour, session_timeout_ms=6000, heartbeat_interval_ms=1000), service_config
    )
    container.start()
    ext = consumer_of(container)
    produce(kafka, topic, [(b"a", envelope_bytes("a", "first")[1])])
    assert wait_for(lambda: handled == ["first"], timeout=30)
    assignments, assigned = ext.stats.assignments, ext.stats.assigned
    assert assigned

    time.sleep(15)  # idle (green sleep) far past session.timeout.ms
    produce(kafka, topic, [(b"a", envelope_bytes("a", "busy-green")[1])])
    assert wait_for(lambda: "busy-green" in handled, timeout=20)
    produce(kafka, topic, [(b"a", envelope_bytes("a", "busy-blocking")[1])])
    assert wait_for(lambda: "busy-blocking" in handled, timeout=20)
    produce(kafka, topic, [(b"a", envelope_bytes("a", "after")[1])])
    assert wait_for(lambda: handled[-1:] == ["after"], timeout=30)

    assert handled == ["first", "busy-green", "busy-blocking", "after"]
    assert ext.stats.lost == 0, "the consumer was evicted from its group"
    assert ext.stats.revocations == 0, "the group rebalanced"
    assert ext.stats.assignments == assignments
    assert ext.stats.assigned == assigned


def test_a_consumer_started_before_its_topic_exists_consumes_once_it_appears(
    container_factory, service_config, unique, kafka
):
    topic, group = "kit-c6-%s" % unique, "g-%s" % unique
    handled = []

    def behaviour(service, event):
        handled.append(event.payload["note"])

    container = container_factory(make_service(topic, group, behaviour), service_config)
    container.start()
    time.sleep(3)  # joined the group while the topic did not exist
    produce(kafka, topic, [(b"agg", envelope_bytes("agg", "late")[1])])
    assert wait_for(lambda: handled == ["late"], timeout=30)


def test_every_partition_keeps_flowing_through_bursts_larger_than_a_poll(
    container_factory, service_config, unique, kafka
):
    # Bursts of more records than one poll returns, on several partitions at once: the
    # fetcher keeps the rest of a paused partition's records aside, and must give them
    # back once the partition is resumed (kafka-python 3.0.12 could leave them aside for good).
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic

    topic, group = "kit-c7-%s" % unique, "g-%s" % unique
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        admin.close()
    handled = collections.Counter()

    def behaviour(service, event):
        eventlet.sleep(0.001)
        handled[event.payload["note"].split(":")[0]] += 1

    def burst(name, per_partition):
        producer = KafkaProducer(bootstrap_servers=kafka, acks="all", linger_ms=5)
        try:
            for partition in range(3):
                for i in range(per_partition):
                    producer.send(
                        topic, partition=partition, value=envelope_bytes("p%d" % partition, "%s:%d" % (name, i))[1]
                    )
            producer.flush(timeout=30)
        finally:
            producer.close()

    container = container_factory(make_service(topic, group, behaviour, max_poll_records=20), service_config)
    container.start()
    for round_ in range(4):
        name = "burst%d" % round_
        burst(name, 120)
        assert wait_for(lambda: handled[name] == 360, timeout=60), "%s: %d of 360 handled" % (name, handled[name])


def test_a_new_group_reads_a_whole_backlog_on_several_partitions(container_factory, service_config, unique, kafka):
    # A service that starts consuming a topic with history (a new consumer of identity's
    # events, say): the first batches are in hand while the group settles.
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic

    topic, group = "kit-c8-%s" % unique, "g-%s" % unique
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        admin.close()
    producer = KafkaProducer(bootstrap_servers=kafka, acks="all", linger_ms=5)
    try:
        for partition in range(3):
            for i in range(400):
                producer.send(topic, partition=partition, value=envelope_bytes("p%d" % partition, "old:%d" % i)[1])
        producer.flush(timeout=30)
    finally:
        producer.close()
    handled = collections.Counter()

    def behaviour(service, event):
        eventlet.sleep(0.002)
        handled[event.payload["note"].split(":")[0]] += 1

    container = container_factory(make_service(topic, group, behaviour), service_config)
    container.start()
    ext = consumer_of(container)
    assert wait_for(lambda: handled["old"] == 1200, timeout=90), "%d of 1200 handled; %s" % (handled["old"], ext.stats)
    assert ext.stats.lost == 0


def test_a_consumer_stuck_inside_poll_is_replaced_and_nothing_is_lost(
    container_factory, service_config, unique, kafka, monkeypatch
):
    from kafka import KafkaConsumer

    topic, group = "kit-c9-%s" % unique, "g-%s" % unique
    handled = []
    real_sleep = patcher.original("time").sleep
    original_poll = KafkaConsumer.poll
    stuck = []

    def poll(self, *args, **kwargs):
        if handled and not stuck:
            stuck.append(True)
            real_sleep(40)  # as kafka-python's poll when it waits for good
        return original_poll(self, *args, **kwargs)

    def behaviour(service, event):
        handled.append(event.payload["note"])

    monkeypatch.setattr(KafkaConsumer, "poll", poll)
    container = container_factory(
        make_service(topic, group, behaviour, stuck_after=8, session_timeout_ms=6000), service_config
    )
    container.start()
    ext = consumer_of(container)
    produce(kafka, topic, [(b"agg", envelope_bytes("agg", "before")[1])])
    assert wait_for(lambda: handled == ["before"], timeout=30)
    produce(kafka, topic, [(b"agg", envelope_bytes("agg", "while-stuck")[1])])
    assert wait_for(lambda: "while-stuck" in handled, timeout=60), handled
    # One replacement at least: the new member may itself wait out the stuck one's session
    # before the group settles, and be replaced once more; none of that may lose or repeat.
    assert stuck and ext.stats.restarts >= 1
    assert handled.count("before") == 1 and handled.count("while-stuck") == 1


def test_types_the_handler_does_not_act_on_are_passed_over_and_committed(
    container_factory, service_config, unique, kafka
):
    topic, group = "kit-c9-%s" % unique, "g-%s" % unique
    other_id, other = envelope_bytes("agg", "not for me")
    wanted = build_envelope("note.wanted", "agg", struct_pb2.Struct(), instance_id="other")
    produce(kafka, topic, [(b"agg", other), (b"agg", encode(wanted))])
    handled = []

    container = container_factory(
        make_service(topic, group, lambda s, e: handled.append(e.envelope.type), types={"note.wanted"}), service_config
    )
    container.start()
    ext = consumer_of(container)
    assert wait_for(lambda: handled == ["note.wanted"], timeout=30)
    assert wait_for(lambda: sum(ext.stats.committed.values()) == 2, timeout=30), "both offsets committed"
    assert ext.stats.skipped == 1 and ext.stats.handled == 1
    engine = sa.create_engine(service_config["DATABASE_URL"])
    with engine.connect() as conn:
        assert is_processed(conn, wanted.event_id, group)
        assert not is_processed(conn, other_id, group), "no record kept of an event passed over"
    engine.dispose()


def test_a_marker_rolled_back_by_a_failed_attempt_is_written_after_the_next(
    container_factory, service_config, unique, kafka
):
    """A handler that marks its event in its own transaction spares the consumer a transaction
    of its own; one whose failed attempt rolled that marker back is marked by the consumer
    after an attempt that did not mark it."""
    topic, group = "kit-c-mark-%s" % unique, "g-%s" % unique
    event_id, value = envelope_bytes("agg-1", "n0")
    produce(kafka, topic, [(b"agg-1", value)])
    attempts = []

    def behaviour(service, event):
        attempts.append(1)
        if len(attempts) == 1:
            with service.db.begin() as conn:
                event.mark_processed(conn)
                raise RuntimeError("rolled back with the marker")

    container = container_factory(make_service(topic, group, behaviour), service_config)
    container.start()
    ext = consumer_of(container)
    assert wait_for(lambda: ext.stats.handled == 1, timeout=60)
    engine = sa.create_engine(service_config["DATABASE_URL"])
    with engine.connect() as conn:
        assert is_processed(conn, event_id, ext.group)
    engine.dispose()
    assert len(attempts) == 2
    container.stop()
