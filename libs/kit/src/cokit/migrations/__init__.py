"""Versioned schema migrations (Alembic), one history per service.

A service keeps its revisions in its own package, `<service>/migrations/NNNN_<what>.py`, and its
database records how far it is in the service's own version table, `alembic_version_<service>`.
`python -m cokit.run <service> --migrate` upgrades to the newest revision (cokit.service's
`migrator`); `python -m cokit.migrations <service> revision -m "..."` writes the next one. No
alembic.ini: the environment and the revision template are in this package's `environment/`.

Every service's first revision, 0001, is its baseline: the schema of the last release made by
create_all, frozen in the revision. Its upgrade creates whatever of that schema is missing
(`bring_up`), so a new database gets all of it, and a database an earlier release made (its
tables there, no version table) gains the tables, columns and indexes added since and is
stamped 0001; later revisions run from there.

An upgrade runs inside the caller's transaction: the revisions, the stamp and the caller's seed
data commit together (on PostgreSQL, where DDL is transactional, a failure leaves the database
as it was). There it also holds an advisory lock of the service's history, so two migration
Jobs never migrate one database at once: the second waits, then finds nothing to do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import logging
import pathlib
import tempfile
import warnings

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from cokit.db import create_engine, default_schema
from cokit.settings import SettingsError

log = logging.getLogger("cokit.migrations")
# Alembic announces each of its plugins at INFO on every run; the revisions it runs stay logged.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

ENVIRONMENT = pathlib.Path(__file__).with_name("environment")


class NewerDatabase(SettingsError):
    """The database is at a revision this release does not know: a newer release migrated it.
    Deploy that release again (or restore a backup made before it); nothing is guessed."""


@dataclasses.dataclass(frozen=True)
class History:
    """A service's revisions (the files in `location`) and its version table."""

    service: str
    location: pathlib.Path

    @classmethod
    def of(cls, service: str) -> "History":
        """The history kept in the service's package: `<service>/migrations/`."""
        spec = importlib.util.find_spec(service)
        if spec is None or not spec.submodule_search_locations:
            raise LookupError(f"no package named {service}")
        return cls(service, pathlib.Path(next(iter(spec.submodule_search_locations))) / "migrations")

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.service}"

    @property
    def lock_key(self) -> int:
        """The PostgreSQL advisory lock key of this history (64 bits from its name)."""
        digest = hashlib.blake2b(f"citizenoffice.migrations.{self.service}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    def config(self, conn: sa.Connection | None = None, metadata: sa.MetaData | None = None) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(ENVIRONMENT))
        cfg.set_main_option("version_locations", str(self.location))
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
        cfg.attributes.update(connection=conn, history=self, metadata=metadata)
        return cfg

    @property
    def script(self) -> ScriptDirectory:
        script = ScriptDirectory.from_config(self.config())
        # Two files with the same revision id (two lines of work each adding "the next one")
        # would leave one of them out silently: alembic only warns.
        files = [p for p in self.location.glob("*.py") if not p.name.startswith("__")]
        distinct = {r.revision for r in script.walk_revisions()}
        if len(files) != len(distinct):
            raise RuntimeError(
                f"{self.service}: {len(files)} revision files but {len(distinct)} distinct revisions; "
                "two files share a revision id (renumber the later one after the head)"
            )
        return script

    def module(self, revision: str):
        """The loaded revision file (e.g. 0001's frozen `baseline` tables)."""
        return self.script.get_revision(revision).module

    def heads(self) -> tuple[str, ...]:
        return tuple(self.script.get_heads())

    def current(self, conn: sa.Connection) -> tuple[str, ...]:
        """The revisions the database is stamped with; () for one never stamped."""
        context = MigrationContext.configure(
            conn, opts={"version_table": self.version_table, "version_table_schema": default_schema(conn)}
        )
        return tuple(context.get_current_heads())

    def upgrade(self, conn: sa.Connection, target: str = "heads") -> None:
        """Run the revisions up to `target`, in the connection's transaction (committed by the caller)."""
        self._prepare(conn)
        known = {r.revision for r in self.script.walk_revisions()}
        unknown = [r for r in self.current(conn) if r not in known]
        if unknown:
            raise NewerDatabase(
                f"the {self.service} database is at revision {', '.join(unknown)}, "
                "which this release does not know: a newer release migrated it"
            )
        tables = set(sa.inspect(conn).get_table_names(schema=default_schema(conn)))
        if tables and self.version_table not in tables:
            log.info(
                "database made before versioned migrations: brought up to the baseline", extra={"service": self.service}
            )
        command.upgrade(self.config(conn), target)

    def downgrade(self, conn: sa.Connection, target: str) -> None:
        self._prepare(conn)
        command.downgrade(self.config(conn), target)

    def _prepare(self, conn: sa.Connection) -> None:
        if conn.dialect.name != "postgresql":
            return
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": self.lock_key})
        schema = default_schema(conn)
        if schema:
            # Alembic's operations name tables without a schema and ignore schema_translate_map:
            # the search path puts them where the connection's tables are mapped.
            conn.execute(sa.text(f'SET LOCAL search_path TO "{schema}"'))

    def differences(self, conn: sa.Connection, metadata: sa.MetaData) -> list:
        """What `metadata` declares and the database does not have, or the other way round
        (Alembic's autogenerate comparison); [] when they agree."""
        context = MigrationContext.configure(conn, opts=_comparison(self, conn))
        with warnings.catch_warnings():
            # SQLite cannot reflect an expression index; there it is PostgreSQL's only anyway.
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
            return compare_metadata(context, metadata)

    def revision(self, message: str, metadata: sa.MetaData | None = None) -> pathlib.Path:
        """Write the next revision (0002, 0003, ...) after the head. With `metadata`, its operations
        are drafted from what `metadata` declares beyond the head (compared on a scratch SQLite
        database): a draft to read, since a rename shows as a drop and an add."""
        numbers = [int(r.revision) for r in self.script.walk_revisions() if r.revision.isdigit()]
        rev_id = f"{max(numbers, default=0) + 1:04d}"
        if metadata is None:
            return pathlib.Path(command.revision(self.config(), message, rev_id=rev_id).path)
        with self.scratch() as conn:
            written = command.revision(self.config(conn, metadata), message, rev_id=rev_id, autogenerate=True)
        return pathlib.Path(written.path)

    @contextlib.contextmanager
    def scratch(self):
        """A connection to a scratch SQLite database upgraded to the head."""
        with tempfile.TemporaryDirectory() as folder:
            engine = create_engine(f"sqlite:///{folder}/{self.service}.db")
            try:
                with engine.begin() as conn:
                    self.upgrade(conn)
                    yield conn
            finally:
                engine.dispose()


def _applies(obj, dialect: str) -> bool:
    """False for an object declared for another database only (e.g. a PostgreSQL GIN index)."""
    condition = getattr(obj, "_ddl_if", None)
    return condition is None or condition.dialect in (None, dialect)


def _comparison(history: History, conn: sa.Connection) -> dict:
    dialect = conn.dialect.name
    return {
        "version_table": history.version_table,
        "version_table_schema": default_schema(conn),
        "render_as_batch": True,  # drafts that run on SQLite too
        "compare_type": True,
        "include_object": lambda obj, name, kind, reflected, compare_to: reflected or _applies(obj, dialect),
    }


def run_environment(context) -> None:
    """The body of environment/env.py: migrate (or draft a revision) on the connection handed over."""
    cfg = context.config
    conn = cfg.attributes["connection"]
    if conn is None:
        raise RuntimeError("cokit.migrations runs on a connection it is given, not from alembic.ini")
    context.configure(
        connection=conn, target_metadata=cfg.attributes["metadata"], **_comparison(cfg.attributes["history"], conn)
    )
    with context.begin_transaction():
        context.run_migrations()


def bring_up(conn: sa.Connection, metadata: sa.MetaData) -> None:
    """Create what `metadata` declares and the database lacks (idempotent): every table on a new
    database; on one an earlier release made, the tables, columns and indexes added since. An
    added column is nullable or carries a server default, so the rows already there stay valid."""
    metadata.create_all(conn)
    inspector = sa.inspect(conn)
    schema = default_schema(conn)
    prefix = f"{schema}." if schema else ""
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name, schema=schema)}
        for column in table.columns:
            if column.name not in present:
                conn.execute(sa.text(f"ALTER TABLE {prefix}{table.name} ADD COLUMN {_column_ddl(conn, column)}"))
        indexes = {i["name"] for i in inspector.get_indexes(table.name, schema=schema)}
        for index in table.indexes:
            if index.name not in indexes:
                index.create(conn)


def _column_ddl(conn: sa.Connection, column: sa.Column) -> str:
    kind = column.type.compile(conn.dialect)
    default = ""
    if column.server_default is not None:
        arg = column.server_default.arg
        default = f" DEFAULT '{arg}'" if isinstance(arg, str) else f" DEFAULT {arg.compile(dialect=conn.dialect)}"
    null = "" if column.nullable else " NOT NULL"
    return f"{column.name} {kind}{default}{null}"
