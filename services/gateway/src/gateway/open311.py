"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2): the catalogue as services, tickets as
service requests, in JSON and XML, with the specification's error bodies.

Plain Python over protobuf messages: what the routes (rooms/open311.py) fetch goes in, the
specification's documents come out. The jurisdiction is the commune; a service is an entry of
its office's catalogue; a service request is a complaint, an observation or a suggestion.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from xml.etree import ElementTree

from werkzeug.wrappers import Response

from cokit import request_types
from cokit.errors import invalid_argument

FORMATS = ("json", "xml")


def offered_kinds() -> dict[str, int]:
    """The request types GeoReport fits, by name, with their TicketKind values: reports anyone may
    make about the public space (the definitions' `open311`). Information requests and petitions
    identify their author by law and stay out of it."""
    return {t.name: t.wire for t in request_types.all_types() if t.open311}


def offered_kind(value: int) -> str:
    """The offered request type of a TicketKind value; "" for any other."""
    found = request_types.by_wire(value)
    return found.name if found and found.open311 else ""


# Every status of every workflow (tickets/workflow.py), as GeoReport's open or closed: closed
# once the office has given its decision or the request is over.
OPEN, CLOSED = "open", "closed"
STATUSES = {
    "submitted": OPEN,
    "acknowledged": OPEN,
    "in_progress": OPEN,
    "reopened": OPEN,
    "under_study": OPEN,
    "received": OPEN,
    "extended": OPEN,
    "appealed": OPEN,
    "waiting_for_citizen": OPEN,
    "filed": OPEN,
    "collecting_signatures": OPEN,
    "admissibility_check": OPEN,
    "answered": CLOSED,
    "closed": CLOSED,
    "accepted": CLOSED,
    "declined": CLOSED,
    "completed": CLOSED,
    "rejected": CLOSED,
    "partially_answered": CLOSED,
    "refused": CLOSED,
    "implicitly_refused": CLOSED,
    "appeal_answered": CLOSED,
}
STATUS_NOTES = {
    "submitted": "Received; waiting for the office's acknowledgement.",
    "acknowledged": "Acknowledged by the office.",
    "in_progress": "The office is working on it.",
    "reopened": "Reopened after the answer.",
    "under_study": "The suggestion is being studied.",
    "answered": "The office has answered.",
    "closed": "Closed.",
    "accepted": "The suggestion was accepted.",
    "declined": "The suggestion was declined.",
}
DEFAULT_DAYS = 90
MAX_DAYS = 90
MAX_REQUESTS = 1000
LANGUAGES = ("fr", "ar", "en")

