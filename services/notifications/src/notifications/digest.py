"""The staff daily digest: an office's near-deadline and overdue tickets, one e-mail per staff
member in the member's language. Plain rules, no I/O.

The digest of an office and day has one id (uuid5), so its deliveries are unique per staff
member and channel like any other (deliveries.uq_delivery): a second run, a second replica or a
redelivered event never sends one twice.
"""

from __future__ import annotations

import datetime as dt
import uuid

from . import domain

KIND = "staff.digest"
EVENT_KINDS = {"ticket.deadline_near": "deadline_near", "ticket.overdue": "overdue"}
MAX_LINES = 50  # per list; the rest is counted, not listed
_NAMESPACE = uuid.UUID("6f7c2f4e-1d0a-4c55-9d8e-0b4d1b2a3c44")

domain.TEMPLATES[KIND] = "notice.staff_digest"


def digest_id(office_id: str, day: dt.date) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{office_id}/{day.isoformat()}"))


def _lines(entries: list[dict]) -> str:
    shown = [
        f"- {e.get('tracking_code') or e['ticket_id']} ({e['due_at'].strftime('%Y-%m-%d') if e['due_at'] else '?'})"
        for e in entries[:MAX_LINES]
    ]
    if len(entries) > MAX_LINES:
        shown.append(f"+ {len(entries) - MAX_LINES}")
    return "\n".join(shown) or "-"


def fields(entries: list[dict]) -> dict:
    """The template's fields: ticket ids and due dates only (no text, no person)."""
    latest: dict[str, dict] = {}
    for e in sorted(entries, key=lambda e: e["created_at"]):
        latest[e["ticket_id"]] = e  # overdue after near: the ticket is listed once, as it stands now
    overdue = [e for e in latest.values() if e["kind"] == "overdue"]
    near = [e for e in latest.values() if e["kind"] == "deadline_near"]
    return {
        "overdue_count": len(overdue),
        "near_count": len(near),
        "overdue_list": _lines(overdue),
        "near_list": _lines(near),
    }


def recipients(staff_account_ids) -> list[str]:
    """Each staff account once, in the registry's order."""
    return list(dict.fromkeys(a for a in staff_account_ids if a))
