"""Baseline: the tickets tables of the last release made without versioned migrations.

How a database of that release, or an older one, is brought up to them: cokit.migrations.
The text index that ix_tickets_search replaced goes.
"""

import sqlalchemy as sa
from alembic import op

from cokit.events.tables import add_event_tables
from cokit.migrations import bring_up
from tickets.store import search_vector

revision = "0001"
down_revision = None

baseline = sa.MetaData()

tickets = sa.Table(
    "tickets",
    baseline,
    sa.Column("ticket_id", sa.String(length=36), primary_key=True),
    sa.Column("instance_id", sa.String(length=32), nullable=False),
    sa.Column("tracking_code", sa.String(length=16), nullable=False, unique=True),
    sa.Column("office_id", sa.String(length=36), nullable=False, index=True),
    sa.Column("kind", sa.String(length=24), nullable=False),
    sa.Column("category", sa.String(length=64), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("citizen_id", sa.String(length=36), nullable=False),
    sa.Column("channel", sa.String(length=16), nullable=False),
    sa.Column("language", sa.String(length=8), nullable=False),
    sa.Column("latitude", sa.Float(), nullable=True),
    sa.Column("longitude", sa.Float(), nullable=True),
    sa.Column("address", sa.String(length=512), nullable=False),
    sa.Column("status", sa.String(length=24), nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("acknowledge_by", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answer_by", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("extended", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("registered_by", sa.String(length=36), nullable=False, server_default=""),
    sa.Column("requester_name", sa.String(length=200), nullable=False, server_default=""),
    sa.Column("requester_address", sa.String(length=512), nullable=False, server_default=""),
    sa.Column("requester_contact", sa.String(length=200), nullable=False, server_default=""),
    sa.Column("preferred_format", sa.String(length=16), nullable=False, server_default=""),
    sa.Column("id_kind", sa.String(length=24), nullable=False, server_default=""),
    sa.Column("id_number_sealed", sa.LargeBinary(), nullable=True),
    sa.Column("signature_count", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("signature_threshold", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    sa.Column("department", sa.String(length=64), nullable=False, server_default=""),
    sa.Column("assignee_id", sa.String(length=36), nullable=False, server_default=""),
    sa.Column("priority", sa.Integer(), nullable=False, server_default="2"),
    sa.Column("rating", sa.Integer(), nullable=True),
    sa.Column("rating_comment", sa.String(length=1000), nullable=False, server_default=""),
    sa.Column("merged_into", sa.String(length=36), nullable=False, server_default=""),
    sa.Column("hidden_reason", sa.String(length=300), nullable=False, server_default=""),
    sa.Column("media_url", sa.String(length=1024), nullable=False, server_default=""),
    sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_tickets_assignee", "assignee_id", "status", "submitted_at"),
    sa.Index("ix_tickets_citizen", "citizen_id", "submitted_at", "ticket_id"),
    sa.Index("ix_tickets_due", "due_at"),
    sa.Index("ix_tickets_office_time", "office_id", "submitted_at", "ticket_id"),
    sa.Index("ix_tickets_queue", "office_id", "status", "submitted_at", "ticket_id"),
)

sa.Table(
    "ticket_attachments",
    baseline,
    sa.Column("ticket_id", sa.String(length=36), sa.ForeignKey("tickets.ticket_id"), primary_key=True),
    sa.Column("attachment_id", sa.String(length=36), primary_key=True),
)

sa.Table(
    "ticket_history",
    baseline,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.String(length=36), sa.ForeignKey("tickets.ticket_id"), nullable=False, index=True),
    sa.Column("status", sa.String(length=24), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(length=64), nullable=False),
    sa.Column("action", sa.String(length=32), nullable=False, server_default="submit"),
    sa.Column("from_status", sa.String(length=24), nullable=False, server_default=""),
    sa.Column("actor_role", sa.String(length=32), nullable=False, server_default=""),
    sa.Column("details", sa.Text(), nullable=False, server_default="{}"),
)

sa.Table(
    "ticket_assignments",
    baseline,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.String(length=36), sa.ForeignKey("tickets.ticket_id"), nullable=False, index=True),
    sa.Column("office_id", sa.String(length=36), nullable=False),
    sa.Column("department", sa.String(length=64), nullable=False),
    sa.Column("assignee_id", sa.String(length=36), nullable=False),
    sa.Column("priority", sa.Integer(), nullable=False),
    sa.Column("reason", sa.String(length=500), nullable=False),
    sa.Column("actor", sa.String(length=64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

sa.Table(
    "ticket_messages",
    baseline,
    sa.Column("message_id", sa.String(length=36), primary_key=True),
    sa.Column("ticket_id", sa.String(length=36), sa.ForeignKey("tickets.ticket_id"), nullable=False, index=True),
    sa.Column("internal", sa.Boolean(), nullable=False),
    sa.Column("author_id", sa.String(length=64), nullable=False),
    sa.Column("author_role", sa.String(length=32), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("attachment_ids", sa.String(length=200), nullable=False, server_default=""),
    sa.Column("hidden_reason", sa.String(length=300), nullable=False, server_default=""),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

sa.Table(
    "ticket_followers",
    baseline,
    sa.Column("ticket_id", sa.String(length=36), primary_key=True),
    sa.Column("follower_id", sa.String(length=64), primary_key=True),
    sa.Column("me_too", sa.Boolean(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

sa.Table(
    "petition_signatures",
    baseline,
    sa.Column("ticket_id", sa.String(length=36), primary_key=True),
    sa.Column("signer_id", sa.String(length=64), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

sa.Table(
    "ticket_alerts",
    baseline,
    sa.Column("ticket_id", sa.String(length=36), primary_key=True),
    sa.Column("alert", sa.String(length=24), primary_key=True),
    sa.Column("due_at", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
)

# The staff queue's full text index (PostgreSQL only): its expression is the one the queries use
# (tickets.store), character for character, or PostgreSQL does not use it.
sa.Index("ix_tickets_search", search_vector(tickets.c.description), postgresql_using="gin", _table=tickets).ddl_if(
    dialect="postgresql"
)

add_event_tables(baseline)


def upgrade() -> None:
    bring_up(op.get_bind(), baseline)
    # The index of the text as written, which ix_tickets_search replaced.
    op.drop_index("ix_tickets_text", table_name="tickets", if_exists=True)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: restore a backup, or make a new database")
