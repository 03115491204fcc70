"""Transactional outbox: events are rows written in the caller's transaction.

The state change and its event commit or roll back together; the relay
(cokit.events.relay) publishes committed rows to Kafka later. This module is
plain SQLAlchemy Core so it can be used and tested without nameko or Kafka.
"""

from __future__ import annotations

import datetime as _dt
import threading
import weakref
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine

from cokit.events.envelope import Envelope, encode
from cokit.events.tables import outbox as _table

__all__ = ["add", "add_record", "OutboxRow", "fetch_unpublished", "mark_published", "unpublished_count", "on_commit_of"]

_PENDING_FLAG = "cokit.outbox.pending"


def add(conn: Connection, topic: str, envelope: Envelope) -> None:
    """Write the event in the transaction open on ``conn``.

    Nothing is sent here: if the transaction rolls back, the event never
    existed. A relay in this process is woken when the transaction commits.
    """
    add_record(conn, topic, envelope.aggregate_id, encode(envelope), envelope.event_id)


def add_record(conn: Connection, topic: str, key: str, value: bytes, record_id: str) -> None:
    """Write any record (e.g. a dead letter, which is no Envelope) in the open transaction.

    ``record_id`` is unique among the outbox's rows (an event id, or a fresh UUIDv7).
    """
    if not conn.in_transaction():
        # Autocommitting the event on its own would break the guarantee that
        # it exists exactly when the state change does.
        raise RuntimeError("outbox.add needs an open transaction (use engine.begin())")
    conn.execute(
        sa.insert(_table).values(
            event_id=record_id,
            topic=topic,
            key=key,
            value=value,
            created_at=_dt.datetime.now(_dt.timezone.utc),
        )
    )
    conn.info[_PENDING_FLAG] = True


@dataclass(frozen=True)
class OutboxRow:
    seq: int
    event_id: str
    topic: str
    key: str
    value: bytes


def _rows(result) -> list[OutboxRow]:
    return [OutboxRow(r.seq, r.event_id, r.topic, r.key, bytes(r.value)) for r in result]


def fetch_unpublished(conn: Connection, limit: int) -> list[OutboxRow]:
    """The oldest unpublished rows, in seq order, that this relay may publish now.

    On PostgreSQL the rows are locked (FOR UPDATE SKIP LOCKED) for the rest of
    the caller's transaction, and the batch is returned only when it starts at
    the oldest unpublished row: a second replica that skipped the rows locked
    by the first would otherwise publish later events of a key before earlier
    ones. It then gets nothing and tries again after the first one commits.
    """
    cols = [_table.c.seq, _table.c.event_id, _table.c.topic, _table.c.key, _table.c.value]
    stmt = sa.select(*cols).where(_table.c.published_at.is_(None)).order_by(_table.c.seq).limit(limit)
    if conn.dialect.name != "postgresql":
        return _rows(conn.execute(stmt))
    rows = _rows(conn.execute(stmt.with_for_update(skip_locked=True)))
    if not rows:
        return rows
    head = conn.execute(sa.select(sa.func.min(_table.c.seq)).where(_table.c.published_at.is_(None))).scalar()
    if head is not None and head != rows[0].seq:
        return []
    return rows


def mark_published(conn: Connection, seqs: list[int]) -> None:
    if not seqs:
        return
    conn.execute(
        sa.update(_table)
        .where(_table.c.seq.in_(seqs), _table.c.published_at.is_(None))
        .values(published_at=_dt.datetime.now(_dt.timezone.utc))
    )


def unpublished_count(conn: Connection) -> int:
    return conn.execute(
        sa.select(sa.func.count()).select_from(_table).where(_table.c.published_at.is_(None))
    ).scalar_one()


# --- wake-up of relays in this process -------------------------------------

_listeners_lock = threading.Lock()
_listeners: "weakref.WeakKeyDictionary[Engine, list[Callable[[], None]]]" = weakref.WeakKeyDictionary()


def _on_commit(conn: Connection) -> None:
    if not conn.info.pop(_PENDING_FLAG, False):
        return
    for notify in list(_listeners.get(conn.engine, ())):
        notify()


def _on_rollback(conn: Connection) -> None:
    conn.info.pop(_PENDING_FLAG, None)


def on_commit_of(engine: Engine, notify: Callable[[], None]) -> Callable[[], None]:
    """Call ``notify`` whenever a transaction that added events commits on ``engine``.

    The hook runs just before the database commits; the relay tolerates an
    early wake-up (it re-reads shortly after, and polls anyway). Returns a
    function that removes the hook.
    """
    with _listeners_lock:
        callbacks = _listeners.get(engine)
        if callbacks is None:
            callbacks = _listeners[engine] = []
            sa_event.listen(engine, "commit", _on_commit)
            sa_event.listen(engine, "rollback", _on_rollback)
        callbacks.append(notify)

    def remove() -> None:
        with _listeners_lock:
            cbs = _listeners.get(engine)
            if cbs and notify in cbs:
                cbs.remove(notify)

    return remove
