"""The documents service: attachments and published documents, their bytes in the bucket,
metadata here.

Small files come over gRPC (unary or streamed); larger ones go straight to the bucket
through presigned PUT URLs (one per part for large PDFs) and are checked at completion:
size, sha256, type by content. Photos are re-encoded without metadata before anything
else can read them. A file refused at any step is removed from the bucket.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging

import os

import eventlet.tpool
import nameko
import sqlalchemy as sa
from nameko.timer import timer

from citizenoffice.documents.v1 import documents_pb2 as pb
from citizenoffice.documents.v1.documents_pb2_grpc import DocumentsServiceStub
from citizenoffice.identity.v1 import identity_pb2  # noqa: F401  (decodes user.erased payloads)
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from citizenoffice.tickets.v1 import tickets_pb2
from cokit.auth import policy
from cokit.auth.offices import office_scope
from cokit.auth.provider import TokenVerifier
from cokit.clients import ServiceClient
from grpc import StatusCode

from cokit.events.consumer import consume
from cokit.events.envelope import occurred_at, topic_for
from cokit.timestamps import to_timestamp
from cokit.errors import DomainError, failed_precondition, invalid_argument, not_found, permission_denied, unavailable
from cokit.events.relay import OutboxRelay
from cokit.refusals import Kind, Refusal
from cokit.events.tables import add_event_tables
from cokit.ids import uuid7
from cokit.service import instance_id as current_instance, kit_service, migrator, rpc
from cokit import platform
from cokit.settings import ServiceSettings, SettingsError
from cokit.storage import Storage, StorageError, object_key

from . import domain, images, multipart, store

grpc = rpc(DocumentsServiceStub)
DOWNLOAD_URL_SECONDS = 300
UPLOAD_URL_SECONDS = 900
# An upload never completed is abandoned after this; its object (if any) is removed.
UPLOAD_ABANDONED_AFTER = dt.timedelta(hours=24)
add_event_tables(store.metadata)
log = logging.getLogger(__name__)
# Retention of closed tickets' attachments: read at import, as the timer's interval must be.
PURGE_INTERVAL = float(os.environ.get("DOCUMENTS_PURGE_INTERVAL", "300") or 300)
PURGE_BATCH = 20
# A purge claimed by a replica that died is taken over after this.
PURGE_CLAIM_STALE = dt.timedelta(minutes=10)


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "documents"
    grpc_port: int = platform.facts("documents").grpc_port
    metrics_port: int = platform.facts("documents").metrics_port
    database_url: str = "sqlite:///.local/data/documents.db"
    s3_endpoint: str = "http://127.0.0.1:9000"
    s3_access_key: str = "citizenoffice"
    s3_secret_key: str = "citizenoffice-secret"
    s3_bucket: str = "citizenoffice-attachments"
    s3_region: str = "us-east-1"
    identity_grpc_target: str = platform.local_target("identity")  # the trust state (JWKS) that verifies callers
    registry_grpc_target: str = platform.local_target("registry")  # the commune of an office, for role bindings
    # Days a closed ticket's attachments are kept before their bytes are purged (fractions
    # allowed: 0.0001 is 8.64 s, for tests); DOCUMENTS_PURGE_INTERVAL: seconds between purge runs.
    documents_retention_days: float = 365.0
    documents_purge_interval: float = 300.0

    def __post_init__(self):
        if self.documents_retention_days < 0:
            raise SettingsError("Settings: DOCUMENTS_RETENTION_DAYS must be 0 or more")
        if self.documents_purge_interval <= 0:
            raise SettingsError("Settings: DOCUMENTS_PURGE_INTERVAL must be above 0")


def _retention_days() -> float:
    return float(nameko.config.get("DOCUMENTS_RETENTION_DAYS", Settings.documents_retention_days))


def attachment_message(row) -> pb.Attachment:
    return pb.Attachment(
        attachment_id=row["attachment_id"],
        office_id=row["office_id"],
        content_type=row["content_type"],
        size=row["size"],
        sha256=row["sha256"],
        object_key=row["object_key"],
        stored_at=to_timestamp(row["stored_at"]),
        received_sha256=row.get("received_sha256") or row["sha256"],
        metadata_stripped=bool(row.get("metadata_stripped")),
        thumbnail_key=row.get("thumbnail_key") or "",
        category=pb.Category.Value(domain.category_name(row.get("category") or "")),
        owner_citizen_id=row.get("owner_citizen_id") or "",
    )


def published_message(row, download_url: str = "") -> pb.PublishedDocument:
    return pb.PublishedDocument(
        document_id=row["document_id"],
        office_id=row["office_id"],
        kind=pb.PublicationKind.Value(row["kind"]),
        title=row["title"],
        summary=row["summary"],
        language=row["language"],
        document_date=row["document_date"].isoformat(),
        published_at=to_timestamp(row["published_at"]),
        content_type=row["content_type"],
        size=row["size"],
        sha256=row["sha256"],
        keywords=json.loads(row["keywords"]),
        download_url=download_url,
    )


def _key(instance: str, office_id: str, object_id: str, when: dt.datetime) -> str:
    try:
        return object_key(instance, office_id, object_id, when)
    except ValueError:
        raise invalid_argument("OFFICE_ID_INVALID", "office_id is not a valid office id", field="office_id") from None


def _storage_down(exc: StorageError) -> DomainError:
    log.warning("object storage failed", extra={"error": type(exc).__name__})
    return unavailable("STORAGE_UNAVAILABLE", "attachments cannot be stored right now; try again")


class DocumentsService(kit_service(pb)):
    name = "documents"
    events = OutboxRelay(engine="db")
    storage = Storage()
    # The caller of every call: the access token on its metadata, verified here (cached JWKS).
    auth = TokenVerifier()
    registry = ServiceClient("registry", RegistryServiceStub)

    def _owner(self, asked: str) -> str:
        """A signed-in person's file is theirs, whatever the message says; without a token the
        owner named by the caller (the gateway, for a contact without an account)."""
        caller = self.auth.from_context()
        if caller.kind == "user" and caller.subject:
            return caller.subject
        return asked

    # --- small files over gRPC ------------------------------------------------------------

    def _signed_in(self, action: str) -> policy.Caller:
        """A bare call is refused before the lookup; the office's own check follows once the
        object is known."""
        caller = self.auth.from_context()
        if not caller.authenticated:
            policy.require(caller, action, policy.Scope(current_instance()))
        return caller

    @grpc
    def StoreAttachment(self, request, context):
        self.auth.require("attachment.upload")
        return self._store_small(request, request.content)

    @grpc
    def StreamAttachment(self, request, context):
        self.auth.require("attachment.upload")
        header, chunks, size = None, [], 0
        for chunk in request:
            if header is None:
                header = chunk.header
            size += len(chunk.data)
            if size > domain.MAX_SMALL_UPLOAD:
                # Stop reading at once: the rest of the stream is never buffered.
                domain.check_attachment(b"\0" * (domain.MAX_SMALL_UPLOAD + 1), "")
            chunks.append(chunk.data)
        if header is None:
            raise invalid_argument("STREAM_EMPTY", "the stream carried no header")
        return self._store_small(header, b"".join(chunks))

    def _store_small(self, header, content: bytes) -> pb.Attachment:
        category = pb.Category.Name(header.category)
        content_type = domain.check_attachment(content, header.declared_content_type, category)
        received_sha256 = hashlib.sha256(content).hexdigest()
        stored, thumb = self._sanitized(content, content_type)
        attachment_id = uuid7()
        stored_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        key = _key(current_instance(), header.office_id, attachment_id, stored_at)
        try:
            put = self.storage.put(key, stored, content_type)
            thumb_key = self._put_thumbnail(key, thumb)
        except StorageError as exc:
            self._remove_quietly(key, f"{key}.thumb")
            raise _storage_down(exc) from None
        return self._record(
            attachment_id=attachment_id,
            office_id=header.office_id,
            owner=self._owner(header.owner_citizen_id),
            category=domain.category_name(category),
            content_type=content_type,
            size=put.size,
            sha256=put.sha256,
            received_sha256=received_sha256,
            stripped=content_type in domain.IMAGE_TYPES,
            key=key,
            thumb_key=thumb_key,
            stored_at=stored_at,
        )

    # --- presigned uploads ----------------------------------------------------------------

    @grpc
    def StartUpload(self, request, context):
        self.auth.require("attachment.upload")
        category = domain.category_name(pb.Category.Name(request.category))
        domain.check_announced_upload(request.size, request.sha256, category)
        upload_id = uuid7()
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        key = _key(current_instance(), request.office_id, upload_id, now)
        parts = domain.part_count(request.size)
        ticket = pb.UploadTicket(
            upload_id=upload_id,
            expires_at=to_timestamp(multipart.expires_at(UPLOAD_URL_SECONDS)),
            max_size=domain.size_limit(category),
        )
        s3_upload_id = None
        try:
            if parts == 1:
                ticket.url = self.storage.presigned_put(key, UPLOAD_URL_SECONDS)
            else:
                s3_upload_id = multipart.create(self.storage, key, "application/octet-stream")
                ticket.part_size = domain.PART_SIZE
                for number in range(1, parts + 1):
                    ticket.parts.add(
                        part_number=number,
                        url=multipart.part_url(self.storage, key, s3_upload_id, number, UPLOAD_URL_SECONDS),
                    )
        except StorageError as exc:
            raise _storage_down(exc) from None
        with self.db.begin() as conn:
            conn.execute(
                store.uploads.insert().values(
                    upload_id=upload_id,
                    instance_id=current_instance(),
                    office_id=request.office_id,
                    owner_citizen_id=self._owner(request.owner_citizen_id) or None,
                    category=category,
                    declared_content_type=request.declared_content_type[:128],
                    size=request.size,
                    sha256=request.sha256,
                    object_key=key,
                    s3_upload_id=s3_upload_id,
                    state="open",
                    created_at=now,
                    expires_at=now + UPLOAD_ABANDONED_AFTER,
                )
            )
        return ticket

    @grpc
    def CompleteUpload(self, request, context):
        self.auth.require("attachment.upload")
        with self.db.connect() as conn:
            upload = (
                conn.execute(sa.select(store.uploads).where(store.uploads.c.upload_id == request.upload_id))
                .mappings()
                .first()
                if request.upload_id
                else None
            )
        if upload is None:
            raise not_found("UPLOAD_NOT_FOUND", "no such upload")
        if upload["state"] == "completed":
            return attachment_message(self._row(upload["upload_id"]))
        if upload["state"] != "open":
            raise failed_precondition("UPLOAD_CLOSED", "this upload was refused; start a new one")
        key = upload["object_key"]
        try:
            if upload["s3_upload_id"]:
                if not request.parts:
                    raise invalid_argument("PARTS_REQUIRED", "a multipart upload is completed with its parts' etags")
                multipart.complete(
                    self.storage, key, upload["s3_upload_id"], [(p.part_number, p.etag) for p in request.parts]
                )
            return self._verify_upload(upload)
        except Refusal as error:
            if error.reason in ("STORAGE_UNAVAILABLE", "UPLOAD_MISSING", "PARTS_REQUIRED"):
                raise
            self._reject(upload, error.reason)
            raise
        except StorageError as exc:
            raise _storage_down(exc) from None

    def _verify_upload(self, upload) -> pb.Attachment:
        key, category = upload["object_key"], upload["category"]
        try:
            info = self.storage.stat(key)
        except StorageError as exc:
            if type(exc).__name__ == "ObjectNotFound":
                raise failed_precondition("UPLOAD_MISSING", "nothing was uploaded to the URL yet") from None
            raise
        # The size is checked before a byte is read: an oversize object is never downloaded.
        domain.check_size(info.size, category)
        domain.check_received(upload["size"], upload["sha256"], info.size, upload["sha256"])
        digest, head, content = hashlib.sha256(), b"", []
        keep = info.size <= domain.MAX_SMALL_UPLOAD
        for chunk in self.storage.iter_chunks(key):
            if len(head) < 16:
                head += chunk[:16]
            digest.update(chunk)
            if keep:
                content.append(chunk)
        domain.check_received(upload["size"], upload["sha256"], info.size, digest.hexdigest())
        content_type = domain.check_content(head, info.size, upload["declared_content_type"], category)
        size, sha256, thumb_key, stripped = info.size, upload["sha256"], None, False
        if content_type in domain.IMAGE_TYPES:
            # Photos are within the small limit of every category that accepts them.
            stored, thumb = self._sanitized(b"".join(content), content_type)
            put = self.storage.put(key, stored, content_type)
            size, sha256, stripped = put.size, put.sha256, True
            thumb_key = self._put_thumbnail(key, thumb)
        stored_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        with self.db.begin() as conn:
            conn.execute(
                store.uploads.update().where(store.uploads.c.upload_id == upload["upload_id"]).values(state="completed")
            )
            return self._record(
                attachment_id=upload["upload_id"],
                office_id=upload["office_id"],
                owner=upload["owner_citizen_id"],
                category=category,
                content_type=content_type,
                size=size,
                sha256=sha256,
                received_sha256=upload["sha256"],
                stripped=stripped,
                key=key,
                thumb_key=thumb_key,
                stored_at=stored_at,
                conn=conn,
            )

    def _reject(self, upload, reason: str) -> None:
        key = upload["object_key"]
        if upload["s3_upload_id"]:
            try:
                multipart.abort(self.storage, key, upload["s3_upload_id"])
            except StorageError:
                pass  # already completed, or gone: the object removal below covers both
        self._remove_quietly(key, f"{key}.thumb")
        with self.db.begin() as conn:
            conn.execute(
                store.uploads.update().where(store.uploads.c.upload_id == upload["upload_id"]).values(state="rejected")
            )
            self.events.add(
                conn,
                "document.rejected",
                upload["upload_id"],
                pb.DocumentRejected(upload_id=upload["upload_id"], office_id=upload["office_id"], reason=reason),
                office_id=upload["office_id"],
            )
        log.info("upload refused", extra={"upload_id": upload["upload_id"], "reason": reason})

    @timer(interval=600)
    def remove_abandoned_uploads(self):
        now = dt.datetime.now(dt.timezone.utc)
        with self.db.connect() as conn:
            rows = (
                conn.execute(
                    sa.select(store.uploads)
                    .where(store.uploads.c.state == "open", store.uploads.c.expires_at < now)
                    .limit(100)
                )
                .mappings()
                .all()
            )
        for upload in rows:
            self._reject(upload, "UPLOAD_ABANDONED")

    # --- shared steps ---------------------------------------------------------------------

    def _sanitized(self, content: bytes, content_type: str) -> tuple[bytes, bytes | None]:
        if content_type not in domain.IMAGE_TYPES:
            return content, None
        # Decoding and encoding run in C for tens of milliseconds: off the event loop.
        return eventlet.tpool.execute(
            lambda: (images.sanitize(content, content_type), images.thumbnail(content, content_type))
        )

    def _put_thumbnail(self, key: str, thumb: bytes | None) -> str | None:
        if thumb is None:
            return None
        self.storage.put(f"{key}.thumb", thumb, "image/jpeg")
        return f"{key}.thumb"

    def _remove_quietly(self, *keys: str) -> None:
        for key in keys:
            try:
                self.storage.remove(key)
            except StorageError:
                log.warning("an object could not be removed", extra={"object_key": key})

    def _record(
        self,
        *,
        attachment_id,
        office_id,
        owner,
        category,
        content_type,
        size,
        sha256,
        received_sha256,
        stripped,
        key,
        thumb_key,
        stored_at,
        conn=None,
    ) -> pb.Attachment:
        row = {
            "attachment_id": attachment_id,
            "instance_id": current_instance(),
            "office_id": office_id,
            "content_type": content_type,
            "size": size,
            "sha256": sha256,
            "object_key": key,
            "stored_at": stored_at,
            "owner_citizen_id": owner or None,
            "category": category,
            "received_sha256": received_sha256,
            "metadata_stripped": stripped,
            "thumbnail_key": thumb_key,
        }

        def write(c):
            c.execute(store.attachments.insert().values(**row))
            self.events.add(
                c,
                "document.stored",
                attachment_id,
                pb.DocumentStored(
                    attachment_id=attachment_id,
                    office_id=office_id,
                    content_type=content_type,
                    size=size,
                    sha256=sha256,
                ),
                office_id=office_id,
            )

        try:
            if conn is not None:
                write(conn)
            else:
                with self.db.begin() as c:
                    write(c)
        except Exception:
            # No metadata row, no object: an orphan in the bucket would never be purged.
            self._remove_quietly(key, *([thumb_key] if thumb_key else []))
            raise
        return attachment_message(row)

    # --- reading --------------------------------------------------------------------------

    @grpc
    def GetAttachment(self, request, context):
        return attachment_message(self._row(request.attachment_id))

    @grpc
    def GetDownloadUrl(self, request, context):
        row = self._row(request.attachment_id)
        self._authorize_read(row)
        if row["purged_at"] is not None:
            raise failed_precondition(
                "ATTACHMENT_PURGED",
                "this attachment's file was deleted at the end of its retention period",
                purged_at=row["purged_at"].isoformat(),
            )
        expires = to_timestamp(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=DOWNLOAD_URL_SECONDS))
        thumb = row["thumbnail_key"]
        return pb.DownloadUrl(
            url=self.storage.presigned_get(row["object_key"], DOWNLOAD_URL_SECONDS),
            expires_at=expires,
            thumbnail_url=self.storage.presigned_get(thumb, DOWNLOAD_URL_SECONDS) if thumb else "",
        )

    def _authorize_read(self, row) -> None:
        """The owner citizen, or a reader whose role binding covers the attachment's office."""
        caller = self.auth.from_context()
        owner = row["owner_citizen_id"] or ""
        target = policy.Scope(row["instance_id"], "", row["office_id"])
        decision = policy.decide(caller, "attachment.read", target, owner=owner)
        if not decision.allowed and caller.bindings and decision.reason == "NOT_ALLOWED":
            # Commune bindings need the office's commune: asked only of callers with roles.
            target = office_scope(self.registry, row["office_id"], row["instance_id"])
            decision = policy.decide(caller, "attachment.read", target, owner=owner)
        if decision.allowed:
            return
        if decision.reason == "AUTHENTICATION_REQUIRED":
            raise DomainError(StatusCode.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED", "sign in to read attachments")
        # The same answer whether the attachment is someone else's or outside the caller's offices.
        raise permission_denied("ATTACHMENT_FORBIDDEN", "you may not read this attachment")

    def _row(self, attachment_id: str):
        with self.db.connect() as conn:
            row = store.get_attachment(conn, attachment_id) if attachment_id else None
        if row is None:
            raise not_found("ATTACHMENT_NOT_FOUND", "no such attachment")
        return dict(row)

    # --- proactive publication ------------------------------------------------------------

    @grpc
    def Publish(self, request, context):
        self._signed_in("document.publish")
        kind = pb.PublicationKind.Name(request.kind)
        document_date = domain.check_publication(kind, request.title, request.language, request.document_date)
        attachment = self._row(request.attachment_id)
        if attachment["office_id"] != request.office_id:
            raise not_found("ATTACHMENT_NOT_FOUND", "no such attachment in this office")
        caller = self.auth.from_context()
        try:
            policy.require(
                caller, "document.publish", office_scope(self.registry, request.office_id, current_instance())
            )
        except Refusal as error:
            if error.kind is Kind.UNAUTHENTICATED:
                raise
            raise permission_denied("PUBLICATION_FORBIDDEN", "only the office's staff publish its documents") from None
        keywords = [k.strip() for k in request.keywords if k.strip()][:20]
        row = {
            "document_id": uuid7(),
            "instance_id": current_instance(),
            "office_id": request.office_id,
            "kind": kind,
            "title": request.title.strip(),
            "summary": request.summary.strip(),
            "language": request.language,
            "document_date": document_date,
            "published_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
            "keywords": json.dumps(keywords, ensure_ascii=False),
            "search_text": domain.search_text(request.title, request.summary, keywords),
            "content_type": attachment["content_type"],
            "size": attachment["size"],
            "sha256": attachment["sha256"],
            "object_key": attachment["object_key"],
        }
        with self.db.begin() as conn:
            conn.execute(store.published.insert().values(**row))
            self.events.add(
                conn,
                "document.published",
                row["document_id"],
                pb.DocumentPublished(
                    document_id=row["document_id"],
                    office_id=row["office_id"],
                    kind=request.kind,
                    title=row["title"],
                    language=row["language"],
                ),
                office_id=request.office_id,
            )
        return published_message(row)

    @grpc
    def ListPublished(self, request, context):
        if not request.office_id:
            raise invalid_argument("OFFICE_ID_REQUIRED", "a library is one office's", field="office_id")
        size = request.page_size if 0 < request.page_size <= 100 else 20
        try:
            offset = int(request.page_token or 0)
        except ValueError:
            raise invalid_argument("PAGE_TOKEN_INVALID", "page_token is not one this service gave") from None
        t = store.published
        query = sa.select(t).where(t.c.office_id == request.office_id)
        if request.kind:
            query = query.where(t.c.kind == pb.PublicationKind.Name(request.kind))
        if request.language:
            query = query.where(t.c.language == request.language)
        if request.from_date:
            query = query.where(t.c.document_date >= domain.parse_date(request.from_date, "from_date"))
        if request.to_date:
            query = query.where(t.c.document_date <= domain.parse_date(request.to_date, "to_date"))
        for word in domain.search_words(request.query):
            query = query.where(t.c.search_text.contains(word, autoescape=True))
        query = query.order_by(t.c.document_date.desc(), t.c.published_at.desc(), t.c.document_id)
        with self.db.connect() as conn:
            rows = conn.execute(query.offset(offset).limit(size + 1)).mappings().all()
        documents = [
            published_message(r, self.storage.presigned_get(r["object_key"], DOWNLOAD_URL_SECONDS)) for r in rows[:size]
        ]
        return pb.ListPublishedResponse(
            documents=documents, next_page_token=str(offset + size) if len(rows) > size else ""
        )

    @grpc
    def GetPublished(self, request, context):
        with self.db.connect() as conn:
            row = (
                conn.execute(sa.select(store.published).where(store.published.c.document_id == request.document_id))
                .mappings()
                .first()
            )
        if row is None:
            raise not_found("DOCUMENT_NOT_FOUND", "no such published document")
        return published_message(row, self.storage.presigned_get(row["object_key"], DOWNLOAD_URL_SECONDS))

    @grpc
    def ExportPublished(self, request, context):
        if request.format not in ("csv", "json"):
            raise invalid_argument("FORMAT_UNSUPPORTED", "format is csv or json", field="format")
        t = store.published
        with self.db.connect() as conn:
            rows = (
                conn.execute(
                    sa.select(t)
                    .where(t.c.office_id == request.office_id)
                    .order_by(t.c.document_date.desc(), t.c.document_id)
                )
                .mappings()
                .all()
            )
        records = [domain.export_record(r) for r in rows]
        if request.format == "json":
            body = json.dumps({"office_id": request.office_id, "documents": records}, ensure_ascii=False, indent=1)
            return pb.ExportPublishedResponse(content_type="application/json", content=body.encode())
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=domain.EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(records)
        # The byte-order mark makes spreadsheet programs read the Arabic titles as UTF-8.
        return pb.ExportPublishedResponse(
            content_type="text/csv; charset=utf-8", content=("\ufeff" + out.getvalue()).encode()
        )

    # --- export and erasure (Law 09-08) -----------------------------------------------------

    @grpc
    def ExportCitizenData(self, request, context):
        """The caller's own attachments: what is kept about each, and a short-lived link to its
        bytes (none once purged)."""
        citizen_id = policy.own_data_subject(self.auth.from_context(), request.citizen_id)
        t = store.attachments
        with self.db.connect() as conn:
            rows = (
                conn.execute(sa.select(t).where(t.c.owner_citizen_id == citizen_id).order_by(t.c.stored_at))
                .mappings()
                .all()
            )
        data = {
            "attachments": [
                dict(
                    domain.export_attachment(r),
                    download_url=None
                    if r["purged_at"] is not None
                    else self.storage.presigned_get(r["object_key"], DOWNLOAD_URL_SECONDS),
                )
                for r in rows
            ]
        }
        return pb.ExportCitizenDataReply(json=json.dumps(data, ensure_ascii=False))

    @grpc
    def EraseCitizenAttachments(self, request, context):
        self.auth.require("attachment.erase")
        if not request.owner_citizen_id:
            raise invalid_argument("CITIZEN_ID_REQUIRED", "owner_citizen_id is required", field="owner_citizen_id")
        return pb.EraseCitizenAttachmentsResponse(erased=self._erase(request.owner_citizen_id))

    @consume(topic_for("identity"), group="documents", types={"user.erased"})
    def on_identity_event(self, event):
        if event.payload is None or not event.payload.citizen_id:  # only user.erased reaches here (types)
            return
        # Erasing twice finds nothing the second time, so a redelivery is harmless; a
        # storage failure raises, and the consumer retries, then dead-letters the event.
        erased = self._erase(event.payload.citizen_id)
        log.info("citizen's attachments erased", extra={"event_id": event.event_id, "erased": erased})

    def _remove_files(self, row) -> None:
        """The attachment's object and thumbnail (a missing one is no error)."""
        self.storage.remove(row["object_key"])
        if row["thumbnail_key"]:
            self.storage.remove(row["thumbnail_key"])

    def _erase(self, citizen_id: str) -> int:
        t = store.attachments
        with self.db.connect() as conn:
            rows = (
                conn.execute(
                    sa.select(t.c.attachment_id, t.c.object_key, t.c.thumbnail_key).where(
                        t.c.owner_citizen_id == citizen_id
                    )
                )
                .mappings()
                .all()
            )
        erased = 0
        for row in rows:
            try:
                self._remove_files(row)
            except StorageError as exc:
                raise _storage_down(exc) from None
            with self.db.begin() as conn:
                erased += conn.execute(t.delete().where(t.c.attachment_id == row["attachment_id"])).rowcount
        return erased

    # --- retention of closed tickets' attachments -------------------------------------------

    @consume(topic_for("tickets"), group="documents-tickets")
    def on_ticket_event(self, event):
        """Which ticket an attachment belongs to, and when that ticket closes or reopens.
        State and the processed-event marker commit together: a redelivery changes nothing."""
        payload = event.payload
        if payload is None:
            return
        if isinstance(payload, tickets_pb2.TicketSubmitted) or (
            isinstance(payload, tickets_pb2.TicketChanged) and payload.change == "message_posted"
        ):
            change, ids = "attach", list(payload.attachment_ids)
            if not ids:
                return
        elif isinstance(payload, tickets_pb2.TicketTransitioned):
            change, ids = domain.closure_change(payload.from_status, payload.to_status), []
            if not change:
                return
        else:
            return
        occurred = occurred_at(event.envelope)
        with self.db.begin() as conn:
            if not event.mark_processed(conn):
                return
            if change == "attach":
                store.link_to_ticket(conn, payload.ticket_id, ids)
            elif change == "closed":
                store.schedule_purge(conn, payload.ticket_id, occurred)
            else:
                store.cancel_purge(conn, payload.ticket_id)
        log.info("ticket's attachments", extra={"event_id": event.event_id, "change": change})

    @timer(interval=PURGE_INTERVAL)
    def purge_closed_tickets(self):
        """Delete the bytes (file and thumbnail) of attachments of tickets closed longer than the
        retention period; the rows stay, marked purged. Safe with any number of replicas."""
        now = dt.datetime.now(dt.timezone.utc)
        with self.db.begin() as conn:
            claimed = store.claim_purges(
                conn, domain.retention_cutoff(now, _retention_days()), now, now - PURGE_CLAIM_STALE, PURGE_BATCH
            )
        for ticket_id in claimed:
            self._purge_ticket(ticket_id)

    def _purge_ticket(self, ticket_id: str) -> None:
        t, closures = store.attachments, store.ticket_closures
        with self.db.connect() as conn:
            rows = (
                conn.execute(
                    sa.select(t.c.attachment_id, t.c.object_key, t.c.thumbnail_key).where(
                        t.c.ticket_id == ticket_id, t.c.purged_at.is_(None)
                    )
                )
                .mappings()
                .all()
            )
        now = dt.datetime.now(dt.timezone.utc)
        for row in rows:
            try:
                self._remove_files(row)
            except StorageError as exc:
                # Released for the next run; the attachments already purged stay purged.
                log.warning("purge postponed: object storage failed", extra={"error": type(exc).__name__})
                with self.db.begin() as conn:
                    conn.execute(
                        closures.update()
                        .where(closures.c.ticket_id == ticket_id, closures.c.state == "purging")
                        .values(state="scheduled", claimed_at=None)
                    )
                return
            with self.db.begin() as conn:
                conn.execute(
                    t.update()
                    .where(t.c.attachment_id == row["attachment_id"], t.c.purged_at.is_(None))
                    .values(purged_at=now)
                )
        with self.db.begin() as conn:
            conn.execute(
                closures.update()
                .where(closures.c.ticket_id == ticket_id, closures.c.state == "purging")
                .values(state="purged", purged_at=now, claimed_at=None)
            )
        log.info("closed ticket's attachments purged", extra={"ticket_id": ticket_id, "purged": len(rows)})


SERVICE = DocumentsService
migrate = migrator("documents", store.metadata)
