import datetime as dt
import uuid

import pytest
from google.protobuf import struct_pb2, timestamp_pb2

from citizenoffice.events.v1 import envelope_pb2
from cokit.events.envelope import (
    EnvelopeError,
    build_envelope,
    decode,
    dlq_topic,
    encode,
    message_key,
    topic_for,
)
from cokit.ids import uuid7, uuid7_time_ms


def test_round_trip_keeps_every_field_and_unpacks_the_payload():
    payload = struct_pb2.Struct()
    payload.update({"category": "water", "count": 3})
    when = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.timezone.utc)
    env = build_envelope(
        "ticket.submitted",
        "agg-1",
        payload,
        instance_id="bf",
        office_id="office-9",
        trace_id="trace-1",
        occurred_at=when,
    )
    got = decode(encode(env))
    e = got.envelope
    assert uuid.UUID(e.event_id).version == 7
    assert (e.type, e.aggregate_id, e.instance_id, e.office_id, e.trace_id) == (
        "ticket.submitted",
        "agg-1",
        "bf",
        "office-9",
        "trace-1",
    )
    assert e.occurred_at.ToDatetime(tzinfo=dt.timezone.utc) == when
    assert isinstance(got.payload, struct_pb2.Struct)
    assert got.payload["category"] == "water"
    assert message_key(e) == b"agg-1"


def test_naive_occurred_at_is_taken_as_utc_and_default_is_now():
    env = build_envelope(
        "x.y", "a", timestamp_pb2.Timestamp(), instance_id="i", occurred_at=dt.datetime(2026, 1, 1, 12, 0)
    )
    assert env.occurred_at.ToDatetime() == dt.datetime(2026, 1, 1, 12, 0)
    before = dt.datetime.now(dt.timezone.utc)
    env = build_envelope("x.y", "a", timestamp_pb2.Timestamp(), instance_id="i")
    assert abs(env.occurred_at.ToDatetime(tzinfo=dt.timezone.utc) - before) < dt.timedelta(seconds=5)


def test_unknown_payload_type_gives_none_not_an_error():
    env = build_envelope("x.y", "a", struct_pb2.Struct(), instance_id="i")
    env.payload.type_url = "type.googleapis.com/nowhere.v1.Unknown"
    assert decode(encode(env)).payload is None


@pytest.mark.parametrize("data", [b"", b"\xff\xff\xff\xff", b"not an envelope at all"])
def test_undecodable_bytes_raise_envelope_error(data):
    with pytest.raises(EnvelopeError):
        decode(data)


def test_required_fields():
    with pytest.raises(ValueError):
        build_envelope("", "a", struct_pb2.Struct(), instance_id="i")
    with pytest.raises(ValueError):
        build_envelope("t", "", struct_pb2.Struct(), instance_id="i")
    with pytest.raises(ValueError):
        build_envelope("t", "a", struct_pb2.Struct(), instance_id="")


def test_topic_names():
    assert topic_for("tickets") == "tickets.events.v1"
    assert dlq_topic("tickets.events.v1") == "tickets.events.v1.dlq"
    with pytest.raises(ValueError):
        topic_for("tickets.events")


def test_dead_letter_message_shape():
    letter = envelope_pb2.DeadLetter(topic="t", partition=1, offset=5, error="ValueError: x")
    assert envelope_pb2.DeadLetter.FromString(letter.SerializeToString()).offset == 5


def test_uuid7_is_rfc9562_and_time_ordered():
    ids = [uuid7() for _ in range(20000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for s in ids[:50]:
        u = uuid.UUID(s)
        assert u.version == 7
        assert u.variant == uuid.RFC_4122
    now_ms = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)
    assert abs(uuid7_time_ms(ids[-1]) - now_ms) < 5000


def test_uuid7_orders_across_milliseconds():
    import time

    a = uuid7()
    time.sleep(0.003)
    b = uuid7()
    assert a < b
    assert uuid7_time_ms(a) < uuid7_time_ms(b)
