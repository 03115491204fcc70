"""The infrastructure the services rely on answers as they will use it: Kafka with
kafka-python, object storage with the MinIO client and presigned URLs over plain HTTP,
PostgreSQL through SQLAlchemy and pg8000, and SMTP with smtplib."""

from __future__ import annotations

import datetime as dt
import os
import io
import smtplib
import time
import uuid
from email.message import EmailMessage
from urllib.parse import urlparse

import pytest
import requests
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer
from minio import Minio

from e2e_tests.infra import SERVICES, PrivateBackend
from e2e_tests.session import ROOT

OFFSET = int(os.environ.get("CITIZENOFFICE_E2E_PORT_OFFSET", "100"))


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# --- Kafka -----------------------------------------------------------------------------


def _produce(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        producer.send(topic, key=key, value=value).get(timeout=30)
    finally:
        producer.close(timeout=10)


def _consume_one(bootstrap: str, topic: str):
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=_unique("infra-test"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=30_000,
    )
    try:
        return next(iter(consumer), None)
    finally:
        consumer.close()


def test_kafka_produce_and_consume_on_a_fresh_topic(infra):
    topic = _unique("infra-test")
    _produce(infra.kafka_bootstrap, topic, b"aggregate-1", b"hello kafka")

    record = _consume_one(infra.kafka_bootstrap, topic)

    assert record is not None, "no record consumed within 30 s"
    assert (record.key, record.value) == (b"aggregate-1", b"hello kafka")


# --- Object storage --------------------------------------------------------------------


@pytest.fixture
def s3(infra) -> Minio:
    url = urlparse(infra.s3_endpoint)
    return Minio(
        url.netloc,
        access_key=infra.s3_access_key,
        secret_key=infra.s3_secret_key,
        region=infra.s3_region,
        secure=url.scheme == "https",
    )


def test_s3_put_get_stat_list_remove(infra, s3):
    name = f"{_unique('infra-test')}/note.txt"
    body = "attachment ✓".encode()

    s3.put_object(infra.s3_bucket, name, io.BytesIO(body), len(body), content_type="text/plain")
    try:
        stat = s3.stat_object(infra.s3_bucket, name)
        assert stat.size == len(body)
        assert stat.content_type == "text/plain"
        response = s3.get_object(infra.s3_bucket, name)
        try:
            assert response.read() == body
        finally:
            response.close()
            response.release_conn()
        prefix = name.split("/")[0] + "/"
        listed = [o.object_name for o in s3.list_objects(infra.s3_bucket, prefix=prefix, recursive=True)]
        assert listed == [name]
    finally:
        s3.remove_object(infra.s3_bucket, name)

    assert list(s3.list_objects(infra.s3_bucket, prefix=name)) == []


def test_s3_presigned_get_and_put_urls_work_over_plain_http(infra, s3):
    prefix = _unique("infra-test")
    downloaded, uploaded = f"{prefix}/download.bin", f"{prefix}/upload.bin"
    s3.put_object(infra.s3_bucket, downloaded, io.BytesIO(b"from the bucket"), 15)
    try:
        get_url = s3.presigned_get_object(infra.s3_bucket, downloaded, expires=dt.timedelta(minutes=5))
        assert "X-Amz-Signature=" in get_url  # Signature Version 4
        response = requests.get(get_url, timeout=10)
        assert response.status_code == 200
        assert response.content == b"from the bucket"

        tampered = get_url.replace(downloaded, uploaded)
        assert requests.get(tampered, timeout=10).status_code == 403

        put_url = s3.presigned_put_object(infra.s3_bucket, uploaded, expires=dt.timedelta(minutes=5))
        payload = bytes(range(256)) * 64
        response = requests.put(put_url, data=payload, timeout=10)
        assert response.status_code == 200, response.text
        stored = s3.get_object(infra.s3_bucket, uploaded)
        try:
            assert stored.read() == payload
        finally:
            stored.close()
            stored.release_conn()
    finally:
        for name in (downloaded, uploaded):
            s3.remove_object(infra.s3_bucket, name)


# --- PostgreSQL ------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_postgres_round_trip_on_each_service_database(infra, service):
    url = infra.database_url(service)
    assert url.startswith("postgresql+pg8000://")
    engine = sa.create_engine(url, pool_pre_ping=True)
    table = f"infra_test_{uuid.uuid4().hex[:8]}"
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT current_database()")).scalar_one() == service
            conn.execute(sa.text(f"CREATE TABLE {table} (id serial PRIMARY KEY, note text NOT NULL)"))
            conn.execute(sa.text(f"INSERT INTO {table} (note) VALUES (:note)"), {"note": f"hello {service} ✓"})
        with engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT id, note FROM {table}")).all()
        assert [tuple(r) for r in rows] == [(1, f"hello {service} ✓")]
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()


# --- SMTP ------------------------------------------------------------------------------


def _send(infra, subject: str) -> None:
    msg = EmailMessage()
    msg["From"] = "no-reply@citizenoffice.test"
    msg["To"] = "citizen@example.test"
    msg["Subject"] = subject
    msg.set_content("Your request has been received. Numéro de suivi: ABC-123.")
    with smtplib.SMTP(infra.smtp_host, infra.smtp_port, timeout=10) as conn:
        conn.send_message(msg)


def _wait_for_mail(backend, subject: str, timeout: float = 10.0) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while True:
        for msg in backend.messages():
            if msg["Subject"] == subject:
                return msg
        if time.monotonic() >= deadline:
            raise AssertionError(f"no mail with subject {subject!r} within {timeout} s")
        time.sleep(0.1)


def test_smtp_delivers_to_the_mail_dir(infra, infra_backend):
    subject = _unique("infra-test")
    _send(infra, subject)

    msg = _wait_for_mail(infra_backend, subject)

    assert msg["To"] == "citizen@example.test"
    assert "ABC-123" in msg.get_content()
    if infra.mail_dir is not None:
        assert any(subject in p.read_text(errors="replace") for p in infra.mail_dir.glob("*.eml"))


def test_smtp_refuses_while_stopped_and_accepts_after_restart(infra_backend):
    if not infra_backend.can_restart:
        pytest.skip(f"{infra_backend.name} backend cannot restart one server in place")
    # An SMTP server of its own: stopping the shared one would hold back other sessions' mail.
    own = PrivateBackend(ROOT / ".local" / f"e2e-{OFFSET}-smtp", OFFSET + 41)
    endpoints = own.up("smtp")
    try:
        with own.stopped("smtp"):
            with pytest.raises(ConnectionRefusedError):
                smtplib.SMTP(endpoints.smtp_host, endpoints.smtp_port, timeout=5)

        subject = _unique("infra-after-restart")
        _send(endpoints, subject)
        assert _wait_for_mail(own, subject)["Subject"] == subject
    finally:
        own.close()
