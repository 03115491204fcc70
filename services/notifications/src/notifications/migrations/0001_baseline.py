"""Baseline: the notifications tables of the last release made without versioned migrations.

How a database of that release, or an older one, is brought up to them: cokit.migrations.
"""

import sqlalchemy as sa
from alembic import op

from cokit.events.tables import add_event_tables
from cokit.migrations import bring_up

revision = "0001"
down_revision = None

baseline = sa.MetaData()

sa.Table(
    "inbox_items",
    baseline,
    sa.Column("item_id", sa.String(length=36), primary_key=True),
    sa.Column("citizen_id", sa.String(length=36), nullable=False, index=True),
    sa.Column("event_id", sa.String(length=36), nullable=False),
    sa.Column("kind", sa.String(length=64), nullable=False),
    sa.Column("language", sa.String(length=8), nullable=False),
    sa.Column("subject", sa.String(length=300), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("read", sa.Boolean(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("fields", sa.Text(), nullable=True),
    sa.UniqueConstraint("event_id", "citizen_id", name="uq_inbox_event_citizen"),
)

sa.Table(
    "deliveries",
    baseline,
    sa.Column("delivery_id", sa.String(length=36), primary_key=True),
    sa.Column("event_id", sa.String(length=36), nullable=False),
    sa.Column("channel", sa.String(length=16), nullable=False),
    sa.Column("citizen_id", sa.String(length=36), nullable=False),
    sa.Column("kind", sa.String(length=64), nullable=False),
    sa.Column("language", sa.String(length=8), nullable=False),
    sa.Column("fields", sa.Text(), nullable=False),
    sa.Column("state", sa.String(length=16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("last_error", sa.String(length=300), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("event_id", "channel", "citizen_id", name="uq_delivery"),
)

sa.Table(
    "opt_outs",
    baseline,
    sa.Column("citizen_id", sa.String(length=36), primary_key=True),
    sa.Column("channel", sa.String(length=16), primary_key=True),
    sa.Column("kind", sa.String(length=64), primary_key=True),
)

sa.Table(
    "quiet_hours",
    baseline,
    sa.Column("citizen_id", sa.String(length=36), primary_key=True),
    sa.Column("start_minute", sa.Integer(), nullable=False),
    sa.Column("end_minute", sa.Integer(), nullable=False),
    sa.Column("timezone", sa.String(length=64), nullable=False),
)

sa.Table(
    "erased_citizens",
    baseline,
    sa.Column("citizen_id", sa.String(length=36), primary_key=True),
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
)

sa.Table(
    "digest_entries",
    baseline,
    sa.Column("event_id", sa.String(length=36), primary_key=True),
    sa.Column("office_id", sa.String(length=36), nullable=False, index=True),
    sa.Column("ticket_id", sa.String(length=36), nullable=False),
    sa.Column("tracking_code", sa.String(length=16), nullable=True),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("digest_day", sa.String(length=10), nullable=True, index=True),
)

sa.Table(
    "digests",
    baseline,
    sa.Column("office_id", sa.String(length=36), primary_key=True),
    sa.Column("day", sa.String(length=10), primary_key=True),
    sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
)

add_event_tables(baseline)


def upgrade() -> None:
    bring_up(op.get_bind(), baseline)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: restore a backup, or make a new database")
