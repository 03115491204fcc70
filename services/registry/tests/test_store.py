import datetime as dt

import pytest
import sqlalchemy as sa

from citizenoffice.registry.v1 import registry_pb2 as pb
from cokit.calendar import calendar_from_message
from cokit.db import create_engine
from cokit.migrations import History
from registry import calendar, domain, store, territory


@pytest.fixture()
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/registry.db")
    store.metadata.create_all(engine)
    with engine.begin() as conn:
        store.seed(conn, "ma")
    yield engine
    engine.dispose()


def test_seed_is_complete_and_idempotent(engine):
    with engine.begin() as conn:
        assert store.seed(conn, "ma") == 0
        assert len(store.list_units(conn, "ma", "region")) == 12
        assert len(store.list_offices(conn, "operational")) == 5
        assert len(store.holiday_rules(conn, "ma")) == len(calendar.MOROCCO_HOLIDAYS)
        tetouan = store.get_office(conn, "tetouan")
        assert len(store.entries_of(conn, tetouan["office_id"])) == len(domain.DEFAULT_CATALOGUE)
        assert [s["phase"] for s in store.phase_history(conn, tetouan["office_id"])] == ["implementation"]
        assert store.ancestors(conn, "tetouan") == {
            "commune": "tetouan",
            "province": "ma-tet",
            "region": "ma-01",
            "instance": "ma",
        }


def test_upsert_then_remove_units(engine):
    units = [
        territory.Unit("p-x", "province", "ma-01", "X"),
        territory.Unit("c-x", "commune", "p-x", "Cx", population=10, commune_type="rural"),
    ]
    with engine.begin() as conn:
        assert store.upsert_units(conn, units, "ma") == (2, 0)
        changed = [units[0], territory.Unit("c-x", "commune", "p-x", "Cx", population=99, commune_type="urban")]
        assert store.upsert_units(conn, changed, "ma") == (0, 2)
        assert store.get_unit(conn, "c-x")["population"] == 99
        assert store.remove_units(conn, ["p-x", "c-x"]) == 2
        assert store.get_unit(conn, "c-x") is None


def test_activity_figures_are_summed_by_kind_and_theme(engine):
    rows = [("forum", "", 3, 4), ("forum", "", 1, 1), ("strategic_workshop", "participation", 5, 0)]
    with engine.begin() as conn:
        for n, (kind, theme, women, men) in enumerate(rows):
            store.insert_activity(
                conn,
                dict(
                    activity_id=f"a{n}",
                    instance_id="ma",
                    office_id="o1",
                    kind=kind,
                    theme=theme,
                    held_on=dt.date(2026, 5, 4),
                    place="Martil",
                    title="",
                    women=women,
                    men=men,
                    others=0,
                    document_ids="[]",
                    recorded_at=store.now(),
                ),
            )
        figures = sorted(tuple(r) for r in store.activity_figures(conn, office_ids=["o1"]))
        assert figures == [("forum", "", 2, 4, 5, 0), ("strategic_workshop", "participation", 1, 5, 0, 0)]
        assert store.activity_figures(conn, office_ids=["other"]) == []


def test_calendar_reply_round_trips_into_the_cache_shape(engine):
    with engine.connect() as conn:
        cal = calendar.working_calendar(store.holiday_rules(conn, "ma"), store.weekend_of(conn, "ma"), 2026, 2027)
    reply = pb.Calendar(
        weekend_days=sorted(cal.weekend),
        covered_years=sorted(cal.covered_years),
        holidays=[
            pb.CalendarHoliday(date=d.isoformat(), name=h.name, confirmed=h.confirmed) for d, h in cal.holidays.items()
        ],
    )
    again = calendar_from_message(reply)
    start = dt.date(2026, 3, 16)
    assert again.add_working_days(start, 20) == cal.add_working_days(start, 20)
    assert again.add_working_days(start, 20).day == dt.date(2026, 4, 14)


def test_weekend_is_per_instance(engine):
    with engine.begin() as conn:
        store.set_weekend(conn, "partner", [4, 5])
        assert store.weekend_of(conn, "partner") == (4, 5)
        assert store.weekend_of(conn, "ma") == (5, 6)
        assert (
            conn.execute(
                sa.select(sa.func.count()).select_from(store.holidays).where(store.holidays.c.instance_id == "partner")
            ).scalar()
            == 0
        )


