"""Domain errors that cross the wire as gRPC statuses with a machine-readable reason.

A service raises DomainError; nameko-grpc turns it into a status whose details carry a
google.rpc.ErrorInfo (reason, domain), so the gateway can map it to an HTTP problem body
without parsing messages. Any other exception reaches the caller as INTERNAL with a
generic message: never a stack trace or an internal detail; a database that cannot be
reached, or a peer's UNAVAILABLE, reaches it as UNAVAILABLE, which it may try again.
"""
from __future__ import annotations

import logging

from google.protobuf.any_pb2 import Any
from google.rpc.error_details_pb2 import ErrorInfo
from google.rpc.status_pb2 import Status
from grpc import StatusCode
from nameko_grpc import errors as grpc_errors

ERROR_DOMAIN = "citizenoffice"
log = logging.getLogger(__name__)


class DomainError(Exception):
    def __init__(self, code: StatusCode, reason: str, message: str, **metadata: str):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.metadata = {k: str(v) for k, v in metadata.items()}

    def to_status(self) -> Status:
        detail = Any()
        detail.Pack(ErrorInfo(reason=self.reason, domain=ERROR_DOMAIN, metadata=self.metadata))
        return Status(code=self.code.value[0], message=self.message, details=[detail])


def invalid_argument(reason: str, message: str, **metadata) -> DomainError:
    return DomainError(StatusCode.INVALID_ARGUMENT, reason, message, **metadata)


def not_found(reason: str, message: str, **metadata) -> DomainError:
    return DomainError(StatusCode.NOT_FOUND, reason, message, **metadata)


def failed_precondition(reason: str, message: str, **metadata) -> DomainError:
    return DomainError(StatusCode.FAILED_PRECONDITION, reason, message, **metadata)


def permission_denied(reason: str, message: str, **metadata) -> DomainError:
    return DomainError(StatusCode.PERMISSION_DENIED, reason, message, **metadata)


def unavailable(reason: str, message: str, **metadata) -> DomainError:
    return DomainError(StatusCode.UNAVAILABLE, reason, message, **metadata)


def _domain_error_to_grpc(exc_info, code=None, message=None):
    exc = exc_info[1]
    status = exc.to_status()
    return grpc_errors.GrpcError(code=exc.code, message=exc.message, status=status)


DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
# Statuses of a call to another service that reach this service's caller as they are: a peer
# that is away or too slow is no internal error of this service.
PASSED_ON = (StatusCode.UNAVAILABLE, StatusCode.DEADLINE_EXCEEDED)


def _unexpected_to_grpc(exc_info, code=None, message=None):
    if code is not None:
        # Raised by the transport itself (a dropped connection, an undecodable request):
        # its code and message describe the failure and hold nothing internal.
        text = message or code.name.lower()
        return grpc_errors.GrpcError(
            code=code, message=text, status=Status(code=code.value[0], message=text)
        )
    # Imported here: cokit.db brings nameko and eventlet, which importers of this module (the
    # gateway's mapping, unpatched test processes) must not get before they choose to patch.
    from cokit.db import database_unreachable

    if database_unreachable(exc_info[1]):
        log.warning("database unreachable: %s", type(exc_info[1].__cause__ or exc_info[1]).__name__)
        error = unavailable(DATABASE_UNAVAILABLE, "the service cannot reach its database; please try again shortly")
        return _domain_error_to_grpc((DomainError, error, None))
    log.error("unhandled error in entrypoint", exc_info=exc_info)
    status = Status(code=StatusCode.INTERNAL.value[0], message="internal error")
    return grpc_errors.GrpcError(code=StatusCode.INTERNAL, message="internal error", status=status)


def _grpc_error_to_grpc(exc_info, code=None, message=None):
    error = exc_info[1]
    if code is None and error.code in PASSED_ON:
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
    grpc_errors.register_exception_handler(DomainError, _domain_error_to_grpc)
    grpc_errors.register_exception_handler(grpc_errors.GrpcError, _grpc_error_to_grpc)
    # nameko-grpc looks handlers up by exact type; unknown types fall to the default,
    # which would echo the exception's text, so replace the default as well.
    grpc_errors.default_error_from_exception = _unexpected_to_grpc
