"""Kafka stopped for 60 s in the middle of a steady load.

Submissions only write PostgreSQL (the ticket and its event in one transaction), so none may
fail while the broker is away; the relay keeps the events in the outbox and publishes them
once the broker is back, and notifications sends each receipt once.
"""

from __future__ import annotations

import time


from e2e_tests.helpers import eventually

from .load import Load, new_run, settle

DOWN_SECONDS = 60
RATE = 8.0


def test_kafka_stopped_for_a_minute_fails_no_submission_and_every_event_follows(platform, infra, infra_backend, report):
    run = new_run("kafka")
    load = Load.on(platform, run, 2000, rate=RATE, seconds=DOWN_SECONDS + 35).start()
    eventually(lambda: load.accepted() >= 40, timeout=60, what="40 receipts before the broker stops")
    infra_backend.stop("kafka")
    stopped = time.monotonic()
    time.sleep(DOWN_SECONDS)
    infra_backend.start("kafka")
    outcomes = load.wait()
    answered_while_down = sum(1 for o in outcomes if stopped <= o.started < stopped + DOWN_SECONDS)
    tally = settle(infra, infra_backend, run, outcomes)
    report(f"kafka down {DOWN_SECONDS}s: {tally.counts()} submitted while down: {answered_while_down}")

    assert answered_while_down >= DOWN_SECONDS * RATE * 0.8
    assert [o for o in outcomes if not o.accepted] == []
    tally.check(duplicates=True)
