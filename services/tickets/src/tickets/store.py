"""The tickets database: requests, their attachments, status history and deadline alerts."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql  # noqa: F401  (registers to_tsvector and to_tsquery for PostgreSQL)

from cokit import db, request_types
from cokit.refusals import failed_precondition
from cokit.timestamps import as_utc  # noqa: F401  (used here and by the service)
from . import domain, erasure, transitions

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
    sa.Column("department", sa.String(64), nullable=False, server_default=""),
    sa.Column("assignee_id", sa.String(36), nullable=False, server_default=""),
    sa.Column("priority", sa.Integer, nullable=False, server_default="2"),  # 1 urgent .. 4 low
    sa.Column("rating", sa.Integer, nullable=True),
    sa.Column("rating_comment", sa.String(1000), nullable=False, server_default=""),
    sa.Column("merged_into", sa.String(36), nullable=False, server_default=""),
    sa.Column("hidden_reason", sa.String(300), nullable=False, server_default=""),
    sa.Column("media_url", sa.String(1024), nullable=False, server_default=""),
    # Set when the requester's erasure (Law 09-08) anonymised the request (tickets/erasure.py).
    sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
    # The scheduler's scan: open tickets by their watched deadline.
    sa.Index("ix_tickets_due", "due_at"),
    # Staff queues: an office's requests by status, newest first; an agent's own queue.
    sa.Index("ix_tickets_queue", "office_id", "status", "submitted_at", "ticket_id"),
    sa.Index("ix_tickets_office_time", "office_id", "submitted_at", "ticket_id"),
    sa.Index("ix_tickets_assignee", "assignee_id", "status", "submitted_at"),
    # A citizen's own requests, newest first.
    sa.Index("ix_tickets_citizen", "citizen_id", "submitted_at", "ticket_id"),
)

# The staff queue's text search (domain.search_normal: Arabic spelling variants, harakat, tatweel
# and leading articles folded, Latin accents dropped, lower case), computed by the database for
# the stored text with the same rule. On PostgreSQL: full text with the 'simple' configuration
# (no stemming, so Arabic, Tifinagh and French words are matched alike) over the normal form, in
# a GIN index on that very expression (translate, replace, regexp_replace and lower are
# immutable); each word typed matches a word or a word's start. On SQLite: the domain's function
# itself (cokit.db registers it on every connection), each word typed found anywhere with LIKE.
TEXT_SEARCH_CONFIG = sa.literal_column("'simple'")


def _sql_string(value: str) -> sa.ColumnElement:
    """A string literal written into the SQL itself, not a bound parameter: the query's expression
    must be the index's expression, character for character, for PostgreSQL to use the index."""
    assert "'" not in value and "%" not in value
    return sa.literal_column(f"'{value}'", sa.Text)


def _folded(column) -> sa.ColumnElement:
    for ligature, letters in domain.SEARCH_LIGATURES.items():
        column = sa.func.replace(column, _sql_string(ligature), _sql_string(letters))
    return column


def search_text(column, dialect: str) -> sa.ColumnElement:
    """The stored text in the search's normal form (domain.search_normal), as SQL."""
    if dialect == "postgresql":
        letters = sa.func.translate(
            _folded(column),
            _sql_string("".join(domain.SEARCH_LETTERS) + domain.SEARCH_DROPPED),
            _sql_string("".join(domain.SEARCH_LETTERS.values())),
        )
        return sa.func.lower(
            sa.func.regexp_replace(letters, _sql_string(domain.ARTICLE), _sql_string("\\1"), _sql_string("g"))
        )
    return sa.func.search_normal(column)


# SQLite has neither translate nor regular expressions: there the rule is the domain's own.
db.SQLITE_FUNCTIONS["search_normal"] = lambda text: None if text is None else domain.search_normal(text)


def search_vector(column) -> sa.ColumnElement:
    return sa.func.to_tsvector(TEXT_SEARCH_CONFIG, search_text(column, "postgresql"))


