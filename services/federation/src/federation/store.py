"""The federation database: this instance's identity, the directory of members, invitations,
the nonces seen, the message log, the figures members published, the deliveries waiting to
leave and the notices received."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import sqlalchemy as sa

metadata = sa.MetaData()

identity = sa.Table(
    "instance_identity",
    metadata,
    sa.Column("instance_id", sa.String(16), primary_key=True),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("peer_url", sa.String(300), nullable=False),
    sa.Column("signing_key_id", sa.String(64), nullable=False),
    sa.Column("signing_public_key", sa.LargeBinary, nullable=False),
    # Private halves sealed with FEDERATION_KEY_SECRET (keys.seal).
    sa.Column("signing_key_sealed", sa.LargeBinary, nullable=False),
    sa.Column("tls_key_sealed", sa.LargeBinary, nullable=False),
    sa.Column("certificate_pem", sa.Text, nullable=False),
    sa.Column("tls_fingerprint", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

members = sa.Table(
    "members",
    metadata,
    sa.Column("instance_id", sa.String(16), primary_key=True),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("peer_url", sa.String(300), nullable=False, server_default=""),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("shares", sa.String(200), nullable=False, server_default="[]"),  # what we let it see (JSON list)
    sa.Column("sees_of_it", sa.String(200), nullable=False, server_default="[]"),  # what it lets us see
    sa.Column("signing_public_key", sa.LargeBinary, nullable=True),
    sa.Column("signing_key_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("certificate_pem", sa.Text, nullable=False, server_default=""),
    sa.Column("tls_fingerprint", sa.String(64), nullable=False, server_default=""),
    sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_reason", sa.String(300), nullable=False, server_default=""),
    sa.Column("revoked_by_peer", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.String(200), nullable=False, server_default=""),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("invitation_id", sa.String(36), primary_key=True),
    sa.Column("instance_id", sa.String(16), nullable=False, index=True),
    sa.Column("secret_sealed", sa.LargeBinary, nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# A nonce seen once refuses the message that repeats it (REPLAYED). Older than twice the time
# window a nonce can go: a message that old is refused by its time stamp already.
seen_nonces = sa.Table(
    "seen_nonces",
    metadata,
    sa.Column("sender", sa.String(16), primary_key=True),
    sa.Column("nonce", sa.String(32), primary_key=True),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

# Append-only (the migration's triggers refuse UPDATE and DELETE) and hash-chained: each entry's
# hash covers the previous one's, so a removed or edited entry breaks the chain (verify_log).
message_log = sa.Table(
    "message_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("direction", sa.String(3), nullable=False),
    sa.Column("peer", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("message_id", sa.String(36), nullable=False),
    sa.Column("in_reply_to", sa.String(36), nullable=False, server_default=""),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False, server_default=""),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    sa.Index("ix_message_log_peer", "peer", "seq"),
)

# One row: the last entry's number and hash. Updated first in every append, so appends queue
# behind each other (a row lock on PostgreSQL, the write lock on SQLite) and the chain never forks.
log_head = sa.Table(
    "message_log_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("last_hash", sa.String(64), nullable=False),
)

# The figures each member last published to us: its signed answer's payload, as it came.
member_figures = sa.Table(
    "member_figures",
    metadata,
    sa.Column("instance_id", sa.String(16), primary_key=True),
    sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("message_id", sa.String(36), nullable=False),
    sa.Column("figures", sa.LargeBinary, nullable=False),  # a serialized PublicFigures
)

# What waits to leave for a member: transfers (payload sealed, emptied once delivered), notices,
# membership decisions. The delivery id is the idempotency key the receiver sees on every retry.
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("delivery_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("instance_id", sa.String(16), nullable=False),
    sa.Column("ticket_id", sa.String(36), nullable=False, server_default=""),
    sa.Column("payload_sealed", sa.LargeBinary, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("result", sa.String(64), nullable=False, server_default=""),
    sa.Index("ix_deliveries_due", "status", "next_attempt_at"),
)

notices = sa.Table(
    "transfer_notices",
    metadata,
    sa.Column("notice_id", sa.String(64), primary_key=True),
    sa.Column("from_instance", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("office_id", sa.String(36), nullable=False),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

# Requests other instances moved here: the first receipt of a key is the one announced
# (federation.transfer_received); a retry finds it here.
received_transfers = sa.Table(
    "received_transfers",
    metadata,
    sa.Column("idempotency_key", sa.String(64), primary_key=True),
    sa.Column("from_instance", sa.String(16), nullable=False),
    sa.Column("ticket_id", sa.String(36), nullable=False),
    sa.Column("tracking_code", sa.String(16), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

GENESIS = "0" * 64


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands datetimes back naive; they were stored in UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def iso(value: dt.datetime | None) -> str:
    return utc(value).isoformat() if value else ""


# --- identity ------------------------------------------------------------------------------------


def get_identity(conn):
    return conn.execute(sa.select(identity)).mappings().first()


def save_identity(conn, row: dict) -> None:
    conn.execute(identity.insert().values(**row))


# --- members -------------------------------------------------------------------------------------


def get_member(conn, instance_id: str, for_update: bool = False):
    q = sa.select(members).where(members.c.instance_id == instance_id)
    if for_update and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    return conn.execute(q).mappings().first()


def list_members(conn):
    return conn.execute(sa.select(members).order_by(members.c.instance_id)).mappings().all()


def insert_member(conn, row: dict) -> None:
    conn.execute(members.insert().values(updated_at=now(), **row))


def update_member(conn, instance_id: str, **values) -> None:
    conn.execute(members.update().where(members.c.instance_id == instance_id).values(updated_at=now(), **values))


def shares_of(row, column: str = "shares") -> tuple[str, ...]:
    return tuple(json.loads(row[column] or "[]"))


def record_success(conn, instance_id: str, at: dt.datetime) -> None:
    update_member(conn, instance_id, last_success_at=at, consecutive_failures=0, last_error="")


def record_failure(conn, instance_id: str, at: dt.datetime, reason: str) -> None:
    conn.execute(
        members.update()
        .where(members.c.instance_id == instance_id)
        .values(
            last_failure_at=at,
            last_error=reason[:200],
            consecutive_failures=members.c.consecutive_failures + 1,
            updated_at=now(),
        )
    )


def trusted_certificates(conn) -> list[str]:
    """Every member certificate, whatever its status: a revoked or pending member still completes
    the TLS handshake, so its messages are refused with a reason (MEMBER_REVOKED...) instead of a
    bare TLS alert."""
    rows = conn.execute(sa.select(members.c.certificate_pem).where(members.c.certificate_pem != ""))
    return [r[0] for r in rows]


def directory_version(conn) -> str:
    """Changes whenever a member's certificate or status does."""
    rows = conn.execute(
        sa.select(members.c.instance_id, members.c.status, members.c.tls_fingerprint).order_by(members.c.instance_id)
    ).all()
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


