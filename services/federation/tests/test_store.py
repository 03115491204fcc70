"""The message log on the database the migration makes: append-only, hash-chained; nonces
refuse a second use."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from cokit.db import create_engine
from cokit.migrations import History
from federation import store


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'federation.db'}")
    with engine.begin() as conn:
        History.of("federation").upgrade(conn)
    yield engine
    engine.dispose()


def append(conn, n: int, outcome: str = "accepted"):
    return store.append_log(
        conn,
        direction="in",
        peer="sn",
        kind="figures.pull",
        message_id=f"m{n}",
        digest=f"{n:064x}",
        outcome=outcome,
        size=10 * n,
        sent_at=dt.datetime(2026, 5, 4, 10, n, tzinfo=dt.timezone.utc),
    )


def test_entries_are_numbered_and_chained(engine):
    with engine.begin() as conn:
        assert [append(conn, n) for n in (1, 2, 3)] == [1, 2, 3]
    with engine.connect() as conn:
        rows = store.read_log(conn, 0, 10)
        assert [r["prev_hash"] for r in rows[1:]] == [r["entry_hash"] for r in rows[:-1]]
        assert rows[0]["prev_hash"] == store.GENESIS
        assert store.verify_log(conn) == (3, 0)
        assert [r["seq"] for r in store.read_log(conn, 1, 1)] == [2]


def test_the_log_refuses_updates_and_deletes(engine):
    with engine.begin() as conn:
        append(conn, 1)
    for statement in ("UPDATE message_log SET outcome = 'refused'", "DELETE FROM message_log"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))


def test_an_edited_entry_breaks_the_chain(engine):
    with engine.begin() as conn:
        for n in (1, 2, 3):
            append(conn, n)
        # Someone able to drop the trigger edits the second entry.
        conn.execute(sa.text("DROP TRIGGER message_log_no_update"))
        conn.execute(sa.text("UPDATE message_log SET reason = 'edited' WHERE seq = 2"))
    with engine.connect() as conn:
        assert store.verify_log(conn) == (2, 2)


def test_a_nonce_is_taken_once_per_sender(engine):
    at = store.now()
    with engine.begin() as conn:
        assert store.remember_nonce(conn, "sn", b"n" * 16, at)
        assert not store.remember_nonce(conn, "sn", b"n" * 16, at)
        assert store.remember_nonce(conn, "ci", b"n" * 16, at)
        assert store.forget_nonces_before(conn, at + dt.timedelta(seconds=1)) == 2
        assert store.remember_nonce(conn, "sn", b"n" * 16, at)


def test_health_and_lag_of_active_members(engine):
    now = store.now()
    with engine.begin() as conn:
        for instance_id, failures, last in (
            ("sn", 0, now - dt.timedelta(seconds=30)),
            ("ci", 3, now - dt.timedelta(hours=1)),
        ):
            store.insert_member(
                conn,
                dict(
                    instance_id=instance_id,
                    country=instance_id.upper(),
                    status="active",
                    consecutive_failures=failures,
                    last_success_at=last,
                    joined_at=now - dt.timedelta(days=1),
                ),
            )
        store.insert_member(conn, dict(instance_id="tn", country="TN", status="invited"))
        assert store.member_health(conn) == {("sn",): 1.0, ("ci",): 0.0}
        lag = store.member_lag(conn, now)
        assert round(lag[("sn",)]) == 30 and round(lag[("ci",)]) == 3600 and ("tn",) not in lag
