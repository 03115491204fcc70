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
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

import sqlalchemy as sa

from cokit.ids import uuid7

from . import store

CITIZEN = "citizen"
# About 1.1 km of latitude: a neighbourhood, not a house.
COORDINATE_DECIMALS = 2


def coarse(value: float | None) -> float | None:
    return None if value is None else round(value, COORDINATE_DECIMALS)


def ticket_changes(row, now: dt.datetime) -> dict:
    """The columns of one of the person's requests after erasure."""
    return {
        "citizen_id": "", "description": "", "address": "",
        "latitude": coarse(row["latitude"]), "longitude": coarse(row["longitude"]),
        "requester_name": "", "requester_address": "", "requester_contact": "",
        "id_number_sealed": None, "rating_comment": "", "media_url": "", "anonymised_at": now,
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
    tickets: list           # the anonymised requests' rows as they were before (ids, office, kind)
    messages: int
    follows: int
    signatures: int


def anonymise(conn: sa.Connection, citizen_id: str, now: dt.datetime) -> Erased:
    """Apply the rule to every row about the person, in the caller's transaction."""
    if not citizen_id:
        raise ValueError("citizen_id is required")
    t, m, h = store.tickets, store.ticket_messages, store.ticket_history
    rows = conn.execute(sa.select(t.c.ticket_id, t.c.office_id, t.c.kind, t.c.latitude, t.c.longitude)
                        .where(t.c.citizen_id == citizen_id)).mappings().all()
    for row in rows:
        conn.execute(t.update().where(t.c.ticket_id == row["ticket_id"]).values(
            version=t.c.version + 1, **ticket_changes(row, now)))
    messages = conn.execute(m.update().where(m.c.author_id == citizen_id, m.c.author_role == CITIZEN)
                            .values(**message_changes())).rowcount
    for entry in conn.execute(sa.select(h.c.id, h.c.actor_role).where(h.c.actor == citizen_id)).mappings().all():
        conn.execute(h.update().where(h.c.id == entry["id"]).values(**history_changes(entry)))
    follows = _repseudonymise(conn, store.ticket_followers, store.ticket_followers.c.follower_id, citizen_id)
    signatures = _repseudonymise(conn, store.petition_signatures, store.petition_signatures.c.signer_id, citizen_id)
    return Erased(tickets=list(rows), messages=messages, follows=follows, signatures=signatures)


def _repseudonymise(conn, table, column, citizen_id: str) -> int:
    """One fresh pseudonym per row: the rows keep counting, and no two can be linked."""
    tickets = conn.execute(sa.select(table.c.ticket_id).where(column == citizen_id)).scalars().all()
    for ticket_id in tickets:
        conn.execute(table.update().where(table.c.ticket_id == ticket_id, column == citizen_id)
                     .values({column.name: pseudonym()}))
    return len(tickets)


# --- one request of a person without an account ------------------------------------------------

# Who may erase a walk-in requester's data at the office: those who answer for its records,
# not every clerk who registers requests.
REQUESTER_ERASERS = frozenset({"office_manager", "information_officer", "deputy_information_officer",
                               "commune_admin", "national_admin"})
REQUESTER_ERASED = "requester_erased"


def erase_requester(conn: sa.Connection, row, now: dt.datetime, actor: str, actor_role: str, reason: str) -> bool:
    """The rule of `anonymise` applied to one request whose requester has no account (registered
    at the desk), with an audit entry in its history. False when it was erased already."""
    if row["anonymised_at"] is not None:
        return False
    t, m, h = store.tickets, store.ticket_messages, store.ticket_history
    conn.execute(t.update().where(t.c.ticket_id == row["ticket_id"]).values(
        version=t.c.version + 1, **ticket_changes(row, now)))
    conn.execute(m.update().where(m.c.ticket_id == row["ticket_id"], m.c.author_role == CITIZEN)
                 .values(**message_changes()))
    for entry in conn.execute(sa.select(h.c.id, h.c.actor_role).where(
            h.c.ticket_id == row["ticket_id"], h.c.actor_role == CITIZEN)).mappings().all():
        conn.execute(h.update().where(h.c.id == entry["id"]).values(**history_changes(entry)))
    conn.execute(h.insert().values(
        ticket_id=row["ticket_id"], status=row["status"], from_status=row["status"], at=now, actor=actor,
        actor_role=actor_role, action=REQUESTER_ERASED, details=json.dumps({"reason": reason}, ensure_ascii=False),
    ))
    return True


# --- export (the person's own copy) ------------------------------------------------------------

EXPORTED_TICKET_FIELDS = (
    "ticket_id", "tracking_code", "office_id", "kind", "category", "status", "channel", "language",
    "description", "address", "latitude", "longitude", "public", "urgent", "requester_name",
    "requester_address", "requester_contact", "preferred_format", "id_kind", "rating", "rating_comment",
    "media_url", "submitted_at", "acknowledge_by", "answer_by", "decided_at", "closed_at",
)


def _plain(value):
    if isinstance(value, dt.datetime):
        return store.as_utc(value).isoformat()
    return value


def export(conn: sa.Connection, citizen_id: str) -> dict:
    """What this service holds about the person: their requests with the public thread, and
    the requests they follow or signed. The sealed ID number is reported as kept, not opened."""
    t, m = store.tickets, store.ticket_messages
    rows = conn.execute(sa.select(t).where(t.c.citizen_id == citizen_id).order_by(t.c.submitted_at)).mappings().all()
    requests = []
    for row in rows:
        item = {k: _plain(row[k]) for k in EXPORTED_TICKET_FIELDS}
        item["id_number_kept"] = row["id_number_sealed"] is not None
        thread = conn.execute(sa.select(m).where(m.c.ticket_id == row["ticket_id"], m.c.internal == sa.false())
                              .order_by(m.c.at, m.c.message_id)).mappings().all()
        item["thread"] = [{"author": "me" if x["author_id"] == citizen_id else x["author_role"], "body": x["body"],
                           "at": _plain(x["at"])} for x in thread]
        requests.append(item)
    f, s = store.ticket_followers, store.petition_signatures
    follows = conn.execute(sa.select(f.c.ticket_id, f.c.me_too, f.c.at).where(f.c.follower_id == citizen_id)).mappings().all()
    signed = conn.execute(sa.select(s.c.ticket_id, s.c.at).where(s.c.signer_id == citizen_id)).mappings().all()
    return {
        "requests": requests,
        "follows": [{"ticket_id": x["ticket_id"], "me_too": bool(x["me_too"]), "at": _plain(x["at"])} for x in follows],
        "signatures": [{"ticket_id": x["ticket_id"], "at": _plain(x["at"])} for x in signed],
    }
