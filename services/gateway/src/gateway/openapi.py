"""The OpenAPI 3.1 document of the REST API under /api/v1, served at /api/v1/openapi.json.

Written by hand next to the routes it describes, so a route and its description change in
one review. Every error is an RFC 9457 problem body (problems.py). Routes still missing here
are the ones that are not described yet, not ones that are hidden.
"""

from __future__ import annotations

import copy

from cokit import request_types

from . import open311_openapi

PROBLEM = "application/problem+json"
JSON = "application/json"

_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
_NAME = {
    "type": "object",
    "description": "The name in each language that has one; zgh is written in Tifinagh.",
    "properties": {k: {"type": "string"} for k in ("ar", "fr", "zgh", "en")},
}

SCHEMAS = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details; `reason` is the machine-readable cause.",
        "required": ["type", "title", "status", "detail", "reason"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "reason": {"type": "string", "examples": ["OFFICE_NOT_FOUND", "DESCRIPTION_TOO_SHORT"]},
            "instance": {"type": "string", "description": "urn:request:<request id>, also in X-Request-Id"},
            "field": {"type": "string", "description": "the input field the problem is about"},
            "limit": {"type": "string", "enum": ["ip", "client"], "description": "429: the rate limit reached"},
            "retry_after": {"type": "integer", "minimum": 1, "description": "429: seconds to wait, as Retry-After"},
        },
    },
    "Office": {
        "type": "object",
        "required": ["office_id", "slug", "name", "status", "phase"],
        "properties": {
            "office_id": {"type": "string"},
            "slug": {"type": "string", "examples": ["tetouan"]},
            "commune_code": {"type": "string"},
            "name": _NAME,
            "status": {"type": "string", "examples": ["operational", "being_created"]},
            "phase": {"type": "string", "examples": ["implementation"]},
            "timezone": {"type": "string", "examples": ["Africa/Casablanca"]},
        },
    },
    "OfficeList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Office"}}},
    },
    "Submission": {
        "type": "object",
        "description": "A complaint, observation or suggestion. With an e-mail or a phone the citizen "
        "is told what happens; without, the tracking code is the only way back.",
        "required": ["office", "description"],
        "properties": {
            "office": {"type": "string", "description": "office slug or id", "examples": ["tetouan"]},
            "kind": {"type": "string", "enum": [], "default": "complaint"},  # enum: document()
            "category": {"type": "string", "examples": ["lighting", "roads", "waste", "water", "other"]},
            "description": {"type": "string", "minLength": 1, "maxLength": 5000},
            "name": {"type": "string"},
            "email": {"type": "string"},
            "phone": {"type": "string"},
            "language": {"type": "string", "enum": ["ar", "fr", "en"], "default": "ar"},
            "latitude": {"type": "number", "minimum": -90, "maximum": 90},
            "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            "address": {"type": "string"},
            "public": {
                "type": "boolean",
                "description": "make the request public (text and place shown, never "
                "who asked) where its category lets the requester choose; "
                "absent: private, or public for an always-public category. "
                "A choice the category does not allow is refused "
                "(CATEGORY_NOT_PUBLIC, CATEGORY_ALWAYS_PUBLIC); an "
                "anonymous request where the category names its requester "
                "too (CATEGORY_NOT_ANONYMOUS)",
            },
        },
    },
    "Receipt": {
        "type": "object",
        "required": ["ticket_id", "tracking_code", "status", "submitted_at"],
        "properties": {
            "ticket_id": {"type": "string"},
            "tracking_code": {
                "type": "string",
                "examples": ["7K3M-9QX2-B"],
                "description": "what the citizen keeps; the last character is a check character",
            },
            "status": {"type": "string", "examples": ["submitted"]},
            "submitted_at": _TIMESTAMP,
            "acknowledge_by": _TIMESTAMP,
            "answer_by": _TIMESTAMP,
        },
    },
    "TicketStatus": {
        "type": "object",
        "required": ["ticket_id", "tracking_code", "kind", "status"],
        "properties": {
            "ticket_id": {"type": "string"},
            "tracking_code": {"type": "string"},
            "office_id": {"type": "string"},
            "kind": {"type": "string", "enum": []},  # enum: document()
            "category": {"type": "string"},
            "status": {"type": "string"},
            "submitted_at": _TIMESTAMP,
            "acknowledge_by": _TIMESTAMP,
            "answer_by": _TIMESTAMP,
            "updated_at": _TIMESTAMP,
            "attachment_count": {"type": "integer", "minimum": 0},
        },
    },
    "Attachment": {
        "type": "object",
        "required": ["attachment_id", "content_type", "size", "sha256"],
        "properties": {
            "attachment_id": {"type": "string"},
            "content_type": {"type": "string"},
            "size": {"type": "integer", "minimum": 0},
            "sha256": {"type": "string", "description": "of the stored bytes (photos are re-encoded)"},
            "received_sha256": {"type": "string", "description": "of the bytes received"},
            "metadata_stripped": {"type": "boolean"},
            "has_thumbnail": {"type": "boolean"},
            "stored_at": _TIMESTAMP,
            "category": {"type": "string", "enum": ["photo", "document", "photo_or_document"]},
        },
    },
    "DownloadUrl": {
        "type": "object",
        "required": ["url", "expires_at"],
        "properties": {
            "url": {"type": "string", "description": "a presigned GET of the file, valid a few minutes"},
            "thumbnail_url": {"type": ["string", "null"], "description": "the photo's thumbnail, likewise"},
            "expires_at": _TIMESTAMP,
        },
    },
    "InboxItem": {
        "type": "object",
        "required": ["item_id", "kind", "language", "subject", "body", "read"],
        "properties": {
            "item_id": {"type": "string"},
            "kind": {"type": "string", "description": "the event told, e.g. ticket.submitted"},
            "language": {"type": "string", "description": "the language the text is in"},
            "subject": {"type": "string"},
            "body": {"type": "string"},
            "read": {"type": "boolean"},
            "created_at": _TIMESTAMP,
        },
    },
    "Inbox": {
        "type": "object",
        "required": ["items", "unread"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/InboxItem"}},
            "unread": {"type": "integer", "minimum": 0, "description": "unread items in the whole inbox"},
            "next_page_token": {"type": ["string", "null"]},
        },
    },
    "InboxRead": {
        "type": "object",
        "required": ["item_id", "read", "changed"],
        "properties": {
            "item_id": {"type": "string"},
            "read": {"type": "boolean"},
            "changed": {"type": "boolean", "description": "false when it was read already"},
        },
    },
    "UploadRequest": {
        "type": "object",
        "required": ["office", "filename", "content_type", "size"],
        "properties": {
            "office": {"type": "string"},
            "filename": {"type": "string"},
            "content_type": {"type": "string"},
            "size": {"type": "integer", "minimum": 1},
            "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
            "category": {"type": "string", "enum": ["photo", "document", "photo_or_document"]},
        },
    },
    "UploadTicket": {
        "type": "object",
        "required": ["upload_id", "method", "complete"],
        "properties": {
            "upload_id": {"type": "string"},
            "method": {"type": "string", "enum": ["PUT"]},
            "url": {"type": ["string", "null"], "description": "one presigned PUT for a small file"},
            "parts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"part_number": {"type": "integer"}, "url": {"type": "string"}},
                },
            },
            "part_size": {"type": ["integer", "null"]},
            "max_size": {"type": "integer"},
            "expires_at": _TIMESTAMP,
            "complete": {"type": "string", "description": "where to POST once the bytes are up"},
        },
    },
    "UploadCompletion": {
        "type": "object",
        "properties": {
            "parts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["part_number", "etag"],
                    "properties": {
                        "part_number": {"type": "integer", "minimum": 1, "maximum": 10000},
                        "etag": {"type": "string"},
                    },
                },
            }
        },
    },
    "PublishedDocument": {
        "type": "object",
        "required": ["document_id", "kind", "title", "file"],
        "properties": {
            "document_id": {"type": "string"},
            "kind": {"type": "string"},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "language": {"type": "string"},
            "document_date": {"type": "string"},
            "published_at": _TIMESTAMP,
            "content_type": {"type": "string"},
            "size": {"type": "integer"},
            "sha256": {"type": "string"},
            "keywords": {"type": "array", "items": {"type": "string"}},
            "file": {"type": "string", "description": "redirects to a short-lived download URL"},
        },
    },
    "Library": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/PublishedDocument"}},
            "next_page_token": {"type": ["string", "null"]},
        },
    },
    "OfficeProfile": {
        "type": "object",
        "required": ["office_id", "slug", "name", "phase", "status"],
        "properties": {
            "office_id": {"type": "string"},
            "slug": {"type": "string"},
            "commune_code": {"type": "string"},
            "name": _NAME,
            "phase": {"type": "string"},
            "status": {"type": "string"},
            "timezone": {"type": "string"},
            "region_code": {"type": "string"},
            "province_code": {"type": "string"},
            "address": {"type": "string"},
            "location": {
                "type": ["object", "null"],
                "properties": {"latitude": {"type": "number"}, "longitude": {"type": "number"}},
            },
            "opening_hours": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "weekday": {"type": "integer"},
                        "opens": {"type": "string"},
                        "closes": {"type": "string"},
                    },
                },
            },
            "phone": {"type": "string"},
            "email": {"type": "string"},
            "phase_history": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "phase": {"type": "string"},
                        "changed_on": {"type": "string"},
                        "reason": {"type": "string"},
                    },
                },
            },
        },
    },
    "Catalogue": {
        "type": "object",
        "required": ["office_id", "items"],
        "properties": {
            "office_id": {"type": "string"},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "request_type": {"type": "string"},
                        "category": {"type": "string"},
                        "name": _NAME,
                        "deadline": {
                            "type": "object",
                            "properties": {"count": {"type": "integer"}, "unit": {"type": "string"}},
                        },
                        "legal_basis": {"type": "string"},
                        "department": {"type": "string"},
                        "requires_location": {"type": "boolean"},
                        "requires_attachments": {"type": "boolean"},
                        "publicity": {
                            "type": "string",
                            "enum": ["private", "choice", "public"],
                            "description": "whether requests of this category are never, at the requester's "
                            "choice, or always public",
                        },
                        "anonymous_allowed": {
                            "type": "boolean",
                            "description": "whether a request may come without a known requester",
                        },
                    },
                },
            },
        },
    },
    "Achievements": {
        "type": "object",
        "description": "The achievements in figures: offices per status and phase, activities per phase and kind.",
        "required": ["scope", "offices_total", "phases", "activities_total"],
        "properties": {
            "scope": {"type": "string"},
            "key": {"type": "string"},
            "offices_total": {"type": "integer"},
            "offices_by_status": {"type": "object", "additionalProperties": {"type": "integer"}},
            "phases": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "phase": {"type": "string"},
                        "offices": {"type": "integer"},
                        "activities": {"type": "integer"},
                        "by_kind": {"type": "object", "additionalProperties": {"type": "integer"}},
                    },
                },
            },
            "workshops_by_theme": {"type": "object", "additionalProperties": {"type": "integer"}},
            "participants": {
                "type": "object",
                "properties": {"women": {"type": "integer"}, "men": {"type": "integer"}, "others": {"type": "integer"}},
            },
            "activities_total": {"type": "integer"},
        },
    },
    "Territory": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "level": {"type": "string"},
                        "parent_code": {"type": "string"},
                        "name": _NAME,
                        "population": {"type": ["integer", "null"]},
                        "commune_type": {"type": "string"},
                        "petition_signatures": {"type": ["integer", "null"]},
                    },
                },
            }
        },
    },
    "Holiday": {
        "type": "object",
        "properties": {
            "date": {"type": "string", "format": "date"},
            "name": {"type": "string"},
            "confirmed": {"type": "boolean"},
        },
    },
    "Calendar": {
        "type": "object",
        "properties": {
            "weekend_days": {"type": "array", "items": {"type": "integer"}},
            "covered_years": {"type": "array", "items": {"type": "integer"}},
            "holidays": {"type": "array", "items": {"$ref": "#/components/schemas/Holiday"}},
        },
    },
    "WorkingDays": {
        "type": "object",
        "properties": {
            "date": {"type": "string"},
            "working_days": {"type": "integer"},
            "provisional": {"type": "boolean"},
            "holidays_crossed": {"type": "array", "items": {"$ref": "#/components/schemas/Holiday"}},
        },
    },
}


