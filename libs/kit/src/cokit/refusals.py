"""Why a rule refused: the error a domain module raises, in plain Python.

A refusal names its kind (what the caller should do about it), a machine-readable reason,
a message written for the person who sees it, and metadata (the field, the limit, ...).
The rule modules raise it and nothing else, so they import no transport: the service kit
(cokit.errors) turns a refusal into a gRPC status in one table, and the gateway turns the
status into an HTTP problem body.

Standard library only: a rule module importing this reaches neither grpc nor nameko.
"""

from __future__ import annotations

import enum
import functools


class Kind(enum.Enum):
    INVALID = "invalid"  # the request itself is wrong: fix it, then ask again
    NOT_FOUND = "not_found"
    EXISTS = "exists"  # what the request would create is there already
    PRECONDITION = "precondition"  # not in the state the request needs (a status, a setting)
    CONFLICT = "conflict"  # another writer got there first: reload and retry
    DENIED = "denied"  # the caller is known, and may not
    UNAUTHENTICATED = "unauthenticated"  # the caller must sign in first
    TOO_MANY = "too_many"  # a limit reached: wait, then retry
    UNAVAILABLE = "unavailable"  # something it needs is down: retry later


class Refusal(Exception):
    def __init__(self, kind: Kind, reason: str, message: str, **metadata):
        super().__init__(message)
        self.kind = kind
        self.reason = reason
        self.message = message
        self.metadata = {k: str(v) for k, v in metadata.items()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.kind.name}, {self.reason!r}, {self.message!r})"


# One constructor per kind, named for what the rule says; each takes (reason, message, **metadata).
invalid_argument = functools.partial(Refusal, Kind.INVALID)
not_found = functools.partial(Refusal, Kind.NOT_FOUND)
already_exists = functools.partial(Refusal, Kind.EXISTS)
failed_precondition = functools.partial(Refusal, Kind.PRECONDITION)
conflict = functools.partial(Refusal, Kind.CONFLICT)
permission_denied = functools.partial(Refusal, Kind.DENIED)
unauthenticated = functools.partial(Refusal, Kind.UNAUTHENTICATED)
too_many = functools.partial(Refusal, Kind.TOO_MANY)
unavailable = functools.partial(Refusal, Kind.UNAVAILABLE)
