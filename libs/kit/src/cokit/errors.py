"""Refusals that cross the wire as gRPC statuses with a machine-readable reason.

A rule module raises a plain cokit.refusals.Refusal; the service layer may spell the same
thing as a DomainError with its gRPC code. nameko-grpc turns either into a status whose
details carry a google.rpc.ErrorInfo (reason, domain, metadata), so the gateway can map it
to an HTTP problem body without parsing messages. Any other exception reaches the caller
as INTERNAL with a generic message: never a stack trace or an internal detail; a database
that cannot be reached, or a peer's UNAVAILABLE, reaches it as UNAVAILABLE, which it may
try again.
"""

from __future__ import annotations

import functools
import logging

from google.protobuf.any_pb2 import Any
from google.rpc.error_details_pb2 import ErrorInfo
from google.rpc.status_pb2 import Status
from grpc import StatusCode
from nameko_grpc import errors as grpc_errors

from cokit.refusals import Kind, Refusal

ERROR_DOMAIN = "citizenoffice"
log = logging.getLogger(__name__)

# The one place a kind of refusal becomes a status code.
STATUS_CODES: dict[Kind, StatusCode] = {
    Kind.INVALID: StatusCode.INVALID_ARGUMENT,
    Kind.NOT_FOUND: StatusCode.NOT_FOUND,
    Kind.EXISTS: StatusCode.ALREADY_EXISTS,
    Kind.PRECONDITION: StatusCode.FAILED_PRECONDITION,
    Kind.CONFLICT: StatusCode.ABORTED,
    Kind.DENIED: StatusCode.PERMISSION_DENIED,
    Kind.UNAUTHENTICATED: StatusCode.UNAUTHENTICATED,
    Kind.TOO_MANY: StatusCode.RESOURCE_EXHAUSTED,
    Kind.UNAVAILABLE: StatusCode.UNAVAILABLE,
}
KINDS: dict[StatusCode, Kind] = {code: kind for kind, code in STATUS_CODES.items()}


def status_code(refusal: Refusal) -> StatusCode:
    return STATUS_CODES[refusal.kind]


def to_status(refusal: Refusal) -> Status:
    detail = Any()
    detail.Pack(ErrorInfo(reason=refusal.reason, domain=ERROR_DOMAIN, metadata=refusal.metadata))
    return Status(code=status_code(refusal).value[0], message=refusal.message, details=[detail])


def to_grpc_error(refusal: Refusal) -> grpc_errors.GrpcError:
    return grpc_errors.GrpcError(code=status_code(refusal), message=refusal.message, status=to_status(refusal))


class DomainError(Refusal):
    """A refusal spelled with its gRPC code, for the service layer. A code outside
    STATUS_CODES is no refusal (INTERNAL, UNIMPLEMENTED...) and is refused here."""

    def __init__(self, code: StatusCode, reason: str, message: str, **metadata):
        if code not in KINDS:
            raise ValueError(f"{code.name} is not the code of a refusal")
        super().__init__(KINDS[code], reason, message, **metadata)

    @property
    def code(self) -> StatusCode:
        return status_code(self)

    def to_status(self) -> Status:
        return to_status(self)


# The service layer's constructors keep `.code` on what they return (the gateway reads it).
invalid_argument = functools.partial(DomainError, StatusCode.INVALID_ARGUMENT)
not_found = functools.partial(DomainError, StatusCode.NOT_FOUND)
failed_precondition = functools.partial(DomainError, StatusCode.FAILED_PRECONDITION)
permission_denied = functools.partial(DomainError, StatusCode.PERMISSION_DENIED)
unavailable = functools.partial(DomainError, StatusCode.UNAVAILABLE)


def _refusal_to_grpc(exc_info, code=None, message=None):
    return to_grpc_error(exc_info[1])


DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"


def _unexpected_to_grpc(exc_info, code=None, message=None):
    if isinstance(exc_info[1], Refusal):
        # A subclass of Refusal a service defines itself: nameko-grpc found no handler for
        # its exact type, but it is a refusal all the same.
        return _refusal_to_grpc(exc_info)
    if code is not None:
        # Raised by the transport itself (a dropped connection, an undecodable request):
        # its code and message describe the failure and hold nothing internal.
        text = message or code.name.lower()
        return grpc_errors.GrpcError(code=code, message=text, status=Status(code=code.value[0], message=text))
    # Imported here: cokit.db brings nameko and eventlet, which importers of this module (the
    # gateway's mapping, unpatched test processes) must not get before they choose to patch.
    from cokit.db import database_unreachable

    if database_unreachable(exc_info[1]):
        log.warning("database unreachable: %s", type(exc_info[1].__cause__ or exc_info[1]).__name__)
        error = unavailable(DATABASE_UNAVAILABLE, "the service cannot reach its database; please try again shortly")
        return _refusal_to_grpc((DomainError, error, None))
    log.error("unhandled error in entrypoint", exc_info=exc_info)
    status = Status(code=StatusCode.INTERNAL.value[0], message="internal error")
    return grpc_errors.GrpcError(code=StatusCode.INTERNAL, message="internal error", status=status)


def _grpc_error_to_grpc(exc_info, code=None, message=None):
    """A status raised as it is (a peer's answer passed on: its refusal, its UNAVAILABLE or
    DEADLINE_EXCEEDED; the health service's NOT_FOUND) reaches the caller as it came, as
    nameko-grpc's own handler would pass it, with a status body where it had none (a client
    error made on this side, e.g. a peer that cannot be reached)."""
    error = exc_info[1]
    if code is None:
        status = error.status or Status(code=error.code.value[0], message=error.message)
        return grpc_errors.GrpcError(code=error.code, message=error.message, status=status)
    return _unexpected_to_grpc(exc_info, code, message)


def error_info(status: Status | None) -> ErrorInfo | None:
    """The ErrorInfo carried by a status, if any."""
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(ErrorInfo.DESCRIPTOR):
            info = ErrorInfo()
            detail.Unpack(info)
            return info
    return None


def install() -> None:
    """Route exceptions to statuses; idempotent."""
    for refusal_type in (Refusal, DomainError):
        grpc_errors.register_exception_handler(refusal_type, _refusal_to_grpc)
    grpc_errors.register_exception_handler(grpc_errors.GrpcError, _grpc_error_to_grpc)
    # nameko-grpc looks handlers up by exact type; unknown types fall to the default,
    # which would echo the exception's text, so replace the default as well.
    grpc_errors.default_error_from_exception = _unexpected_to_grpc