# --- invitations ---------------------------------------------------------------------------------


def insert_invitation(conn, row: dict) -> None:
    conn.execute(invitations.insert().values(**row))


def get_invitation(conn, invitation_id: str):
    return conn.execute(sa.select(invitations).where(invitations.c.invitation_id == invitation_id)).mappings().first()


def use_invitation(conn, invitation_id: str, at: dt.datetime) -> bool:
    """Marks it used; False when another answer used it first."""
    done = conn.execute(
        invitations.update()
        .where(invitations.c.invitation_id == invitation_id, invitations.c.used_at.is_(None))
        .values(used_at=at)
    )
    return done.rowcount == 1


# --- nonces --------------------------------------------------------------------------------------


def remember_nonce(conn, sender: str, nonce: bytes, at: dt.datetime) -> bool:
    """False when this sender's nonce was seen before (a replay)."""
    try:
        with conn.begin_nested():
            conn.execute(seen_nonces.insert().values(sender=sender, nonce=nonce.hex(), seen_at=at))
    except sa.exc.IntegrityError:
        return False
    return True


def forget_nonces_before(conn, before: dt.datetime) -> int:
    return conn.execute(seen_nonces.delete().where(seen_nonces.c.seen_at < before)).rowcount


# --- message log ---------------------------------------------------------------------------------

