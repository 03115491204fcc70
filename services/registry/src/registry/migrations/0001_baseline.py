"""Baseline: the registry tables of the last release made without versioned migrations.

How a database of that release, or an older one, is brought up to them: cokit.migrations.
Catalogue entries written before publicity and anonymity existed get the default catalogue's
rules.
"""

import sqlalchemy as sa
from alembic import op

from cokit.events.tables import add_event_tables
from cokit.migrations import bring_up
from registry.domain import DEFAULT_CATALOGUE

revision = "0001"
down_revision = None

baseline = sa.MetaData()

sa.Table(
    "offices",
    baseline,
    sa.Column("office_id", sa.String(length=36), primary_key=True),
    sa.Column("instance_id", sa.String(length=32), nullable=False),
    sa.Column("slug", sa.String(length=64), nullable=False, unique=True),
    sa.Column("commune_code", sa.String(length=64), nullable=False),
    sa.Column("name_ar", sa.String(length=200), nullable=False),
    sa.Column("name_fr", sa.String(length=200), nullable=False),
    sa.Column("name_zgh", sa.String(length=200), nullable=False),
    sa.Column("name_en", sa.String(length=200), nullable=False),
    sa.Column("phase", sa.String(length=32), nullable=False),
    sa.Column("status", sa.String(length=32), nullable=False),
    sa.Column("timezone", sa.String(length=64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

sa.Table(
    "territory_units",
    baseline,
    sa.Column("code", sa.String(length=64), primary_key=True),
    sa.Column("instance_id", sa.String(length=32), nullable=False),
    sa.Column("level", sa.String(length=16), nullable=False),
    sa.Column("parent_code", sa.String(length=64), nullable=False),
    sa.Column("name_fr", sa.String(length=200), nullable=False),
    sa.Column("name_ar", sa.String(length=200), nullable=False),
    sa.Column("name_zgh", sa.String(length=200), nullable=False),
    sa.Column("population", sa.BigInteger(), nullable=True),
    sa.Column("commune_type", sa.String(length=32), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_territory_parent", "parent_code"),
)

sa.Table(
    "office_profiles",
    baseline,
    sa.Column("office_id", sa.String(length=36), primary_key=True),
    sa.Column("address", sa.String(length=500), nullable=False),
    sa.Column("latitude", sa.Float(), nullable=True),
    sa.Column("longitude", sa.Float(), nullable=True),
    sa.Column("opening_hours", sa.Text(), nullable=False),
    sa.Column("phone", sa.String(length=40), nullable=False),
    sa.Column("email", sa.String(length=200), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

sa.Table(
    "office_staff",
    baseline,
    sa.Column("office_id", sa.String(length=36), primary_key=True),
    sa.Column("account_id", sa.String(length=64), primary_key=True),
    sa.Column("role", sa.String(length=64), nullable=False),
)

sa.Table(
    "office_phases",
    baseline,
    sa.Column("step_id", sa.String(length=36), primary_key=True),
    sa.Column("office_id", sa.String(length=36), nullable=False, index=True),
    sa.Column("phase", sa.String(length=32), nullable=False),
    sa.Column("changed_on", sa.Date(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("changed_by", sa.String(length=100), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

sa.Table(
    "activities",
    baseline,
    sa.Column("activity_id", sa.String(length=36), primary_key=True),
    sa.Column("instance_id", sa.String(length=32), nullable=False),
    sa.Column("office_id", sa.String(length=36), nullable=False, index=True),
    sa.Column("kind", sa.String(length=40), nullable=False),
    sa.Column("theme", sa.String(length=40), nullable=False),
    sa.Column("held_on", sa.Date(), nullable=False),
    sa.Column("place", sa.String(length=300), nullable=False),
    sa.Column("title", sa.String(length=300), nullable=False),
    sa.Column("women", sa.Integer(), nullable=False),
    sa.Column("men", sa.Integer(), nullable=False),
    sa.Column("others", sa.Integer(), nullable=False),
    sa.Column("document_ids", sa.Text(), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

catalogue_entries = sa.Table(
    "catalogue_entries",
    baseline,
    sa.Column("office_id", sa.String(length=36), primary_key=True),
    sa.Column("code", sa.String(length=64), primary_key=True),
    sa.Column("request_type", sa.String(length=40), nullable=False),
    sa.Column("category", sa.String(length=64), nullable=False),
    sa.Column("name_fr", sa.String(length=200), nullable=False),
    sa.Column("name_ar", sa.String(length=200), nullable=False),
    sa.Column("name_zgh", sa.String(length=200), nullable=False),
    sa.Column("name_en", sa.String(length=200), nullable=False),
    sa.Column("deadline_count", sa.Integer(), nullable=False),
    sa.Column("deadline_unit", sa.String(length=16), nullable=False),
    sa.Column("legal_basis", sa.String(length=300), nullable=False),
    sa.Column("department", sa.String(length=200), nullable=False),
    sa.Column("requires_location", sa.Boolean(), nullable=False),
    sa.Column("requires_attachments", sa.Boolean(), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("publicity", sa.String(length=16), nullable=False, server_default=""),
    sa.Column("anonymous_allowed", sa.Boolean(), nullable=True),
)

sa.Table(
    "calendars",
    baseline,
    sa.Column("instance_id", sa.String(length=32), primary_key=True),
    sa.Column("weekend", sa.String(length=20), nullable=False),
)

sa.Table(
    "holidays",
    baseline,
    sa.Column("instance_id", sa.String(length=32), primary_key=True),
    sa.Column("key", sa.String(length=64), primary_key=True),
    sa.Column("name_fr", sa.String(length=200), nullable=False),
    sa.Column("name_ar", sa.String(length=200), nullable=False),
    sa.Column("month", sa.Integer(), nullable=False),
    sa.Column("day", sa.Integer(), nullable=False),
    sa.Column("on_date", sa.Date(), nullable=True),
    sa.Column("from_year", sa.Integer(), nullable=False),
    sa.Column("religious", sa.Boolean(), nullable=False),
    sa.Column("confirmed", sa.Boolean(), nullable=False),
)

sa.Table(
    "federation_members",
    baseline,
    sa.Column("instance_id", sa.String(length=32), primary_key=True),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("figures", sa.LargeBinary(), nullable=False),
    sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
)

add_event_tables(baseline)


def upgrade() -> None:
    bring_up(op.get_bind(), baseline)
    backfill_catalogue_rules(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: restore a backup, or make a new database")


def backfill_catalogue_rules(conn) -> None:
    """Entries written before publicity and anonymity existed (anonymous_allowed still NULL) get
    the rules the default catalogue now gives the same entry, so an office seeded then behaves as
    one created today; other entries read as their request type's default."""
    c = catalogue_entries.c
    for entry in DEFAULT_CATALOGUE:
        conn.execute(
            catalogue_entries.update()
            .where(
                c.code == entry.code,
                c.request_type == entry.request_type,
                c.category == entry.category,
                c.anonymous_allowed.is_(None),
            )
            .values(publicity=entry.publicity, anonymous_allowed=entry.anonymous_allowed)
        )
