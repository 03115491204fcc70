"""gRPC transport of the Citizen Office services (nameko-grpc).

Importing this package installs the low-latency connection loop (see ``fastpath``) for every
nameko-grpc server and client connection opened afterwards, and the tolerant metadata
decoding (see ``metadata``), so services import it before their containers start.
"""

from cokit.grpc import fastpath, metadata
from cokit.grpc.fastpath import install, installed, uninstall

install()
metadata.install()

from cokit.grpc.standard import (  # noqa: E402  (the loop is installed first on purpose)
    HEALTH_SERVICE,
    REFLECTION_V1,
    REFLECTION_V1ALPHA,
    HealthState,
    StandardServicesMixin,
    service_names,
    standard_services,
)

__all__ = [
    "HEALTH_SERVICE",
    "REFLECTION_V1",
    "REFLECTION_V1ALPHA",
    "HealthState",
    "StandardServicesMixin",
    "fastpath",
    "install",
    "installed",
    "service_names",
    "standard_services",
    "uninstall",
]
