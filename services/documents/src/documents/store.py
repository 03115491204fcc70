"""The documents database: attachment metadata (the bytes are in the bucket)."""
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
)


def get_attachment(conn: sa.Connection, attachment_id: str):
    return conn.execute(
        sa.select(attachments).where(attachments.c.attachment_id == attachment_id)
    ).mappings().first()
