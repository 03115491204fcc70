"""Stored times are UTC; these keep them so on the way out of the database and onto the wire."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands datetimes back naive; they were written as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def to_timestamp(value: dt.datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(as_utc(value))
    return ts
