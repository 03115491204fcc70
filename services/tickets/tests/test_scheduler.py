"""The scheduler and transitions on a real database (SQLite here; PostgreSQL in e2e)."""

import datetime as dt
import json
import threading

import sqlalchemy as sa

from cokit import db
from cokit.events.relay import Outbox
from cokit.events.tables import outbox as outbox_table
from cokit.migrations import History
from tickets import deadlines, scheduler, service, store, transitions, workflow  # noqa: F401 (service adds the outbox table)

NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.timezone.utc)
CAL = deadlines.WeekendCalendar()
CLOCK = deadlines.Clock()


def engine(tmp_path):
    e = sa.create_engine(
        f"sqlite:///{tmp_path / 't.db'}",
        poolclass=sa.pool.NullPool,
        connect_args={"check_same_thread": False, "timeout": 30},
    )
    sa.event.listen(e, "connect", db.register_sqlite_functions)  # the queue's text search
    store.metadata.create_all(e)
    return e


def insert(e, ticket_id, kind, status, due_at, answer_by=None, acknowledge_by=None):
    row = dict(
        ticket_id=ticket_id,
        instance_id="ma",
        tracking_code=ticket_id[:16],
        office_id="o1",
        kind=kind,
        category="c",
        description="d" * 12,
        citizen_id="c1",
        channel="web",
        language="fr",
        status=status,
        submitted_at=NOW - dt.timedelta(days=40),
        acknowledge_by=acknowledge_by or due_at,
        answer_by=answer_by or due_at,
        due_at=due_at,
        updated_at=NOW,
        address="",
    )
    with e.begin() as conn:
        store.insert_ticket(conn, row, (), actor="t")


def events(e, ticket_id=None):
    with e.connect() as conn:
        q = sa.select(outbox_table.c.key, outbox_table.c.value)
        rows = conn.execute(q).all()
    return [r for r in rows if ticket_id is None or r.key == ticket_id]


def run(e, now=NOW, near=3):
    return scheduler.run_once(e, Outbox("tickets.events.v1", "ma"), CAL, CLOCK, now, near_days=near)


def test_implicit_refusal_happens_once_however_often_the_scheduler_runs(tmp_path):
    e = engine(tmp_path)
    insert(e, "ir-1", "information_request", "received", NOW - dt.timedelta(hours=1))
    insert(e, "ir-2", "information_request", "extended", NOW + dt.timedelta(days=20))
    first, second = run(e), run(e)
    assert (first.automatic, second.automatic) == (1, 0)
    with e.connect() as conn:
        row = store.find_by_id(conn, "ir-1")
        history = store.history_of(conn, "ir-1")
        assert store.find_by_id(conn, "ir-2")["status"] == "extended"
    assert row["status"] == "implicitly_refused" and row["decided_at"] is not None
    assert [h["action"] for h in history] == ["submit", "refuse_implicitly"]
    assert len(events(e, "ir-1")) == 1
    # An implicit refusal owes nothing more: no deadline is watched until an appeal.
    assert row["due_at"] is None


