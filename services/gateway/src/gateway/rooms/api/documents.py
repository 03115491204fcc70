"""The REST API of documents: uploads (direct and presigned) and the public library of each
commune with its open-data export.

The caller's bearer token goes on to documents, which verifies it and
decides: a signed-in person's uploads are theirs, and a download URL is given to the owner or
to staff whose role binding covers the attachment's office.
"""

from __future__ import annotations

import json
import re

from werkzeug.wrappers import Response

from citizenoffice.documents.v1 import documents_pb2 as documents_pb
from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from cokit.errors import invalid_argument

from ... import dependencies
from ...caller import forward
from ...entrypoints import api
from ...translate import iso
from .common import json_response


def _body(request) -> dict:
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except ValueError:
        raise invalid_argument("JSON_MALFORMED", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise invalid_argument("JSON_MALFORMED", "the body must be a JSON object")
    return body


def _category(value: str) -> int:
    name = (value or "photo_or_document").upper()
    if name not in documents_pb.Category.keys() or name == "CATEGORY_UNSPECIFIED":
        raise invalid_argument("CATEGORY_UNKNOWN", "category is photo, document or photo_or_document", field="category")
    return documents_pb.Category.Value(name)


def _kind(value: str) -> int:
    if not value:
        return 0
    name = value.upper()
    if name not in documents_pb.PublicationKind.keys():
        raise invalid_argument("PUBLICATION_KIND_UNKNOWN", "unknown kind of publication", field="kind")
    return documents_pb.PublicationKind.Value(name)


def attachment_json(a) -> dict:
    return {
        "attachment_id": a.attachment_id,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "received_sha256": a.received_sha256,
        "metadata_stripped": a.metadata_stripped,
        "has_thumbnail": bool(a.thumbnail_key),
        "stored_at": iso(a.stored_at),
        "category": documents_pb.Category.Name(a.category).lower(),
    }


def published_json(d) -> dict:
    return {
        "document_id": d.document_id,
        "kind": documents_pb.PublicationKind.Name(d.kind).lower(),
        "title": d.title,
        "summary": d.summary,
        "language": d.language,
        "document_date": d.document_date,
        "published_at": iso(d.published_at),
        "content_type": d.content_type,
        "size": d.size,
        "sha256": d.sha256,
        "keywords": list(d.keywords),
        "file": f"/api/v1/library/{d.document_id}/file",
    }


class DocumentsApi:
    identity = dependencies.identity
    registry = dependencies.registry
    documents = dependencies.documents
    auth = dependencies.auth

    def _office_id(self, slug_or_id: str) -> str:
        if not slug_or_id:
            raise invalid_argument("OFFICE_REQUIRED", "say which office", field="office")
        return self.registry.GetOffice(registry_pb.GetOfficeRequest(office_id=slug_or_id)).office_id

    def _uploader(self, request) -> str:
        """A signed-in person's upload is theirs: they may download it and attach it to their messages."""
        caller = self.auth.resolve(request, self.identity)
        return caller.subject if caller.authenticated and caller.kind == "user" else ""

    # --- uploads --------------------------------------------------------------------------

    @api("POST", "/api/v1/attachments")
    def upload_attachment(self, request):
        upload = request.files.get("file")
        if upload is None:
            raise invalid_argument("FILE_REQUIRED", "send the file as multipart field 'file'", field="file")
        stored = self.documents.StoreAttachment(
            documents_pb.StoreAttachmentRequest(
                office_id=self._office_id(request.form.get("office", "")),
                filename=upload.filename or "",
                declared_content_type=upload.content_type or "",
                content=upload.read(),
                category=_category(request.form.get("category", "")),
                owner_citizen_id=self._uploader(request),
            ),
            metadata=forward(request),
        )
        return json_response(attachment_json(stored), status=201)

    @api("POST", "/api/v1/uploads")
    def start_upload(self, request):
        body = _body(request)
        try:
            size = int(body.get("size", 0))
        except (TypeError, ValueError):
            raise invalid_argument("SIZE_REQUIRED", "size is the file's length in bytes", field="size") from None
        ticket = self.documents.StartUpload(
            documents_pb.StartUploadRequest(
                office_id=self._office_id(str(body.get("office", ""))),
                filename=str(body.get("filename", "")),
                declared_content_type=str(body.get("content_type", "")),
                size=size,
                sha256=str(body.get("sha256", "")).lower(),
                category=_category(str(body.get("category", ""))),
                owner_citizen_id=self._uploader(request),
            ),
            metadata=forward(request),
        )
        return json_response(
            {
                "upload_id": ticket.upload_id,
                "method": "PUT",
                "url": ticket.url or None,
                "parts": [{"part_number": p.part_number, "url": p.url} for p in ticket.parts],
                "part_size": ticket.part_size or None,
                "max_size": ticket.max_size,
                "expires_at": iso(ticket.expires_at),
                "complete": f"/api/v1/uploads/{ticket.upload_id}/complete",
            },
            status=201,
        )

    @api("POST", "/api/v1/uploads/<string:upload_id>/complete")
    def complete_upload(self, request, upload_id):
        parts = _body(request).get("parts") or []
        if not isinstance(parts, list) or not all(
            isinstance(p, dict) and type(p.get("part_number", 0)) is int and 0 <= p.get("part_number", 0) <= 10000
            for p in parts
        ):
            raise invalid_argument("PARTS_MALFORMED", "parts is a list of {part_number, etag}", field="parts")
        stored = self.documents.CompleteUpload(
            documents_pb.CompleteUploadRequest(
                upload_id=upload_id,
                parts=[
                    documents_pb.UploadPart(part_number=int(p.get("part_number", 0)), etag=str(p.get("etag", "")))
                    for p in parts
                ],
            )
        )
        return json_response(attachment_json(stored), status=201)

    @api("GET", "/api/v1/attachments/<string:attachment_id>/download")
    def attachment_download(self, request, attachment_id):
        """Short-lived URLs of the file and its thumbnail, for the owner or the office's staff."""
        url = self.documents.GetDownloadUrl(
            documents_pb.GetAttachmentRequest(attachment_id=attachment_id), metadata=forward(request)
        )
        return json_response(
            {"url": url.url, "thumbnail_url": url.thumbnail_url or None, "expires_at": iso(url.expires_at)}
        )

    # --- the public library (Law 31-13) ---------------------------------------------------

    @api("GET", "/api/v1/offices/<string:office>/library")
    def library(self, request, office):
        args = request.args
        reply = self.documents.ListPublished(
            documents_pb.ListPublishedRequest(
                office_id=self._office_id(office),
                kind=_kind(args.get("kind", "")),
                language=args.get("language", ""),
                query=args.get("q", ""),
                from_date=args.get("from", ""),
                to_date=args.get("to", ""),
                page_size=min(int(args["page_size"]), 1000)
                if re.fullmatch(r"[0-9]{1,9}", args.get("page_size", ""))
                else 20,
                page_token=args.get("page_token", ""),
            )
        )
        return json_response(
            {"items": [published_json(d) for d in reply.documents], "next_page_token": reply.next_page_token or None}
        )

    @api("GET", "/api/v1/offices/<string:office>/library/export.<string:fmt>")
    def library_export(self, request, office, fmt):
        reply = self.documents.ExportPublished(
            documents_pb.ExportPublishedRequest(office_id=self._office_id(office), format=fmt)
        )
        response = Response(reply.content, content_type=reply.content_type)
        response.headers["Content-Disposition"] = f'attachment; filename="library-{office}.{fmt}"'
        return response

    @api("GET", "/api/v1/library/<string:document_id>/file")
    def library_file(self, request, document_id):
        document = self.documents.GetPublished(documents_pb.GetPublishedRequest(document_id=document_id))
        # A fresh short-lived URL each time, so links in the open-data export never expire.
        return Response(status=302, headers={"Location": document.download_url})
