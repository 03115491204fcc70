"""The gateway's nameko service: its settings, and the one service class made of its rooms.

The rooms (gateway/rooms, listed in gateway/__init__.py) hold the routes; each names the
dependencies it uses (dependencies.py) and uses nothing else of the service, so the class below
is only their sum. The edge the entrypoints apply to every route (entrypoints.py) uses the
dependencies named here.
"""

from __future__ import annotations

import dataclasses

from cokit import platform
from cokit.settings import ServiceSettings

from . import dependencies
from .limits import MAX_REQUEST_BYTES, RATE_LIMIT_DEFAULTS
from .rooms import ROOMS


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "gateway"
    http_port: int = platform.facts("gateway").http_port
    http_bind_address: str = "0.0.0.0"
    max_request_bytes: int = MAX_REQUEST_BYTES
    identity_grpc_target: str = platform.local_target("identity")
    registry_grpc_target: str = platform.local_target("registry")
    tickets_grpc_target: str = platform.local_target("tickets")
    documents_grpc_target: str = platform.local_target("documents")
    notifications_grpc_target: str = platform.local_target("notifications")
    participation_grpc_target: str = platform.local_target("participation")
    federation_grpc_target: str = platform.local_target("federation")
    public_base_url: str = "http://127.0.0.1:8080"
    # Token buckets per source address and per client (API key or signed-in account): the
    # burst allowed at once and the requests per minute put back; 0 turns a limit off.
    rate_limit_ip_burst: int = RATE_LIMIT_DEFAULTS["RATE_LIMIT_IP_BURST"]
    rate_limit_ip_per_minute: float = RATE_LIMIT_DEFAULTS["RATE_LIMIT_IP_PER_MINUTE"]
    rate_limit_client_burst: int = RATE_LIMIT_DEFAULTS["RATE_LIMIT_CLIENT_BURST"]
    rate_limit_client_per_minute: float = RATE_LIMIT_DEFAULTS["RATE_LIMIT_CLIENT_PER_MINUTE"]
    # Proxies (addresses or CIDR blocks) whose X-Forwarded-For is believed; none by default.
    gateway_trusted_proxies: str = ""

    def nameko_config(self) -> dict:
        config = super().nameko_config()
        config["WEB_SERVER_ADDRESS"] = f"{self.http_bind_address}:{self.http_port}"
        return config


class GatewayService(*ROOMS):
    name = "gateway"

    # What the entrypoints use on every request: the request id on log lines and gRPC calls, the
    # metrics, the rate limits' buckets, and the caller (a client's bucket, a page's session).
    trace_id = dependencies.trace_id
    metrics = dependencies.metrics
    rate_limits = dependencies.rate_limits
    auth = dependencies.auth
    identity = dependencies.identity
    # Copies of the registry's answers in this process, dropped on its events (offices.py).
    registry_changes = dependencies.registry_changes


SERVICE = GatewayService
