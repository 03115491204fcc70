"""The documents service: attachments, their bytes in the bucket, metadata here."""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from google.protobuf.timestamp_pb2 import Timestamp

from citizenoffice.documents.v1 import documents_pb2 as pb
from citizenoffice.documents.v1.documents_pb2_grpc import DocumentsServiceStub
from cokit.errors import invalid_argument, not_found, unavailable
from cokit.events.relay import OutboxRelay
from cokit.events.tables import add_event_tables
from cokit.ids import uuid7
from cokit.service import instance_id as current_instance, kit_service, migrator, rpc
from cokit.settings import ServiceSettings
from cokit.storage import Storage, StorageError, object_key

from . import domain, store

grpc = rpc(DocumentsServiceStub)
DOWNLOAD_URL_SECONDS = 300
add_event_tables(store.metadata)
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "documents"
    grpc_port: int = 50054
    metrics_port: int = 9104
    database_url: str = "sqlite:///.local/data/documents.db"
    s3_endpoint: str = "http://127.0.0.1:9000"
    s3_access_key: str = "citizenoffice"
    s3_secret_key: str = "citizenoffice-secret"
    s3_bucket: str = "citizenoffice-attachments"
    s3_region: str = "us-east-1"


def attachment_message(row) -> pb.Attachment:
    stored_at = Timestamp()
    value = row["stored_at"]
    stored_at.FromDatetime(value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc))
    return pb.Attachment(
        attachment_id=row["attachment_id"], office_id=row["office_id"], content_type=row["content_type"],
        size=row["size"], sha256=row["sha256"], object_key=row["object_key"], stored_at=stored_at,
    )


class DocumentsService(kit_service(pb)):
    name = "documents"
    events = OutboxRelay(engine="db")
    storage = Storage()

    @grpc
    def StoreAttachment(self, request, context):
        content_type = domain.check_attachment(request.content, request.declared_content_type)
        attachment_id = uuid7()
        stored_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        instance = current_instance()
        try:
            key = object_key(instance, request.office_id, attachment_id, stored_at)
        except ValueError:
            raise invalid_argument("OFFICE_ID_INVALID", "office_id is not a valid office id", field="office_id") from None
        try:
            put = self.storage.put(key, request.content, content_type)
        except StorageError as exc:
            log.warning("object storage refused an attachment", extra={"error": type(exc).__name__})
            raise unavailable("STORAGE_UNAVAILABLE", "attachments cannot be stored right now; try again") from None
        row = {
            "attachment_id": attachment_id, "instance_id": instance, "office_id": request.office_id,
            "content_type": content_type, "size": put.size, "sha256": put.sha256, "object_key": key,
            "stored_at": stored_at,
        }
        try:
            with self.db.begin() as conn:
                conn.execute(store.attachments.insert().values(**row))
                self.events.add(
                    conn, "document.stored", attachment_id,
                    pb.DocumentStored(attachment_id=attachment_id, office_id=request.office_id,
                                      content_type=content_type, size=put.size, sha256=put.sha256),
                    office_id=request.office_id,
                )
        except Exception:
            # No metadata row, no object: an orphan in the bucket would never be purged.
            self.storage.remove(key)
            raise
        return attachment_message(row)

    @grpc
    def GetAttachment(self, request, context):
        return attachment_message(self._row(request.attachment_id))

    @grpc
    def GetDownloadUrl(self, request, context):
        row = self._row(request.attachment_id)
        expires = Timestamp()
        expires.FromDatetime(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=DOWNLOAD_URL_SECONDS))
        return pb.DownloadUrl(url=self.storage.presigned_get(row["object_key"], DOWNLOAD_URL_SECONDS), expires_at=expires)

    def _row(self, attachment_id: str):
        with self.db.connect() as conn:
            row = store.get_attachment(conn, attachment_id) if attachment_id else None
        if row is None:
            raise not_found("ATTACHMENT_NOT_FOUND", "no such attachment")
        return row


SERVICE = DocumentsService
migrate = migrator(store.metadata)
