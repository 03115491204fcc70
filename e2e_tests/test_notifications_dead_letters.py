"""A delivery that fails at every attempt ends on the real servers with notification.failed
and one dead letter on notifications.events.v1.dlq, counted in the service's metrics.

The session's notifications service runs here on its own SMTP server, SMS provider and
database (as in test_notifications.py), with three attempts half a second apart instead of
ten over about seventeen minutes.
"""

from __future__ import annotations

import time
import uuid

import pytest
import requests
import sqlalchemy as sa
from kafka import KafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from citizenoffice.events.v1 import envelope_pb2
from citizenoffice.notifications.v1 import notifications_pb2 as pb
from cokit.events.envelope import decode

from .helpers import eventually
from .test_notifications import citizen_id_of, citizen_phone, own_notifications, submit

TOPIC = "notifications.events.v1"
DLQ = TOPIC + ".dlq"
ATTEMPTS = 3


@pytest.fixture(scope="module")
def own(platform, infra):
    with own_notifications(
        platform,
        infra,
        "notifications-dlq",
        20027,
        NOTIFICATIONS_MAX_ATTEMPTS=str(ATTEMPTS),
        NOTIFICATIONS_FIRST_RETRY_SECONDS="0.5",
    ) as servers:
        yield servers


def records_keyed(infra, topic: str, key: str) -> list:
    """Every record of `topic` with this key, read from the start up to the current end."""
    consumer = KafkaConsumer(bootstrap_servers=infra.kafka_bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        assert partitions, f"no topic {topic}"
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        found = []
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < ends[tp] for tp in partitions) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                found += [r for r in batch if r.key == key.encode()]
        return found
    finally:
        consumer.close()


def dead_letters_counted(platform) -> float:
    port = platform.service("notifications").metrics_port
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return sum(
        s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "citizenoffice_dead_letters_total" and s.labels.get("topic") == DLQ
    )


def test_an_sms_failing_at_every_attempt_ends_with_one_dead_letter_and_one_notification_failed(platform, infra, own):
    phone, address = citizen_phone(), f"dlq.{uuid.uuid4().hex[:8]}@example.ma"
    counted_before = dead_letters_counted(platform)
    requests.post(f"{own.sms_url}/control", json={"fail_next": 1000}, timeout=5)
    try:
        submit(platform, address, language="fr", phone=phone)
        eventually(lambda: own.mails_to(address), timeout=60, what="the e-mail, which does not fail")
        citizen_id = citizen_id_of(infra, address)
        with own.db().connect() as conn:
            failed = eventually(
                lambda: conn.execute(
                    sa.text(
                        "select delivery_id, attempts, last_error from deliveries where channel = 'sms'"
                        " and citizen_id = :c and state = 'failed'"
                    ),
                    {"c": citizen_id},
                ).all(),
                timeout=60,
                what="the SMS delivery to fail for good",
            )
    finally:
        requests.post(f"{own.sms_url}/control", json={"fail_next": 0}, timeout=5)
    assert len(failed) == 1 and failed[0].attempts == ATTEMPTS
    delivery_id = failed[0].delivery_id
    assert not own.sms_to(phone)

    letters = eventually(lambda: records_keyed(infra, DLQ, delivery_id), timeout=60, what="the dead letter")
    events = eventually(
        lambda: [
            r
            for r in records_keyed(infra, TOPIC, delivery_id)
            if decode(r.value).envelope.type == "notification.failed"
        ],
        timeout=60,
        what="notification.failed",
    )
    time.sleep(3)  # several turns of the sender and the relay: nothing more comes
    assert len(records_keyed(infra, DLQ, delivery_id)) == 1
    assert (
        len(
            [
                r
                for r in records_keyed(infra, TOPIC, delivery_id)
                if decode(r.value).envelope.type == "notification.failed"
            ]
        )
        == 1
    )

    letter = envelope_pb2.DeadLetter.FromString(letters[0].value)
    assert letter.topic == TOPIC and letter.error == "provider answered HTTP 503"
    failed_event = decode(letter.value)
    assert failed_event.envelope.event_id == decode(events[0].value).envelope.event_id
    payload = failed_event.payload
    assert isinstance(payload, pb.NotificationFailed)
    assert (payload.delivery_id, payload.channel, payload.attempts) == (delivery_id, "sms", ATTEMPTS)
    assert payload.error == "provider answered HTTP 503"
    for raw in (letters[0].value, events[0].value):
        assert phone.encode() not in raw and address.encode() not in raw
        assert "a été reçue".encode() not in raw

    assert eventually(
        lambda: dead_letters_counted(platform) >= counted_before + 1,
        timeout=30,
        what="the dead letter in citizenoffice_dead_letters_total",
    )
