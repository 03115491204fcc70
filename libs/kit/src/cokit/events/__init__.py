"""Events of the Citizen Office platform: envelopes, transactional outbox, Kafka.

Plain parts (no nameko, no Kafka client): envelope building and reading, the
outbox and processed-events tables and their functions. The nameko parts
(OutboxRelay, consume) are imported on first use so domain code importing
this package does not pull in nameko or eventlet.
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
from cokit.events.outbox import add  # noqa: F401
from cokit.events.processed import is_processed, mark_processed  # noqa: F401
from cokit.events.tables import add_event_tables, outbox_table, processed_events_table  # noqa: F401

_LAZY = {
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
