"""The six services of an e2e session, on the servers it is given: ports, folder and Kafka
consumer groups of its own, so a session runs beside `make dev` and beside other sessions."""

from __future__ import annotations

import sys
from pathlib import Path

from e2e_tests.infra import Endpoints

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy" / "local"))
import stack as stack_module  # noqa: E402

# Every test calls from 127.0.0.1, the fuzzing and the load runs thousands of times: the limits
# are tested on a gateway of their own (test_gateway_rate_limits.py).
E2E_RATE_LIMITS = {
    "RATE_LIMIT_IP_BURST": "1000000",
    "RATE_LIMIT_IP_PER_MINUTE": "1000000",
    "RATE_LIMIT_CLIENT_BURST": "1000000",
    "RATE_LIMIT_CLIENT_PER_MINUTE": "1000000",
}


# The federation service of a session: its schedule turns every second and retries after one,
# and it keeps what its federation port receives (FEDERATION_CAPTURE_DIR) for the scan of
# e2e_tests/test_federation.py. Figures are pulled on demand (and while a member is away); a
# member not heard from for 2 s is sent a heartbeat.
E2E_FEDERATION = {
    "FEDERATION_TICK_SECONDS": "1",
    "FEDERATION_RETRY_SECONDS": "1",
    "FEDERATION_PULL_INTERVAL": "3600",
    "FEDERATION_HEARTBEAT_SECONDS": "2",
}


def session_stack(endpoints: Endpoints, name: str, port_offset: int, **overrides: str) -> stack_module.Stack:
    """The services on PostgreSQL and the other servers of `endpoints`, in .local/<name>, on
    ports + `port_offset`, with consumer groups prefixed `<name>.`."""
    return stack_module.Stack(
        state_dir=ROOT / ".local" / name,
        port_offset=port_offset,
        postgres=True,
        infra=endpoints.env(),
        overrides={
            "INSTANCE_ID": "ma",
            "LOG_LEVEL": "INFO",
            "KAFKA_GROUP_PREFIX": f"{name}.",
            "FEDERATION_CAPTURE_DIR": str(ROOT / ".local" / name / "federation-capture"),
            **E2E_FEDERATION,
            **E2E_RATE_LIMITS,
            # Consultations open and close and proposals go to their office within seconds.
            "PARTICIPATION_CLOCK_INTERVAL": "2",
            **overrides,
        },
    )
