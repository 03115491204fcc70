"""The tickets database: requests, their attachments and status history."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

metadata = sa.MetaData()

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("ticket_id", sa.String(36), primary_key=True),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("tracking_code", sa.String(16), nullable=False, unique=True),
    sa.Column("office_id", sa.String(36), nullable=False, index=True),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("citizen_id", sa.String(36), nullable=False, default=""),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    sa.Column("address", sa.String(512), nullable=False, default=""),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("acknowledge_by", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answer_by", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

ticket_attachments = sa.Table(
    "ticket_attachments",
    metadata,
    sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.ticket_id"), primary_key=True),
    sa.Column("attachment_id", sa.String(36), primary_key=True),
)

ticket_history = sa.Table(
    "ticket_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.ticket_id"), nullable=False, index=True),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def insert_ticket(conn: sa.Connection, row: dict, attachment_ids, actor: str) -> None:
    conn.execute(tickets.insert().values(**row))
    if attachment_ids:
        conn.execute(
            ticket_attachments.insert(),
            [{"ticket_id": row["ticket_id"], "attachment_id": a} for a in attachment_ids],
        )
    conn.execute(
        ticket_history.insert().values(
            ticket_id=row["ticket_id"], status=row["status"], at=row["submitted_at"], actor=actor
        )
    )


def _with_count(query):
    count = (
        sa.select(sa.func.count())
        .select_from(ticket_attachments)
        .where(ticket_attachments.c.ticket_id == tickets.c.ticket_id)
        .scalar_subquery()
    )
    return query.add_columns(count.label("attachment_count"))


def find_by_code(conn: sa.Connection, tracking_code: str):
    return conn.execute(
        _with_count(sa.select(tickets).where(tickets.c.tracking_code == tracking_code))
    ).mappings().first()


def find_by_id(conn: sa.Connection, ticket_id: str):
    return conn.execute(
        _with_count(sa.select(tickets).where(tickets.c.ticket_id == ticket_id))
    ).mappings().first()