def _input(required: list[str], **properties) -> dict:
    return {"type": "object", "required": required, "properties": properties}


SCHEMAS.update(
    {
        "MyTicket": {
            "type": "object",
            "description": "One of the signed-in citizen's requests, as they see it.",
            "required": ["ticket_id", "tracking_code", "kind", "status", "available_actions"],
            "properties": {
                **SCHEMAS["TicketStatus"]["properties"],
                "kind": {"type": "string", "enum": []},  # enum: document()
                "available_actions": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "what the requester may do now, e.g. appeal, reopen",
                },
                "followers": {"type": "integer", "minimum": 0},
                "me_too": {"type": "integer", "minimum": 0},
                "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
                "public": {"type": "boolean"},
                "extended": {"type": "boolean"},
            },
        },
        "MyTicketList": {
            "type": "object",
            "required": ["items"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/MyTicket"}},
                "next_page_token": {"type": ["string", "null"]},
            },
        },
        "TimelineEntry": {
            "type": "object",
            "description": "A step of the request: what happened and by which role, never by whom.",
            "properties": {
                "action": {"type": "string"},
                "from_status": {"type": "string"},
                "to_status": {"type": "string"},
                "by": {"type": "string", "examples": ["staff", "citizen"]},
                "at": _TIMESTAMP,
            },
        },
        "ThreadMessage": {
            "type": "object",
            "description": "A message of the public thread between the requester and the office.",
            "required": ["message_id", "by", "body"],
            "properties": {
                "message_id": {"type": "string"},
                "by": {"type": "string"},
                "body": {"type": "string"},
                "at": _TIMESTAMP,
                "attachment_ids": {"type": "array", "items": {"type": "string"}},
            },
        },
        "MyTicketDetail": {
            "type": "object",
            "description": "The request with its public timeline and public thread; internal notes are never here.",
            "required": ["ticket", "timeline", "thread"],
            "properties": {
                "ticket": {"$ref": "#/components/schemas/MyTicket"},
                "timeline": {"type": "array", "items": {"$ref": "#/components/schemas/TimelineEntry"}},
                "thread": {"type": "array", "items": {"$ref": "#/components/schemas/ThreadMessage"}},
            },
        },
        "MessageInput": _input(
            ["body"],
            body={"type": "string", "minLength": 1, "maxLength": 5000},
            attachment_ids={"type": "array", "maxItems": 5, "items": {"type": "string"}},
        ),
        "RatingInput": _input(
            ["rating"],
            rating={"type": "integer", "minimum": 1, "maximum": 5},
            comment={"type": "string", "maxLength": 1000},
        ),
        "AppealInput": _input(["reason"], reason={"type": "string", "minLength": 1, "maxLength": 2000}),
        "ReopenInput": _input(
            ["reason"],
            reason={
                "type": "string",
                "minLength": 1,
                "maxLength": 2000,
                "description": "why the answer did not settle the matter",
            },
        ),
        "NoInput": _input([]),
        "FollowInput": _input(
            [], me_too={"type": "boolean", "default": False, "description": '"me too": the same problem concerns me'}
        ),
        "FollowCounts": {
            "type": "object",
            "required": ["followers", "me_too"],
            "properties": {"followers": {"type": "integer"}, "me_too": {"type": "integer"}},
        },
    }
)

