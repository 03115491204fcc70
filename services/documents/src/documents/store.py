"""The documents database: attachment metadata, pending uploads and the public library
(the bytes are in the bucket)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("attachment_id", sa.String(36), primary_key=True),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("office_id", sa.String(36), nullable=False, index=True),
    sa.Column("content_type", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("object_key", sa.String(255), nullable=False, unique=True),
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    # Added after the first release: nullable so existing databases gain them in place.
    sa.Column("owner_citizen_id", sa.String(36), nullable=True, index=True),
    sa.Column("category", sa.String(32), nullable=True),
    sa.Column("received_sha256", sa.String(64), nullable=True),
    sa.Column("metadata_stripped", sa.Boolean, nullable=True),
    sa.Column("thumbnail_key", sa.String(255), nullable=True),
    # The ticket the attachment belongs to (ticket.submitted, ticket.message_posted), and when
    # its bytes were purged after the ticket closed: the row stays as a tombstone.
    sa.Column("ticket_id", sa.String(36), nullable=True, index=True),
    sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
)

# A closed ticket whose attachments wait for the end of the retention period (DOCUMENTS_RETENTION_DAYS).
# state: scheduled -> purging (claimed by one replica's timer) -> purged; cancelled when the
# ticket is reopened before the purge.
ticket_closures = sa.Table(
    "ticket_closures",
    metadata,
    sa.Column("ticket_id", sa.String(36), primary_key=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
)

# A presigned upload between StartUpload and CompleteUpload. The announced size and digest
# are what the bucket's object must match.
uploads = sa.Table(
    "uploads",
    metadata,
    sa.Column("upload_id", sa.String(36), primary_key=True),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("office_id", sa.String(36), nullable=False),
    sa.Column("owner_citizen_id", sa.String(36), nullable=True),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("declared_content_type", sa.String(128), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("object_key", sa.String(255), nullable=False, unique=True),
    sa.Column("s3_upload_id", sa.String(255), nullable=True),  # multipart only
    sa.Column("state", sa.String(16), nullable=False),  # open | completed | rejected
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

published = sa.Table(
    "published_documents",
    metadata,
    sa.Column("document_id", sa.String(36), primary_key=True),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("office_id", sa.String(36), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("document_date", sa.Date, nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("keywords", sa.Text, nullable=False),  # JSON list
    sa.Column("search_text", sa.Text, nullable=False),  # lower-cased title, summary, keywords
    sa.Column("content_type", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("object_key", sa.String(255), nullable=False, unique=True),
)


def get_attachment(conn: sa.Connection, attachment_id: str):
    return conn.execute(sa.select(attachments).where(attachments.c.attachment_id == attachment_id)).mappings().first()


def link_to_ticket(conn: sa.Connection, ticket_id: str, attachment_ids) -> int:
    """Tie attachments to their ticket; one already tied to a ticket stays with it."""
    ids = [a for a in attachment_ids if a]
    if not ids:
        return 0
    return conn.execute(
        attachments.update()
        .where(attachments.c.attachment_id.in_(ids), attachments.c.ticket_id.is_(None))
        .values(ticket_id=ticket_id)
    ).rowcount


def schedule_purge(conn: sa.Connection, ticket_id: str, closed_at) -> None:
    """The ticket closed: its retention period starts (again, when it was reopened and closed)."""
    t = ticket_closures
    updated = conn.execute(
        t.update()
        .where(t.c.ticket_id == ticket_id, t.c.state != "purging")
        .values(closed_at=closed_at, state="scheduled", claimed_at=None)
    ).rowcount
    if not updated and conn.execute(sa.select(t.c.ticket_id).where(t.c.ticket_id == ticket_id)).first() is None:
        conn.execute(t.insert().values(ticket_id=ticket_id, closed_at=closed_at, state="scheduled"))


def cancel_purge(conn: sa.Connection, ticket_id: str) -> int:
    """The ticket was reopened: a purge not started yet is called off."""
    t = ticket_closures
    return conn.execute(
        t.update().where(t.c.ticket_id == ticket_id, t.c.state == "scheduled").values(state="cancelled")
    ).rowcount


def claim_purges(conn: sa.Connection, cutoff, now, stale_before, limit: int) -> list[str]:
    """Tickets closed before `cutoff` (and purges whose replica died), each claimed by a
    conditional update so that two replicas never purge the same ticket at once."""
    t = ticket_closures
    due = sa.and_(t.c.state == "scheduled", t.c.closed_at <= cutoff)
    stale = sa.and_(t.c.state == "purging", t.c.claimed_at < stale_before)
    rows = (
        conn.execute(
            sa.select(t.c.ticket_id, t.c.state, t.c.claimed_at)
            .where(sa.or_(due, stale))
            .order_by(t.c.closed_at)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    claimed = []
    for row in rows:
        seen = t.c.claimed_at.is_(None) if row["claimed_at"] is None else t.c.claimed_at == row["claimed_at"]
        if (
            conn.execute(
                t.update()
                .where(t.c.ticket_id == row["ticket_id"], t.c.state == row["state"], seen)
                .values(state="purging", claimed_at=now)
            ).rowcount
            == 1
        ):
            claimed.append(row["ticket_id"])
    return claimed
