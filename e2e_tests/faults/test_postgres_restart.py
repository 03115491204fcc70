"""PostgreSQL stopped and started again in the middle of a steady load.

While the database is away every submission is refused with a 503 problem body naming the
cause (DATABASE_UNAVAILABLE or UNAVAILABLE), never a 500 and never a hang; once it is back
the services reconnect by themselves (no restart) and submissions succeed again.
"""

from __future__ import annotations

import time


from e2e_tests.helpers import eventually

from .load import Load, new_run, settle

DOWN_SECONDS = 15
# After the server answers again, the services must be back within this.
RECOVERY_SECONDS = 30
RATE = 10.0


def test_postgres_restarted_mid_load_answers_503_then_recovers_by_itself(platform, infra, infra_backend, report):
    run = new_run("postgres")
    pids = {name: platform.pid_of(name) for name in platform.services}
    load = Load.on(platform, run, 5000, rate=RATE, seconds=DOWN_SECONDS + RECOVERY_SECONDS + 45, pause=0.2).start()
    eventually(lambda: load.accepted() >= 50, timeout=60, what="50 receipts before the database stops")
    infra_backend.stop("postgres")
    stopped = time.monotonic()
    time.sleep(DOWN_SECONDS)
    restarting = time.monotonic()
    infra_backend.start("postgres")
    back = time.monotonic()
    outcomes = load.wait()

    while_down = [o for o in outcomes if o.started >= stopped and o.ended <= restarting]
    after = [o for o in outcomes if o.started >= back]
    refused_after = [o for o in after if not o.accepted]
    recovered = max((o.ended for o in refused_after), default=back) - back
    first_success = min((o.ended for o in after if o.accepted), default=float("inf")) - back
    late = [o for o in outcomes if o.started >= back + RECOVERY_SECONDS]
    tally = settle(infra, infra_backend, run, outcomes)
    reasons = sorted({o.reason for o in outcomes if not o.accepted})
    report(
        f"postgres restart ({DOWN_SECONDS}s down): {tally.counts()} while down: {len(while_down)}"
        f" (503: {sum(o.status == 503 for o in while_down)}), reasons {reasons},"
        f" first receipt {first_success:.1f}s and last refusal {recovered:.1f}s after it was back"
    )

    assert len(while_down) >= DOWN_SECONDS * RATE * 0.5
    assert all(o.status == 503 and o.told for o in while_down), {(o.status, o.reason) for o in while_down}
    assert not [o for o in outcomes if o.status == 500]
    assert first_success < RECOVERY_SECONDS and recovered < RECOVERY_SECONDS
    assert len(late) >= 100 and all(o.accepted for o in late)
    assert {name: platform.pid_of(name) for name in platform.services} == pids, "a service was restarted"
    tally.check()
