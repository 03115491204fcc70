"""Shared fixtures of the end-to-end tests: the servers are started once per session and
shared by every test (see e2e_tests/infra.py for the backends)."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import pytest

try:
    from e2e_tests import infra as infra_module
except ImportError:  # run by a bare `pytest` that did not put the repository root on sys.path
    sys.path.append(str(Path(__file__).resolve().parents[1]))
    from e2e_tests import infra as infra_module

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def infra_backend():
    """The backend itself, for tests that stop and start a server."""
    backend = infra_module.backend_from_env()
    try:
        backend.up()
    except infra_module.InfraUnavailable as exc:
        pytest.skip(str(exc))
    yield backend
    backend.close()


# Several e2e sessions can share one machine (and its servers) when each has its own offset.
E2E_PORT_OFFSET = int(os.environ.get("CITIZENOFFICE_E2E_PORT_OFFSET", "100"))
# 1: this session's services use databases of their own ("<service>_e2e_<offset>", created when
# missing) instead of the ones every session shares, e.g. to try a schema or data change that
# sessions running other code must not see.
OWN_DATABASES = os.environ.get("CITIZENOFFICE_E2E_OWN_DATABASES") == "1"


@pytest.fixture(scope="session")
def infra(infra_backend) -> infra_module.Endpoints:
    """Addresses and credentials of Kafka, object storage, PostgreSQL and SMTP."""
    endpoints = infra_backend.endpoints
    if OWN_DATABASES:
        endpoints = dataclasses.replace(endpoints, database_urls=_own_databases(endpoints.database_urls))
    return endpoints


def _own_databases(urls) -> dict[str, str]:
    import sqlalchemy as sa

    own = {}
    for service, url in urls.items():
        base, _, name = url.rpartition("/")
        own[service] = f"{base}/{name}_e2e_{E2E_PORT_OFFSET}"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("select 1 from pg_database where datname = :n"), {"n": f"{name}_e2e_{E2E_PORT_OFFSET}"}
            ).first()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}_e2e_{E2E_PORT_OFFSET}"'))
        admin.dispose()
    return own


# --- the platform's services, started once per session on the shared servers ----------

from e2e_tests.session import session_stack  # noqa: E402  (puts deploy/local on sys.path)


@pytest.fixture(scope="session")
def platform(infra: infra_module.Endpoints):
    """All six services on PostgreSQL, Kafka, the S3 server and SMTP of `infra`, on their
    own ports (+100), folder (.local/e2e-100) and Kafka consumer groups, so a running
    `make dev` is left alone."""
    stack = session_stack(infra, f"e2e-{E2E_PORT_OFFSET}", E2E_PORT_OFFSET)
    stack.down()
    stack.up()
    yield stack
    stack.down()
