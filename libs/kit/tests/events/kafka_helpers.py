"""Test-side Kafka access: plain clients without a group (nothing to heartbeat)."""

import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def produce(bootstrap, topic, items):
    """items: (key bytes, value bytes) sent in order, acknowledged."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for key, value in items:
            producer.send(topic, key=key, value=value).get(timeout=30)
    finally:
        producer.close()


def read_all(bootstrap, topic, expect, timeout=30.0):
    """Records of every partition of topic, from the start, until expect are read."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest", group_id=None
    )
    records = []
    try:
        deadline = time.monotonic() + timeout
        parts = None
        while parts is None and time.monotonic() < deadline:
            parts = consumer.partitions_for_topic(topic)
            if not parts:
                parts = None
                time.sleep(0.2)
        if parts is None:
            return records
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        while len(records) < expect and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
        # A moment more to catch unexpected extra records (duplicates).
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


def wait_for(predicate, timeout=30.0, interval=0.1):
    import eventlet

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        eventlet.sleep(interval)
    return predicate()
