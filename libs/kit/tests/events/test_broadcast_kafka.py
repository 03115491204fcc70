"""cokit.events.broadcast: every process reads every event of the topic, from the end."""

import pytest
from google.protobuf import struct_pb2
from nameko.testing.utils import get_extension

from cokit.events.broadcast import Broadcast
from cokit.events.envelope import build_envelope, encode

from .kafka_helpers import produce, wait_for

pytestmark = pytest.mark.e2e


def note(key, text):
    payload = struct_pb2.Struct()
    payload.update({"note": text})
    return key.encode(), encode(build_envelope("note.changed", key, payload, instance_id="other", office_id=key))


def make_service(topic, seen, resets):
    class Holder:
        name = "holder"
        changes = Broadcast(topic, lambda envelopes: seen.extend(e.aggregate_id for e in envelopes), resets.append_one)

    return Holder


class Counter(list):
    def append_one(self):
        self.append(1)


def test_each_process_sees_every_event_after_its_start(container_factory, service_config, unique, kafka):
    topic = "kit-bc-%s" % unique
    produce(kafka, topic, [note("before", "old")])  # the topic exists, with history
    first, second = [], []
    resets_first, resets_second = Counter(), Counter()
    a = container_factory(make_service(topic, first, resets_first), service_config)
    b = container_factory(make_service(topic, second, resets_second), service_config)
    a.start()
    b.start()
    # Each reader drops its copies once it holds its position: nothing before is missed.
    assert wait_for(lambda: resets_first and resets_second, timeout=60)
    produce(kafka, topic, [note("office-1", "x"), note("office-2", "y")])
    assert wait_for(lambda: len(first) == 2 and len(second) == 2, timeout=30)
    assert first == second == ["office-1", "office-2"], "both replicas, from the end, not the history"
    assert get_extension(a, Broadcast).received == 2
    a.stop()
    b.stop()


def test_a_topic_created_later_is_read_from_its_start(container_factory, service_config, unique, kafka):
    topic = "kit-bc-late-%s" % unique
    seen, resets = [], Counter()
    container = container_factory(make_service(topic, seen, resets), service_config)
    container.start()
    produce(kafka, topic, [note("first", "x")])
    # The reader finds the topic on its next look, and drops its copies then.
    assert wait_for(lambda: resets, timeout=60)
    produce(kafka, topic, [note("second", "y")])
    assert wait_for(lambda: "second" in seen, timeout=30)
    container.stop()
