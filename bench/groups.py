"""The consumer groups of a bench's own stack, moved to the end of their topics before it starts.

The topics are shared with every other stack on the broker (development, e2e sessions, other
benches): a bench group that last ran an hour ago would first work through everything the others
published since, and the bench would time that backlog instead of its own events.
"""

from __future__ import annotations

from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

# (group, topic) of every consumer entrypoint of the services (@consume in services/*/src).
CONSUMERS = (
    ("documents", "identity.events.v1"),
    ("documents-tickets", "tickets.events.v1"),
    ("notifications", "tickets.events.v1"),
    ("notifications-identity", "identity.events.v1"),
    ("notifications-digest", "tickets.events.v1"),
    ("tickets", "identity.events.v1"),
)


def skip_history(bootstrap: str, prefix: str, consumers=CONSUMERS) -> None:
    """Commit the end of each topic as the offsets of the groups `prefix` + group."""
    for group, topic in consumers:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=prefix + group, enable_auto_commit=False)
        try:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            if partitions:
                ends = consumer.end_offsets(partitions)
                consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in ends.items()})
        finally:
            consumer.close()
