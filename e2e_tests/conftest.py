"""Shared fixtures of the end-to-end tests: the servers are started once per session and
shared by every test (see e2e_tests/infra.py for the backends)."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def infra(infra_backend) -> infra_module.Endpoints:
    """Addresses and credentials of Kafka, object storage, PostgreSQL and SMTP."""
    return infra_backend.endpoints


# --- the platform's services, started once per session on the shared servers ----------

_ROOT = _HERE.parent
sys.path.insert(0, str(_ROOT / "deploy" / "local"))
import stack as stack_module  # noqa: E402

# Several e2e sessions can share one machine (and its servers) when each has its own offset.
E2E_PORT_OFFSET = int(os.environ.get("CITIZENOFFICE_E2E_PORT_OFFSET", "100"))


E2E_RATE_LIMITS = {"RATE_LIMIT_IP_BURST": "1000000", "RATE_LIMIT_IP_PER_MINUTE": "1000000",
                   "RATE_LIMIT_CLIENT_BURST": "1000000", "RATE_LIMIT_CLIENT_PER_MINUTE": "1000000"}


@pytest.fixture(scope="session")
def platform(infra: infra_module.Endpoints):
    """All six services on PostgreSQL, Kafka, the S3 server and SMTP of `infra`, on their
    own ports (+100), folder (.local/e2e-100) and Kafka consumer groups, so a running
    `make dev` is left alone."""
    stack = stack_module.Stack(
        state_dir=_ROOT / ".local" / f"e2e-{E2E_PORT_OFFSET}",
        port_offset=E2E_PORT_OFFSET,
        postgres=True,
        infra=infra.env(),
        overrides={"INSTANCE_ID": "ma", "LOG_LEVEL": "INFO", "KAFKA_GROUP_PREFIX": f"e2e-{E2E_PORT_OFFSET}.",
                   # every test calls from 127.0.0.1, the fuzzing run thousands of times: the
                   # limits are tested on a gateway of their own (test_gateway_rate_limits.py)
                   **E2E_RATE_LIMITS},
    )
    stack.down()
    stack.up()
    yield stack
    stack.down()
