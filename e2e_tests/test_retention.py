"""Retention of closed tickets' attachments on the real servers: documents learns from
tickets.events.v1 which ticket an attachment belongs to and when it closes; after
DOCUMENTS_RETENTION_DAYS the file and its thumbnail leave the bucket, the row stays and a
download answers ATTACHMENT_PURGED; a ticket reopened before that keeps its files.

This module restarts the session's documents service with a retention of 0.0005 days (43.2 s)
and a purge run every second, and restores the usual settings afterwards."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
import requests
import sqlalchemy as sa
from minio import Minio
from minio.error import S3Error

from .helpers import eventually
from .test_documents import jpeg_with_gps, sha256
from .test_identity_helpers import get, post
from .tickets_people import people

RETENTION_DAYS = 0.0005
RETENTION = dt.timedelta(days=RETENTION_DAYS)


@pytest.fixture(scope="module")
def short_retention(platform):
    saved = dict(platform.overrides)
    platform.overrides.update({"DOCUMENTS_RETENTION_DAYS": str(RETENTION_DAYS), "DOCUMENTS_PURGE_INTERVAL": "1"})
    try:
        platform.stop("documents")
        platform.migrate("documents")
        platform.start("documents")
        platform.wait_ready("documents")
        yield
    finally:
        platform.overrides.clear()
        platform.overrides.update(saved)
        platform.stop("documents")
        platform.start("documents")
        platform.wait_ready("documents")


@pytest.fixture(scope="module")
def crew(platform, infra_backend):
    return people(platform, infra_backend, {"owner": None, "stranger": None, "clerk": ("staff", {"office": "tetouan"})})


@pytest.fixture(scope="module")
def documents_db(infra):
    engine = sa.create_engine(infra.database_url("documents"), poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def s3(infra) -> Minio:
    return Minio(
        infra.s3_endpoint.split("://", 1)[1],
        access_key=infra.s3_access_key,
        secret_key=infra.s3_secret_key,
        secure=False,
        region=infra.s3_region,
    )


def present(s3: Minio, bucket: str, key: str) -> bool:
    try:
        s3.stat_object(bucket, key)
    except S3Error as exc:
        if exc.code in ("NoSuchKey", "NoSuchObject"):
            return False
        raise
    return True


def one(engine, query: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(query), params).mappings().first()


def filed_with_photo(platform, owner, documents_db) -> tuple[str, dict]:
    """A signed-in citizen's complaint with a photo; returns (ticket id, attachment row) once
    documents has tied the attachment to the ticket."""
    photo = jpeg_with_gps(uuid.uuid4().hex)
    r = requests.post(
        f"{platform.base_url}/api/v1/tickets",
        data={
            "office": "tetouan",
            "kind": "complaint",
            "category": "lighting",
            "language": "fr",
            "description": f"Poteau tombé sur le trottoir {uuid.uuid4().hex[:6]}",
        },
        files={"photo": ("p.jpg", photo, "image/jpeg")},
        headers={"Authorization": f"Bearer {owner.token}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    ticket_id = r.json()["ticket_id"]
    row = eventually(
        lambda: one(
            documents_db,
            "select * from attachments where received_sha256 = :s and ticket_id = :t",
            s=sha256(photo),
            t=ticket_id,
        ),
        timeout=60,
        what="the attachment tied to its ticket",
    )
    return ticket_id, dict(row)


def walk(platform, clerk, ticket_id: str, *steps: dict) -> None:
    for step in steps:
        r = post(platform, f"/api/v1/staff/tickets/{ticket_id}/transitions", step, clerk.token)
        assert r.status_code == 200, (step, r.text)


TO_CLOSED = (
    {"action": "acknowledge"},
    {"action": "start"},
    {"action": "answer", "answer": "Le poteau a été relevé.", "outcome": "positive"},
    {"action": "close"},
)


def download(platform, attachment_id: str, person) -> requests.Response:
    return get(platform, f"/api/v1/attachments/{attachment_id}/download", person.token)


def test_a_closed_tickets_attachments_are_purged_after_the_retention_period(
    platform, infra, short_retention, crew, documents_db, s3
):
    ticket_id, row = filed_with_photo(platform, crew["owner"], documents_db)
    assert present(s3, infra.s3_bucket, row["object_key"]) and present(s3, infra.s3_bucket, row["thumbnail_key"])
    walk(platform, crew["clerk"], ticket_id, *TO_CLOSED)
    closure = eventually(
        lambda: one(documents_db, "select * from ticket_closures where ticket_id = :t", t=ticket_id),
        timeout=60,
        what="the closure seen by documents",
    )
    assert closure["state"] in ("scheduled", "purging", "purged")

    eventually(
        lambda: not present(s3, infra.s3_bucket, row["object_key"]), timeout=120, what="the file purged from the bucket"
    )
    assert not present(s3, infra.s3_bucket, row["thumbnail_key"])
    purged = eventually(
        lambda: one(
            documents_db, "select * from ticket_closures where ticket_id = :t and state = 'purged'", t=ticket_id
        ),
        timeout=60,
        what="purged",
    )
    assert purged["purged_at"] - purged["closed_at"] >= RETENTION
    tombstone = one(documents_db, "select * from attachments where attachment_id = :a", a=row["attachment_id"])
    assert tombstone is not None and tombstone["purged_at"] is not None

    for who in ("owner", "clerk"):
        r = download(platform, row["attachment_id"], crew[who])
        assert r.status_code == 409, (who, r.text)
        assert r.headers["Content-Type"].startswith("application/problem+json")
        assert r.json()["reason"] == "ATTACHMENT_PURGED" and "url" not in r.json(), r.text
    # someone else still learns nothing about the attachment
    assert download(platform, row["attachment_id"], crew["stranger"]).json()["reason"] == "ATTACHMENT_FORBIDDEN"


def test_a_ticket_reopened_before_the_purge_keeps_its_attachments(
    platform, infra, short_retention, crew, documents_db, s3
):
    ticket_id, row = filed_with_photo(platform, crew["owner"], documents_db)
    walk(platform, crew["clerk"], ticket_id, *TO_CLOSED, {"action": "reopen", "reason": "Le poteau est retombé."})
    closure = eventually(
        lambda: one(
            documents_db, "select * from ticket_closures where ticket_id = :t and state = 'cancelled'", t=ticket_id
        ),
        timeout=60,
        what="the purge cancelled by the reopening",
    )
    # Past the retention period and a few purge runs: the files are still there.
    wait = closure["closed_at"] + RETENTION + dt.timedelta(seconds=5) - dt.datetime.now(dt.timezone.utc)
    time.sleep(max(wait.total_seconds(), 0))
    assert present(s3, infra.s3_bucket, row["object_key"]) and present(s3, infra.s3_bucket, row["thumbnail_key"])
    r = download(platform, row["attachment_id"], crew["owner"])
    assert r.status_code == 200, r.text
    assert requests.get(r.json()["url"], timeout=10).status_code == 200