def test_catalogue_columns_added_to_an_older_table_read_as_the_type_defaults(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/old.db")
    older = sa.MetaData()
    sa.Table(
        "catalogue_entries",
        older,
        *[c.copy() for c in store.catalogue_entries.columns if c.name not in ("publicity", "anonymous_allowed")],
    )
    older.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into catalogue_entries (office_id, code, request_type, category, name_fr, name_ar,"
                " name_zgh, name_en, deadline_count, deadline_unit, legal_basis, department,"
                " requires_location, requires_attachments, active, updated_at) values ('o', 'info',"
                " 'information_request', 'information', 'Info', '', '', '', 20, 'working_days', '', '',"
                " 0, 0, 1, '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            sa.text(
                "insert into catalogue_entries (office_id, code, request_type, category, name_fr, name_ar,"
                " name_zgh, name_en, deadline_count, deadline_unit, legal_basis, department,"
                " requires_location, requires_attachments, active, updated_at) values ('o', :code,"
                " 'complaint', :category, 'X', '', '', '', 2, 'months', '', '', 0, 0, 1,"
                " '2026-01-01 00:00:00')"
            ),
            [{"code": "civil-status", "category": "civil_status"}, {"code": "noise", "category": "noise"}],
        )
    for _ in range(2):  # the second migration finds nothing to do
        with engine.begin() as conn:
            History.of("registry").upgrade(conn)
    with engine.begin() as conn:
        entries = {e.code: (e.publicity, e.anonymous_allowed) for e in map(store.entry_of, store.entries_of(conn, "o"))}
        # Seeded before: the default catalogue's rules now; an office's own entry: its type's default.
        assert entries == {"info": ("private", False), "civil-status": ("private", False), "noise": ("choice", True)}
        conn.execute(sa.text("delete from catalogue_entries where code in ('civil-status', 'noise')"))
        store.upsert_entry(
            conn,
            "o",
            domain.CatalogueEntry(
                "noise", "complaint", "noise", "Bruit", deadline_count=2, publicity="public", anonymous_allowed=False
            ),
        )
        noise = [store.entry_of(r) for r in store.entries_of(conn, "o") if r["code"] == "noise"][0]
        assert (noise.publicity, noise.anonymous_allowed) == ("public", False)
    engine.dispose()


def test_deadlines_saved_before_the_law_s_bounds_were_checked_take_the_legal_one(tmp_path):
    """Revision 0002 on a database at 0001 with entries outside the bounds; a second upgrade changes nothing."""
    engine = create_engine(f"sqlite:///{tmp_path}/registry.db")
    history = History.of("registry")
    with engine.begin() as conn:
        history.upgrade(conn, "0001")
        store.seed(conn, "ma")
        office = store.get_office(conn, "tetouan")["office_id"]
        c = store.catalogue_entries.c
        conn.execute(
            store.catalogue_entries.update()
            .where(c.office_id == office, c.code == "lighting")
            .values(deadline_count=6, deadline_unit="months")
        )
        conn.execute(
            store.catalogue_entries.update()
            .where(c.office_id == office, c.code == "information")
            .values(deadline_count=10)
        )
        conn.execute(
            store.catalogue_entries.update()
            .where(c.office_id == office, c.code == "roads")
            .values(deadline_count=10, deadline_unit="working_days")
        )
    for _ in range(2):
        with engine.begin() as conn:
            history.upgrade(conn)
    with engine.connect() as conn:
        assert history.current(conn) == ("0002",)
        deadline = {
            e.code: (e.deadline_count, e.deadline_unit) for e in map(store.entry_of, store.entries_of(conn, office))
        }
    engine.dispose()
    assert deadline["lighting"] == (2, "months") and deadline["information"] == (20, "working_days")
    assert deadline["roads"] == (10, "working_days")  # the office's shorter promise stays


def test_an_entry_saved_without_publicity_or_anonymity_keeps_what_the_office_chose(engine):
    noise = domain.CatalogueEntry(
        "noise", "complaint", "noise", "Bruit", deadline_count=2, publicity="public", anonymous_allowed=False
    )
    unsaid = domain.CatalogueEntry("noise", "complaint", "noise", "Bruit (nuit)", deadline_count=2)
    with engine.begin() as conn:
        office = store.get_office(conn, "tetouan")["office_id"]
        # A new entry: the request type's defaults.
        assert store.with_stored_rules(conn, office, unsaid, True, True) == unsaid
        store.upsert_entry(conn, office, noise)
        kept = store.with_stored_rules(conn, office, unsaid, True, True)
        assert (kept.publicity, kept.anonymous_allowed, kept.name_fr) == ("public", False, "Bruit (nuit)")
        said = store.with_stored_rules(conn, office, unsaid, False, True)
        assert (said.publicity, said.anonymous_allowed) == ("choice", False)
