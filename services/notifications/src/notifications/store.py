"""The notifications database: in-app inbox and one row per delivery.

A delivery is unique per (source event, channel, recipient): a redelivered event finds its
row and sends nothing more.
"""

from __future__ import annotations

import sqlalchemy as sa

from cokit.timestamps import as_utc

metadata = sa.MetaData()

inbox_items = sa.Table(
    "inbox_items",
    metadata,
    sa.Column("item_id", sa.String(36), primary_key=True),
    sa.Column("citizen_id", sa.String(36), nullable=False, index=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("read", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # The template's fields (codes, dates, statuses; JSON): the inbox is shown in the reader's
    # language, rendered again when it is read. Older items have none and keep their text.
    sa.Column("fields", sa.Text, nullable=True),
    sa.UniqueConstraint("event_id", "citizen_id", name="uq_inbox_event_citizen"),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("delivery_id", sa.String(36), primary_key=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("citizen_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    # The template's fields (ids, codes, dates): no personal data, the address is looked
    # up in identity at send time.
    sa.Column("fields", sa.Text, nullable=False),
    # pending: to send; sending: claimed by a sender; sent: the server accepted it;
    # skipped: nowhere to send; failed: gave up after the last retry
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.String(300), nullable=False, default=""),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("event_id", "channel", "citizen_id", name="uq_delivery"),
)

# A row per channel and kind the recipient does not want ("*" = every kind).
opt_outs = sa.Table(
    "opt_outs",
    metadata,
    sa.Column("citizen_id", sa.String(36), primary_key=True),
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("kind", sa.String(64), primary_key=True),
)

quiet_hours = sa.Table(
    "quiet_hours",
    metadata,
    sa.Column("citizen_id", sa.String(36), primary_key=True),
    sa.Column("start_minute", sa.Integer, nullable=False),
    sa.Column("end_minute", sa.Integer, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
)

# People identity erased (user.erased): the bare pseudonym, so that an event about them still
# in flight writes no new inbox item or delivery.
erased_citizens = sa.Table(
    "erased_citizens",
    metadata,
    sa.Column("citizen_id", sa.String(36), primary_key=True),
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
)

# ticket.deadline_near / ticket.overdue collected for the staff digest (ids and dates only);
# digest_day is set when a digest took the entry.
digest_entries = sa.Table(
    "digest_entries",
    metadata,
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("office_id", sa.String(36), nullable=False, index=True),
    sa.Column("ticket_id", sa.String(36), nullable=False),
    sa.Column("tracking_code", sa.String(16), nullable=True),
    sa.Column("kind", sa.String(16), nullable=False),  # deadline_near | overdue
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("digest_day", sa.String(10), nullable=True, index=True),
)

# One digest per office and day, whichever replica makes it.
digests = sa.Table(
    "digests",
    metadata,
    sa.Column("office_id", sa.String(36), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
)

# What erasure leaves of a delivery: its channel, kind, state, attempts and dates (the figures);
# the template's fields and the last error (a mail server may quote the address) go.
ERASED_DELIVERY = {"fields": "{}", "last_error": ""}
CANCELLED = "cancelled"


def erase(conn: sa.Connection, citizen_id: str, now) -> dict[str, int]:
    """Forget the person: inbox and preferences deleted, deliveries kept as bare counts, the
    ones not sent yet cancelled. A second run changes nothing."""
    counts = {
        "inbox_items": conn.execute(inbox_items.delete().where(inbox_items.c.citizen_id == citizen_id)).rowcount,
        "preferences": conn.execute(opt_outs.delete().where(opt_outs.c.citizen_id == citizen_id)).rowcount
        + conn.execute(quiet_hours.delete().where(quiet_hours.c.citizen_id == citizen_id)).rowcount,
    }
    mine = deliveries.c.citizen_id == citizen_id
    counts["cancelled"] = conn.execute(
        deliveries.update()
        .where(mine, deliveries.c.state == "pending")
        .values(state=CANCELLED, claimed_at=None, **ERASED_DELIVERY)
    ).rowcount
    counts["deliveries"] = conn.execute(
        deliveries.update()
        .where(
            mine,
            sa.or_(
                deliveries.c.fields != ERASED_DELIVERY["fields"],
                deliveries.c.last_error != ERASED_DELIVERY["last_error"],
            ),
        )
        .values(**ERASED_DELIVERY)
    ).rowcount
    insert_ignoring_duplicate(conn, erased_citizens, {"citizen_id": citizen_id, "erased_at": now})
    return counts


def is_erased(conn: sa.Connection, citizen_id: str) -> bool:
    return (
        conn.execute(sa.select(erased_citizens.c.citizen_id).where(erased_citizens.c.citizen_id == citizen_id)).first()
        is not None
    )


def export(conn: sa.Connection, citizen_id: str) -> dict:
    """What this service holds about the person: inbox, preferences and what was sent to them."""

    def when(value):
        return as_utc(value).isoformat() if value is not None else None

    inbox = (
        conn.execute(
            sa.select(inbox_items).where(inbox_items.c.citizen_id == citizen_id).order_by(inbox_items.c.created_at)
        )
        .mappings()
        .all()
    )
    sent = (
        conn.execute(
            sa.select(deliveries).where(deliveries.c.citizen_id == citizen_id).order_by(deliveries.c.created_at)
        )
        .mappings()
        .all()
    )
    quiet = quiet_hours_of(conn, citizen_id)
    return {
        "inbox": [
            {
                "kind": r["kind"],
                "language": r["language"],
                "subject": r["subject"],
                "body": r["body"],
                "read": bool(r["read"]),
                "at": when(r["created_at"]),
            }
            for r in inbox
        ],
        "opt_outs": [{"channel": c, "kind": k} for c, k in sorted(opt_outs_of(conn, citizen_id))],
        "quiet_hours": {
            "start_minute": quiet["start_minute"],
            "end_minute": quiet["end_minute"],
            "timezone": quiet["timezone"],
        }
        if quiet
        else None,
        "deliveries": [
            {
                "channel": r["channel"],
                "kind": r["kind"],
                "state": r["state"],
                "at": when(r["created_at"]),
                "sent_at": when(r["sent_at"]),
            }
            for r in sent
        ],
    }


def opt_outs_of(conn: sa.Connection, citizen_id: str) -> set[tuple[str, str]]:
    rows = conn.execute(sa.select(opt_outs.c.channel, opt_outs.c.kind).where(opt_outs.c.citizen_id == citizen_id))
    return {(r.channel, r.kind) for r in rows}


def opt_outs_by_citizen(conn: sa.Connection, citizen_ids) -> dict[str, set[tuple[str, str]]]:
    """opt_outs_of for many recipients in one query (citizens without any are left out)."""
    found: dict[str, set[tuple[str, str]]] = {}
    if citizen_ids:
        rows = conn.execute(
            sa.select(opt_outs.c.citizen_id, opt_outs.c.channel, opt_outs.c.kind).where(
                opt_outs.c.citizen_id.in_(sorted(citizen_ids))
            )
        )
        for r in rows:
            found.setdefault(r.citizen_id, set()).add((r.channel, r.kind))
    return found


def quiet_hours_by_citizen(conn: sa.Connection, citizen_ids) -> dict:
    """quiet_hours_of for many recipients in one query (citizens without any are left out)."""
    if not citizen_ids:
        return {}
    rows = conn.execute(sa.select(quiet_hours).where(quiet_hours.c.citizen_id.in_(sorted(citizen_ids)))).mappings()
    return {r["citizen_id"]: r for r in rows}


def quiet_hours_of(conn: sa.Connection, citizen_id: str):
    return conn.execute(sa.select(quiet_hours).where(quiet_hours.c.citizen_id == citizen_id)).mappings().first()


def insert_ignoring_duplicate(conn: sa.Connection, table: sa.Table, row: dict) -> bool:
    """Insert unless a unique key exists already; True when inserted. One statement (ON CONFLICT
    DO NOTHING) on PostgreSQL and SQLite, a savepoint elsewhere."""
    dialect = conn.dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return conn.execute(insert(table).values(**row).on_conflict_do_nothing()).rowcount == 1
    try:
        with conn.begin_nested():
            conn.execute(table.insert().values(**row))
        return True
    except sa.exc.IntegrityError:
        return False


def claim_due(conn: sa.Connection, now, stale_before, limit: int) -> list[dict]:
    """Claim deliveries that are due, and those whose sender died mid-send.

    Each row is claimed by a conditional update, so two senders (two replicas, or a
    timer run overlapping the previous one) never both take the same delivery.
    """
    stale = sa.and_(deliveries.c.state == "sending", deliveries.c.claimed_at < stale_before)
    due = sa.and_(deliveries.c.state == "pending", deliveries.c.next_attempt_at <= now)
    candidates = (
        conn.execute(sa.select(deliveries).where(sa.or_(due, stale)).order_by(deliveries.c.created_at).limit(limit))
        .mappings()
        .all()
    )
    claimed = []
    for row in candidates:
        result = conn.execute(
            deliveries.update()
            .where(
                deliveries.c.delivery_id == row["delivery_id"],
                deliveries.c.state == row["state"],
                deliveries.c.attempts == row["attempts"],
                deliveries.c.claimed_at.is_(None)
                if row["claimed_at"] is None
                else deliveries.c.claimed_at == row["claimed_at"],
            )
            .values(state="sending", claimed_at=now)
        )
        if result.rowcount == 1:
            claimed.append(dict(row))
    return claimed


def inbox_page(conn: sa.Connection, citizen_id: str, after, limit: int):
    """The person's inbox, newest first, after the (created_at, item_id) of the previous page."""
    mine = inbox_items.c.citizen_id == citizen_id
    query = sa.select(inbox_items).where(mine)
    if after is not None:
        at, item_id = after
        query = query.where(
            sa.or_(
                inbox_items.c.created_at < at, sa.and_(inbox_items.c.created_at == at, inbox_items.c.item_id < item_id)
            )
        )
    rows = (
        conn.execute(query.order_by(inbox_items.c.created_at.desc(), inbox_items.c.item_id.desc()).limit(limit))
        .mappings()
        .all()
    )
    unread = conn.execute(
        sa.select(sa.func.count()).select_from(inbox_items).where(mine, inbox_items.c.read.is_(False))
    ).scalar_one()
    return rows, unread


def offices_awaiting_digest(conn: sa.Connection) -> list[str]:
    return list(
        conn.execute(
            sa.select(digest_entries.c.office_id).where(digest_entries.c.digest_day.is_(None)).distinct()
        ).scalars()
    )


def take_digest(conn: sa.Connection, office_id: str, day: str, now) -> list[dict] | None:
    """In the caller's transaction: the office's digest of `day` made once (None when it was
    already, by this or another replica), taking every entry no digest took yet."""
    if not insert_ignoring_duplicate(conn, digests, {"office_id": office_id, "day": day, "made_at": now}):
        return None
    mine = sa.and_(digest_entries.c.office_id == office_id, digest_entries.c.digest_day.is_(None))
    rows = conn.execute(sa.select(digest_entries).where(mine)).mappings().all()
    conn.execute(
        digest_entries.update()
        .where(digest_entries.c.event_id.in_([r["event_id"] for r in rows]))
        .values(digest_day=day)
    )
    return [dict(r) for r in rows]
