"""The tickets database: requests, their attachments, status history and deadline alerts."""
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
    # Added with the workflows; nullable or defaulted on the server, so that rows written by
    # an older replica during a rolling update stay valid.
    sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("extended", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("registered_by", sa.String(36), nullable=False, server_default=""),
    sa.Column("requester_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("requester_address", sa.String(512), nullable=False, server_default=""),
    sa.Column("requester_contact", sa.String(200), nullable=False, server_default=""),
    sa.Column("preferred_format", sa.String(16), nullable=False, server_default=""),
    sa.Column("id_kind", sa.String(24), nullable=False, server_default=""),
    sa.Column("id_number_sealed", sa.LargeBinary, nullable=True),
    sa.Column("signature_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("signature_threshold", sa.Integer, nullable=False, server_default="0"),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    # The scheduler's scan: open tickets by their watched deadline.
    sa.Index("ix_tickets_due", "due_at"),
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
    sa.Column("action", sa.String(32), nullable=False, server_default="submit"),
    sa.Column("from_status", sa.String(24), nullable=False, server_default=""),
    sa.Column("actor_role", sa.String(32), nullable=False, server_default=""),
    # What the transition said (answer, reason, exception): shown to the requester.
    sa.Column("details", sa.Text, nullable=False, server_default="{}"),
)

# One row per deadline alert already raised: the primary key makes ticket.deadline_near and
# ticket.overdue happen once per deadline however many scheduler replicas run.
ticket_alerts = sa.Table(
    "ticket_alerts",
    metadata,
    sa.Column("ticket_id", sa.String(36), primary_key=True),
    sa.Column("alert", sa.String(24), primary_key=True),
    sa.Column("due_at", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
)


def add_missing_columns(conn: sa.Connection, _settings=None) -> None:
    """create_all makes missing tables only; columns added since go in here (idempotent)."""
    inspector = sa.inspect(conn)
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            kind = column.type.compile(conn.dialect)
            default = ""
            if column.server_default is not None:
                arg = column.server_default.arg
                value = arg if isinstance(arg, str) else str(arg.compile(dialect=conn.dialect))
                default = f" DEFAULT '{value}'" if isinstance(arg, str) else f" DEFAULT {value}"
            null = "" if column.nullable else " NOT NULL"
            conn.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}{default}{null}'))
    existing = {i["name"] for i in inspector.get_indexes("tickets")} if inspector.has_table("tickets") else set()
    for index in tickets.indexes:
        if index.name not in existing:
            index.create(conn, checkfirst=True)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def insert_ticket(conn: sa.Connection, row: dict, attachment_ids, actor: str, actor_role: str = "citizen") -> None:
    conn.execute(tickets.insert().values(**row))
    if attachment_ids:
        conn.execute(
            ticket_attachments.insert(),
            [{"ticket_id": row["ticket_id"], "attachment_id": a} for a in attachment_ids],
        )
    conn.execute(
        ticket_history.insert().values(
            ticket_id=row["ticket_id"], status=row["status"], at=row["submitted_at"], actor=actor,
            action="submit", actor_role=actor_role,
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


def apply_transition(conn: sa.Connection, ticket_id: str, expected_status: str, expected_version: int,
                     changes: dict, history: dict) -> bool:
    """Compare-and-set on (status, version): False when someone else moved the ticket first.

    On PostgreSQL a concurrent UPDATE of the same row waits for the first to commit and then
    re-checks the WHERE clause, so of two schedulers or two clerks exactly one wins.
    """
    result = conn.execute(
        tickets.update()
        .where(tickets.c.ticket_id == ticket_id, tickets.c.status == expected_status,
               tickets.c.version == expected_version)
        .values(version=tickets.c.version + 1, **changes)
    )
    if result.rowcount != 1:
        return False
    conn.execute(ticket_history.insert().values(ticket_id=ticket_id, **history))
    return True


def history_of(conn: sa.Connection, ticket_id: str):
    return conn.execute(
        sa.select(ticket_history).where(ticket_history.c.ticket_id == ticket_id).order_by(ticket_history.c.id)
    ).mappings().all()


def raise_alert(conn: sa.Connection, ticket_id: str, alert: str, due_at: dt.datetime, now: dt.datetime) -> bool:
    """Record an alert unless already raised (on a savepoint, so a lost race is not an error)."""
    exists = conn.execute(
        sa.select(ticket_alerts.c.ticket_id).where(
            ticket_alerts.c.ticket_id == ticket_id, ticket_alerts.c.alert == alert, ticket_alerts.c.due_at == due_at)
    ).first()
    if exists:
        return False
    try:
        with conn.begin_nested():
            conn.execute(ticket_alerts.insert().values(ticket_id=ticket_id, alert=alert, due_at=due_at, raised_at=now))
    except sa.exc.IntegrityError:
        return False
    return True
