"""Baseline: the documents tables of the last release made without versioned migrations.

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
    "attachments",
    baseline,
    sa.Column("attachment_id", sa.String(length=36), primary_key=True),
    sa.Column("instance_id", sa.String(length=32), nullable=False),
    sa.Column("office_id", sa.String(length=36), nullable=False, index=True),
    sa.Column("content_type", sa.String(length=64), nullable=False),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("sha256", sa.String(length=64), nullable=False),
    sa.Column("object_key", sa.String(length=255), nullable=False, unique=True),
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("owner_citizen_id", sa.String(length=36), nullable=True, index=True),
    sa.Column("category", sa.String(length=32), nullable=True),
    sa.Column("received_sha256", sa.String(length=64), nullable=True),
    sa.Column("metadata_stripped", sa.Boolean(), nullable=True),
    sa.Column("thumbnail_key", sa.String(length=255), nullable=True),
    sa.Column("ticket_id", sa.String(length=36), nullable=True, index=True),
    sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
)

sa.Table(
    "ticket_closures",
    baseline,
    sa.Column("ticket_id", sa.String(length=36), primary_key=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", sa.String(length=16), nullable=False, index=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
)

sa.Table(
    "uploads",
    baseline,
    sa.Column("upload_id", sa.String(length=36), primary_key=True),
    sa.Column("instance_id", sa.String(length=32), nullable=False),
    sa.Column("office_id", sa.String(length=36), nullable=False),
    sa.Column("owner_citizen_id", sa.String(length=36), nullable=True),
    sa.Column("category", sa.String(length=32), nullable=False),
    sa.Column("declared_content_type", sa.String(length=128), nullable=False),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("sha256", sa.String(length=64), nullable=False),
    sa.Column("object_key", sa.String(length=255), nullable=False, unique=True),
    sa.Column("s3_upload_id", sa.String(length=255), nullable=True),
    sa.Column("state", sa.String(length=16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

sa.Table(
    "published_documents",
    baseline,
    sa.Column("document_id", sa.String(length=36), primary_key=True),
    sa.Column("instance_id", sa.String(length=32), nullable=False),
    sa.Column("office_id", sa.String(length=36), nullable=False, index=True),
    sa.Column("kind", sa.String(length=32), nullable=False),
    sa.Column("title", sa.String(length=300), nullable=False),
    sa.Column("summary", sa.Text(), nullable=False),
    sa.Column("language", sa.String(length=8), nullable=False),
    sa.Column("document_date", sa.Date(), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("keywords", sa.Text(), nullable=False),
    sa.Column("search_text", sa.Text(), nullable=False),
    sa.Column("content_type", sa.String(length=64), nullable=False),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("sha256", sa.String(length=64), nullable=False),
    sa.Column("object_key", sa.String(length=255), nullable=False, unique=True),
)

add_event_tables(baseline)


def upgrade() -> None:
    bring_up(op.get_bind(), baseline)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: restore a backup, or make a new database")