_REQUEST_ID = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}


def _problem(description: str) -> dict:
    return {
        "description": description,
        "headers": _REQUEST_ID,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


RESPONSES = {
    "BadRequest": _problem("The input is invalid; `field` names the culprit when there is one."),
    "Unauthorized": _problem("Sign in: no access token, or an expired or revoked one."),
    "Forbidden": _problem("Signed in, but not allowed to do this here; `reason` says why."),
    "NotFound": _problem("No such resource."),
    "Conflict": _problem("Not possible in the current state."),
    "TooLarge": _problem("The request body is larger than the gateway accepts."),
    "TooManyRequests": {
        **_problem(
            "A rate limit was reached (`limit`: `ip` for the source address, `client` for the API key "
            "or account); `Retry-After` says in how many seconds to try again."
        ),
        "headers": {**_REQUEST_ID, "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    },
    "Unavailable": _problem("A service behind the gateway is unavailable; try again."),
    "Internal": _problem("Something went wrong on the platform's side; never a stack trace."),
}


def _ok(description: str, schema: str | None = None, media: str = JSON, status: str = "200") -> dict:
    response = {"description": description, "headers": _REQUEST_ID}
    if schema:
        response["content"] = {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
    return {status: response}


def _errors(*extra: str) -> dict:
    codes = {
        "400": "BadRequest",
        "401": "Unauthorized",
        "403": "Forbidden",
        "404": "NotFound",
        "409": "Conflict",
        "413": "TooLarge",
        "429": "TooManyRequests",
        "500": "Internal",
        "503": "Unavailable",
    }
    wanted = ("400", "429", "500", "503") + extra
    return {code: {"$ref": f"#/components/responses/{codes[code]}"} for code in wanted}


def _path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


PATHS = {
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getOpenApiDocument",
            "tags": ["meta"],
            "summary": "This document",
            "responses": {
                "200": {
                    "description": "The OpenAPI 3.1 document",
                    "headers": _REQUEST_ID,
                    "content": {JSON: {"schema": {"type": "object"}}},
                },
                **_errors(),
            },
        },
    },
    "/api/v1/offices": {
        "get": {
            "operationId": "listOffices",
            "tags": ["offices"],
            "summary": "The Citizen Offices of this instance",
            "parameters": [_query("status", "only offices in this status, e.g. operational")],
            "responses": {**_ok("The offices", "OfficeList"), **_errors()},
        },
    },
    "/api/v1/tickets": {
        "post": {
            "operationId": "submitTicket",
            "tags": ["tickets"],
            "summary": "Submit a complaint, an observation or a suggestion",
            "description": "JSON, a URL-encoded form, or multipart with up to five files in `photo` "
            "or `attachment` fields (photos are re-encoded without their metadata). With an "
            "`Idempotency-Key`, a submission sent again (after a timeout, a lost connection or a 5xx) "
            "answers its first receipt and files nothing twice.",
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "16 to 128 printable ASCII characters without spaces, e.g. a UUID, one per "
                    "request; the same key with another request answers 409 IDEMPOTENCY_KEY_REUSED",
                    "schema": {"type": "string", "minLength": 16, "maxLength": 128},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    JSON: {"schema": {"$ref": "#/components/schemas/Submission"}},
                    "multipart/form-data": {
                        "schema": {
                            "allOf": [{"$ref": "#/components/schemas/Submission"}],
                            "properties": {
                                "photo": {"type": "string", "contentMediaType": "image/jpeg"},
                            },
                        },
                        "encoding": {"photo": {"contentType": "image/jpeg, image/png, image/webp, application/pdf"}},
                    },
                },
            },
            "responses": {**_ok("The receipt", "Receipt", status="201"), **_errors("404", "409", "413")},
        },
    },
    "/api/v1/tickets/track/{code}": {
        "get": {
            "operationId": "trackTicket",
            "tags": ["tickets"],
            "summary": "Where a request stands, by its tracking code; no account needed",
            "parameters": [_path_param("code", "the tracking code; case, spaces and dashes do not matter")],
            "responses": {**_ok("The request's status", "TicketStatus"), **_errors("404")},
        },
    },
    "/api/v1/attachments": {
        "post": {
            "operationId": "uploadAttachment",
            "tags": ["documents"],
            "summary": "Upload a file directly (multipart), before attaching it to a request",
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file", "office"],
                            "properties": {
                                "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                                "office": {"type": "string"},
                                "category": {"type": "string", "enum": ["photo", "document", "photo_or_document"]},
                            },
                        }
                    }
                },
            },
            "responses": {**_ok("The stored attachment", "Attachment", status="201"), **_errors("404", "413")},
        },
    },
    "/api/v1/uploads": {
        "post": {
            "operationId": "startUpload",
            "tags": ["documents"],
            "summary": "Start a presigned upload (single PUT or multipart) straight to object storage",
            "requestBody": {
                "required": True,
                "content": {JSON: {"schema": {"$ref": "#/components/schemas/UploadRequest"}}},
            },
            "responses": {**_ok("Where to PUT the bytes", "UploadTicket", status="201"), **_errors("404", "413")},
        },
    },
    "/api/v1/uploads/{upload_id}/complete": {
        "post": {
            "operationId": "completeUpload",
            "tags": ["documents"],
            "summary": "Finish a presigned upload; the stored bytes are checked before it counts",
            "parameters": [_path_param("upload_id", "from startUpload")],
            "requestBody": {
                "required": False,
                "content": {JSON: {"schema": {"$ref": "#/components/schemas/UploadCompletion"}}},
            },
            "responses": {**_ok("The stored attachment", "Attachment", status="201"), **_errors("404", "409")},
        },
    },
    "/api/v1/offices/{office}/library": {
        "get": {
            "operationId": "listPublished",
            "tags": ["documents"],
            "summary": "The office's published documents (access to information, Law 31-13)",
            "parameters": [
                _path_param("office", "office slug or id"),
                _query("kind", "budget, deliberation, procedure, ..."),
                _query("language", "ar, fr, zgh or en"),
                _query("q", "words in the title, summary or keywords"),
                _query("from", "documents dated on or after (YYYY-MM-DD)", {"type": "string", "format": "date"}),
                _query("to", "documents dated on or before (YYYY-MM-DD)", {"type": "string", "format": "date"}),
                _query("page_size", "at most this many items", {"type": "integer", "minimum": 1, "maximum": 100}),
                _query("page_token", "next_page_token of the previous page"),
            ],
            "responses": {**_ok("One page of documents", "Library"), **_errors("404")},
        },
    },
    "/api/v1/offices/{office}/library/export.{fmt}": {
        "get": {
            "operationId": "exportPublished",
            "tags": ["documents"],
            "summary": "The whole library as open data",
            "parameters": [
                _path_param("office", "office slug or id"),
                {"name": "fmt", "in": "path", "required": True, "schema": {"type": "string", "enum": ["csv", "json"]}},
            ],
            "responses": {
                "200": {
                    "description": "The export, as a download",
                    "headers": _REQUEST_ID,
                    "content": {"text/csv": {"schema": {"type": "string"}}, JSON: {"schema": {}}},
                },
                **_errors("404"),
            },
        },
    },
    "/api/v1/library/{document_id}/file": {
        "get": {
            "operationId": "downloadPublished",
            "tags": ["documents"],
            "summary": "Download a published document (redirect to a short-lived URL)",
            "parameters": [_path_param("document_id", "from the library")],
            "responses": {
                "302": {
                    "description": "Redirect to the file",
                    "headers": {**_REQUEST_ID, "Location": {"schema": {"type": "string"}}},
                },
                **_errors("404"),
            },
        },
    },
    "/api/v1/registry/offices/{office}": {
        "get": {
            "operationId": "getOfficeProfile",
            "tags": ["registry"],
            "summary": "An office's public profile: address, hours, contact, phase history",
            "parameters": [_path_param("office", "office slug or id")],
            "responses": {**_ok("The profile", "OfficeProfile"), **_errors("404")},
        },
    },
    "/api/v1/registry/offices/{office}/catalogue": {
        "get": {
            "operationId": "listCatalogue",
            "tags": ["registry"],
            "summary": "What can be asked of an office, with each deadline and legal basis",
            "parameters": [_path_param("office", "office slug or id")],
            "responses": {**_ok("The catalogue", "Catalogue"), **_errors("404")},
        },
    },
    "/api/v1/registry/achievements": {
        "get": {
            "operationId": "achievementsInFigures",
            "tags": ["registry"],
            "summary": "The office network's achievements in figures",
            "parameters": [
                _query("scope", "instance, region, province, commune or office"),
                _query("key", "the code or slug of the scope"),
            ],
            "responses": {**_ok("The figures", "Achievements"), **_errors("404")},
        },
    },
    "/api/v1/federation/figures": {
        "get": {
            "operationId": "federationFigures",
            "tags": ["federation"],
            "summary": "Each member instance's figures as it published them (this one's computed now)",
            "description": "Counts, medians and shares per country, region and office, and the offices' public "
            "directory; never a record about a person. `stale`: the member did not answer since `fetched_at`.",
            "parameters": [_query("instance", "one instance id only")],
            "responses": {
                "200": {
                    "description": "The federation's figures",
                    "headers": _REQUEST_ID,
                    "content": {JSON: {"schema": {"type": "object", "required": ["instances", "computed_at"]}}},
                },
                **_errors(),
            },
        },
    },
    "/api/v1/federation/export": {
        "get": {
            "operationId": "federationExport",
            "tags": ["federation"],
            "summary": "The federation's table: one row per country, region and office",
            "parameters": [_query("format", "csv (default) or json", {"type": "string", "enum": ["csv", "json"]})],
            "responses": {
                "200": {
                    "description": "The table",
                    "headers": _REQUEST_ID,
                    "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        JSON: {"schema": {"type": "object", "required": ["columns", "rows"]}},
                    },
                },
                **_errors(),
            },
        },
    },
    "/api/v1/registry/territory": {
        "get": {
            "operationId": "listTerritory",
            "tags": ["registry"],
            "summary": "Regions, provinces and communes",
            "parameters": [_query("parent", "code of the parent unit"), _query("level", "region, province or commune")],
            "responses": {**_ok("The units", "Territory"), **_errors("404")},
        },
    },
    "/api/v1/registry/calendar": {
        "get": {
            "operationId": "getCalendar",
            "tags": ["registry"],
            "summary": "Weekend days and public holidays of this instance",
            "parameters": [
                _query("from_year", "first year", {"type": "integer", "minimum": 1900, "maximum": 2200}),
                _query("to_year", "last year", {"type": "integer", "minimum": 1900, "maximum": 2200}),
            ],
            "responses": {**_ok("The calendar", "Calendar"), **_errors("404")},
        },
    },
    "/api/v1/registry/working-days": {
        "get": {
            "operationId": "workingDays",
            "tags": ["registry"],
            "summary": "A deadline in working days (from + days), or the working days between two dates",
            "parameters": [
                _query("from", "start date", {"type": "string", "format": "date"}),
                _query("to", "end date", {"type": "string", "format": "date"}),
                _query("days", "working days to add", {"type": "integer", "minimum": 0, "maximum": 3650}),
            ],
            "responses": {**_ok("The date or the count", "WorkingDays"), **_errors("404")},
        },
    },
}

