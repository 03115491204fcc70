"""Errors as HTTP problem bodies (RFC 9457), mapped from gRPC statuses.

Clients get the status, a title, the detail written for people and the machine-readable
reason from the service; never a stack trace.
"""

from __future__ import annotations

import json

from grpc import StatusCode
from werkzeug.wrappers import Response

from cokit.errors import error_info

PROBLEM_BASE = "https://citizenoffice.example/problems/"

HTTP_STATUS = {
    StatusCode.INVALID_ARGUMENT: 400,
    StatusCode.OUT_OF_RANGE: 400,
    StatusCode.FAILED_PRECONDITION: 409,
    StatusCode.ALREADY_EXISTS: 409,
    StatusCode.ABORTED: 409,
    StatusCode.NOT_FOUND: 404,
    StatusCode.PERMISSION_DENIED: 403,
    StatusCode.UNAUTHENTICATED: 401,
    StatusCode.RESOURCE_EXHAUSTED: 429,
    StatusCode.UNAVAILABLE: 503,
    StatusCode.DEADLINE_EXCEEDED: 504,
    StatusCode.UNIMPLEMENTED: 501,
}

TITLES = {
    400: "Invalid request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict with the current state",
    413: "Request too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Internal error",
    501: "Not implemented",
    503: "Service unavailable",
    504: "Service did not answer in time",
}


def problem(status: int, reason: str, detail: str, request_id: str = "", **extra) -> Response:
    body = {
        "type": PROBLEM_BASE + reason.lower().replace("_", "-"),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "reason": reason,
        **({"instance": f"urn:request:{request_id}"} if request_id else {}),
        **extra,
    }
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json")


def from_grpc_error(error, request_id: str = "") -> Response:
    """A nameko-grpc GrpcError as a problem response."""
    status = HTTP_STATUS.get(error.code, 500)
    info = error_info(error.status)
    if status == 500:
        return problem(500, "INTERNAL", "something went wrong on our side; please try again", request_id)
    reason = info.reason if info else error.code.name
    extra = {"field": info.metadata["field"]} if info and "field" in info.metadata else {}
    detail = error.message if info or status != 503 else "a service is unavailable; please try again shortly"
    return problem(status, reason, detail, request_id, **extra)
