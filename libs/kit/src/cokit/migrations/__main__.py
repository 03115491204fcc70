"""A service's migration history by hand: `python -m cokit.migrations <service> <command>`.

    revision -m MESSAGE [--autogenerate]   write the next revision into <service>/migrations/
                                           (--autogenerate: drafted from the tables the code declares)
    history                                the revisions, newest first
    check                                  exit 1 when the newest revision does not make the tables
                                           the code declares (compared on a scratch SQLite database)
    current                                the revision of the database at DATABASE_URL
    downgrade REVISION                     undo the revisions after REVISION there

Upgrading is `python -m cokit.run <service> --migrate`, which also seeds.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from alembic import command

from cokit import platform
from cokit.db import create_engine
from cokit.migrations import History


def service_module(service: str):
    return importlib.import_module(f"{service}.service")


def database_url(service: str) -> str:
    return os.environ.get("DATABASE_URL") or service_module(service).Settings.database_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cokit.migrations")
    parser.add_argument("service", help=f"one of {', '.join(platform.DATABASES)}")
    commands = parser.add_subparsers(dest="command", required=True)
    revision = commands.add_parser("revision", help="write the next revision")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true")
    commands.add_parser("history", help="the revisions, newest first")
    commands.add_parser("check", help="does the newest revision make the tables the code declares?")
    commands.add_parser("current", help="the revision of the database at DATABASE_URL")
    downgrade = commands.add_parser("downgrade", help="undo the revisions after REVISION")
    downgrade.add_argument("target", metavar="REVISION")
    opts = parser.parse_args(argv)
    history = History.of(opts.service)

    if opts.command == "revision":
        metadata = service_module(opts.service).migrate.metadata if opts.autogenerate else None
        print(history.revision(opts.message, metadata))
    elif opts.command == "history":
        command.history(history.config())
    elif opts.command == "check":
        with history.scratch() as conn:
            found = history.differences(conn, service_module(opts.service).migrate.metadata)
        for difference in found:
            print(difference)
        if found:
            print(f"{opts.service}: the code declares what no revision makes; add one", file=sys.stderr)
            return 1
        print(f"{opts.service}: the revisions make the tables the code declares")
    else:
        engine = create_engine(database_url(opts.service))
        try:
            with engine.begin() as conn:
                if opts.command == "current":
                    print(" ".join(history.current(conn)) or "none: never migrated")
                else:
                    history.downgrade(conn, opts.target)
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
