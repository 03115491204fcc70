"""The notifications database: in-app inbox and one row per delivery.

A delivery is unique per (source event, channel, recipient): a redelivered event finds its
row and sends nothing more.
"""
from __future__ import annotations

import sqlalchemy as sa

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
    sa.UniqueConstraint("event_id", "citizen_id", name="uq_inbox_event_citizen"),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("delivery_id", sa.String(36), primary_key=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("citizen_id", sa.String(36), nullable=False),
    # pending: to send; sent: the server accepted it; failed: gave up after the last retry
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.String(300), nullable=False, default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("event_id", "channel", "citizen_id", name="uq_delivery"),
)
