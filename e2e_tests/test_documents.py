"""Attachments and published documents on the real servers: uploads through the gateway
(direct and presigned straight to the S3 server), the photo pipeline, refusals that leave
nothing in the bucket, download authorization and the public library."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import uuid

import grpc
import pytest
import requests
import sqlalchemy as sa
from kafka import KafkaProducer
from minio import Minio
from minio.error import S3Error
from PIL import Image

from citizenoffice.documents.v1 import documents_pb2 as pb
from citizenoffice.documents.v1.documents_pb2_grpc import DocumentsServiceStub
from citizenoffice.identity.v1 import identity_pb2
from cokit.events.envelope import build_envelope, encode

from .helpers import eventually
from .tickets_people import people
from .service_callers import through_platform

GPS_IFD = 0x8825
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def jpeg_with_gps(marker: str = "") -> bytes:
    image = Image.new("RGB", (120, 90), (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (35.0, 34.0, 12.5), 3: "W", 4: (5.0, 22.0, 1.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=f"home {marker}".encode())
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def s3(infra) -> Minio:
    return Minio(
        infra.s3_endpoint.split("://", 1)[1],
        access_key=infra.s3_access_key,
        secret_key=infra.s3_secret_key,
        secure=False,
        region=infra.s3_region,
    )


@pytest.fixture(scope="module")
def documents_db(infra):
    engine = sa.create_engine(infra.database_url("documents"), poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def documents(platform):
    with grpc.insecure_channel(platform.grpc_target("documents")) as channel:
        yield DocumentsServiceStub(through_platform(channel, platform))


@pytest.fixture(scope="module")
def office_id(platform) -> str:
    reply = requests.get(f"{platform.base_url}/api/v1/offices", timeout=10).json()
    return next(o["office_id"] for o in reply["items"] if o["slug"] == "tetouan")


def read_object(s3: Minio, bucket: str, key: str) -> bytes:
    response = s3.get_object(bucket, key)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def absent(s3: Minio, bucket: str, key: str) -> bool:
    try:
        s3.stat_object(bucket, key)
    except S3Error as exc:
        return exc.code in ("NoSuchKey", "NoSuchObject")
    return False


def attachment_row(engine, attachment_id: str):
    with engine.connect() as conn:
        return (
            conn.execute(sa.text("select * from attachments where attachment_id = :a"), {"a": attachment_id})
            .mappings()
            .one()
        )


def start_upload(platform, content: bytes, content_type: str, announced_size=None, category="photo_or_document"):
    return requests.post(
        f"{platform.base_url}/api/v1/uploads",
        json={
            "office": "tetouan",
            "filename": "x",
            "content_type": content_type,
            "category": category,
            "size": len(content) if announced_size is None else announced_size,
            "sha256": sha256(content),
        },
        timeout=10,
    )


def complete(platform, upload_id: str, parts=()):
    return requests.post(
        f"{platform.base_url}/api/v1/uploads/{upload_id}/complete", json={"parts": list(parts)}, timeout=60
    )


# --- the photo pipeline -----------------------------------------------------------------


def test_a_photo_with_gps_uploaded_through_the_gateway_is_stored_without_exif(platform, infra, s3, documents_db):
    photo = jpeg_with_gps(uuid.uuid4().hex)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD)  # the fixture does carry a position
    response = requests.post(
        f"{platform.base_url}/api/v1/attachments",
        data={"office": "tetouan"},
        files={"file": ("IMG_2041.jpg", photo, "image/jpeg")},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["metadata_stripped"] and body["content_type"] == "image/jpeg" and body["has_thumbnail"]
    assert body["received_sha256"] == sha256(photo)

    row = attachment_row(documents_db, body["attachment_id"])
    stored = read_object(s3, infra.s3_bucket, row["object_key"])
    assert sha256(stored) == row["sha256"] == body["sha256"] != sha256(photo)
    assert row["size"] == len(stored)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (120, 90)
    assert not image.getexif() and b"Exif" not in stored and b"PhoneMaker" not in stored and b"home" not in stored
    # the key is laid out by instance, office and date
    today = dt.datetime.now(dt.timezone.utc)
    assert row["object_key"].startswith(f"ma/{row['office_id']}/{today:%Y/%m/}")
    thumb = Image.open(io.BytesIO(read_object(s3, infra.s3_bucket, row["thumbnail_key"])))
    assert max(thumb.size) <= 320 and not thumb.getexif()


def test_a_photo_sent_with_a_complaint_is_stripped_too(platform, infra, s3, documents_db):
    photo = jpeg_with_gps(uuid.uuid4().hex)
    response = requests.post(
        f"{platform.base_url}/api/v1/tickets",
        data={
            "office": "tetouan",
            "kind": "complaint",
            "category": "lighting",
            "language": "fr",
            "description": "Lampadaire en panne devant l'école",
        },
        files={"photo": ("p.jpg", photo, "image/jpeg")},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    with documents_db.connect() as conn:
        key = conn.execute(
            sa.text("select object_key from attachments where received_sha256 = :d"), {"d": sha256(photo)}
        ).scalar_one()
    assert b"Exif" not in read_object(s3, infra.s3_bucket, key)


def test_a_pdf_renamed_jpg_is_refused(platform, infra, s3):
    response = requests.post(
        f"{platform.base_url}/api/v1/attachments",
        data={"office": "tetouan"},
        files={"file": ("photo.jpg", PDF, "image/jpeg")},
        timeout=30,
    )
    assert response.status_code == 400, response.text
    assert response.json()["reason"] == "ATTACHMENT_TYPE_MISMATCH"

    # the same through a presigned upload: the object is in the bucket until completion
    started = start_upload(platform, PDF, "image/jpeg", category="photo")
    assert started.status_code == 201, started.text
    ticket = started.json()
    assert requests.put(ticket["url"], data=PDF, timeout=30).status_code == 200
    refused = complete(platform, ticket["upload_id"])
    assert refused.status_code == 400 and refused.json()["reason"] == "ATTACHMENT_TYPE_NOT_ALLOWED"
    key = f"ma/{ticket['url'].split('/ma/', 1)[1].split('?')[0]}"
    assert absent(s3, infra.s3_bucket, key)
    again = complete(platform, ticket["upload_id"])
    assert again.status_code == 409 and again.json()["reason"] == "UPLOAD_CLOSED"


def test_an_oversize_file_is_refused_and_nothing_is_left_in_the_bucket(platform, infra, s3, documents_db):
    big = jpeg_with_gps() + b"\0" * (9 * 1024 * 1024)  # over the 8 MB photo limit
    # announced honestly: refused before any URL is given
    announced = start_upload(platform, big, "image/jpeg", category="photo")
    assert announced.status_code == 400 and announced.json()["reason"] == "ATTACHMENT_TOO_LARGE"

    # announced small, then the large file PUT straight to the bucket
    started = start_upload(platform, big[:1000], "image/jpeg", category="photo")
    assert started.status_code == 201, started.text
    ticket = started.json()
    assert requests.put(ticket["url"], data=big, timeout=60).status_code == 200
    key = f"ma/{ticket['url'].split('/ma/', 1)[1].split('?')[0]}"
    assert not absent(s3, infra.s3_bucket, key)
    refused = complete(platform, ticket["upload_id"])
    assert refused.status_code == 400, refused.text
    assert refused.json()["reason"] == "ATTACHMENT_TOO_LARGE" and refused.json()["detail"]
    assert absent(s3, infra.s3_bucket, key)
    with documents_db.connect() as conn:
        assert (
            conn.execute(
                sa.text("select count(*) from attachments where attachment_id = :a"), {"a": ticket["upload_id"]}
            ).scalar_one()
            == 0
        )

    # sent directly through the gateway
    direct = requests.post(
        f"{platform.base_url}/api/v1/attachments",
        data={"office": "tetouan"},
        files={"file": ("big.jpg", big, "image/jpeg")},
        timeout=60,
    )
    assert direct.status_code == 400 and direct.json()["reason"] == "ATTACHMENT_TOO_LARGE"
    with documents_db.connect() as conn:
        assert (
            conn.execute(
                sa.text("select count(*) from attachments where received_sha256 = :d"), {"d": sha256(big)}
            ).scalar_one()
            == 0
        )


def test_a_presigned_upload_is_checked_against_its_announced_sha256(platform, infra, s3):
    photo = jpeg_with_gps(uuid.uuid4().hex)
    started = start_upload(platform, photo, "image/jpeg", category="photo").json()
    tampered = photo[:-10] + b"\0" * 10
    assert requests.put(started["url"], data=tampered, timeout=30).status_code == 200
    refused = complete(platform, started["upload_id"])
    assert refused.status_code == 400 and refused.json()["reason"] == "UPLOAD_SHA256_MISMATCH"
    assert absent(s3, infra.s3_bucket, f"ma/{started['url'].split('/ma/', 1)[1].split('?')[0]}")


def test_a_presigned_photo_upload_is_stored_without_exif(platform, infra, s3, documents_db):
    photo = jpeg_with_gps(uuid.uuid4().hex)
    ticket = start_upload(platform, photo, "image/jpeg", category="photo").json()
    assert ticket["url"] and not ticket["parts"]
    early = complete(platform, ticket["upload_id"])
    assert early.status_code == 409 and early.json()["reason"] == "UPLOAD_MISSING"
    assert requests.put(ticket["url"], data=photo, timeout=30).status_code == 200
    done = complete(platform, ticket["upload_id"])
    assert done.status_code == 201, done.text
    row = attachment_row(documents_db, ticket["upload_id"])
    stored = read_object(s3, infra.s3_bucket, row["object_key"])
    assert row["received_sha256"] == sha256(photo) and row["sha256"] == sha256(stored)
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_a_large_pdf_goes_up_in_parts(platform, infra, s3, documents_db):
    pdf = PDF + b"%" + (b"0123456789abcdef" * (17 * 1024 * 1024 // 16))
    ticket = start_upload(platform, pdf, "application/pdf", category="document").json()
    assert not ticket["url"] and len(ticket["parts"]) == 3
    size = ticket["part_size"]
    etags = []
    for part in ticket["parts"]:
        n = part["part_number"]
        put = requests.put(part["url"], data=pdf[(n - 1) * size : n * size], timeout=60)
        assert put.status_code == 200, put.text
        etags.append({"part_number": n, "etag": put.headers["ETag"]})
    done = complete(platform, ticket["upload_id"], etags)
    assert done.status_code == 201, done.text
    assert done.json()["sha256"] == sha256(pdf) and done.json()["size"] == len(pdf)
    row = attachment_row(documents_db, ticket["upload_id"])
    assert s3.stat_object(infra.s3_bucket, row["object_key"]).size == len(pdf)


# --- download authorization (through the gateway, real accounts and tokens) --------------


@pytest.fixture(scope="module")
def crew(platform, infra_backend):
    return people(
        platform,
        infra_backend,
        {
            "owner": None,
            "stranger": None,
            "tetouan_clerk": ("staff", {"office": "tetouan"}),
            "martil_clerk": ("staff", {"office": "martil"}),
            "officer": ("information_officer", {"commune_of": "tetouan"}),
        },
    )


def bearer(person) -> dict:
    return {"Authorization": f"Bearer {person.token}"}


def download(platform, attachment_id: str, headers=None) -> requests.Response:
    return requests.get(
        f"{platform.base_url}/api/v1/attachments/{attachment_id}/download", headers=headers or {}, timeout=30
    )


def test_a_user_without_the_right_gets_no_download_url(platform, crew, infra):
    photo = jpeg_with_gps(uuid.uuid4().hex)
    uploaded = requests.post(
        f"{platform.base_url}/api/v1/attachments",
        data={"office": "tetouan"},
        files={"file": ("IMG_1.jpg", photo, "image/jpeg")},
        headers=bearer(crew["owner"]),
        timeout=30,
    )
    assert uploaded.status_code == 201, uploaded.text
    stored = uploaded.json()
    for who, headers, status, reason in [
        ("nobody", {}, 401, "AUTHENTICATION_REQUIRED"),
        ("a forged token", {"Authorization": "Bearer not.a.token"}, 401, "TOKEN_MALFORMED"),
        ("another citizen", bearer(crew["stranger"]), 403, "ATTACHMENT_FORBIDDEN"),
        ("a clerk of another office", bearer(crew["martil_clerk"]), 403, "ATTACHMENT_FORBIDDEN"),
    ]:
        refused = download(platform, stored["attachment_id"], headers)
        assert refused.status_code == status, (who, refused.text)
        assert refused.headers["Content-Type"].startswith("application/problem+json"), who
        assert refused.json()["reason"] == reason, (who, refused.text)
        assert "http" not in refused.json()["detail"] and "url" not in refused.json(), who
    for who in ("owner", "tetouan_clerk", "officer"):
        got = download(platform, stored["attachment_id"], bearer(crew[who]))
        assert got.status_code == 200, (who, got.text)
        body = requests.get(got.json()["url"], timeout=10)
        assert body.status_code == 200 and sha256(body.content) == stored["sha256"], who
        assert requests.get(got.json()["thumbnail_url"], timeout=10).status_code == 200, who
    unknown = download(platform, str(uuid.uuid4()), bearer(crew["owner"]))
    assert unknown.status_code == 404 and unknown.json()["reason"] == "ATTACHMENT_NOT_FOUND"
    # the caller metadata a neighbour could forge is no longer read
    forged = [("x-nameko-caller", json.dumps({"kind": "staff", "id": "x", "offices": [stored["attachment_id"]]}))]
    with grpc.insecure_channel(platform.grpc_target("documents")) as channel:
        with pytest.raises(grpc.RpcError) as err:
            DocumentsServiceStub(channel).GetDownloadUrl(
                pb.GetAttachmentRequest(attachment_id=stored["attachment_id"]), metadata=forged, timeout=10
            )
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    # private attachments are never listable, even knowing the bucket's name
    listing = requests.get(f"{infra.s3_endpoint}/{infra.s3_bucket}?list-type=2", timeout=10)
    assert listing.status_code == 403


def test_a_signed_in_citizens_ticket_photo_is_theirs(platform, crew, documents_db):
    photo = jpeg_with_gps(uuid.uuid4().hex)
    r = requests.post(
        f"{platform.base_url}/api/v1/tickets",
        data={
            "office": "tetouan",
            "kind": "complaint",
            "category": "lighting",
            "language": "fr",
            "description": f"Lampadaire tombé {uuid.uuid4().hex[:6]}",
        },
        files={"photo": ("p.jpg", photo, "image/jpeg")},
        headers=bearer(crew["owner"]),
        timeout=30,
    )
    assert r.status_code == 201, r.text
    with documents_db.connect() as conn:
        owners = (
            conn.execute(
                sa.text("select owner_citizen_id from attachments where received_sha256 = :s"), {"s": sha256(photo)}
            )
            .scalars()
            .all()
        )
    assert owners == [crew["owner"].citizen_id]


# --- proactive publication --------------------------------------------------------------


def test_a_commune_publishes_and_anyone_searches_and_exports_its_library(platform, documents, office_id, crew):
    marker = uuid.uuid4().hex[:10]
    pdf = PDF + marker.encode()
    stored = documents.StoreAttachment(
        pb.StoreAttachmentRequest(
            office_id=office_id, declared_content_type="application/pdf", content=pdf, category=pb.DOCUMENT
        ),
        timeout=30,
    )
    publish = pb.PublishRequest(
        office_id=office_id,
        kind=pb.BUDGET,
        title=f"الميزانية 2026 {marker}",
        summary="ميزانية الجماعة للسنة المالية 2026",
        language="ar",
        document_date="2026-01-15",
        attachment_id=stored.attachment_id,
        keywords=["budget", marker],
    )
    for who, metadata, code in [
        ("nobody", [], grpc.StatusCode.UNAUTHENTICATED),
        ("a citizen", crew["stranger"].metadata, grpc.StatusCode.PERMISSION_DENIED),
        ("a clerk of another office", crew["martil_clerk"].metadata, grpc.StatusCode.PERMISSION_DENIED),
    ]:
        with pytest.raises(grpc.RpcError) as err:
            documents.Publish(publish, metadata=metadata, timeout=10)
        assert err.value.code() == code, who
    published = documents.Publish(publish, metadata=crew["tetouan_clerk"].metadata, timeout=10)

    found = requests.get(
        f"{platform.base_url}/api/v1/offices/tetouan/library",
        params={"q": f"الميزانية {marker}", "kind": "budget", "language": "ar"},
        timeout=10,
    )
    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert [i["document_id"] for i in items] == [published.document_id]
    assert items[0]["document_date"] == "2026-01-15" and items[0]["sha256"] == stored.sha256
    assert (
        requests.get(
            f"{platform.base_url}/api/v1/offices/tetouan/library", params={"q": marker, "kind": "tender"}, timeout=10
        ).json()["items"]
        == []
    )
    file = requests.get(f"{platform.base_url}{items[0]['file']}", timeout=10)
    assert file.status_code == 200 and file.content == pdf

    exported = requests.get(f"{platform.base_url}/api/v1/offices/tetouan/library/export.csv", timeout=10)
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    mine = [r for r in rows if r["document_id"] == published.document_id]
    assert mine and mine[0]["title"] == publish.title and mine[0]["kind"] == "budget"
    exported = requests.get(f"{platform.base_url}/api/v1/offices/tetouan/library/export.json", timeout=10).json()
    assert any(d["document_id"] == published.document_id and d["language"] == "ar" for d in exported["documents"])


def test_an_erased_citizens_attachments_leave_the_bucket(documents, office_id, infra, s3, documents_db):
    owner = str(uuid.uuid4())
    stored = documents.StoreAttachment(
        pb.StoreAttachmentRequest(
            office_id=office_id,
            declared_content_type="image/jpeg",
            content=jpeg_with_gps(owner),
            owner_citizen_id=owner,
        ),
        timeout=30,
    )
    assert not absent(s3, infra.s3_bucket, stored.object_key)
    envelope = build_envelope("user.erased", owner, identity_pb2.UserErased(citizen_id=owner), instance_id="ma")
    producer = KafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    try:
        producer.send("identity.events.v1", key=owner.encode(), value=encode(envelope)).get(timeout=15)
    finally:
        producer.close()

    def gone():
        with documents_db.connect() as conn:
            rows = conn.execute(
                sa.text("select count(*) from attachments where owner_citizen_id = :o"), {"o": owner}
            ).scalar_one()
        return rows == 0 and absent(s3, infra.s3_bucket, stored.object_key)

    eventually(gone, timeout=60, what="the erased citizen's attachment to go")
    assert absent(s3, infra.s3_bucket, stored.thumbnail_key)


def test_a_small_file_streamed_over_grpc_is_checked_like_the_others(documents, office_id, infra, s3):
    photo = jpeg_with_gps(uuid.uuid4().hex)
    header = pb.StoreAttachmentRequest(office_id=office_id, declared_content_type="image/jpeg", category=pb.PHOTO)

    def chunks(data: bytes, size: int = 4096):
        yield pb.AttachmentChunk(header=header, data=data[:size])
        for start in range(size, len(data), size):
            yield pb.AttachmentChunk(data=data[start : start + size])

    stored = documents.StreamAttachment(chunks(photo), timeout=30)
    assert stored.received_sha256 == sha256(photo) and stored.metadata_stripped
    assert b"Exif" not in read_object(s3, infra.s3_bucket, stored.object_key)
    with pytest.raises(grpc.RpcError) as err:
        documents.StreamAttachment(chunks(PDF), timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as err:
        documents.StreamAttachment(chunks(photo + b"\0" * (9 * 1024 * 1024), size=1024 * 1024), timeout=60)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
