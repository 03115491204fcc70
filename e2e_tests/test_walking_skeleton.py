"""A complaint with a photo travels the whole platform, on the real servers.

gateway (HTTP) -> identity (contact) -> documents (photo in the bucket) -> tickets
(ticket + outbox) -> Kafka -> notifications (inbox + e-mail over SMTP); the citizen then
reads the status by tracking code.
"""

from __future__ import annotations

import hashlib
import signal
import threading
import uuid

import grpc
import pytest
import requests
import sqlalchemy as sa
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from kafka import KafkaConsumer
from minio import Minio

from citizenoffice.events.v1 import envelope_pb2
from citizenoffice.tickets.v1 import tickets_pb2

from .helpers import eventually, jpeg_bytes

GRPC_SERVICES = {
    "identity": "citizenoffice.identity.v1.IdentityService",
    "registry": "citizenoffice.registry.v1.RegistryService",
    "tickets": "citizenoffice.tickets.v1.TicketsService",
    "documents": "citizenoffice.documents.v1.DocumentsService",
    "notifications": "citizenoffice.notifications.v1.NotificationsService",
}


def submit(platform, email: str, description: str = "عمود الإنارة معطل قرب المدرسة منذ أسبوع", photo=None):
    files = {"photo": ("lampe.jpg", photo, "image/jpeg")} if photo is not None else None
    data = {
        "office": "tetouan",
        "kind": "complaint",
        "category": "lighting",
        "description": description,
        "email": email,
        "name": "Amina",
        "language": "ar",
    }
    return requests.post(f"{platform.base_url}/api/v1/tickets", data=data, files=files, timeout=30)


def mails_to(infra_backend, address: str):
    return [m for m in infra_backend.messages() if m["To"] == address]


def db(infra, service: str) -> sa.Engine:
    return sa.create_engine(infra.database_url(service), poolclass=sa.pool.NullPool)


@pytest.mark.parametrize("service", sorted(GRPC_SERVICES))
def test_every_service_serves_health_and_reflection(platform, service):
    with grpc.insecure_channel(platform.grpc_target(service)) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        overall = health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        own = health.Check(health_pb2.HealthCheckRequest(service=GRPC_SERVICES[service]), timeout=5)
        assert overall.status == own.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as err:
            health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        listed = set(ProtoReflectionDescriptorDatabase(channel).get_services())
    assert GRPC_SERVICES[service] in listed
    assert "grpc.health.v1.Health" in listed


def test_complaint_with_photo_travels_the_whole_path(platform, infra, infra_backend):
    email = f"amina.{uuid.uuid4().hex[:8]}@example.ma"
    photo = jpeg_bytes(uuid.uuid4().bytes)
    response = submit(platform, email.upper(), photo=photo)
    assert response.status_code == 201, response.text
    receipt = response.json()
    code, ticket_id = receipt["tracking_code"], receipt["ticket_id"]
    assert receipt["status"] == "submitted" and receipt["acknowledge_by"] and receipt["answer_by"]
    assert response.headers["X-Request-Id"]

    # the citizen reads the status by tracking code, typed loosely
    tracked = requests.get(f"{platform.base_url}/api/v1/tickets/track/{code.lower().replace('-', ' ')}", timeout=10)
    assert tracked.status_code == 200, tracked.text
    assert tracked.json()["status"] == "submitted"
    assert tracked.json()["attachment_count"] == 1
    assert "description" not in tracked.json()

    # the photo is in the bucket under instance/office/date, with the sha256 of what was stored
    with db(infra, "tickets").connect() as conn:
        attachment_id = conn.execute(
            sa.text("select attachment_id from ticket_attachments where ticket_id = :t"), {"t": ticket_id}
        ).scalar_one()
    with db(infra, "documents").connect() as conn:
        row = conn.execute(
            sa.text(
                "select object_key, sha256, content_type, owner_citizen_id from attachments where attachment_id = :a"
            ),
            {"a": attachment_id},
        ).one()
    assert row.content_type == "image/jpeg"
    assert row.object_key.startswith("ma/")
    s3 = Minio(
        infra.s3_endpoint.split("://", 1)[1],
        access_key=infra.s3_access_key,
        secret_key=infra.s3_secret_key,
        secure=False,
        region=infra.s3_region,
    )
    stored = s3.get_object(infra.s3_bucket, row.object_key)
    try:
        assert hashlib.sha256(stored.read()).hexdigest() == row.sha256
    finally:
        stored.close()
        stored.release_conn()

    # ticket.submitted went through Kafka, keyed by the ticket, with no personal data
    consumer = KafkaConsumer(
        "tickets.events.v1",
        bootstrap_servers=infra.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=15000,
    )
    try:
        found = None
        for record in consumer:
            envelope = envelope_pb2.Envelope.FromString(record.value)
            if envelope.aggregate_id == ticket_id:
                found = (record, envelope)
                break
    finally:
        consumer.close()
    assert found is not None, "ticket.submitted not found on tickets.events.v1"
    record, envelope = found
    assert envelope.type == "ticket.submitted" and record.key == ticket_id.encode()
    assert envelope.trace_id == response.headers["X-Request-Id"]
    payload = tickets_pb2.TicketSubmitted()
    assert envelope.payload.Unpack(payload) and payload.tracking_code == code
    assert email.encode() not in record.value and b"Amina" not in record.value

    # notifications: one Arabic e-mail received by the SMTP server, one inbox item
    mails = eventually(lambda: mails_to(infra_backend, email), timeout=60, what=f"an e-mail to {email}")
    assert len(mails) == 1
    assert code in mails[0]["Subject"] and "تم استلام" in mails[0]["Subject"]
    assert mails[0]["Content-Language"] == "ar"
    with db(infra, "identity").connect() as conn:
        citizen_id = conn.execute(
            sa.text("select citizen_id from citizens where email = :e"), {"e": email}
        ).scalar_one()
    assert row.owner_citizen_id == citizen_id  # the citizen may download their own photo
    # A contact without an account has no token to read the inbox with (test_inbox.py reads
    # it over HTTP): the item is checked where notifications keeps it.
    with db(infra, "notifications").connect() as conn:
        inbox = conn.execute(
            sa.text("select kind, subject, read from inbox_items where citizen_id = :c"), {"c": citizen_id}
        ).all()
    assert [item.kind for item in inbox] == ["ticket.submitted"] and not inbox[0].read
    assert code in inbox[0].subject


