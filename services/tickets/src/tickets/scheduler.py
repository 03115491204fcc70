"""The deadline scheduler: ticket.deadline_near, ticket.overdue and the automatic
transitions (an information request left unanswered is refused implicitly, Law 31-13).

Every replica runs it; running it twice, or on two replicas at once, changes nothing more
than running it once: automatic transitions are compare-and-set updates of the ticket row
and alerts are keyed by (ticket, alert, deadline). On PostgreSQL candidates are claimed
with FOR UPDATE SKIP LOCKED so replicas share the work instead of queueing on one row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import sqlalchemy as sa

from cokit import request_types
from cokit.db import is_postgres
from cokit.refusals import Refusal

from citizenoffice.tickets.v1 import tickets_pb2 as pb

from . import deadlines, store, transitions, workflow

log = logging.getLogger(__name__)
SYSTEM_ACTOR = workflow.Actor("scheduler", workflow.SYSTEM)


@dataclasses.dataclass
class Counts:
    near: int = 0
    overdue: int = 0
    automatic: int = 0


def _not_alerted(alert: str):
    a = store.ticket_alerts
    return ~sa.exists().where(
        a.c.ticket_id == store.tickets.c.ticket_id, a.c.alert == alert, a.c.due_at == store.tickets.c.due_at
    )


def _claim(conn, query, engine):
    if is_postgres(engine):
        query = query.with_for_update(skip_locked=True, of=store.tickets)
    return conn.execute(query).mappings().all()


def run_once(
    engine: sa.Engine,
    outbox,
    calendar: deadlines.Calendar,
    clock: deadlines.Clock,
    now: dt.datetime,
    near_days: int = deadlines.DEFAULT_NEAR_WORKING_DAYS,
    batch: int = 200,
) -> Counts:
    counts = Counts()
    t = store.tickets
    ctx = workflow.Context(now=now, calendar=calendar, clock=clock)
    # 1. Past the deadline: the automatic transition where the type has one, else an alert.
    while True:
        with engine.begin() as conn:
            query = sa.select(t).where(t.c.due_at <= now, _not_alerted("overdue")).order_by(t.c.due_at).limit(batch)
            rows = _claim(conn, query, engine)
            fresh = 0
            for row in rows:
                action = request_types.get(row["kind"]).on_deadline
                if action and row["status"] in workflow.machine_for(row["kind"]).transition(action).sources:
                    try:
                        store.apply_transition(conn, outbox, transitions.plan(row, action, SYSTEM_ACTOR, {}, ctx))
                    except Refusal as error:
                        log.warning("automatic %s skipped for %s: %s", action, row["ticket_id"], error.reason)
                        continue
                    counts.automatic += 1
                    fresh += 1
                elif store.raise_alert(conn, row["ticket_id"], "overdue", store.as_utc(row["due_at"]), now):
                    outbox.add(
                        conn, "ticket.overdue", row["ticket_id"], _deadline_payload(row, 0), office_id=row["office_id"]
                    )
                    counts.overdue += 1
                    fresh += 1
        if len(rows) < batch or fresh == 0:
            break
    # 2. Near the deadline: a generous window in calendar days, then the working-day rule.
    horizon = now + dt.timedelta(days=near_days * 2 + 14)
    with engine.begin() as conn:
        rows = _claim(conn, sa.select(t).where(t.c.due_at > now, t.c.due_at <= horizon, _not_alerted("near")), engine)
        for row in rows:
            due = store.as_utc(row["due_at"])
            if not deadlines.is_near(now, due, calendar, clock, near_days):
                continue
            if store.raise_alert(conn, row["ticket_id"], "near", due, now):
                left = deadlines.working_days_left(now, due, calendar, clock)
                outbox.add(
                    conn,
                    "ticket.deadline_near",
                    row["ticket_id"],
                    _deadline_payload(row, left),
                    office_id=row["office_id"],
                )
                counts.near += 1
    return counts


def _deadline_payload(row, left: int) -> pb.TicketDeadline:
    return pb.TicketDeadline(
        ticket_id=row["ticket_id"],
        office_id=row["office_id"],
        kind=request_types.wire(row["kind"]),
        status=row["status"],
        due_at=transitions.timestamp(row["due_at"]),
        working_days_left=left,
        tracking_code=row["tracking_code"],
    )