_CITIZEN = [{"bearerAuth": []}]
_TICKET_ID = _path_param("ticket_id", "the request's id")


def _citizen_post(operation_id: str, summary: str, schema: str, reply: str, status: str = "200") -> dict:
    return {
        "post": {
            "operationId": operation_id,
            "tags": ["my requests"],
            "summary": summary,
            "security": _CITIZEN,
            "parameters": [_TICKET_ID],
            "requestBody": {
                "required": True,
                "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
            },
            "responses": {**_ok(summary, reply, status=status), **_errors("401", "403", "404", "409")},
        }
    }


PATHS.update(
    {
        "/api/v1/me/tickets": {
            "get": {
                "operationId": "listMyTickets",
                "tags": ["my requests"],
                "security": _CITIZEN,
                "summary": "The signed-in citizen's own requests, newest first",
                "parameters": [
                    _query("page_size", "at most this many items", {"type": "integer", "minimum": 1, "maximum": 100}),
                    _query("page_token", "next_page_token of the previous page"),
                ],
                "responses": {**_ok("One page of my requests", "MyTicketList"), **_errors("401", "403")},
            },
        },
        "/api/v1/me/tickets/{ticket_id}": {
            "get": {
                "operationId": "getMyTicket",
                "tags": ["my requests"],
                "security": _CITIZEN,
                "summary": "One of my requests with its public timeline and thread (404 for anyone else's)",
                "parameters": [_TICKET_ID],
                "responses": {**_ok("The request", "MyTicketDetail"), **_errors("401", "403", "404")},
            },
        },
        "/api/v1/me/tickets/{ticket_id}/messages": _citizen_post(
            "postMyTicketMessage", "Write in my request's thread", "MessageInput", "ThreadMessage", status="201"
        ),
        "/api/v1/me/tickets/{ticket_id}/rating": _citizen_post(
            "rateMyTicket", "Rate the answer to my request (1 to 5)", "RatingInput", "MyTicket"
        ),
        "/api/v1/me/tickets/{ticket_id}/appeal": _citizen_post(
            "appealMyTicket", "Appeal the decision on my information request", "AppealInput", "MyTicket"
        ),
        "/api/v1/me/tickets/{ticket_id}/close": _citizen_post(
            "closeMyTicket",
            "Confirm the answer and close my complaint or administrative request",
            "NoInput",
            "MyTicket",
        ),
        "/api/v1/me/tickets/{ticket_id}/reopen": _citizen_post(
            "reopenMyTicket", "Reopen my closed complaint, within 30 days of its closure", "ReopenInput", "MyTicket"
        ),
        "/api/v1/me/tickets/{ticket_id}/resume": _citizen_post(
            "resumeMyTicket",
            "Resume my administrative request after giving what the office asked for",
            "NoInput",
            "MyTicket",
        ),
        "/api/v1/me/tickets/{ticket_id}/admissibility-check": _citizen_post(
            "requestMyPetitionCheck",
            "Ask the council bureau to check my petition once it has its signatures",
            "NoInput",
            "MyTicket",
        ),
        "/api/v1/tickets/{ticket_id}/follow": _citizen_post(
            "followTicket", 'Follow a public request, or say "me too"', "FollowInput", "FollowCounts"
        ),
        "/api/v1/attachments/{attachment_id}/download": {
            "get": {
                "operationId": "attachmentDownloadUrl",
                "tags": ["documents"],
                "security": _CITIZEN,
                "summary": "Short-lived URLs of an attachment, for the citizen who filed it or the office's staff",
                "description": "403 ATTACHMENT_FORBIDDEN for anyone else; 409 ATTACHMENT_PURGED once the file was "
                "deleted at the end of the retention period after its request closed.",
                "parameters": [_path_param("attachment_id", "the attachment's id")],
                "responses": {**_ok("Where to GET the file", "DownloadUrl"), **_errors("401", "403", "404", "409")},
            },
        },
        "/api/v1/me/notifications": {
            "get": {
                "operationId": "listMyNotifications",
                "tags": ["my notifications"],
                "security": _CITIZEN,
                "summary": "The signed-in person's in-app inbox, newest first, in their language",
                "parameters": [
                    _query("page_size", "at most this many items", {"type": "integer", "minimum": 1, "maximum": 100}),
                    _query("page_token", "next_page_token of the previous page"),
                    _query(
                        "lang",
                        "the language to show the items in; default: the account's",
                        {"type": "string", "enum": ["ar", "fr", "en", "zgh"]},
                    ),
                ],
                "responses": {**_ok("One page of my inbox", "Inbox"), **_errors("401", "403")},
            },
        },
        "/api/v1/me/notifications/{item_id}/read": {
            "post": {
                "operationId": "markMyNotificationRead",
                "tags": ["my notifications"],
                "security": _CITIZEN,
                "summary": "Mark one of my inbox items read (404 for anyone else's)",
                "parameters": [_path_param("item_id", "the inbox item's id")],
                "responses": {**_ok("The item is read", "InboxRead"), **_errors("401", "403", "404")},
            },
        },
    }
)

