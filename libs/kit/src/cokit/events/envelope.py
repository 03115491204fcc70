"""The event envelope every topic carries, and the topic naming rules.

Plain protobuf code: no nameko, no eventlet, no Kafka, so domain code and tests
can build and read events without a transport.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Optional

from google.protobuf import any_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message

from citizenoffice.events.v1 import envelope_pb2
from cokit.ids import uuid7

Envelope = envelope_pb2.Envelope
DeadLetter = envelope_pb2.DeadLetter

__all__ = [
    "Envelope",
    "DeadLetter",
    "EnvelopeError",
    "DecodedEvent",
    "build_envelope",
    "encode",
    "decode",
    "unpack_payload",
    "topic_for",
    "dlq_topic",
    "message_key",
]

TOPIC_SUFFIX = ".events.v1"
DLQ_SUFFIX = ".dlq"


class EnvelopeError(ValueError):
    """The bytes are not a usable Envelope (a poison message for consumers)."""


def topic_for(domain: str) -> str:
    """One topic per producing domain: ``topic_for("tickets") == "tickets.events.v1"``."""
    if not domain or "." in domain or domain != domain.strip():
        raise ValueError("domain must be a bare name like 'tickets', got %r" % domain)
    return domain + TOPIC_SUFFIX


def dlq_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX


def message_key(envelope: Envelope) -> bytes:
    """Kafka key: the aggregate id, so one aggregate's events keep their order."""
    return envelope.aggregate_id.encode("utf-8")


def build_envelope(
    type: str,
    aggregate_id: str,
    payload: Message,
    *,
    instance_id: str,
    office_id: str = "",
    trace_id: str = "",
    occurred_at: Optional[_dt.datetime] = None,
    event_id: Optional[str] = None,
) -> Envelope:
    if not type:
        raise ValueError("event type is required")
    if not aggregate_id:
        raise ValueError("aggregate_id is required (it is the Kafka key)")
    if not instance_id:
        raise ValueError("instance_id is required")
    env = Envelope(
        event_id=event_id or uuid7(),
        type=type,
        aggregate_id=aggregate_id,
        instance_id=instance_id,
        office_id=office_id or "",
        trace_id=trace_id or "",
    )
    when = occurred_at or _dt.datetime.now(_dt.timezone.utc)
    if when.tzinfo is None:
        # Naive datetimes are taken as UTC: the platform stores UTC only.
        when = when.replace(tzinfo=_dt.timezone.utc)
    env.occurred_at.FromDatetime(when.astimezone(_dt.timezone.utc))
    env.payload.Pack(payload)
    return env


def encode(envelope: Envelope) -> bytes:
    return envelope.SerializeToString(deterministic=True)


def unpack_payload(envelope: Envelope) -> Optional[Message]:
    """The payload as its generated message class, found by the Any's type url.

    None when the payload is empty or its type is not known in this process
    (the consumer did not import the producer's generated module); a payload
    whose type is known but whose bytes do not parse raises EnvelopeError.
    """
    any_msg: any_pb2.Any = envelope.payload
    if not any_msg.type_url:
        return None
    full_name = any_msg.type_url.rsplit("/", 1)[-1]
    try:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(full_name)
    except KeyError:
        return None
    cls = message_factory.GetMessageClass(descriptor)
    msg = cls()
    if not any_msg.Unpack(msg):
        raise EnvelopeError("payload type mismatch for %s" % full_name)
    return msg


@dataclass(frozen=True)
class DecodedEvent:
    envelope: Envelope
    payload: Optional[Message]


def decode(data: bytes) -> DecodedEvent:
    """Parse the bytes of a Kafka message; EnvelopeError when they are not an event."""
    if not data:
        raise EnvelopeError("empty message")
    env = Envelope()
    try:
        env.ParseFromString(data)
    except DecodeError as exc:
        raise EnvelopeError("undecodable envelope: %s" % exc) from None
    if not env.event_id or not env.type:
        raise EnvelopeError("envelope without event_id or type")
    try:
        payload = unpack_payload(env)
    except DecodeError as exc:
        raise EnvelopeError("undecodable payload %s: %s" % (env.payload.type_url, exc)) from None
    return DecodedEvent(env, payload)


def occurred_at(envelope: Envelope) -> _dt.datetime:
    return envelope.occurred_at.ToDatetime(tzinfo=_dt.timezone.utc)
