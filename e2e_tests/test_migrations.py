"""The migration Job's command, `python -m cokit.run <service> --migrate`, on SQLite and on the
real PostgreSQL: a new database gets the schema the code declares, a database the previous
release made (its create_all, no version table) is upgraded with its rows kept and brought under
versioning, and a second run changes nothing.

The previous release's tables are the ones frozen in each service's baseline revision, 0001; that
they are what the previous release's store modules declared is what the first test proves of the
release that introduced them.
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import json
import os
import pathlib
import subprocess

import pytest
import sqlalchemy as sa

from cokit import platform as platform_facts, settings as settings_mod
from cokit.db import create_engine
from cokit.migrations import History, NewerDatabase
from identity import domain as identity_domain, keyseal

from .helpers import drop_database, fresh_database

OFFSET = int(os.environ.get("CITIZENOFFICE_E2E_PORT_OFFSET", "100"))
ROOT = pathlib.Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
SERVICES = platform_facts.DATABASES
KEY_SECRET = base64.b64encode(b"migrations-test-key-secret-32by!").decode()
NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A new empty database for `service`: a SQLite file, or a PostgreSQL database of its own."""
    made = []

    def make(service: str) -> str:
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / service}.db"
        infra = request.getfixturevalue("infra")
        name = f"{service}_migrations_e2e_{OFFSET}"
        made.append((infra.database_url(service), name))
        return fresh_database(infra.database_url(service), name)

    yield make
    for base_url, name in made:
        drop_database(base_url, name)


def environment(service: str, url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "IDENTITY_KEY_SECRET": KEY_SECRET,
        "FEDERATION_KEY_SECRET": KEY_SECRET,
        "LOG_FORMAT": "text",
        "SERVICE_NAME": service,
    }


def run_migrate(service: str, url: str) -> str:
    """The migration Job's command; returns what it logged."""
    migrated = subprocess.run(
        [str(PYTHON), "-m", "cokit.run", service, "--migrate"],
        cwd=ROOT,
        env={**os.environ, **environment(service, url)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    return migrated.stdout + migrated.stderr


def schema_of(engine: sa.Engine, service: str) -> tuple[tuple[str, ...], list]:
    """The revisions the database is stamped with, and how it differs from what the code declares."""
    metadata = importlib.import_module(f"{service}.service").migrate.metadata
    history = History.of(service)
    with engine.connect() as conn:
        return history.current(conn), history.differences(conn, metadata)


def previous_release(url: str, service: str) -> sa.MetaData:
    """A database as the previous release left it: its create_all, no version table."""
    baseline = History.of(service).module("0001").baseline
    engine = create_engine(url)
    baseline.create_all(engine)
    engine.dispose()
    return baseline


@pytest.mark.parametrize("service", SERVICES)
def test_a_new_database_gets_the_schema_the_code_declares(database, service):
    url = database(service)
    module = importlib.import_module(f"{service}.service")
    settings = settings_mod.load(module.Settings, environment(service, url))
    engine = create_engine(url)
    module.migrate(settings)
    assert schema_of(engine, service) == (History.of(service).heads(), [])
    before = dump(engine)
    module.migrate(settings)  # again: nothing to run, nothing seeded twice
    assert dump(engine) == before
    engine.dispose()


def dump(engine: sa.Engine) -> dict[str, list]:
    with engine.connect() as conn:
        metadata = sa.MetaData()
        metadata.reflect(conn)
        return {
            name: sorted(map(repr, conn.execute(sa.select(table)).all())) for name, table in metadata.tables.items()
        }


def test_a_tickets_database_of_the_previous_release_is_upgraded_with_its_rows(database):
    url = database("tickets")
    old = previous_release(url, "tickets").tables
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            old["tickets"]
            .insert()
            .values(
                ticket_id="t-1",
                instance_id="ma",
                tracking_code="7K3M-9QX2-B",
                office_id="o-1",
                kind="complaint",
                category="roads",
                description="Nid de poule devant l'école",
                citizen_id="c-1",
                channel="web",
                language="fr",
                address="",
                status="acknowledged",
                submitted_at=NOW,
                acknowledge_by=NOW,
                answer_by=NOW,
                updated_at=NOW,
                due_at=NOW,
                priority=1,
            )
        )
        conn.execute(old["ticket_history"].insert().values(ticket_id="t-1", status="submitted", at=NOW, actor="c-1"))
        conn.execute(
            old["outbox_events"]
            .insert()
            .values(event_id="e-1", topic="tickets.events.v1", key="t-1", value=b"\x01", created_at=NOW)
        )
    before = dump(engine)

    first = run_migrate("tickets", url)
    assert "database made before versioned migrations: brought up to the baseline" in first
    after = dump(engine)
    # The revisions after the baseline may add tables; they start empty.
    added = set(after) - set(before) - {History.of("tickets").version_table}
    assert all(after[table] == [] for table in added), added
    kept = {table: rows for table, rows in after.items() if table not in added}
    assert kept == {**before, History.of("tickets").version_table: [repr(History.of("tickets").heads())]}
    assert schema_of(engine, "tickets") == (History.of("tickets").heads(), [])
    with engine.connect() as conn:
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("tickets")}
    assert {"ix_tickets_queue", "ix_tickets_due"} <= indexes
    assert ("ix_tickets_search" in indexes) == (engine.dialect.name == "postgresql")

    second = run_migrate("tickets", url)
    assert "Running upgrade" in first and "Running upgrade" not in second
    assert "before versioned migrations" not in second
    engine.dispose()


