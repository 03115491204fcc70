"""The fault tests' session: servers of its own (Kafka, S3, PostgreSQL, SMTP through
deploy/local with INFRA_STATE_DIR and INFRA_PORT_OFFSET) and the six services on them, so
stopping a broker or killing a process never reaches the shared servers other sessions use.

Ports and folder: CITIZENOFFICE_FAULTS_PORT_OFFSET (default: the e2e offset + 60) shifts
the servers' and the services' ports alike; everything lives in .local/faults-<offset>/.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from e2e_tests import infra as infra_module
from e2e_tests.session import ROOT, session_stack

E2E_PORT_OFFSET = int(os.environ.get("CITIZENOFFICE_E2E_PORT_OFFSET", "100"))
FAULTS_PORT_OFFSET = int(os.environ.get("CITIZENOFFICE_FAULTS_PORT_OFFSET", str(E2E_PORT_OFFSET + 60)))
NAME = f"faults-{FAULTS_PORT_OFFSET}"

# Mail retries start at 1 s and double: a receipt refused during a two-minute outage is
# tried again within about 20 s of the server's return instead of up to ten minutes later.
RETRIES = {"NOTIFICATIONS_FIRST_RETRY_SECONDS": "1", "NOTIFICATIONS_MAX_ATTEMPTS": "20"}

REPORT: list[str] = []
_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Each fault test waits out an outage and its aftermath: minutes, not the default 300 s.
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.timeout(600))


@pytest.fixture(scope="session")
def infra_backend():
    backend = infra_module.PrivateBackend(ROOT / ".local" / NAME / "servers", FAULTS_PORT_OFFSET)
    backend.up()
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def infra(infra_backend) -> infra_module.Endpoints:
    return infra_backend.endpoints


@pytest.fixture(scope="session")
def platform(infra):
    # Keys of this session's own: its databases start blank and end with it.
    secrets = {key: base64.b64encode(os.urandom(32)).decode() for key in ("TICKETS_PII_KEY", "IDENTITY_KEY_SECRET")}
    stack = session_stack(infra, NAME, FAULTS_PORT_OFFSET, **RETRIES, **secrets)
    stack.down()
    stack.up()
    yield stack
    stack.down()


@pytest.fixture
def report():
    """Where a test writes its counts, one line each, printed at the end of the run."""
    return REPORT.append


def pytest_terminal_summary(terminalreporter):
    if REPORT:
        terminalreporter.section("fault counts")
        for line in REPORT:
            terminalreporter.write_line(line)