DOCUMENT = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
    "info": {
        "title": "Citizen Office platform API",
        "version": "1.0.0",
        "summary": "Complaints, observations and suggestions to Citizen Offices; tracking by code; "
        "attachments; each office's published documents.",
    },
    "servers": [{"url": "/", "description": "this gateway"}],
    "tags": [
        {"name": "offices"},
        {"name": "tickets"},
        {"name": "my requests"},
        {"name": "my notifications"},
        {"name": "documents"},
        {"name": "registry"},
        {"name": "federation", "description": "the member instances' figures, as each published them"},
        {"name": "meta"},
        {
            "name": "open311",
            "description": "Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2); "
            "errors in its own shape, not problem bodies",
        },
    ],
    "paths": {**PATHS, **open311_openapi.PATHS},
    "components": {
        "schemas": {**SCHEMAS, **open311_openapi.SCHEMAS},
        "responses": {**RESPONSES, **open311_openapi.RESPONSES},
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "an access token from POST /api/v1/auth/login",
            }
        },
        "headers": {
            "X-Request-Id": {
                "description": "the request's id, also its trace id in the logs",
                "schema": {"type": "string"},
            }
        },
    },
}


def document() -> dict:
    """The document, its request types as the definitions (cokit.request_types) list them now."""
    doc = copy.deepcopy(DOCUMENT)
    schemas = doc["components"]["schemas"]
    schemas["Submission"]["properties"]["kind"]["enum"] = list(request_types.where(public_form=True))
    for name in ("TicketStatus", "MyTicket"):
        schemas[name]["properties"]["kind"]["enum"] = list(request_types.names())
    return doc
