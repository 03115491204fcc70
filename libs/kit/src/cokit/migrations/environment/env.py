"""Alembic's environment for every service's history: cokit.migrations hands over the connection
(inside the caller's transaction) and the history, so nothing is read from an alembic.ini."""

from alembic import context

from cokit.migrations import run_environment

run_environment(context)