LOG_FIELDS = (
    "seq",
    "logged_at",
    "direction",
    "peer",
    "kind",
    "message_id",
    "in_reply_to",
    "digest",
    "sent_at",
    "outcome",
    "reason",
    "size",
)


def entry_hash(prev_hash: str, entry: dict) -> str:
    values = [iso(entry[f]) if f in ("logged_at", "sent_at") else str(entry[f]) for f in LOG_FIELDS]
    text = "\x1f".join([prev_hash, *values])
    return hashlib.sha256(text.encode()).hexdigest()


def append_log(
    conn,
    *,
    direction: str,
    peer: str,
    kind: str,
    message_id: str,
    digest: str,
    outcome: str,
    size: int,
    sent_at: dt.datetime | None = None,
    in_reply_to: str = "",
    reason: str = "",
) -> int:
    """One more entry, in the caller's transaction; its number."""
    conn.execute(log_head.update().where(log_head.c.id == 1).values(seq=log_head.c.seq + 1))
    head = conn.execute(sa.select(log_head.c.seq, log_head.c.last_hash).where(log_head.c.id == 1)).one()
    entry = {
        "seq": int(head.seq),
        # Whole microseconds survive both databases; the hash is over what is stored.
        "logged_at": now(),
        "direction": direction,
        "peer": peer[:64],
        "kind": kind[:40],
        "message_id": message_id[:36],
        "in_reply_to": in_reply_to[:36],
        "digest": digest,
        "sent_at": utc(sent_at),
        "outcome": outcome,
        "reason": reason[:64],
        "size": size,
    }
    hashed = entry_hash(head.last_hash, entry)
    conn.execute(message_log.insert().values(prev_hash=head.last_hash, entry_hash=hashed, **entry))
    conn.execute(log_head.update().where(log_head.c.id == 1).values(last_hash=hashed))
    return entry["seq"]


def ensure_log_head(conn) -> None:
    if conn.execute(sa.select(log_head.c.id).where(log_head.c.id == 1)).first() is None:
        conn.execute(log_head.insert().values(id=1, seq=0, last_hash=GENESIS))


def read_log(conn, after_seq: int, limit: int, peer: str = ""):
    q = sa.select(message_log).where(message_log.c.seq > after_seq)
    if peer:
        q = q.where(message_log.c.peer == peer)
    return conn.execute(q.order_by(message_log.c.seq).limit(limit)).mappings().all()


def verify_log(conn) -> tuple[int, int]:
    """(entries, first broken seq or 0): every hash recomputed from the previous one."""
    prev, count, expected_seq = GENESIS, 0, 1
    for row in conn.execute(sa.select(message_log).order_by(message_log.c.seq)).mappings():
        count += 1
        entry = {f: row[f] for f in LOG_FIELDS}
        entry["logged_at"], entry["sent_at"] = utc(row["logged_at"]), utc(row["sent_at"])
        if row["seq"] != expected_seq or row["prev_hash"] != prev or entry_hash(prev, entry) != row["entry_hash"]:
            return count, row["seq"]
        prev, expected_seq = row["entry_hash"], expected_seq + 1
    head = conn.execute(sa.select(log_head)).mappings().first()
    if head is not None and (head["seq"] != expected_seq - 1 or head["last_hash"] != prev):
        return count, expected_seq
    return count, 0


# --- figures -------------------------------------------------------------------------------------


def save_figures(conn, instance_id: str, message_id: str, figures: bytes, at: dt.datetime) -> None:
    values = dict(fetched_at=at, message_id=message_id, figures=figures)
    done = conn.execute(member_figures.update().where(member_figures.c.instance_id == instance_id).values(**values))
    if done.rowcount == 0:
        conn.execute(member_figures.insert().values(instance_id=instance_id, **values))


def all_figures(conn):
    return {r["instance_id"]: r for r in conn.execute(sa.select(member_figures)).mappings()}


# --- deliveries ----------------------------------------------------------------------------------


