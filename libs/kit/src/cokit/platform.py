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
    events: bool = True  # produces events on its own topic, <name>.events.v1
    # The instance-to-instance port (mutual TLS), reached from other instances; 0: none.
    peer_port: int = 0


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
        calls=("identity", "registry", "tickets", "documents", "notifications", "participation", "federation"),
        database=False,
        events=False,
    ),
    ServiceFacts("participation", 50058, 9108, calls=("identity", "registry", "tickets")),
    # Directory of member instances, the signed exchanges between them and the message log.
    ServiceFacts("federation", 50056, 9107, calls=("identity", "registry", "tickets"), peer_port=50443),
)
BY_NAME = {s.name: s for s in SERVICES}
NAMES = tuple(s.name for s in SERVICES)
# The services that own a database (one database each, named after the service).
DATABASES = tuple(s.name for s in SERVICES if s.database)
# The services that answer gRPC (every one but the gateway).
GRPC_SERVICES = tuple(s.name for s in SERVICES if s.grpc_port)
# The event topics, one per producing service.
TOPICS = tuple(f"{s.name}.events.v1" for s in SERVICES if s.events)


def facts(name: str) -> ServiceFacts:
    return BY_NAME[name]


def called_by(name: str) -> tuple[str, ...]:
    """The services that call `name`, in name order."""
    return tuple(sorted(s.name for s in SERVICES if name in s.calls))


def local_target(name: str) -> str:
    """Where `name` answers gRPC on one machine (the default of `<NAME>_GRPC_TARGET`)."""
    return f"127.0.0.1:{BY_NAME[name].grpc_port}"
