"""Baseline: the identity tables of the last release made without versioned migrations.

How a database of that release, or an older one, is brought up to them: cokit.migrations.
Clear signing keys are sealed after the migrations, by identity.service.prepare_signing_keys,
which checks the secret on every run.
"""

import sqlalchemy as sa
from alembic import op

from cokit.events.tables import add_event_tables
from cokit.migrations import bring_up

revision = "0001"
down_revision = None

baseline = sa.MetaData()

sa.Table(
    "citizens",
    baseline,
    sa.Column("citizen_id", sa.String(length=36), primary_key=True),
    sa.Column("instance_id", sa.String(length=32), nullable=False),
    sa.Column("email", sa.String(length=254), nullable=True, unique=True),
    sa.Column("phone", sa.String(length=20), nullable=True, unique=True),
    sa.Column("display_name", sa.String(length=120), nullable=False),
    sa.Column("language", sa.String(length=8), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

sa.Table(
    "accounts",
    baseline,
    sa.Column("citizen_id", sa.String(length=36), sa.ForeignKey("citizens.citizen_id"), primary_key=True),
    sa.Column("password_hash", sa.String(length=200), nullable=True),
    sa.Column("status", sa.String(length=24), nullable=False),
    sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("failed_logins", sa.Integer(), nullable=False),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

sa.Table(
    "one_time_codes",
    baseline,
    sa.Column("code_id", sa.String(length=36), primary_key=True),
    sa.Column("citizen_id", sa.String(length=36), nullable=False, index=True),
    sa.Column("purpose", sa.String(length=16), nullable=False),
    sa.Column("code_hash", sa.String(length=200), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
)

sa.Table(
    "sessions",
    baseline,
    sa.Column("session_id", sa.String(length=36), primary_key=True),
    sa.Column("citizen_id", sa.String(length=36), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_reason", sa.String(length=32), nullable=True),
)

sa.Table(
    "refresh_tokens",
    baseline,
    sa.Column("token_hash", sa.String(length=64), primary_key=True),
    sa.Column("session_id", sa.String(length=36), nullable=False, index=True),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
)

sa.Table(
    "signing_keys",
    baseline,
    sa.Column("kid", sa.String(length=32), primary_key=True),
    sa.Column("private_pem", sa.Text(), nullable=False),
    sa.Column("public_jwk", sa.Text(), nullable=False),
    sa.Column("status", sa.String(length=12), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
)

sa.Table(
    "role_bindings",
    baseline,
    sa.Column("binding_id", sa.String(length=36), primary_key=True),
    sa.Column("citizen_id", sa.String(length=36), nullable=False, index=True),
    sa.Column("role", sa.String(length=40), nullable=False),
    sa.Column("instance_id", sa.String(length=32), nullable=False),
    sa.Column("commune_code", sa.String(length=64), nullable=False),
    sa.Column("office_id", sa.String(length=64), nullable=False),
    sa.Column("granted_by", sa.String(length=36), nullable=False),
    sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

sa.Table(
    "api_keys",
    baseline,
    sa.Column("key_id", sa.String(length=36), primary_key=True),
    sa.Column("secret_hash", sa.String(length=64), nullable=False),
    sa.Column("label", sa.String(length=120), nullable=False),
    sa.Column("role", sa.String(length=40), nullable=False),
    sa.Column("instance_id", sa.String(length=32), nullable=False),
    sa.Column("commune_code", sa.String(length=64), nullable=False),
    sa.Column("office_id", sa.String(length=64), nullable=False),
    sa.Column("created_by", sa.String(length=36), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
)

sa.Table(
    "source_failures",
    baseline,
    sa.Column("source_key", sa.String(length=32), primary_key=True),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
)

sa.Table(
    "consents",
    baseline,
    sa.Column("consent_id", sa.String(length=36), primary_key=True),
    sa.Column("citizen_id", sa.String(length=36), nullable=False, index=True),
    sa.Column("purpose", sa.String(length=64), nullable=False),
    sa.Column("granted", sa.Boolean(), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

sa.Table(
    "security_events",
    baseline,
    sa.Column("event_id", sa.String(length=36), primary_key=True),
    sa.Column("kind", sa.String(length=40), nullable=False),
    sa.Column("subject", sa.String(length=36), nullable=False),
    sa.Column("actor", sa.String(length=36), nullable=False),
    sa.Column("source_key", sa.String(length=32), nullable=False),
    sa.Column("instance_id", sa.String(length=32), nullable=False),
    sa.Column("commune_code", sa.String(length=64), nullable=False),
    sa.Column("office_id", sa.String(length=64), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

add_event_tables(baseline)


def upgrade() -> None:
    bring_up(op.get_bind(), baseline)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: restore a backup, or make a new database")
