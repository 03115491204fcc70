"""The registry database: offices (territory, calendars and the catalogue come next)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cokit.ids import uuid7

from . import domain

metadata = sa.MetaData()

offices = sa.Table(
    "offices",
    metadata,
    sa.Column("office_id", sa.String(36), primary_key=True),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("slug", sa.String(64), nullable=False, unique=True),
    sa.Column("commune_code", sa.String(64), nullable=False),
    sa.Column("name_ar", sa.String(200), nullable=False),
    sa.Column("name_fr", sa.String(200), nullable=False),
    sa.Column("name_zgh", sa.String(200), nullable=False, default=""),
    sa.Column("name_en", sa.String(200), nullable=False, default=""),
    sa.Column("phase", sa.String(32), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def seed(conn: sa.Connection, instance_id: str) -> int:
    """Insert the seed offices that are not there yet; return how many were added."""
    existing = set(conn.execute(sa.select(offices.c.slug)).scalars())
    now = dt.datetime.now(dt.timezone.utc)
    added = 0
    for office in domain.SEED_OFFICES:
        if office.slug in existing:
            continue
        conn.execute(
            offices.insert().values(
                office_id=uuid7(), instance_id=instance_id, created_at=now,
                **{f.name: getattr(office, f.name) for f in office.__dataclass_fields__.values()},
            )
        )
        added += 1
    return added


def get_office(conn: sa.Connection, key: str):
    column = offices.c.office_id if len(key) == 36 else offices.c.slug
    return conn.execute(sa.select(offices).where(column == key)).mappings().first()


def list_offices(conn: sa.Connection, status: str = ""):
    query = sa.select(offices).order_by(offices.c.slug)
    if status:
        query = query.where(offices.c.status == status)
    return conn.execute(query).mappings().all()