def test_bad_input_gets_a_problem_body(platform):
    base = platform.base_url
    cases = [
        (
            requests.post(
                f"{base}/api/v1/tickets",
                data={"office": "atlantis", "description": "une description assez longue", "category": "roads"},
                timeout=10,
            ),
            404,
            "OFFICE_NOT_FOUND",
        ),
        (
            requests.post(
                f"{base}/api/v1/tickets",
                data={"office": "tetouan", "description": "court", "category": "roads"},
                timeout=10,
            ),
            400,
            "DESCRIPTION_TOO_SHORT",
        ),
        (
            requests.post(
                f"{base}/api/v1/tickets",
                data={"office": "asilah", "description": "une description assez longue", "category": "roads"},
                timeout=10,
            ),
            409,
            "OFFICE_NOT_ACCEPTING",
        ),
        (
            requests.post(
                f"{base}/api/v1/tickets",
                data={"office": "tetouan", "description": "une description assez longue", "category": "roads"},
                files={"photo": ("x.jpg", b"#!/bin/sh\necho not a photo\n", "image/jpeg")},
                timeout=10,
            ),
            400,
            "ATTACHMENT_TYPE_NOT_ALLOWED",
        ),
        (
            requests.post(
                f"{base}/api/v1/tickets", data=b"{not json", headers={"Content-Type": "application/json"}, timeout=10
            ),
            400,
            "JSON_MALFORMED",
        ),
        (requests.get(f"{base}/api/v1/tickets/track/12", timeout=10), 400, "TRACKING_CODE_MALFORMED"),
        (requests.get(f"{base}/api/v1/tickets/track/0000-0000-0", timeout=10), 404, "TICKET_NOT_FOUND"),
    ]
    for response, status, reason in cases:
        assert response.status_code == status, response.text
        assert response.headers["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["reason"] == reason and body["status"] == status and body["detail"]
        assert "Traceback" not in response.text


def test_oversized_request_is_refused_before_reaching_the_services(platform):
    response = requests.post(
        f"{platform.base_url}/api/v1/tickets",
        data={"office": "tetouan", "description": "une description assez longue", "category": "roads"},
        files={"photo": ("big.jpg", b"\xff\xd8\xff" + b"\0" * (13 * 1024 * 1024), "image/jpeg")},
        timeout=60,
    )
    assert response.status_code == 413
    assert response.json()["reason"] == "REQUEST_TOO_LARGE"


def test_killed_notifications_delivers_every_notification_exactly_once(platform, infra_backend):
    run = uuid.uuid4().hex[:8]
    addresses = [f"kill.{run}.{i}@example.ma" for i in range(12)]
    codes, errors = {}, []

    def submit_all():
        for address in addresses:
            response = submit(platform, address)
            if response.status_code == 201:
                codes[address] = response.json()["tracking_code"]
            else:
                errors.append(response.text)

    sender = threading.Thread(target=submit_all)
    sender.start()
    eventually(lambda: len(codes) >= 4, timeout=60, what="the first submissions")
    platform.stop("notifications", sig=signal.SIGKILL)
    sender.join(timeout=120)
    assert not errors and len(codes) == len(addresses)
    platform.start("notifications")
    platform.wait_ready("notifications")
    for address in addresses:
        eventually(lambda: mails_to(infra_backend, address), timeout=120, what=f"an e-mail to {address}")
    for address in addresses:
        mails = mails_to(infra_backend, address)
        assert len(mails) == 1, f"{address} got {len(mails)} e-mails"
        assert codes[address] in mails[0]["Subject"]
