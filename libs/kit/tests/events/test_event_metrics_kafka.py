"""The consumer's and the relay's numbers as Prometheus scrapes them, on the real broker."""

import eventlet
import pytest
import requests
from eventlet import event as _event
from google.protobuf import struct_pb2
from nameko.testing.services import dummy, entrypoint_hook
from nameko.testing.utils import get_extension
from prometheus_client.parser import text_string_to_metric_families

from citizenoffice.events.v1 import envelope_pb2
from cokit.db import Database
from cokit.events.consumer import KafkaConsumerEntrypoint, consume
from cokit.events.envelope import decode
from cokit.events.relay import OutboxRelay
from cokit.metrics import Metrics, metrics_port

from .kafka_helpers import produce, read_all, wait_for
from .test_consumer_kafka import envelope_bytes

pytestmark = pytest.mark.e2e


def scrape(container) -> dict:
    """{(name, labels without service): value} of the container's /metrics."""
    text = requests.get("http://127.0.0.1:%d/metrics" % metrics_port(container), timeout=10).text
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = tuple(sorted((k, v) for k, v in s.labels.items() if k != "service"))
            found[(s.name, labels)] = s.value
    return found


def test_consumer_counts_and_lag_are_scraped(container_factory, service_config, unique, kafka):
    topic, group = "kit-m1-%s" % unique, "g-%s" % unique
    gate = _event.Event()
    failed = set()

    class Reader:
        name = "reader"
        db = Database()
        metrics = Metrics(port=0, process_metrics=False)

        @consume(topic, group=group, retry_backoff=0.1, max_attempts=2)
        def on_event(self, event):
            note = event.payload["note"]
            if note == "first":
                gate.wait()  # holds the partition: the records behind it are lag
            if note == "flaky" and note not in failed:
                failed.add(note)
                raise RuntimeError("transient")
            if note == "poison":
                raise ValueError("never handled")

    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=kafka)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    finally:
        admin.close()
    notes = ["first", "flaky", "poison", "n3", "n4"]
    produce(kafka, topic, [(b"k", envelope_bytes("k", n)[1]) for n in notes])  # one partition
    container = container_factory(Reader, service_config)
    container.start()
    labels = (("group", group), ("topic", topic))
    lag = ("citizenoffice_kafka_consumer_lag", labels)
    # Nothing committed while the first record is held: all five are behind.
    assert wait_for(lambda: scrape(container).get(lag) == 5, timeout=60)
    # The empty partition, never fetched from, is measured too (at its position: 0 behind).
    assert sorted(p for _, p in get_extension(container, KafkaConsumerEntrypoint).stats.lag) == [0, 1]
    gate.send(True)
    assert wait_for(lambda: scrape(container).get(lag) == 0, timeout=60)
    found = scrape(container)
    assert found[("citizenoffice_kafka_consumer_handled_total", labels)] == 4
    assert found[("citizenoffice_kafka_consumer_retries_total", labels)] == 2  # flaky once, poison once
    assert found[("citizenoffice_kafka_consumer_dead_lettered_total", labels)] == 1
    assert found[("citizenoffice_dead_letters_total", (("topic", topic + ".dlq"),))] == 1


def test_a_dead_letter_written_through_the_outbox_reaches_the_dlq_and_is_counted(
    container_factory, service_config, unique
):
    topic = "kit-dl-%s.events.v1" % unique

    class Sender:
        name = "sender"
        db = Database()
        metrics = Metrics(port=0, process_metrics=False)
        events = OutboxRelay(engine="db", topic=topic, poll_interval=0.5)

        @dummy
        def give_up(self, delivery_id):
            with self.db.begin() as conn:
                payload = struct_pb2.Struct()
                payload.update({"delivery": delivery_id})
                env = self.events.add(conn, "delivery.failed", delivery_id, payload)
                self.events.dead_letter(conn, env, "SmsError: provider answered 503")
                return env.event_id

        @dummy
        def give_up_then_fail(self, delivery_id):
            with self.db.begin() as conn:
                env = self.events.envelope("delivery.failed", delivery_id, struct_pb2.Struct())
                self.events.dead_letter(conn, env, "rolled back")
                raise RuntimeError("the transaction rolls back, and the dead letter with it")

    container = container_factory(Sender, service_config)
    container.start()
    with entrypoint_hook(container, "give_up") as give_up:
        event_id = give_up("d-1")
    with pytest.raises(RuntimeError):
        with entrypoint_hook(container, "give_up_then_fail") as fail:
            fail("d-2")
    dlq = topic + ".dlq"
    records = read_all(service_config["KAFKA_BOOTSTRAP_SERVERS"], dlq, expect=1)
    assert len(records) == 1 and records[0].key == b"d-1"
    letter = envelope_pb2.DeadLetter.FromString(records[0].value)
    assert letter.topic == topic and letter.error == "SmsError: provider answered 503"
    assert decode(letter.value).envelope.event_id == event_id
    assert letter.failed_at.seconds > 0
    events = read_all(service_config["KAFKA_BOOTSTRAP_SERVERS"], topic, expect=1)
    assert [decode(r.value).envelope.event_id for r in events] == [event_id]
    counted = ("citizenoffice_dead_letters_total", (("topic", dlq),))
    assert wait_for(lambda: scrape(container).get(counted) == 1, timeout=10)
    eventlet.sleep(1.0)
    assert scrape(container).get(counted) == 1
