"""The staff queue's text search on the local PostgreSQL server (full text, 'simple'
configuration, GIN index) in a schema of its own; SQLite keeps LIKE (test_around_workflow)."""
from __future__ import annotations

import datetime as dt
import pathlib
import sys
import uuid

import pytest
import sqlalchemy as sa

from tickets import store

ROOT = pathlib.Path(__file__).resolve().parents[3]
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
TEXTS = {
    "lamp": "Lampadaire éteint rue des Orangers depuis lundi",
    "ar": "الإنارة العمومية معطلة قرب المدرسة",
    "zgh": "ⵜⴰⴼⵓⵍⵍⵓⵙⵜ ⵜⵅⵚⵚⴰ ⴳ ⵓⵖⴰⵔⴰⵙ",
    "percent": "Fuite d'eau: 100% du trottoir inondé",
}


@pytest.fixture()
def postgres():
    sys.path.insert(0, str(ROOT / "deploy" / "local"))
    from stack import INFRA_ENV, read_env_file

    url = read_env_file(INFRA_ENV).get("DATABASE_URL_TICKETS", "")
    if not url:
        pytest.skip("no local PostgreSQL (bash deploy/local/infra.sh up postgres)")
    schema = f"test_text_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError:
        pytest.skip("the local PostgreSQL does not answer (bash deploy/local/infra.sh up postgres)")
    scoped = engine.execution_options(schema_translate_map={None: schema})
    store.metadata.create_all(scoped, tables=[store.tickets, store.ticket_attachments, store.ticket_history])
    try:
        yield scoped, schema
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def fill(engine):
    with engine.begin() as conn:
        for n, (key, text) in enumerate(TEXTS.items()):
            store.insert_ticket(conn, dict(
                ticket_id=key, instance_id="ma", tracking_code=key, office_id="o1", kind="complaint", category="c",
                description=text, citizen_id="", channel="web", language="fr", status="submitted",
                submitted_at=NOW - dt.timedelta(hours=n), acknowledge_by=NOW, answer_by=NOW, updated_at=NOW,
                address=""), (), actor="t")


def found(engine, text: str) -> set[str]:
    with engine.connect() as conn:
        return {r["ticket_id"] for r in store.search(conn, text=text, now=NOW, limit=50)}


def test_words_and_their_starts_are_found_in_every_script(postgres):
    engine, _ = postgres
    fill(engine)
    assert found(engine, "lampadaire") == {"lamp"}
    assert found(engine, "LAMPA orangers") == {"lamp"}            # any case, a word's start, every word
    assert found(engine, "lampadaire école") == set()
    assert found(engine, "الإنارة") == {"ar"}
    assert found(engine, "ⵜⴰⴼⵓⵍⵍⵓⵙⵜ") == {"zgh"}
    assert found(engine, "100%") == {"percent"}                    # punctuation is no query syntax
    assert found(engine, "%_ :*&|!") == set()                     # no word at all: nothing, no error
    assert found(engine, "rue") == {"lamp"} and found(engine, "ue") == set()   # words, not any substring


def test_the_search_uses_the_gin_index(postgres):
    engine, schema = postgres
    fill(engine)
    with engine.connect() as conn:
        names = {i["name"] for i in sa.inspect(conn).get_indexes("tickets", schema=schema)}
        assert "ix_tickets_text" in names
        conn.execute(sa.text("SET enable_seqscan = off"))
        conn.execute(sa.text(f"SET search_path TO {schema}"))
        query = store.queue_query("postgresql", text="lampa", now=NOW)
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(conn.execute(sa.text("EXPLAIN " + sql)).scalars())
    assert "ix_tickets_text" in plan, plan
