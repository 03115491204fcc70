"""The identity database: contacts, accounts, one-time codes, sessions, signing keys, roles,
API keys, consents and the security audit trail."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from cokit.timestamps import as_utc  # noqa: F401  (used here and by the service)

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


def upsert_citizen(conn: sa.Connection, contact: Contact, instance_id: str, again: bool = True) -> tuple[dict, bool]:
    """Find the citizen by e-mail, else by phone; update or create. Returns (row, created).
    Two requests with a new contact at once (a submission sent again before its first answer):
    the one whose insert loses finds the winner's row and updates it."""
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
    # The row as written, without reading it back.
    if row is not None:
        conn.execute(citizens.update().where(citizens.c.citizen_id == row["citizen_id"]).values(**values))
        return {**row, **values}, False
    created = {
        "citizen_id": uuid7(),
        "instance_id": instance_id,
        "created_at": now,
        "email": contact.email or None,
        "phone": contact.phone or None,
        "display_name": contact.display_name,
        "language": contact.language,
        "updated_at": now,
    }
    try:
        with conn.begin_nested():
            conn.execute(citizens.insert().values(**created))
    except sa.exc.IntegrityError:
        if not again:
            raise
        return upsert_citizen(conn, contact, instance_id, again=False)
    return created, True


def get_citizen(conn: sa.Connection, citizen_id: str):
    return conn.execute(sa.select(citizens).where(citizens.c.citizen_id == citizen_id)).mappings().first()


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("citizen_id", sa.String(36), sa.ForeignKey("citizens.citizen_id"), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=True),
    sa.Column("status", sa.String(24), nullable=False),  # pending_verification, active, erased
    _ts("verified_at"),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    _ts("last_failure_at"),
    _ts("locked_until"),
    _ts("created_at", False),
)

one_time_codes = sa.Table(
    "one_time_codes",
    metadata,
    sa.Column("code_id", sa.String(36), primary_key=True),
    sa.Column("citizen_id", sa.String(36), nullable=False, index=True),
    sa.Column("purpose", sa.String(16), nullable=False),  # verify, reset
    sa.Column("code_hash", sa.String(200), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    _ts("expires_at", False),
    _ts("used_at"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("session_id", sa.String(36), primary_key=True),  # one refresh-token family
    sa.Column("citizen_id", sa.String(36), nullable=False, index=True),
    _ts("created_at", False),
    _ts("revoked_at"),
    sa.Column("revoked_reason", sa.String(32), nullable=True),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.String(36), nullable=False, index=True),
    _ts("issued_at", False),
    _ts("expires_at", False),
    _ts("used_at"),
)

signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("kid", sa.String(32), primary_key=True),
    sa.Column("private_pem", sa.Text, nullable=False),
    sa.Column("public_jwk", sa.Text, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    _ts("created_at", False),
    _ts("activated_at"),
    _ts("retired_at"),
)

role_bindings = sa.Table(
    "role_bindings",
    metadata,
    sa.Column("binding_id", sa.String(36), primary_key=True),
    sa.Column("citizen_id", sa.String(36), nullable=False, index=True),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("commune_code", sa.String(64), nullable=False, default=""),
    sa.Column("office_id", sa.String(64), nullable=False, default=""),
    sa.Column("granted_by", sa.String(36), nullable=False),
    _ts("granted_at", False),
    _ts("revoked_at"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.String(36), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("label", sa.String(120), nullable=False),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("commune_code", sa.String(64), nullable=False, default=""),
    sa.Column("office_id", sa.String(64), nullable=False, default=""),
    sa.Column("created_by", sa.String(36), nullable=False),
    _ts("created_at", False),
    _ts("revoked_at"),
    _ts("last_used_at"),
)

source_failures = sa.Table(
    "source_failures",
    metadata,
    sa.Column("source_key", sa.String(32), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    _ts("window_start", False),
)

consents = sa.Table(
    "consents",
    metadata,
    sa.Column("consent_id", sa.String(36), primary_key=True),
    sa.Column("citizen_id", sa.String(36), nullable=False, index=True),
    sa.Column("purpose", sa.String(64), nullable=False),
    sa.Column("granted", sa.Boolean, nullable=False),
    _ts("recorded_at", False),
)

# The audit trail keeps ids only (subject = account or key id, actor = who did it); no contact
# detail, token or password ever goes in `detail`. Scope columns let an office read its own.
security_events = sa.Table(
    "security_events",
    metadata,
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("subject", sa.String(36), nullable=False, default=""),
    sa.Column("actor", sa.String(36), nullable=False, default=""),
    sa.Column("source_key", sa.String(32), nullable=False, default=""),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("commune_code", sa.String(64), nullable=False, default=""),
    sa.Column("office_id", sa.String(64), nullable=False, default=""),
    sa.Column("detail", sa.Text, nullable=False, default="{}"),
    _ts("at", False),
)


def record(
    conn,
    kind: str,
    *,
    instance_id: str,
    subject: str = "",
    actor: str = "",
    source_key: str = "",
    commune_code: str = "",
    office_id: str = "",
    **detail,
) -> None:
    conn.execute(
        security_events.insert().values(
            event_id=uuid7(),
            kind=kind,
            subject=subject,
            actor=actor,
            source_key=source_key,
            instance_id=instance_id,
            commune_code=commune_code,
            office_id=office_id,
            detail=json.dumps(detail, sort_keys=True),
            at=now(),
        )
    )


def find_by_login(conn, login: str):
    """The citizen row for an e-mail or phone login."""
    login = (login or "").strip()
    if "@" in login:
        cond = citizens.c.email == login.lower()
    else:
        cond = citizens.c.phone == "".join(ch for ch in login if ch.isdigit() or ch == "+")
    return conn.execute(sa.select(citizens).where(cond)).mappings().first()


def get_account(conn, citizen_id: str):
    return conn.execute(sa.select(accounts).where(accounts.c.citizen_id == citizen_id)).mappings().first()


def active_bindings(conn, citizen_id: str) -> list[dict]:
    rows = (
        conn.execute(
            sa.select(role_bindings)
            .where(role_bindings.c.citizen_id == citizen_id, role_bindings.c.revoked_at.is_(None))
            .order_by(role_bindings.c.granted_at)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def published_keys(conn) -> list[dict]:
    rows = (
        conn.execute(
            sa.select(signing_keys)
            .where(signing_keys.c.status.in_(("next", "active", "retired")))
            .order_by(signing_keys.c.created_at)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def revoked_sessions_since(conn, since: dt.datetime) -> list[str]:
    return list(
        conn.execute(
            sa.select(sessions.c.session_id).where(sessions.c.revoked_at.is_not(None), sessions.c.revoked_at >= since)
        ).scalars()
    )
