"""The inbox is shown in the reader's language when the item kept its template's fields."""

from __future__ import annotations

import datetime as dt
import json

from notifications import domain
from notifications.service import _inbox_message

FIELDS = {"tracking_code": "7K3M-9QX2-B", "status": "closed"}


def row(**extra) -> dict:
    written = domain.render("ticket.status_changed", "ar", FIELDS)
    return {
        "item_id": "i1",
        "event_id": "e1",
        "kind": "ticket.status_changed",
        "language": written.language,
        "subject": written.subject,
        "body": written.body,
        "read": False,
        "created_at": dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone.utc),
        "fields": json.dumps(FIELDS),
        **extra,
    }


def test_an_item_is_rendered_again_in_the_readers_language():
    item = _inbox_message(row(), "fr")
    assert item.language == "fr" and "7K3M-9QX2-B" in item.subject and "Clôturée" in item.subject


def test_without_a_language_or_fields_the_item_stays_as_written():
    assert _inbox_message(row(), "").language == "ar"
    older = _inbox_message(row(fields=None), "fr")
    assert older.language == "ar" and older.subject == row()["subject"]


def test_an_unknown_language_falls_back_to_arabic():
    assert _inbox_message(row(), "de").language == "ar"