# Characters XML 1.0 cannot carry, even escaped; user text could hold them.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# How a list's items are named in the specification's XML.
_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# The documents that are one object rather than a list.
_SINGLE = ("service_definition", "discovery")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this implementation of the endpoint last changed (discovery's changeset).
CHANGESET = "2026-11-25T00:00:00Z"


def open_or_closed(status: str) -> str:
    return CLOSED if status in request_types.closed_statuses() else OPEN


def statuses_for(values: str) -> list[str]:
    """Our statuses behind GeoReport's status filter (open, closed, or both comma-separated)."""
    wanted = {v.strip().lower() for v in values.split(",") if v.strip()}
    if not wanted <= {OPEN, CLOSED}:
        raise invalid_argument("STATUS_INVALID", "status is open, closed or both comma-separated", field="status")
    if wanted in (set(), {OPEN, CLOSED}):
        return []
    statuses = {s for t in request_types.all_types() for s in t.machine.statuses()}
    return sorted(s for s in statuses if open_or_closed(s) in wanted)


# --- dates ---------------------------------------------------------------------------------------


def parse_w3c(value: str, field: str) -> dt.datetime:
    """A W3C date-time (2026-11-25T10:00:00Z, ...+01:00) or date (2026-11-25) as an aware UTC time.
    A time without a zone is read as UTC."""
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.timezone.utc)
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?", text):
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            raise ValueError(text)
    except ValueError:
        raise invalid_argument(
            "DATE_INVALID", f"{field} is a W3C date-time such as 2026-11-25T10:00:00Z", field=field
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def period(start_date: str, end_date: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a request list: the last 90 days unless said, never more than 90 days."""
    start = parse_w3c(start_date, "start_date") if start_date else None
    end = parse_w3c(end_date, "end_date") if end_date else None
    try:
        if start is None and end is None:
            end = now
        if start is None:
            start = end - dt.timedelta(days=DEFAULT_DAYS)
        if end is None:
            end = start + dt.timedelta(days=DEFAULT_DAYS)
    except OverflowError:
        raise invalid_argument("PERIOD_INVALID", "the period falls outside the calendar", field="start_date") from None
    if end <= start:
        raise invalid_argument("PERIOD_INVALID", "end_date comes after start_date", field="end_date")
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise invalid_argument("PERIOD_TOO_LONG", f"a search spans at most {MAX_DAYS} days", field="start_date")
    return start, end


def w3c(ts) -> str | None:
    """A protobuf Timestamp as GeoReport's date-time, in UTC."""
    if not ts.seconds and not ts.nanos:
        return None
    return ts.ToDatetime().replace(microsecond=0).isoformat() + "Z"


# --- services ------------------------------------------------------------------------------------


def offered(entry) -> bool:
    return entry.active and entry.request_type in offered_kinds()


def name_of(named, language: str, fallback: str = "") -> str:
    """A catalogue entry's or an office's name in the language asked, else in another one."""
    names = {"fr": named.name.fr, "ar": named.name.ar, "en": named.name.en}
    return names.get(language) or named.name.fr or named.name.ar or named.name.en or fallback


def language_of(accept_language: str) -> str:
    """The first of fr, ar, en an Accept-Language header asks for; French otherwise."""
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return "fr"


def _deadline(entry) -> str:
    """The answer deadline tickets puts on the receipt of a request of this service."""
    rule = request_types.get(entry.request_type).deadline.applied(entry.deadline_count, entry.deadline_unit)
    return f"answer within {rule}"


def _notes(entry) -> list[tuple[str, str, bool]]:
    """What the catalogue asks or says beyond GeoReport's own fields: (code, text, required)."""
    notes = []
    if entry.requires_location:
        notes.append(("location", "Give the place: lat and long, or address_string.", True))
    if entry.requires_attachments:
        notes.append(("media", "Give a photo or document: media_url.", True))
    if not entry.anonymous_allowed:
        notes.append(("contact", "Give the reporter's email or phone: this service takes no anonymous requests.", True))
    if entry.publicity == "private":
        notes.append(
            ("private", "Requests of this service are never published: lists show no text, place or photo.", False)
        )
    notes.append(
        ("deadline", f"The office will {_deadline(entry)} of receipt: the request's expected_datetime.", False)
    )
    return notes


def service_json(entry, language: str) -> dict:
    return {
        "service_code": entry.code,
        "service_name": name_of(entry, language, entry.code),
        "description": "; ".join(p for p in (entry.department, _deadline(entry), entry.legal_basis) if p),
        "metadata": bool(_notes(entry)),
        "type": "realtime",
        "keywords": ",".join(k for k in (entry.request_type, entry.category) if k),
        "group": entry.category,
    }


def definition_json(entry) -> dict:
    """The service definition: what the catalogue asks for beyond GeoReport's own fields, as
    informational (variable=false) attributes, since lat/long, address_string, media_url, email
    and phone are already request fields."""
    return {
        "service_code": entry.code,
        "attributes": [
            {
                "variable": False,
                "code": code,
                "datatype": "string",
                "required": required,
                "datatype_description": text,
                "order": order,
                "description": text,
            }
            for order, (code, text, required) in enumerate(_notes(entry), start=1)
        ],
    }


# --- service requests ----------------------------------------------------------------------------


def entry_for(item, entries):
    """The catalogue entry a ticket was filed under: its request type and category."""
    kind = offered_kind(item.kind)
    for entry in entries:
        if entry.request_type == kind and entry.category == item.category:
            return entry
    return None


def request_json(item, entry, office_name: str, language: str) -> dict:
    """One service request as a public list shows it: tickets already left out the text, place and
    photo of requests that are not public, and the text hidden by moderation."""
    shown = item.HasField("location")
    latitude = item.location.latitude if shown and item.location.latitude == item.location.latitude else None
    longitude = item.location.longitude if shown and item.location.longitude == item.location.longitude else None
    department = item.department or (entry.department if entry else "")
    return {
        "service_request_id": item.ticket_id,
        "status": open_or_closed(item.status),
        "status_notes": STATUS_NOTES.get(item.status, item.status.replace("_", " ").capitalize() + "."),
        "service_name": name_of(entry, language, entry.code) if entry else item.category,
        "service_code": entry.code if entry else item.category,
        "description": item.description or None,
        "agency_responsible": " - ".join(p for p in (office_name, department) if p) or None,
        "service_notice": None,
        "requested_datetime": w3c(item.submitted_at),
        "updated_datetime": w3c(item.updated_at),
        "expected_datetime": w3c(item.answer_by),
        "address": (item.location.address or None) if shown else None,
        "address_id": None,
        "zipcode": None,
        "lat": latitude,
        "long": longitude,
        "media_url": item.media_url or None,
    }


def discovery_json(base_url: str) -> dict:
    """Service discovery (wiki.open311.org/Service_discovery): where the GeoReport v2 endpoint is."""
    base = base_url.rstrip("/")
    return {
        "changeset": CHANGESET,
        "contact": f"The Citizen Office of each commune; the offices: {base}/api/v1/offices",
        "key_service": "API keys (role open311_client, bound to one office) are issued by the commune's or the "
        f"national administrators at {base}/api/v1/api-keys",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base}/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def receipt_json(receipt) -> dict:
    notice = (
        f"Tracking code {receipt.tracking_code}. The office acknowledges the request by "
        f"{w3c(receipt.acknowledge_by)} and answers by {w3c(receipt.answer_by)}."
    )
    return {
        "service_request_id": receipt.ticket_id,
        "token": receipt.tracking_code,
        "service_notice": notice,
        "account_id": None,
    }


# --- documents -----------------------------------------------------------------------------------


def _xml_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _xml_fill(parent, name: str, value) -> None:
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_fill(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _xml_fill(element, _ITEM.get(name, "item"), item)
    else:
        element.text = _xml_text(value)


def xml_document(root: str, items: list) -> bytes:
    """GeoReport's XML: <root><item>...</item>...</root>, a list's items named as the spec does."""
    element = ElementTree.Element(root)
    for item in items:
        _xml_fill(element, _ITEM.get(root, "item"), item)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def document(fmt: str, root: str, items: list, status: int = 200) -> Response:
    """A list of services, requests or errors in the format of the URL's extension. The
    service definition and the discovery are objects the specification does not wrap in a list."""
    if fmt == "xml":
        if root in _SINGLE:
            [item] = items
            element = ElementTree.Element(root)
            for key, value in item.items():
                _xml_fill(element, key, value)
            body = ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)
        else:
            body = xml_document(root, items)
        return Response(body, status=status, mimetype="text/xml", content_type="text/xml; charset=utf-8")
    body = items[0] if root in _SINGLE else items
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def errors(fmt: str, status: int, description: str) -> Response:
    return document(
        fmt if fmt in FORMATS else "json", "errors", [{"code": status, "description": description}], status=status
    )
