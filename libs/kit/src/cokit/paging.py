"""Keyset page tokens: the (moment, id) of the last row of a page, opaque to clients.

A list ordered by (moment desc, id desc) resumes after that row, so items added meanwhile at
the top never shift a page (offsets would show an item twice).
"""

from __future__ import annotations

import base64
import datetime as dt
import json

from cokit.refusals import invalid_argument
from cokit.timestamps import as_utc


def encode_page_token(at: dt.datetime, row_id: str) -> str:
    raw = json.dumps([as_utc(at).isoformat(), row_id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_page_token(token: str) -> tuple[dt.datetime, str] | None:
    """None for the first page; INVALID_ARGUMENT PAGE_TOKEN_INVALID for a token not ours."""
    if not token:
        return None
    try:
        at, row_id = json.loads(base64.urlsafe_b64decode(token.encode()))
        return dt.datetime.fromisoformat(at), str(row_id)
    except (ValueError, TypeError):
        raise invalid_argument("PAGE_TOKEN_INVALID", "page_token is not one of ours", field="page_token") from None


def page_size(asked: int, default: int = 20, most: int = 100) -> int:
    return asked if 0 < asked <= most else default