def queue_delivery(conn, row: dict) -> bool:
    """False when a delivery with that id is queued already (an event handled twice)."""
    try:
        with conn.begin_nested():
            conn.execute(
                deliveries.insert().values(status="queued", attempts=0, created_at=now(), next_attempt_at=now(), **row)
            )
    except sa.exc.IntegrityError:
        return False
    return True


def due_deliveries(conn, at: dt.datetime, limit: int = 50, instance_id: str = ""):
    q = sa.select(deliveries).where(deliveries.c.status == "queued", deliveries.c.next_attempt_at <= at)
    if instance_id:
        q = q.where(deliveries.c.instance_id == instance_id)
    return conn.execute(q.order_by(deliveries.c.created_at).limit(limit)).mappings().all()


def list_deliveries(conn, ticket_id: str = "", status: str = ""):
    q = sa.select(deliveries)
    if ticket_id:
        q = q.where(deliveries.c.ticket_id == ticket_id)
    if status:
        q = q.where(deliveries.c.status == status)
    return conn.execute(q.order_by(deliveries.c.created_at)).mappings().all()


def delivery_done(conn, delivery_id: str, at: dt.datetime, status: str, result: str = "", error: str = "") -> None:
    conn.execute(
        deliveries.update()
        .where(deliveries.c.delivery_id == delivery_id)
        .values(status=status, delivered_at=at, result=result, last_error=error[:200])
    )


def delivery_failed(conn, delivery_id: str, error: str, retry_at: dt.datetime) -> None:
    conn.execute(
        deliveries.update()
        .where(deliveries.c.delivery_id == delivery_id)
        .values(attempts=deliveries.c.attempts + 1, last_error=error[:200], next_attempt_at=retry_at)
    )


def cancel_deliveries(conn, instance_id: str, reason: str) -> int:
    return conn.execute(
        deliveries.update()
        .where(deliveries.c.instance_id == instance_id, deliveries.c.status == "queued")
        .values(status="refused", last_error=reason, delivered_at=now())
    ).rowcount


def queued_by_member(conn) -> dict[tuple, float]:
    rows = conn.execute(
        sa.select(deliveries.c.instance_id, sa.func.count())
        .where(deliveries.c.status == "queued")
        .group_by(deliveries.c.instance_id)
    )
    return {(i,): n for i, n in rows}


def record_received(conn, row: dict) -> bool:
    """False when this key was received before."""
    try:
        with conn.begin_nested():
            conn.execute(received_transfers.insert().values(**row))
    except sa.exc.IntegrityError:
        return False
    return True


# --- notices -------------------------------------------------------------------------------------


def save_notice(conn, row: dict) -> bool:
    try:
        with conn.begin_nested():
            conn.execute(notices.insert().values(**row))
    except sa.exc.IntegrityError:
        return False
    return True


def list_notices(conn):
    return conn.execute(sa.select(notices).order_by(notices.c.received_at)).mappings().all()


# --- gauges (read when Prometheus scrapes) --------------------------------------------------------


def member_health(conn, at: dt.datetime | None = None) -> dict[tuple, float]:
    """1 for an active member whose last exchange succeeded, 0 for one that stopped answering."""
    rows = conn.execute(
        sa.select(members.c.instance_id, members.c.consecutive_failures, members.c.last_success_at).where(
            members.c.status == "active", members.c.revoked_by_peer.is_(sa.false())
        )
    )
    return {(i,): 1.0 if failures == 0 and last is not None else 0.0 for i, failures, last in rows}


def member_lag(conn, at: dt.datetime | None = None) -> dict[tuple, float]:
    """Seconds since each active member last gave a verified answer (since it became active,
    before its first)."""
    at = at or now()
    rows = conn.execute(
        sa.select(members.c.instance_id, members.c.last_success_at, members.c.joined_at).where(
            members.c.status == "active", members.c.revoked_by_peer.is_(sa.false())
        )
    )
    out = {}
    for instance_id, last, joined in rows:
        since = utc(last) or utc(joined)
        out[(instance_id,)] = max(0.0, (at - since).total_seconds()) if since else 0.0
    return out
