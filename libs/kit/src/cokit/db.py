"""The service's own database through SQLAlchemy Core.

SQLite (embedded default of `make dev`) or PostgreSQL through pg8000, a pure-Python driver:
its socket I/O goes through eventlet's green sockets, so a slow query parks one green
thread instead of freezing the whole service (libpq would block in C).
"""

from __future__ import annotations

import pathlib
from typing import Callable

import sqlalchemy as sa
from nameko.extensions import DependencyProvider

# SQL functions a service gives SQLite in Python, where PostgreSQL has its own (name: function of
# one text, deterministic); registered on every SQLite connection of create_engine.
SQLITE_FUNCTIONS: dict[str, Callable[[str], str]] = {}


def register_sqlite_functions(dbapi_conn, _record=None) -> None:
    for name, function in SQLITE_FUNCTIONS.items():
        dbapi_conn.create_function(name, 1, function, deterministic=True)


def create_engine(url: str) -> sa.Engine:
    if not url:
        raise ValueError("DATABASE_URL is empty")
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+pg8000://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, poolclass=sa.pool.NullPool
        )

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
            register_sqlite_functions(dbapi_conn)

        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def is_postgres(engine: sa.Engine) -> bool:
    return engine.dialect.name == "postgresql"


# SQLSTATEs of a server that is away rather than of a wrong statement: connection exceptions
# (class 08), shutting down or starting up (57P01-57P03), no connection slot left (53300).
_UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached now (stopped, restarting, out of
    connections), or was raised while handling that: the same work succeeds once it is back,
    so callers are told to try again (UNAVAILABLE) and consumers keep the event, where a wrong
    statement is a fault."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _unreachable(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _unreachable(exc: BaseException) -> bool:
    if isinstance(exc, sa.exc.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(exc, sa.exc.PendingRollbackError):
        # The connection was lost inside the transaction and a statement came after.
        return exc.code == "8s2b"
    if isinstance(exc, OSError):
        # pg8000 lets some socket errors (a reset while reading) out unwrapped.
        return _raised_in_driver(exc)
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    return (
        exc.connection_invalidated
        or database_unreachable(exc.orig)
        or _sqlstate(exc.orig).startswith(_UNREACHABLE_SQLSTATES)
    )


def _raised_in_driver(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__", "").startswith("pg8000"):
            return True
        tb = tb.tb_next
    return False


def _sqlstate(error) -> str:
    # pg8000 keeps the server's error fields in args[0] ("C": the SQLSTATE); psycopg names it.
    code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if code:
        return str(code)
    args = getattr(error, "args", ())
    return str(args[0].get("C", "")) if args and isinstance(args[0], dict) else ""


class Database(DependencyProvider):
    """One engine per container, from DATABASE_URL; workers get the engine."""

    def setup(self):
        self.engine = create_engine(self.container.config["DATABASE_URL"])

    def stop(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.engine


def default_schema(conn: sa.Connection):
    """The schema the connection's unqualified tables are mapped to (a `schema_translate_map`
    entry for None, as tests use), or None for the database's default."""
    return (conn.get_execution_options().get("schema_translate_map") or {}).get(None)
