"""What every gateway route shares: JSON responses and the guard that turns any failure
into a problem body (RFC 9457) and tags every response with the request id."""
from __future__ import annotations

import functools
import json
import logging

from nameko_grpc.errors import GrpcError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from cokit.errors import DomainError

from .inputs import refuse_unstorable_text
from .problems import from_grpc_error, problem

log = logging.getLogger("gateway.service")


def json_response(body, status: int = 200, request_id: str = "") -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    if request_id:
        response.headers["X-Request-Id"] = request_id
    return response


def guarded(method):
    """Turn every failure into a problem body; tag every response with the request id."""

    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        request_id = self.trace_id
        try:
            request.max_content_length = self.max_request_bytes
            if request.content_length and request.content_length > self.max_request_bytes:
                raise RequestEntityTooLarge()
            refuse_unstorable_text(request, kwargs)
            response = method(self, request, *args, **kwargs)
        except GrpcError as error:
            response = from_grpc_error(error, request_id)
        except DomainError as error:
            response = from_grpc_error(GrpcError(error.code, error.message, error.to_status()), request_id)
        except RequestEntityTooLarge:
            response = problem(
                413, "REQUEST_TOO_LARGE",
                f"requests are limited to {self.max_request_bytes // (1024 * 1024)} MB", request_id,
            )
        except Exception:
            log.exception("unhandled error in gateway")
            response = problem(500, "INTERNAL", "something went wrong on our side; please try again", request_id)
        response.headers["X-Request-Id"] = request_id
        return response

    return wrapper
