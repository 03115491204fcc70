"""SIGKILL of tickets while 1,000 submissions arrive.

The outbox relay runs inside tickets (cokit.events.relay, a dependency of the service), so
each kill takes the relay down with it. Three kills: mid-burst, while the outbox holds
committed events the relay has not published yet; right after a commit, on the next receipt
a client gets; and with events certainly unpublished, the head of the outbox held by a lock
the way a relay of another replica would hold it. Each time the process comes back and its
relay takes up where the dead one stopped.

The relay publishes a batch, then marks it published in the transaction that locked it, so a
relay killed between Kafka's acknowledgement and that commit publishes the batch again: the
outbox gives at-least-once. The duplicates are counted raw (never deduplicated) and every
repeat must carry the event id of the first, which the consumers drop: each accepted
submission gets exactly one receipt e-mail.
"""

from __future__ import annotations

import signal
import threading

import sqlalchemy as sa

from e2e_tests.helpers import eventually

from .load import Load, engine, new_run, settle, unpublished

COUNT = 1000
# Below what the machine absorbs, so a restart's seconds refuse tens of submissions, not the
# whole run (refusals answer in milliseconds).
RATE = 25.0


def test_sigkill_of_tickets_and_its_relay_loses_and_doubles_no_accepted_submission(
    platform, infra, infra_backend, report
):
    run = new_run("kill")
    db = engine(infra.database_url("tickets"))
    kills: dict[str, int] = {}
    after_commit = threading.Event()
    killed = threading.Event()

    def kill_on_receipt(outcome):
        if outcome.accepted and after_commit.is_set() and not killed.is_set():
            after_commit.clear()
            platform.stop("tickets", sig=signal.SIGKILL)
            killed.set()

    def restart(label: str) -> None:
        # Committed and not published when the process died: the new relay owes them.
        kills[label] = unpublished(db)
        platform.start("tickets")
        platform.wait_ready("tickets")

    load = Load.on(platform, run, COUNT, rate=RATE, on_outcome=kill_on_receipt).start()

    eventually(lambda: load.accepted() >= 200, timeout=120, what="200 receipts")
    eventually(lambda: unpublished(db) > 0, timeout=30, interval=0.01, what="committed events not yet published")
    platform.stop("tickets", sig=signal.SIGKILL)
    restart("mid-burst")

    eventually(lambda: load.accepted() >= 400, timeout=120, what="400 receipts")
    after_commit.set()
    assert killed.wait(timeout=60), "no receipt to kill tickets after"
    restart("right after a commit")

    eventually(lambda: load.accepted() >= 600, timeout=120, what="600 receipts")
    with db.connect() as holder:
        head = eventually(lambda: _lock_outbox_head(holder), timeout=30, interval=0.01, what="the outbox head")
        eventually(lambda: unpublished(db) >= 20, timeout=30, what="20 events held back")
        platform.stop("tickets", sig=signal.SIGKILL)
        holder.rollback()
    restart("events held unpublished")
    assert head

    outcomes = load.wait()
    tally = settle(infra, infra_backend, run, outcomes)
    report(f"sigkill tickets: {tally.counts()} unpublished at each kill: {kills}")

    assert len(outcomes) == COUNT
    tally.check(duplicates=True)
    assert {o.status for o in outcomes if not o.accepted} <= {503}
    assert kills["events held unpublished"] >= 20


def _lock_outbox_head(conn: sa.Connection):
    """Locks the oldest unpublished outbox row, as another replica's relay would: every relay
    then waits for it (cokit.events.outbox.fetch_unpublished). None while there is none."""
    conn.rollback()
    head = conn.execute(sa.text("select min(seq) from outbox_events where published_at is null")).scalar()
    if head is None:
        return None
    return conn.execute(
        sa.text("select seq from outbox_events where seq = :s and published_at is null for update skip locked"),
        {"s": head},
    ).scalar()
