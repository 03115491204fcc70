"""Notifications on the real servers: Kafka in, SMTP and the inbox out, exactly once per
event, recipient and channel whatever Kafka redelivers or however long the mail server
is away."""
from __future__ import annotations

import os
import time
import uuid

import grpc
import requests
import sqlalchemy as sa
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from citizenoffice.events.v1 import envelope_pb2
from citizenoffice.notifications.v1 import notifications_pb2 as pb
from citizenoffice.notifications.v1.notifications_pb2_grpc import NotificationsServiceStub

from .helpers import eventually

TOPIC = "tickets.events.v1"
GROUP = f"e2e-{os.environ.get('CITIZENOFFICE_E2E_PORT_OFFSET', '100')}.notifications"


def submit(platform, email: str, language: str = "ar"):
    response = requests.post(f"{platform.base_url}/api/v1/tickets", data={
        "office": "tetouan", "kind": "complaint", "category": "lighting", "language": language,
        "description": "عمود الإنارة معطل قرب المدرسة منذ أسبوع", "email": email, "name": "Amina"}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def mails_to(infra_backend, address: str):
    return [m for m in infra_backend.messages() if m["To"] == address]


def citizen_id_of(infra, email: str) -> str:
    engine = sa.create_engine(infra.database_url("identity"), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        return conn.execute(sa.text("select citizen_id from citizens where email = :e"), {"e": email}).scalar_one()


def inbox(platform, citizen_id: str) -> pb.Inbox:
    with grpc.insecure_channel(platform.grpc_target("notifications")) as channel:
        return NotificationsServiceStub(channel).ListInbox(pb.ListInboxRequest(citizen_id=citizen_id), timeout=10)


def find_event(infra, ticket_id: str):
    consumer = KafkaConsumer(TOPIC, bootstrap_servers=infra.kafka_bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None, consumer_timeout_ms=15000)
    try:
        for record in consumer:
            if envelope_pb2.Envelope.FromString(record.value).aggregate_id == ticket_id:
                return record
    finally:
        consumer.close()
    raise AssertionError(f"no event of ticket {ticket_id} on {TOPIC}")


def committed(infra, partition: int) -> int:
    admin = KafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    try:
        offsets = admin.list_consumer_group_offsets(GROUP)
    finally:
        admin.close()
    meta = offsets.get(TopicPartition(TOPIC, partition))
    return meta.offset if meta else -1


def test_an_arabic_citizen_gets_one_arabic_mail_and_one_inbox_item_whatever_kafka_replays(platform, infra,
                                                                                         infra_backend):
    email = f"replay.{uuid.uuid4().hex[:8]}@example.ma"
    receipt = submit(platform, email, language="ar")
    mails = eventually(lambda: mails_to(infra_backend, email), timeout=60, what=f"an e-mail to {email}")
    assert len(mails) == 1
    mail = mails[0]
    assert mail["Content-Language"] == "ar" and receipt["tracking_code"] in mail["Subject"]
    assert "تم استلام" in mail["Subject"] and "رمز التتبع" in mail.get_content()
    citizen_id = citizen_id_of(infra, email)
    first = inbox(platform, citizen_id)
    assert [(i.kind, i.language) for i in first.items] == [("ticket.submitted", "ar")] and first.unread == 1

    # Kafka redelivers the very same event three times
    record = find_event(infra, receipt["ticket_id"])
    producer = KafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    try:
        sent = [producer.send(TOPIC, key=record.key, value=record.value).get(timeout=15) for _ in range(3)]
    finally:
        producer.close()
    assert {m.partition for m in sent} == {record.partition}
    last = max(m.offset for m in sent)
    eventually(lambda: committed(infra, record.partition) > last, timeout=60,
               what="the notifications consumer to handle the replays")
    time.sleep(3)  # several turns of the sender
    assert len(mails_to(infra_backend, email)) == 1
    again = inbox(platform, citizen_id)
    assert len(again.items) == 1 and again.unread == 1


def test_mails_wait_for_the_smtp_server_and_arrive_once(platform, infra_backend):
    run = uuid.uuid4().hex[:8]
    addresses = [f"smtp.down.{run}.{i}@example.ma" for i in range(5)]
    codes = {}
    with infra_backend.stopped("smtp"):
        for address in addresses:
            codes[address] = submit(platform, address, language="fr")["tracking_code"]
        time.sleep(8)  # several failed attempts while the server is away
        assert not any(mails_to(infra_backend, a) for a in addresses)
    for address in addresses:
        eventually(lambda: mails_to(infra_backend, address), timeout=120, what=f"an e-mail to {address}")
    time.sleep(3)
    for address in addresses:
        mails = mails_to(infra_backend, address)
        assert len(mails) == 1, f"{address} got {len(mails)} e-mails"
        assert codes[address] in mails[0]["Subject"] and mails[0]["Content-Language"] == "fr"
