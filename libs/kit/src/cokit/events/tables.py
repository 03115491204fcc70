"""Tables the event kit keeps in each service's own database.

Each function adds its table to the service's MetaData so the service's
migrations create it next to its own tables. The kit's runtime uses a private
MetaData with the same definitions; SQL Core only needs the shape.

Every service's baseline revision (0001) adds these tables through these functions:
a change of their shape is a revision in each service, with the shape it replaces
kept here for the baselines.
"""

from __future__ import annotations

import sqlalchemy as sa

OUTBOX_TABLE = "outbox_events"
PROCESSED_TABLE = "processed_events"

# SQLite only autoincrements an INTEGER PRIMARY KEY (its rowid); PostgreSQL
# needs 64 bits because the outbox sequence never restarts.
_SEQ_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    existing = metadata.tables.get(OUTBOX_TABLE)
    if existing is not None:
        return existing
    return sa.Table(
        OUTBOX_TABLE,
        metadata,
        sa.Column("seq", _SEQ_TYPE, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("topic", sa.String(249), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        # The relay scans unpublished rows in seq order; a partial index on
        # PostgreSQL keeps that scan small however long the history grows.
        sa.Index(
            "ix_outbox_events_unpublished",
            "seq",
            postgresql_where=sa.text("published_at IS NULL"),
            sqlite_where=sa.text("published_at IS NULL"),
        ),
    )


def processed_events_table(metadata: sa.MetaData) -> sa.Table:
    existing = metadata.tables.get(PROCESSED_TABLE)
    if existing is not None:
        return existing
    return sa.Table(
        PROCESSED_TABLE,
        metadata,
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("consumer_group", sa.String(255), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def add_event_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    """Both tables; services that produce and consume call this once."""
    return outbox_table(metadata), processed_events_table(metadata)


_kit_metadata = sa.MetaData()
outbox = outbox_table(_kit_metadata)
processed_events = processed_events_table(_kit_metadata)