ix_tickets_search = sa.Index(
    "ix_tickets_search",
    search_vector(tickets.c.description),
    postgresql_using="gin",
    _table=tickets,  # the expression starts with a literal, from which SQLAlchemy cannot tell the table
).ddl_if(dialect="postgresql")

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

# Assignment and transfer between offices, kept as history.
ticket_assignments = sa.Table(
    "ticket_assignments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.ticket_id"), nullable=False, index=True),
    sa.Column("office_id", sa.String(36), nullable=False),
    sa.Column("department", sa.String(64), nullable=False),
    sa.Column("assignee_id", sa.String(36), nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

# The public thread with the requester, and internal notes (internal=true) never shown to them.
ticket_messages = sa.Table(
    "ticket_messages",
    metadata,
    sa.Column("message_id", sa.String(36), primary_key=True),
    sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.ticket_id"), nullable=False, index=True),
    sa.Column("internal", sa.Boolean, nullable=False),
    sa.Column("author_id", sa.String(64), nullable=False),
    sa.Column("author_role", sa.String(32), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("attachment_ids", sa.String(200), nullable=False, server_default=""),
    sa.Column("hidden_reason", sa.String(300), nullable=False, server_default=""),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

# Followers and "me too": one row per person and ticket; merged tickets' followers move over.
ticket_followers = sa.Table(
    "ticket_followers",
    metadata,
    sa.Column("ticket_id", sa.String(36), primary_key=True),
    sa.Column("follower_id", sa.String(64), primary_key=True),
    sa.Column("me_too", sa.Boolean, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

# Petition signatures: the primary key refuses a second signature of the same person.
petition_signatures = sa.Table(
    "petition_signatures",
    metadata,
    sa.Column("ticket_id", sa.String(36), primary_key=True),
    sa.Column("signer_id", sa.String(64), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
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

# A request's move to another instance (out: offered here, answered by its requester, completed
# once the other instance issued its own code) or from one (in). One row per ticket; the
# idempotency key is what the other side sees on every retry.
ticket_transfers = sa.Table(
    "ticket_transfers",
    metadata,
    sa.Column("ticket_id", sa.String(36), sa.ForeignKey("tickets.ticket_id"), primary_key=True),
    sa.Column("direction", sa.String(3), nullable=False),
    sa.Column("peer_instance", sa.String(16), nullable=False),
    sa.Column("peer_office_id", sa.String(36), nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
    sa.Column("peer_tracking_code", sa.String(16), nullable=False, server_default=""),
    # What the requester chose to give the other office with their consent; emptied once moved.
    sa.Column("contact", sa.String(200), nullable=False, server_default=""),
    sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
)


# A client's idempotency key per submission it filed (domain.submission_key: a digest, never the
# key), with the request it came with: the primary key files one ticket per key, however many
# times and from however many replicas it is sent.
submission_keys = sa.Table(
    "submission_keys",
    metadata,
    sa.Column("key_digest", sa.String(64), primary_key=True),
    sa.Column("ticket_id", sa.String(36), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def add_submission_key(conn: sa.Connection, key_digest: str, ticket_id: str, fingerprint: str, at) -> None:
    conn.execute(
        submission_keys.insert().values(
            key_digest=key_digest, ticket_id=ticket_id, fingerprint=fingerprint, created_at=at
        )
    )


def keyed_submission(conn: sa.Connection, key_digest: str):
    """The ticket filed under this key, with the fingerprint of the request it came with; None."""
    found = conn.execute(sa.select(submission_keys).where(submission_keys.c.key_digest == key_digest)).first()
    if found is None:
        return None
    return found.fingerprint, find_by_id(conn, found.ticket_id)


def insert_ticket(conn: sa.Connection, row: dict, attachment_ids, actor: str, actor_role: str = "citizen") -> None:
    conn.execute(tickets.insert().values(**row))
    if attachment_ids:
        conn.execute(
            ticket_attachments.insert(),
            [{"ticket_id": row["ticket_id"], "attachment_id": a} for a in attachment_ids],
        )
    conn.execute(
        ticket_history.insert().values(
            ticket_id=row["ticket_id"],
            status=row["status"],
            at=row["submitted_at"],
            actor=actor,
            action="submit",
            actor_role=actor_role,
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
    return (
        conn.execute(_with_count(sa.select(tickets).where(tickets.c.tracking_code == tracking_code))).mappings().first()
    )


def find_by_id(conn: sa.Connection, ticket_id: str):
    return conn.execute(_with_count(sa.select(tickets).where(tickets.c.ticket_id == ticket_id))).mappings().first()


def apply_transition(conn: sa.Connection, outbox, planned: transitions.Planned) -> None:
    """Write a planned transition and its event, in the caller's transaction: a compare-and-set
    on (status, version), so FAILED_PRECONDITION CONCURRENT_CHANGE when someone else moved the
    ticket between our read and our write.

    On PostgreSQL a concurrent UPDATE of the same row waits for the first to commit and then
    re-checks the WHERE clause, so of two schedulers or two clerks exactly one wins.
    """
    result = conn.execute(
        tickets.update()
        .where(
            tickets.c.ticket_id == planned.ticket_id,
            tickets.c.status == planned.from_status,
            tickets.c.version == planned.version,
        )
        .values(version=tickets.c.version + 1, **planned.changes)
    )
    if result.rowcount != 1:
        raise failed_precondition("CONCURRENT_CHANGE", "the request changed meanwhile; reload it and try again")
    conn.execute(ticket_history.insert().values(ticket_id=planned.ticket_id, **planned.history))
    outbox.add(conn, planned.event_type, planned.ticket_id, planned.event, office_id=planned.office_id)


def history_of(conn: sa.Connection, ticket_id: str):
    return (
        conn.execute(
            sa.select(ticket_history).where(ticket_history.c.ticket_id == ticket_id).order_by(ticket_history.c.id)
        )
        .mappings()
        .all()
    )


def raise_alert(conn: sa.Connection, ticket_id: str, alert: str, due_at: dt.datetime, now: dt.datetime) -> bool:
    """Record an alert unless already raised (on a savepoint, so a lost race is not an error)."""
    exists = conn.execute(
        sa.select(ticket_alerts.c.ticket_id).where(
            ticket_alerts.c.ticket_id == ticket_id, ticket_alerts.c.alert == alert, ticket_alerts.c.due_at == due_at
        )
    ).first()
    if exists:
        return False
    try:
        with conn.begin_nested():
            conn.execute(ticket_alerts.insert().values(ticket_id=ticket_id, alert=alert, due_at=due_at, raised_at=now))
    except sa.exc.IntegrityError:
        return False
    return True


def assign(
    conn,
    row,
    *,
    office_id: str,
    department: str,
    assignee_id: str,
    priority: int,
    reason: str,
    actor: str,
    now: dt.datetime,
) -> None:
    conn.execute(
        tickets.update()
        .where(tickets.c.ticket_id == row["ticket_id"])
        .values(
            office_id=office_id,
            department=department,
            assignee_id=assignee_id,
            priority=priority,
            updated_at=now,
            version=tickets.c.version + 1,
        )
    )
    conn.execute(
        ticket_assignments.insert().values(
            ticket_id=row["ticket_id"],
            office_id=office_id,
            department=department,
            assignee_id=assignee_id,
            priority=priority,
            reason=reason,
            actor=actor,
            at=now,
        )
    )


def assignments_of(conn, ticket_id: str):
    return (
        conn.execute(
            sa.select(ticket_assignments)
            .where(ticket_assignments.c.ticket_id == ticket_id)
            .order_by(ticket_assignments.c.id)
        )
        .mappings()
        .all()
    )


def add_message(conn, values: dict) -> None:
    conn.execute(ticket_messages.insert().values(**values))


def thread_of(conn, ticket_id: str, include_internal: bool):
    q = sa.select(ticket_messages).where(ticket_messages.c.ticket_id == ticket_id)
    if not include_internal:
        q = q.where(ticket_messages.c.internal == sa.false())
    return conn.execute(q.order_by(ticket_messages.c.at, ticket_messages.c.message_id)).mappings().all()


def follow(conn, ticket_id: str, follower_id: str, me_too: bool, now: dt.datetime) -> bool:
    exists = conn.execute(
        sa.select(ticket_followers.c.me_too).where(
            ticket_followers.c.ticket_id == ticket_id, ticket_followers.c.follower_id == follower_id
        )
    ).first()
    if exists is not None:
        if me_too and not exists.me_too:
            conn.execute(
                ticket_followers.update()
                .where(ticket_followers.c.ticket_id == ticket_id, ticket_followers.c.follower_id == follower_id)
                .values(me_too=True)
            )
        return False
    conn.execute(ticket_followers.insert().values(ticket_id=ticket_id, follower_id=follower_id, me_too=me_too, at=now))
    return True


def follower_counts(conn, ticket_id: str) -> tuple[int, int]:
    f = ticket_followers
    row = conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((f.c.me_too, 1), else_=0)), 0)).where(
            f.c.ticket_id == ticket_id
        )
    ).one()
    return int(row[0]), int(row[1])


def merge(conn, duplicate, into, now: dt.datetime) -> None:
    """The duplicate's followers (and its requester) follow the kept ticket from now on."""
    f = ticket_followers
    movers = conn.execute(sa.select(f).where(f.c.ticket_id == duplicate["ticket_id"])).mappings().all()
    people = {m["follower_id"]: m["me_too"] for m in movers}
    if duplicate["citizen_id"]:
        people.setdefault(duplicate["citizen_id"], True)
    for person, me_too in people.items():
        follow(conn, into["ticket_id"], person, me_too, now)
    conn.execute(
        tickets.update()
        .where(tickets.c.ticket_id == duplicate["ticket_id"])
        .values(
            merged_into=into["ticket_id"], status="merged", due_at=None, updated_at=now, version=tickets.c.version + 1
        )
    )


def sign(conn, ticket_id: str, signer_id: str, now: dt.datetime) -> bool:
    try:
        with conn.begin_nested():
            conn.execute(petition_signatures.insert().values(ticket_id=ticket_id, signer_id=signer_id, at=now))
    except sa.exc.IntegrityError:
        return False
    conn.execute(
        tickets.update().where(tickets.c.ticket_id == ticket_id).values(signature_count=tickets.c.signature_count + 1)
    )
    return True


def duplicate_candidates(conn, office_id: str, category: str, kind: str, latitude, longitude, limit: int = 200):
    """Open requests of the same office, kind and category: within the box around the point, and the latest ones."""
    from .similarity import bounding_box

    base = sa.select(
        tickets.c.ticket_id,
        tickets.c.tracking_code,
        tickets.c.latitude,
        tickets.c.longitude,
        tickets.c.description,
        tickets.c.public,
    ).where(
        tickets.c.office_id == office_id,
        tickets.c.category == category,
        tickets.c.kind == kind,
        tickets.c.due_at.is_not(None),
        tickets.c.merged_into == "",
    )
    found = []
    if latitude is not None and longitude is not None:
        lo_lat, hi_lat, lo_lon, hi_lon = bounding_box(latitude, longitude)
        found += (
            conn.execute(
                base.where(
                    tickets.c.latitude.between(lo_lat, hi_lat), tickets.c.longitude.between(lo_lon, hi_lon)
                ).limit(limit)
            )
            .mappings()
            .all()
        )
    found += conn.execute(base.order_by(tickets.c.submitted_at.desc()).limit(limit)).mappings().all()
    unique = {r["ticket_id"]: r for r in found}
    return list(unique.values())


def text_query(text: str) -> str:
    """A tsquery finding every word typed (in the search's normal form), each as a word or the
    start of one ("lampa" finds "lampadaire"); only letters and digits reach it, so no input is a
    tsquery syntax error."""
    return " & ".join(f"{w}:*" for w in domain.search_words(text))


def search(conn, **filters):
    """A staff queue page, newest first, keyset-paginated on (submitted_at, ticket_id)."""
    return conn.execute(queue_query(conn.dialect.name, **filters)).mappings().all()


def queue_query(
    dialect: str,
    *,
    office_ids=(),
    statuses=(),
    categories=(),
    kinds=(),
    assignee_id: str = "",
    overdue: bool = False,
    text: str = "",
    now: dt.datetime,
    after: tuple | None = None,
    limit: int = 50,
    citizen_id: str = "",
) -> sa.Select:
    t = tickets
    q = sa.select(
        t.c.ticket_id,
        t.c.tracking_code,
        t.c.office_id,
        t.c.kind,
        t.c.category,
        t.c.status,
        t.c.submitted_at,
        t.c.due_at,
        t.c.answer_by,
        t.c.assignee_id,
        t.c.priority,
        t.c.department,
    )
    if office_ids:
        q = q.where(t.c.office_id.in_(list(office_ids)))
    if statuses:
        q = q.where(t.c.status.in_(list(statuses)))
    if categories:
        q = q.where(t.c.category.in_(list(categories)))
    if kinds:
        q = q.where(t.c.kind.in_(list(kinds)))
    if assignee_id:
        q = q.where(t.c.assignee_id == assignee_id)
    if citizen_id:
        q = q.where(t.c.citizen_id == citizen_id)
    if overdue:
        q = q.where(t.c.due_at < now)
    if text and dialect == "postgresql":
        query = text_query(text)
        q = q.where(
            search_vector(t.c.description).op("@@")(sa.func.to_tsquery(TEXT_SEARCH_CONFIG, query))
            if query
            else sa.false()
        )
    elif text:
        words = domain.search_words(text)
        normal = search_text(t.c.description, dialect)
        q = q.where(sa.and_(*(normal.like(f"%{w}%") for w in words)) if words else sa.false())
    if after is not None:
        q = q.where(
            sa.tuple_(t.c.submitted_at, t.c.ticket_id)
            < sa.tuple_(sa.literal(after[0], t.c.submitted_at.type), sa.literal(after[1]))
        )
    return q.order_by(t.c.submitted_at.desc(), t.c.ticket_id.desc()).limit(limit)


def overdue_by_office(conn, now: dt.datetime | None = None) -> dict[tuple[str], int]:
    """Open requests past their watched deadline, per office (the scheduler's index on due_at)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    rows = conn.execute(
        sa.select(tickets.c.office_id, sa.func.count()).where(tickets.c.due_at < now).group_by(tickets.c.office_id)
    )
    return {(office_id,): count for office_id, count in rows}


def for_stats(conn, office_id: str, start: dt.datetime, end: dt.datetime):
    t = tickets
    q = sa.select(
        t.c.ticket_id, t.c.kind, t.c.category, t.c.submitted_at, t.c.decided_at, t.c.answer_by, t.c.rating
    ).where(
        t.c.submitted_at >= start,
        t.c.submitted_at < end,
        t.c.merged_into == "",
        # Moved to another instance with its requester's consent: counted there, not twice.
        t.c.status != TRANSFERRED,
    )
    if office_id:
        q = q.where(t.c.office_id == office_id)
    return conn.execute(q).mappings().all()


def public_requests(
    conn,
    *,
    office_ids=(),
    ticket_ids=(),
    kinds=(),
    categories=(),
    statuses=(),
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    limit: int = 1000,
):
    """Requests for a public list, newest first: the named ones, or an office's over a period.
    What of each may be shown is the service's call (public_request)."""
    t = tickets
    q = sa.select(
        t.c.ticket_id,
        t.c.office_id,
        t.c.kind,
        t.c.category,
        t.c.status,
        t.c.submitted_at,
        t.c.updated_at,
        t.c.answer_by,
        t.c.department,
        t.c.public,
        t.c.description,
        t.c.hidden_reason,
        t.c.latitude,
        t.c.longitude,
        t.c.address,
        t.c.media_url,
        t.c.merged_into,
    )
    if kinds:
        q = q.where(t.c.kind.in_(list(kinds)))
    if ticket_ids:
        q = q.where(t.c.ticket_id.in_(list(ticket_ids)))
    else:
        if office_ids:
            q = q.where(t.c.office_id.in_(list(office_ids)))
        if categories:
            q = q.where(t.c.category.in_(list(categories)))
        if statuses:
            q = q.where(t.c.status.in_(list(statuses)))
        if start is not None:
            q = q.where(t.c.submitted_at >= start)
        if end is not None:
            q = q.where(t.c.submitted_at < end)
    q = q.order_by(t.c.submitted_at.desc(), t.c.ticket_id.desc()).limit(limit)
    return conn.execute(q).mappings().all()


# --- erasure of a person (the rule is erasure.py) ------------------------------------------------


def anonymise(conn: sa.Connection, citizen_id: str, now: dt.datetime) -> erasure.Erased:
    """Apply the rule to every row about the person, in the caller's transaction."""
    if not citizen_id:
        raise ValueError("citizen_id is required")
    t, m, h = tickets, ticket_messages, ticket_history
    rows = (
        conn.execute(
            sa.select(t.c.ticket_id, t.c.office_id, t.c.kind, t.c.latitude, t.c.longitude).where(
                t.c.citizen_id == citizen_id
            )
        )
        .mappings()
        .all()
    )
    for row in rows:
        conn.execute(
            t.update()
            .where(t.c.ticket_id == row["ticket_id"])
            .values(version=t.c.version + 1, **erasure.ticket_changes(row, now))
        )
    messages = conn.execute(
        m.update()
        .where(m.c.author_id == citizen_id, m.c.author_role == erasure.CITIZEN)
        .values(**erasure.message_changes())
    ).rowcount
    for entry in conn.execute(sa.select(h.c.id, h.c.actor_role).where(h.c.actor == citizen_id)).mappings().all():
        conn.execute(h.update().where(h.c.id == entry["id"]).values(**erasure.history_changes(entry)))
    follows = _repseudonymise(conn, ticket_followers, ticket_followers.c.follower_id, citizen_id)
    signatures = _repseudonymise(conn, petition_signatures, petition_signatures.c.signer_id, citizen_id)
    return erasure.Erased(tickets=list(rows), messages=messages, follows=follows, signatures=signatures)


def _repseudonymise(conn, table, column, citizen_id: str) -> int:
    """One fresh pseudonym per row: the rows keep counting, and no two can be linked."""
    ticket_ids = conn.execute(sa.select(table.c.ticket_id).where(column == citizen_id)).scalars().all()
    for ticket_id in ticket_ids:
        conn.execute(
            table.update()
            .where(table.c.ticket_id == ticket_id, column == citizen_id)
            .values({column.name: erasure.pseudonym()})
        )
    return len(ticket_ids)


def erase_requester(conn: sa.Connection, row, now: dt.datetime, actor: str, actor_role: str, reason: str) -> bool:
    """The rule of `anonymise` applied to one request whose requester has no account (registered
    at the desk), with an audit entry in its history. False when it was erased already."""
    if row["anonymised_at"] is not None:
        return False
    t, m, h = tickets, ticket_messages, ticket_history
    conn.execute(
        t.update()
        .where(t.c.ticket_id == row["ticket_id"])
        .values(version=t.c.version + 1, **erasure.ticket_changes(row, now))
    )
    conn.execute(
        m.update()
        .where(m.c.ticket_id == row["ticket_id"], m.c.author_role == erasure.CITIZEN)
        .values(**erasure.message_changes())
    )
    for entry in (
        conn.execute(
            sa.select(h.c.id, h.c.actor_role).where(
                h.c.ticket_id == row["ticket_id"], h.c.actor_role == erasure.CITIZEN
            )
        )
        .mappings()
        .all()
    ):
        conn.execute(h.update().where(h.c.id == entry["id"]).values(**erasure.history_changes(entry)))
    conn.execute(h.insert().values(**erasure.requester_erased_entry(row, now, actor, actor_role, reason)))
    return True


def citizen_export(conn: sa.Connection, citizen_id: str) -> dict:
    """What this service holds about the person: their requests with the public thread, and
    the requests they follow or signed."""
    t, m = tickets, ticket_messages
    rows = conn.execute(sa.select(t).where(t.c.citizen_id == citizen_id).order_by(t.c.submitted_at)).mappings().all()
    requests = []
    for row in rows:
        thread = (
            conn.execute(
                sa.select(m)
                .where(m.c.ticket_id == row["ticket_id"], m.c.internal == sa.false())
                .order_by(m.c.at, m.c.message_id)
            )
            .mappings()
            .all()
        )
        requests.append(erasure.exported_request(row, thread, citizen_id))
    f, s = ticket_followers, petition_signatures
    follows = (
        conn.execute(sa.select(f.c.ticket_id, f.c.me_too, f.c.at).where(f.c.follower_id == citizen_id)).mappings().all()
    )
    signed = conn.execute(sa.select(s.c.ticket_id, s.c.at).where(s.c.signer_id == citizen_id)).mappings().all()
    return {
        "requests": requests,
        "follows": [erasure.exported_follow(x) for x in follows],
        "signatures": [erasure.exported_signature(x) for x in signed],
    }


# --- transfers between instances -------------------------------------------------------------

TRANSFERRED = request_types.TRANSFERRED


def transfer_of(conn, ticket_id: str):
    return conn.execute(sa.select(ticket_transfers).where(ticket_transfers.c.ticket_id == ticket_id)).mappings().first()


def transfer_by_key(conn, idempotency_key: str):
    return (
        conn.execute(sa.select(ticket_transfers).where(ticket_transfers.c.idempotency_key == idempotency_key))
        .mappings()
        .first()
    )


def save_transfer(conn, row: dict) -> None:
    if transfer_of(conn, row["ticket_id"]) is None:
        conn.execute(ticket_transfers.insert().values(**row))
    else:
        conn.execute(ticket_transfers.update().where(ticket_transfers.c.ticket_id == row["ticket_id"]).values(**row))


def update_transfer(conn, ticket_id: str, **values) -> None:
    conn.execute(ticket_transfers.update().where(ticket_transfers.c.ticket_id == ticket_id).values(**values))


def add_history(
    conn,
    ticket_id: str,
    status: str,
    at: dt.datetime,
    actor: str,
    action: str,
    from_status: str,
    role: str,
    details: dict,
) -> None:
    import json

    conn.execute(
        ticket_history.insert().values(
            ticket_id=ticket_id,
            status=status,
            at=at,
            actor=actor,
            action=action,
            from_status=from_status,
            actor_role=role,
            details=json.dumps(details),
        )
    )


def mark_transferred(conn, ticket_id: str, at: dt.datetime) -> None:
    """Moved out: no deadline is watched here any more."""
    conn.execute(
        tickets.update()
        .where(tickets.c.ticket_id == ticket_id)
        .values(status=TRANSFERRED, due_at=None, closed_at=at, updated_at=at, version=tickets.c.version + 1)
    )
