"""Events of the Citizen Office platform: envelopes, transactional outbox, Kafka.

Plain parts (no nameko, no Kafka client, no SQLAlchemy): envelope building and
reading. The outbox and processed-events tables and their functions (SQLAlchemy)
and the nameko parts (OutboxRelay, consume) are imported on first use, so domain
code reading an envelope pulls in none of them.
"""

from cokit.events.envelope import (  # noqa: F401
    DeadLetter,
    DecodedEvent,
    Envelope,
    EnvelopeError,
    build_envelope,
    decode,
    dlq_topic,
    encode,
    message_key,
    topic_for,
    unpack_payload,
)

_LAZY = {
    "add": ("cokit.events.outbox", "add"),
    "is_processed": ("cokit.events.processed", "is_processed"),
    "mark_processed": ("cokit.events.processed", "mark_processed"),
    "add_event_tables": ("cokit.events.tables", "add_event_tables"),
    "outbox_table": ("cokit.events.tables", "outbox_table"),
    "processed_events_table": ("cokit.events.tables", "processed_events_table"),
    "OutboxRelay": ("cokit.events.relay", "OutboxRelay"),
    "Outbox": ("cokit.events.relay", "Outbox"),
    "consume": ("cokit.events.consumer", "consume"),
    "KafkaConsumerEntrypoint": ("cokit.events.consumer", "KafkaConsumerEntrypoint"),
    "ReceivedEvent": ("cokit.events.consumer", "ReceivedEvent"),
}


def __getattr__(name):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(name) from None
    import importlib

    return getattr(importlib.import_module(module), attr)
