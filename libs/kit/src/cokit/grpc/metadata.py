"""Tolerant reading of nameko context data from gRPC metadata.

nameko-grpc decodes every `x-nameko-<key>` metadata value as JSON, and a value that is not
JSON raised inside the connection's request handler, which brought the whole container
down: any client could stop a service with one header. A value that is not JSON is now
kept as the string it is.
"""

from __future__ import annotations


from nameko_grpc import context as _context

_original_decode = _context.decode_value


def decode_value(value):
    try:
        return _original_decode(value)
    except (TypeError, ValueError):
        return value


def install() -> None:
    """Idempotent."""
    _context.decode_value = decode_value


def uninstall() -> None:
    _context.decode_value = _original_decode