def test_an_identity_database_of_the_previous_release_is_upgraded_and_its_clear_key_sealed(database):
    url = database("identity")
    old = previous_release(url, "identity").tables
    kid, pem, jwk = identity_domain.generate_signing_key()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            old["citizens"]
            .insert()
            .values(
                citizen_id="c-1",
                instance_id="ma",
                email="amina@example.ma",
                display_name="Amina",
                language="ar",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        conn.execute(
            old["accounts"]
            .insert()
            .values(citizen_id="c-1", password_hash="$argon2id$x", status="active", failed_logins=0, created_at=NOW)
        )
        conn.execute(
            old["role_bindings"]
            .insert()
            .values(
                binding_id="b-1",
                citizen_id="c-1",
                role="national_admin",
                instance_id="ma",
                commune_code="",
                office_id="",
                granted_by="c-1",
                granted_at=NOW,
            )
        )
        conn.execute(
            old["signing_keys"]
            .insert()
            .values(
                kid=kid, private_pem=pem, public_jwk=json.dumps(jwk), status="active", created_at=NOW, activated_at=NOW
            )
        )
    kept = {name: rows for name, rows in dump(engine).items() if name != "signing_keys"}

    first = run_migrate("identity", url)
    assert "before versioned migrations" in first
    after = dump(engine)
    assert {name: after[name] for name in kept} == kept
    assert schema_of(engine, "identity") == (History.of("identity").heads(), [])
    with engine.connect() as conn:
        stored = conn.execute(sa.select(old["signing_keys"].c.kid, old["signing_keys"].c.private_pem)).all()
    assert [k for k, _ in stored] == [kid] and keyseal.is_sealed(stored[0].private_pem)
    assert keyseal.KeySealer(KEY_SECRET).open(stored[0].private_pem, kid) == pem

    second = run_migrate("identity", url)
    assert "Running upgrade" not in second and dump(engine) == after
    engine.dispose()


# --- a revision of one's own: a rename, a type change and a data migration ----------------

FIXTURE_BASELINE = '''"""Baseline of a service made up for the test."""
import sqlalchemy as sa
from alembic import op

from cokit.migrations import bring_up

revision = "0001"
down_revision = None

baseline = sa.MetaData()
sa.Table("people", baseline, sa.Column("person_id", sa.Integer(), primary_key=True),
         sa.Column("name", sa.String(length=40), nullable=False))


def upgrade() -> None:
    bring_up(op.get_bind(), baseline)


def downgrade() -> None:
    op.drop_table("people")
'''

RENAME = """
    with op.batch_alter_table("people") as batch:
        batch.alter_column("name", new_column_name="full_name", type_=sa.String(length=200),
                           existing_nullable=False)
    op.execute("UPDATE people SET full_name = trim(full_name)")
"""

UNDO_RENAME = """
    with op.batch_alter_table("people") as batch:
        batch.alter_column("full_name", new_column_name="name", type_=sa.String(length=40),
                           existing_nullable=False)
"""


@pytest.fixture()
def fixture_history(tmp_path) -> History:
    location = tmp_path / "migrations"
    location.mkdir()
    (location / "0001_baseline.py").write_text(FIXTURE_BASELINE)
    return History("fixture", location)


def columns(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {c["name"]: str(c["type"]) for c in sa.inspect(conn).get_columns("people")}


def test_a_rename_a_type_change_and_a_data_migration_are_a_revision(database, fixture_history):
    engine = create_engine(database("registry"))
    with engine.begin() as conn:
        fixture_history.upgrade(conn)
        conn.execute(sa.text("INSERT INTO people (person_id, name) VALUES (1, '  Amina  '), (2, 'Youssef')"))

    path = fixture_history.revision("full names")
    assert path.name == "0002_full_names.py" and "down_revision = '0001'" in path.read_text()
    upgrade_body, downgrade_body = "def upgrade() -> None:\n    pass\n", "def downgrade() -> None:\n    pass\n"
    path.write_text(
        path.read_text()
        .replace(upgrade_body, "def upgrade() -> None:" + RENAME)
        .replace(downgrade_body, "def downgrade() -> None:" + UNDO_RENAME)
    )
    with engine.begin() as conn:
        fixture_history.upgrade(conn)
    assert columns(engine) == {"person_id": "INTEGER", "full_name": "VARCHAR(200)"}
    with engine.connect() as conn:
        assert fixture_history.current(conn) == ("0002",)
        assert conn.execute(sa.text("SELECT person_id, full_name FROM people ORDER BY 1")).all() == [
            (1, "Amina"),
            (2, "Youssef"),
        ]

    with engine.begin() as conn:
        fixture_history.downgrade(conn, "0001")
    assert columns(engine) == {"person_id": "INTEGER", "name": "VARCHAR(40)"}
    engine.dispose()


def test_a_revision_is_drafted_from_what_the_code_declares(fixture_history):
    code = sa.MetaData()
    sa.Table(
        "people",
        code,
        sa.Column("person_id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
    )
    draft = fixture_history.revision("phone", code).read_text()
    assert "batch_alter_table('people'" in draft and "sa.Column('phone', sa.String(length=20)" in draft
    with fixture_history.scratch() as conn:
        assert fixture_history.current(conn) == ("0002",) and fixture_history.differences(conn, code) == []


def test_one_migration_at_a_time_on_postgresql(infra, fixture_history):
    name = f"lock_migrations_e2e_{OFFSET}"
    engine = create_engine(fresh_database(infra.database_url("registry"), name))
    try_lock = sa.text("SELECT pg_try_advisory_xact_lock(:key)")
    with engine.connect() as first, engine.connect() as second:
        with first.begin():
            fixture_history.upgrade(first)
            with second.begin():  # another Job, while the first has not committed
                assert second.execute(try_lock, {"key": fixture_history.lock_key}).scalar() is False
                assert second.execute(try_lock, {"key": History("other", fixture_history.location).lock_key}).scalar()
        with second.begin():
            assert second.execute(try_lock, {"key": fixture_history.lock_key}).scalar() is True
    engine.dispose()
    drop_database(infra.database_url("registry"), name)


def test_a_database_a_newer_release_migrated_stops_the_migration(database, fixture_history):
    engine = create_engine(database("registry"))
    with engine.begin() as conn:
        fixture_history.upgrade(conn)
        conn.execute(sa.text(f"UPDATE {fixture_history.version_table} SET version_num = '0009'"))
    with pytest.raises(NewerDatabase, match="at revision 0009, which this release does not know"):
        with engine.begin() as conn:
            fixture_history.upgrade(conn)
    engine.dispose()
