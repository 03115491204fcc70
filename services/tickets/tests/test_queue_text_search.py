"""The staff queue's text search on the local PostgreSQL server (full text, 'simple'
configuration, GIN index over the search's normal form) in a schema of its own, and on SQLite
(LIKE over the normal form): Arabic spelling variants and articles, French accents."""

from __future__ import annotations

import datetime as dt
import pathlib
import sys
import uuid

import pytest
import sqlalchemy as sa

from cokit import db
from cokit.migrations import History
from tickets import domain, store

ROOT = pathlib.Path(__file__).resolve().parents[3]
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
TEXTS = {
    "lamp": "Lampadaire éteint rue des Orangers depuis lundi",
    "ar": "الإنارة العمومية معطلة قرب المدرسة",
    "zgh": "ⵜⴰⴼⵓⵍⵍⵓⵙⵜ ⵜⵅⵚⵚⴰ ⴳ ⵓⵖⴰⵔⴰⵙ",
    "percent": "Fuite d'eau: 100% du trottoir inondé",
    "light": "ÉCLAIRAGE défectueux près du cœur de la médina",
    "school": "وبالمدرسةِ الابتدائيّة نافورة مكسورة منذ أسبوع",
    "road": "طريق مُهْمَلَة بالحـــي المحمدي",
}
# Words typed and the requests they find on both databases: spelling variants, harakat, tatweel
# and attached articles on either side.
BOTH = [
    ("إنارة", {"ar"}),
    ("انارة", {"ar"}),
    ("الانارة", {"ar"}),
    ("بالإنارة", {"ar"}),
    ("للإنارة", {"ar"}),
    ("إنارَةٌ", {"ar"}),
    ("اناره", {"ar"}),
    ("العموميه", {"ar"}),
    ("عمومية معطّلة", {"ar"}),
    ("مدرسة", {"school", "ar"}),
    ("المدرسه", {"school", "ar"}),
    ("بالمدرسة", {"school", "ar"}),
    ("ابتدائية", {"school"}),
    ("اسبوع", {"school"}),
    ("مهملة", {"road"}),
    ("حي", {"road"}),
    ("الحي المحمدى", {"road"}),
    ("طريق", {"road"}),
    ("eclairage", {"light"}),
    ("Éclairage DEFECTUEUX", {"light"}),
    ("medina", {"light"}),
    ("coeur", {"light"}),
    ("inonde", {"percent"}),
    ("lampadaire", {"lamp"}),
    ("ⵜⴰⴼⵓⵍⵍⵓⵙⵜ", {"zgh"}),
    ("lampadaire école", set()),
    ("%_ :*&|!", set()),
    ("إضاءة", set()),
]


@pytest.fixture()
def sqlite(tmp_path):
    engine = db.create_engine(f"sqlite:///{tmp_path / 'tickets.db'}")
    store.metadata.create_all(engine)
    yield engine
    engine.dispose()


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
            store.insert_ticket(
                conn,
                dict(
                    ticket_id=key,
                    instance_id="ma",
                    tracking_code=key,
                    office_id="o1",
                    kind="complaint",
                    category="c",
                    description=text,
                    citizen_id="",
                    channel="web",
                    language="fr",
                    status="submitted",
                    submitted_at=NOW - dt.timedelta(hours=n),
                    acknowledge_by=NOW,
                    answer_by=NOW,
                    updated_at=NOW,
                    address="",
                ),
                (),
                actor="t",
            )


def found(engine, text: str) -> set[str]:
    with engine.connect() as conn:
        return {r["ticket_id"] for r in store.search(conn, text=text, now=NOW, limit=50)}


def test_words_and_their_starts_are_found_in_every_script(postgres):
    engine, _ = postgres
    fill(engine)
    assert found(engine, "lampadaire") == {"lamp"}
    assert found(engine, "LAMPA orangers") == {"lamp"}  # any case, a word's start, every word
    assert found(engine, "lampadaire école") == set()
    assert found(engine, "الإنارة") == {"ar"}
    assert found(engine, "ⵜⴰⴼⵓⵍⵍⵓⵙⵜ") == {"zgh"}
    assert found(engine, "100%") == {"percent"}  # punctuation is no query syntax
    assert found(engine, "%_ :*&|!") == set()  # no word at all: nothing, no error
    assert found(engine, "rue") == {"lamp"} and found(engine, "ue") == set()  # words, not any substring


@pytest.mark.parametrize("words, expected", BOTH)
def test_arabic_and_french_spellings_on_postgresql(postgres, words, expected):
    engine, _ = postgres
    fill(engine)
    assert found(engine, words) == expected


@pytest.mark.parametrize("words, expected", BOTH)
def test_arabic_and_french_spellings_on_sqlite(sqlite, words, expected):
    fill(sqlite)
    assert found(sqlite, words) == expected


def test_the_database_computes_the_normal_form_of_the_domain(postgres, sqlite):
    """The SQL of the index is the Python rule: the same normal form for every text."""
    engine, _ = postgres
    samples = list(TEXTS.values()) + [w for w, _ in BOTH] + ["الله لله والي والدة ال الكتاب x-الكتاب ٱلكتاب"]
    for e, dialect in ((engine, "postgresql"), (sqlite, "sqlite")):
        with e.connect() as conn:
            for text in samples:
                normal = conn.execute(sa.select(store.search_text(sa.literal(text), dialect))).scalar_one()
                assert normal == domain.search_normal(text), (dialect, text)


def test_the_migration_replaces_the_index_of_the_text_as_written(postgres):
    engine, schema = postgres
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP INDEX {schema}.ix_tickets_search"))
        conn.execute(
            sa.text(f"CREATE INDEX ix_tickets_text ON {schema}.tickets USING gin (to_tsvector('simple', description))")
        )
    fill(engine)
    for _ in range(2):  # the second migration finds nothing to do
        with engine.begin() as conn:
            History.of("tickets").upgrade(conn)
    with engine.connect() as conn:
        names = {i["name"] for i in sa.inspect(conn).get_indexes("tickets", schema=schema)}
    assert "ix_tickets_search" in names and "ix_tickets_text" not in names
    assert found(engine, "بالإنارة") == {"ar"}


def test_the_search_uses_the_gin_index(postgres):
    engine, schema = postgres
    fill(engine)
    with engine.connect() as conn:
        names = {i["name"] for i in sa.inspect(conn).get_indexes("tickets", schema=schema)}
        assert "ix_tickets_search" in names
        conn.execute(sa.text("SET enable_seqscan = off"))
        conn.execute(sa.text(f"SET search_path TO {schema}"))
        query = store.queue_query("postgresql", text="lampa بالإنارة", now=NOW)
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(conn.execute(sa.text("EXPLAIN " + sql)).scalars())
    assert "ix_tickets_search" in plan, plan