def test_concurrent_runs_refuse_once(tmp_path):
    e = engine(tmp_path)
    for i in range(30):
        insert(e, f"ir-{i:02d}", "information_request", "received", NOW - dt.timedelta(minutes=i + 1))
    results = []
    threads = [threading.Thread(target=lambda: results.append(run(e))) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sum(r.automatic for r in results) == 30
    assert len(events(e)) == 30


def test_overdue_and_near_alerts_are_raised_once_per_deadline(tmp_path):
    e = engine(tmp_path)
    insert(e, "late", "complaint", "acknowledged", NOW - dt.timedelta(days=1))
    insert(e, "soon", "complaint", "in_progress", CLOCK.end_of(dt.date(2026, 3, 12)))  # 2 working days left
    insert(e, "later", "complaint", "in_progress", CLOCK.end_of(dt.date(2026, 3, 31)))
    first = run(e)
    assert (first.overdue, first.near, first.automatic) == (1, 1, 0)
    second = run(e)
    assert (second.overdue, second.near) == (0, 0)
    assert len(events(e, "later")) == 0
    # A new deadline (after an extension or reopening) is a new alert.
    with e.begin() as conn:
        conn.execute(
            store.tickets.update().where(store.tickets.c.ticket_id == "late").values(due_at=NOW - dt.timedelta(hours=2))
        )
    assert run(e).overdue == 1


def test_the_scheduler_watches_the_office_s_shorter_deadline(tmp_path):
    # Ten working days from Monday 2 March (the office's rule for its category): due Monday 16 March.
    e = engine(tmp_path)
    due = deadlines.at_submission(
        "complaint",
        dt.datetime(2026, 3, 2, 10, tzinfo=dt.timezone.utc),
        CAL,
        CLOCK,
        rule=deadlines.Rule(10, "working_days"),
    )
    watched = deadlines.watched_deadline("complaint", "acknowledged", due.acknowledge_by, due.answer_by)
    insert(e, "lamp", "complaint", "acknowledged", watched, answer_by=due.answer_by, acknowledge_by=due.acknowledge_by)
    assert run(e, now=NOW).near == 0  # Tuesday 10: 4 working days left
    assert run(e, now=NOW + dt.timedelta(days=1)).near == 1  # Wednesday 11: 3 left
    assert run(e, now=CLOCK.end_of(dt.date(2026, 3, 16))).overdue == 1


def test_transition_is_compare_and_set(tmp_path):
    e = engine(tmp_path)
    insert(e, "c-1", "complaint", "submitted", NOW + dt.timedelta(days=10))
    ctx = workflow.Context(now=NOW, calendar=CAL)
    staff = workflow.Actor("agent", "staff")
    with e.begin() as conn:
        stale = store.find_by_id(conn, "c-1")
        store.apply_transition(conn, Outbox("t", "ma"), transitions.plan(stale, "acknowledge", staff, {}, ctx))
    with e.begin() as conn:
        try:
            store.apply_transition(conn, Outbox("t", "ma"), transitions.plan(stale, "acknowledge", staff, {}, ctx))
        except Exception as error:
            assert error.reason == "CONCURRENT_CHANGE"
        else:
            raise AssertionError("a stale row was applied twice")
        row = store.find_by_id(conn, "c-1")
    assert row["status"] == "acknowledged" and row["version"] == 2
    assert store.as_utc(row["due_at"]) == store.as_utc(row["answer_by"])


def test_refusal_details_are_kept_for_the_requester(tmp_path):
    e = engine(tmp_path)
    insert(e, "ir-9", "information_request", "received", NOW + dt.timedelta(days=10))
    officer = workflow.Actor("officer", "information_officer")
    fields = {"exception_code": "private_life", "reason": "données de tiers", "remedies": "recours", "bogus": "x"}
    with e.begin() as conn:
        planned = transitions.plan(
            store.find_by_id(conn, "ir-9"), "refuse", officer, fields, workflow.Context(now=NOW, calendar=CAL)
        )
        store.apply_transition(conn, Outbox("t", "ma"), planned)
        details = json.loads(store.history_of(conn, "ir-9")[-1]["details"])
    assert details == {"exception_code": "private_life", "reason": "données de tiers", "remedies": "recours"}


def test_migration_adds_the_new_columns_to_an_old_table(tmp_path):
    e = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    names = [c.name for c in store.tickets.columns]
    first_release = names[: names.index("updated_at") + 1]
    old = sa.MetaData()
    sa.Table("tickets", old, *[store.tickets.c[n].copy() for n in first_release])
    old.create_all(e)
    with e.begin() as conn:
        conn.execute(
            old.tables["tickets"]
            .insert()
            .values(
                ticket_id="x",
                instance_id="ma",
                tracking_code="X",
                office_id="o",
                kind="complaint",
                category="c",
                description="d",
                citizen_id="",
                channel="web",
                language="fr",
                address="",
                status="submitted",
                submitted_at=NOW,
                acknowledge_by=NOW,
                answer_by=NOW,
                updated_at=NOW,
            )
        )
    for _ in range(2):  # the second migration finds nothing to do
        with e.begin() as conn:
            History.of("tickets").upgrade(conn)
    with e.connect() as conn:
        row = conn.execute(sa.text("SELECT version, extended, due_at FROM tickets")).one()
    assert tuple(row) == (1, 0, None)


def test_overdue_requests_are_counted_per_office_until_answered(tmp_path):
    e = engine(tmp_path)
    insert(e, "late-1", "complaint", "acknowledged", NOW - dt.timedelta(days=1))
    insert(e, "late-2", "complaint", "in_progress", NOW - dt.timedelta(hours=2))
    insert(e, "late-3", "complaint", "received", NOW - dt.timedelta(days=3))
    insert(e, "on-time", "complaint", "in_progress", NOW + dt.timedelta(days=5))
    with e.begin() as conn:
        conn.execute(store.tickets.update().where(store.tickets.c.ticket_id == "late-3").values(office_id="o2"))
        assert store.overdue_by_office(conn, NOW) == {("o1",): 2, ("o2",): 1}
        # Answered: no deadline watched any more, so no longer overdue.
        conn.execute(store.tickets.update().where(store.tickets.c.ticket_id == "late-2").values(due_at=None))
        assert store.overdue_by_office(conn, NOW) == {("o1",): 1, ("o2",): 1}
        assert store.overdue_by_office(conn, NOW - dt.timedelta(days=10)) == {}
