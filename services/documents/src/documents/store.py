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
    return conn.execute(
        sa.select(attachments).where(attachments.c.attachment_id == attachment_id)
    ).mappings().first()


def add_missing_columns(conn: sa.Connection, settings=None) -> None:
    """create_all makes missing tables but never alters one: add the nullable columns a
    newer release declares to tables an older release created."""
    inspector = sa.inspect(conn)
    for table in metadata.sorted_tables:
        existing = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in existing and column.nullable:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}'))
