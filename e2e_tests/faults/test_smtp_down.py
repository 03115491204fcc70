"""The mail server away for two minutes while receipts are due.

notifications keeps each delivery and tries again with back-off (1 s doubling in this
session, see conftest.RETRIES); once the server is back every receipt arrives, none twice.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from e2e_tests.helpers import eventually

from .load import Load, engine, mails, new_run, settle

DOWN_SECONDS = 120
COUNT = 200


def test_smtp_down_two_minutes_loses_and_doubles_no_receipt(platform, infra, infra_backend, report):
    run = new_run("smtp")
    deliveries = engine(infra.database_url("notifications"))
    with infra_backend.stopped("smtp"):
        stopped = time.monotonic()
        outcomes = Load.on(platform, run, COUNT, rate=20.0).start().wait()
        codes = {o.tracking_code for o in outcomes if o.accepted}
        retried = eventually(
            lambda: _failed_twice(deliveries) >= len(codes) > 0,
            timeout=60,
            what="every receipt tried twice while the mail server is away",
        )
        time.sleep(max(0.0, stopped + DOWN_SECONDS - time.monotonic()))
        during = sum(mails(infra_backend, run).values())
    back = time.monotonic()
    tally = settle(infra, infra_backend, run, outcomes)
    report(
        f"smtp down {DOWN_SECONDS}s: {tally.counts()} mails while down: {during},"
        f" all mails in {time.monotonic() - back - 3:.0f}s after it was back"
    )

    assert retried and during == 0
    assert [o for o in outcomes if not o.accepted] == []
    tally.check()


def _failed_twice(deliveries: sa.Engine) -> int:
    with deliveries.connect() as conn:
        return conn.execute(
            sa.text(
                "select count(*) from deliveries where channel = 'email' and state = 'pending'"
                " and attempts >= 2 and last_error <> ''"
            )
        ).scalar_one()
