"""The platform's facts, in one place: its services, their ports, who calls whom, and which
backends each one needs.

Read by the services' settings (default ports and targets), the local runner
(deploy/local/stack.py), the charts (each chart's `_facts.tpl` is written from here by
deploy/tools/platform_facts.py, and `make chart-check` fails when one differs) and the
NetworkPolicy tests. Adding a service or a call starts here.

Plain data, standard library only.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class ServiceFacts:
    name: str
    grpc_port: int  # 0: serves no gRPC
    metrics_port: int  # the local default; clusters use one port for all (global.metricsPort)
    http_port: int = 0  # 0: serves no HTTP but /metrics
    calls: tuple[str, ...] = ()  # the services it calls over gRPC
    database: bool = True
    s3: bool = False
    smtp: bool = False


SERVICES: tuple[ServiceFacts, ...] = (
    ServiceFacts("identity", 50051, 9101, calls=("notifications",)),
    ServiceFacts("registry", 50052, 9102, calls=("identity",)),
    ServiceFacts("tickets", 50053, 9103, calls=("registry", "identity", "documents")),
    ServiceFacts("documents", 50054, 9104, calls=("registry", "identity"), s3=True),
    ServiceFacts("notifications", 50055, 9105, calls=("identity", "registry", "participation"), smtp=True),
    ServiceFacts(
        "gateway",
        0,
        9106,
        http_port=8080,
        calls=("identity", "registry", "tickets", "documents", "notifications", "participation"),
        database=False,
    ),
    ServiceFacts("participation", 50058, 9108, calls=("identity", "registry", "tickets")),
)
BY_NAME = {s.name: s for s in SERVICES}
NAMES = tuple(s.name for s in SERVICES)


def facts(name: str) -> ServiceFacts:
    return BY_NAME[name]


def called_by(name: str) -> tuple[str, ...]:
    """The services that call `name`, in name order."""
    return tuple(sorted(s.name for s in SERVICES if name in s.calls))


def local_target(name: str) -> str:
    """Where `name` answers gRPC on one machine (the default of `<NAME>_GRPC_TARGET`)."""
    return f"127.0.0.1:{BY_NAME[name].grpc_port}"
