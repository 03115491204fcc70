"""Consumer idempotency: which event ids a consumer group has already handled."""

from __future__ import annotations

import datetime as _dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cokit.events.tables import processed_events as _table


def _insert(conn: Connection, event_id: str, group: str):
    values = dict(
        event_id=event_id,
        consumer_group=group,
        processed_at=_dt.datetime.now(_dt.timezone.utc),
    )
    dialect = conn.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        return sa.insert(_table).values(**values), False
    return insert(_table).values(**values).on_conflict_do_nothing(), True


def mark_processed(conn: Connection, event_id: str, group: str) -> bool:
    """Record the event as handled by ``group`` in the caller's transaction.

    True when this call recorded it, False when it was already there. A
    handler that writes its own state in the same transaction can use the
    result as its gate: two concurrent deliveries of one event then change
    the state once, because the loser's insert waits on the winner's row.
    """
    stmt, ignores_conflict = _insert(conn, event_id, group)
    if ignores_conflict:
        return conn.execute(stmt).rowcount == 1
    if is_processed(conn, event_id, group):
        return False
    conn.execute(stmt)
    return True


def is_processed(conn: Connection, event_id: str, group: str) -> bool:
    row = conn.execute(
        sa.select(_table.c.event_id).where(_table.c.event_id == event_id, _table.c.consumer_group == group)
    ).first()
    return row is not None


def is_processed_in(engine: Engine, event_id: str, group: str) -> bool:
    with engine.connect() as conn:
        return is_processed(conn, event_id, group)


def mark_processed_in(engine: Engine, event_id: str, group: str) -> bool:
    with engine.begin() as conn:
        return mark_processed(conn, event_id, group)
