"""Erasure of a person (Law 09-08, identity's user.erased): their requests are anonymised.

What identifies or describes the person goes: the link to them (citizen_id), the requester's
name, address and contact, the sealed ID number, the free text they wrote (description,
their messages in the thread, the comment of their rating, the reasons they gave for their
own transitions), the link to their photo (media_url) and the exact place (coordinates
coarsened to about a kilometre, the street address dropped). What the statistics and the office's record need stays: kind, category,
office, status, dates, deadlines, the rating's number, the attachment count and the history's
steps. Their follows and signatures keep counting under a fresh pseudonym each, so a
petition's threshold and a request's follower count do not move.

Erasing twice changes nothing: the first pass leaves no row pointing at the person.
The rule is here; store.anonymise, store.erase_requester and store.citizen_export apply it
to the rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from cokit.ids import uuid7
from cokit.timestamps import as_utc

CITIZEN = "citizen"
# About 1.1 km of latitude: a neighbourhood, not a house.
COORDINATE_DECIMALS = 2


def coarse(value: float | None) -> float | None:
    return None if value is None else round(value, COORDINATE_DECIMALS)


def ticket_changes(row, now: dt.datetime) -> dict:
    """The columns of one of the person's requests after erasure."""
    return {
        "citizen_id": "",
        "description": "",
        "address": "",
        "latitude": coarse(row["latitude"]),
        "longitude": coarse(row["longitude"]),
        "requester_name": "",
        "requester_address": "",
        "requester_contact": "",
        "id_number_sealed": None,
        "rating_comment": "",
        "media_url": "",
        "anonymised_at": now,
    }


def message_changes() -> dict:
    """A thread message the person wrote: its place in the thread stays, its words go."""
    return {"author_id": "", "body": "", "attachment_ids": ""}


def history_changes(entry) -> dict:
    """A step the person took themselves (withdrawal, appeal): the step stays, their words go."""
    return {"actor": "", "details": "{}"} if entry["actor_role"] == CITIZEN else {"actor": ""}


def pseudonym() -> str:
    """Stands for the person in a follow or a signature, so that the row still counts."""
    return "erased:" + uuid7()


@dataclasses.dataclass(frozen=True)
class Erased:
    tickets: list  # the anonymised requests' rows as they were before (ids, office, kind)
    messages: int
    follows: int
    signatures: int


# --- one request of a person without an account ------------------------------------------------

# Who may erase a walk-in requester's data at the office: those who answer for its records,
# not every clerk who registers requests.
REQUESTER_ERASERS = frozenset(
    {"office_manager", "information_officer", "deputy_information_officer", "commune_admin", "national_admin"}
)
REQUESTER_ERASED = "requester_erased"


def requester_erased_entry(row, now: dt.datetime, actor: str, actor_role: str, reason: str) -> dict:
    """The audit entry in the request's history: who erased the requester's data, and why."""
    return {
        "ticket_id": row["ticket_id"],
        "status": row["status"],
        "from_status": row["status"],
        "at": now,
        "actor": actor,
        "actor_role": actor_role,
        "action": REQUESTER_ERASED,
        "details": json.dumps({"reason": reason}, ensure_ascii=False),
    }


# --- export (the person's own copy) ------------------------------------------------------------

EXPORTED_TICKET_FIELDS = (
    "ticket_id",
    "tracking_code",
    "office_id",
    "kind",
    "category",
    "status",
    "channel",
    "language",
    "description",
    "address",
    "latitude",
    "longitude",
    "public",
    "urgent",
    "requester_name",
    "requester_address",
    "requester_contact",
    "preferred_format",
    "id_kind",
    "rating",
    "rating_comment",
    "media_url",
    "submitted_at",
    "acknowledge_by",
    "answer_by",
    "decided_at",
    "closed_at",
)


def _plain(value):
    if isinstance(value, dt.datetime):
        return as_utc(value).isoformat()
    return value


def exported_request(row, thread, citizen_id: str) -> dict:
    """One of the person's requests with its public thread. The sealed ID number is reported
    as kept, not opened."""
    item = {k: _plain(row[k]) for k in EXPORTED_TICKET_FIELDS}
    item["id_number_kept"] = row["id_number_sealed"] is not None
    item["thread"] = [
        {"author": "me" if x["author_id"] == citizen_id else x["author_role"], "body": x["body"], "at": _plain(x["at"])}
        for x in thread
    ]
    return item


def exported_follow(row) -> dict:
    return {"ticket_id": row["ticket_id"], "me_too": bool(row["me_too"]), "at": _plain(row["at"])}


def exported_signature(row) -> dict:
    return {"ticket_id": row["ticket_id"], "at": _plain(row["at"])}
