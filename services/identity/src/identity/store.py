"""The identity database: citizens' contacts (accounts, roles and keys come next)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cokit.ids import uuid7

from .domain import Contact

metadata = sa.MetaData()

citizens = sa.Table(
    "citizens",
    metadata,
    sa.Column("citizen_id", sa.String(36), primary_key=True),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("email", sa.String(254), nullable=True, unique=True),
    sa.Column("phone", sa.String(20), nullable=True, unique=True),
    sa.Column("display_name", sa.String(120), nullable=False, default=""),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


def upsert_citizen(conn: sa.Connection, contact: Contact, instance_id: str) -> tuple[dict, bool]:
    """Find the citizen by e-mail, else by phone; update or create. Returns (row, created)."""
    now = dt.datetime.now(dt.timezone.utc)
    row = None
    if contact.email:
        row = conn.execute(sa.select(citizens).where(citizens.c.email == contact.email)).mappings().first()
    if row is None and contact.phone:
        row = conn.execute(sa.select(citizens).where(citizens.c.phone == contact.phone)).mappings().first()
    values = {
        "language": contact.language,
        "updated_at": now,
        **({"email": contact.email} if contact.email else {}),
        **({"phone": contact.phone} if contact.phone else {}),
        **({"display_name": contact.display_name} if contact.display_name else {}),
    }
    if row is not None:
        conn.execute(citizens.update().where(citizens.c.citizen_id == row["citizen_id"]).values(**values))
        return get_citizen(conn, row["citizen_id"]), False
    citizen_id = uuid7()
    conn.execute(
        citizens.insert().values(
            citizen_id=citizen_id, instance_id=instance_id, created_at=now,
            email=contact.email or None, phone=contact.phone or None,
            display_name=contact.display_name, language=contact.language, updated_at=now,
        )
    )
    return get_citizen(conn, citizen_id), True


def get_citizen(conn: sa.Connection, citizen_id: str):
    return conn.execute(sa.select(citizens).where(citizens.c.citizen_id == citizen_id)).mappings().first()
