"""HTTP input to gRPC requests and gRPC replies to JSON, in one place."""

from __future__ import annotations

import dataclasses
import json

from google.protobuf.timestamp_pb2 import Timestamp

import comessages
from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from citizenoffice.tickets.v1 import tickets_pb2 as tickets_pb
from cokit import request_types
from cokit.errors import invalid_argument

MAX_FILES = 5

# Every request kind and status in each language, from the message catalogue: one table for the
# citizen, staff and public pages, and the words notifications' messages use (a status shown to
# a citizen is named as staff name it).
KIND_LABELS = {lang: comessages.table("kind", lang) for lang in comessages.catalogue().languages}
STATUS_LABELS = {lang: comessages.table("status", lang) for lang in comessages.catalogue().languages}


def kind_key(value: int) -> str:
    """A TicketKind value's request type, the key of its label (`kind.<name>`); a complaint when
    the value is unspecified or unknown to this release."""
    found = request_types.by_wire(value)
    return found.name if found else "complaint"


@dataclasses.dataclass
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclasses.dataclass
class SubmissionForm:
    office: str
    kind: int
    category: str
    description: str
    language: str
    contact: dict | None
    location: tickets_pb.Location | None
    files: list[Upload]
    public: bool | None = None  # None: not said (the category decides)


def _number(values, name: str) -> float | None:
    raw = values.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise invalid_argument("NUMBER_INVALID", f"{name} must be a number", field=name) from None


def public_choice(values) -> bool | None:
    """The requester's choice to make the request public: JSON true/false, a form's "true"/"false"."""
    value = values.get("public")
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid_argument("FIELD_INVALID", "public is true or false", field="public")


def submission_from_form(request) -> SubmissionForm:
    """Read a submission from multipart/form-data, a URL-encoded form or a JSON body."""
    if request.mimetype == "application/json":
        try:
            values = json.loads(request.get_data() or b"{}")
        except ValueError:
            raise invalid_argument("JSON_MALFORMED", "the body is not valid JSON") from None
        if not isinstance(values, dict):
            raise invalid_argument("JSON_MALFORMED", "the body must be a JSON object")
        files = []
    else:
        values = request.form
        files = [
            Upload(f.filename or "upload", f.mimetype or "", f.read())
            for f in request.files.getlist("photo") + request.files.getlist("attachment")
            if f and (f.filename or f.mimetype)
        ]
    if len(files) > MAX_FILES:
        raise invalid_argument("TOO_MANY_ATTACHMENTS", f"at most {MAX_FILES} files", field="photo")
    kind_name = str(values.get("kind") or "complaint")
    public_kinds = request_types.where(public_form=True)
    if kind_name not in public_kinds:
        raise invalid_argument("KIND_UNKNOWN", f"kind must be one of {', '.join(public_kinds)}", field="kind")
    office = str(values.get("office") or values.get("office_id") or "").strip()
    if not office:
        raise invalid_argument("OFFICE_REQUIRED", "choose the office the request is for", field="office")
    email, phone = str(values.get("email") or ""), str(values.get("phone") or "")
    language = str(values.get("language") or "ar")
    contact = None
    if email or phone:
        contact = {"email": email, "phone": phone, "display_name": str(values.get("name") or ""), "language": language}
    latitude, longitude = _number(values, "latitude"), _number(values, "longitude")
    location = None
    if latitude is not None or longitude is not None or values.get("address"):
        location = tickets_pb.Location(
            latitude=latitude if latitude is not None else float("nan"),
            longitude=longitude if longitude is not None else float("nan"),
            address=str(values.get("address") or ""),
        )
    return SubmissionForm(
        office=office,
        kind=request_types.wire(kind_name),
        category=str(values.get("category") or ""),
        description=str(values.get("description") or ""),
        language=language,
        contact=contact,
        location=location,
        files=files,
        public=public_choice(values),
    )


def iso(ts: Timestamp) -> str | None:
    if not ts.seconds and not ts.nanos:
        return None
    return ts.ToDatetime().replace(microsecond=0).isoformat() + "Z"


def receipt_json(receipt) -> dict:
    return {
        "ticket_id": receipt.ticket_id,
        "tracking_code": receipt.tracking_code,
        "status": receipt.status,
        "submitted_at": iso(receipt.submitted_at),
        "acknowledge_by": iso(receipt.acknowledge_by),
        "answer_by": iso(receipt.answer_by),
    }


def status_json(status) -> dict:
    return {
        "ticket_id": status.ticket_id,
        "tracking_code": status.tracking_code,
        "office_id": status.office_id,
        # Any request type (the web form takes the first three only); unspecified reads as a complaint.
        "kind": kind_key(status.kind),
        "category": status.category,
        "status": status.status,
        "submitted_at": iso(status.submitted_at),
        "acknowledge_by": iso(status.acknowledge_by),
        "answer_by": iso(status.answer_by),
        "updated_at": iso(status.updated_at),
        "attachment_count": status.attachment_count,
    }


def office_json(office) -> dict:
    return {
        "office_id": office.office_id,
        "slug": office.slug,
        "commune_code": office.commune_code,
        "name": {
            k: v
            for k, v in (
                ("ar", office.name.ar),
                ("fr", office.name.fr),
                ("zgh", office.name.zgh),
                ("en", office.name.en),
            )
            if v
        },
        "status": office.status,
        "phase": registry_pb.Phase.Name(office.phase).lower(),
        "timezone": office.timezone,
    }
