"""Calls from one service to another over gRPC, inside a nameko service.

nameko-grpc's GrpcProxy connects once at container start and, when the connection drops
while the peer restarts, reconnects at most once: a peer down at that moment leaves every
later call waiting forever. ServiceClient connects lazily, reconnects on demand, fails fast
with UNAVAILABLE when the peer cannot be reached, and puts a deadline on every call.
The target comes from the config key `<NAME>_GRPC_TARGET` (host:port).

Every call also carries the calling service's own token (cokit.auth.service_identity) beside
whatever user token the worker has, so the callee knows which platform service relays it; a
relay token that came in from upstream is never passed on as this service's.
"""

from __future__ import annotations

import socket
from urllib.parse import urlparse

import eventlet.semaphore
import nameko
from grpc import StatusCode
from nameko_grpc import channel as grpc_channel
from nameko_grpc.client import Method
from nameko_grpc.context import metadata_from_context_data
from nameko_grpc.dependency_provider import GrpcProxy
from nameko_grpc.errors import GrpcError

from cokit.auth.service_identity import SERVICE_CONTEXT_KEY
from cokit.logs import ensure_trace

CONNECT_TIMEOUT = 2.0
DEFAULT_DEADLINE = 15.0


class _LazyChannel:
    def __init__(self, target: str, spawn_thread):
        parsed = urlparse(target if "//" in target else f"//{target}")
        self.host, self.port = parsed.hostname, parsed.port or 50051
        self.spawn_thread = spawn_thread
        self.lock = eventlet.semaphore.Semaphore()
        self.connection = None
        self.running = False

    def start(self):
        self.running = True

    def stop(self):
        self.running = False
        if self.connection is not None and self.connection.alive:
            self.connection.stop()

    def _connection(self):
        with self.lock:
            if self.connection is not None and self.connection.alive:
                return self.connection
            if not self.running:
                raise GrpcError(StatusCode.UNAVAILABLE, "client stopped")
            try:
                sock = socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT)
            except OSError as exc:
                raise GrpcError(
                    StatusCode.UNAVAILABLE, f"cannot reach {self.host}:{self.port}: {exc.strerror or exc}"
                ) from None
            sock.settimeout(60)
            # Looked up at call time so the latency fix, which replaces it, applies here too.
            self.connection = grpc_channel.ClientConnectionManager(sock)
            self.spawn_thread(target=self.connection.run_forever, name=f"grpc client [{self.host}:{self.port}]")
            return self.connection

    def send_request(self, request_headers):
        return self._connection().send_request(request_headers)


def service_token_refused(error: GrpcError) -> bool:
    """The callee refused this service's own token (its signing key retired early, say)."""
    from cokit.errors import error_info

    if error.code != StatusCode.UNAUTHENTICATED:
        return False
    info = error_info(getattr(error, "status", None))
    return info is not None and info.reason.startswith("SERVICE_TOKEN_")


class _DeadlineMethod(Method):
    def __init__(self, client, name, extra_metadata, renewed=None):
        super().__init__(client, name, extra_metadata)
        self.renewed = renewed

    def __call__(self, request, **kwargs):
        kwargs.setdefault("timeout", DEFAULT_DEADLINE)
        try:
            return self.future(request, **kwargs).result()
        except GrpcError as error:
            # Refused before anything was done, so asking again with a new token is safe; a
            # request stream cannot be sent twice.
            if self.renewed is None or not service_token_refused(error) or not hasattr(request, "SerializeToString"):
                raise
            self.extra_metadata = self.renewed()
            return self.future(request, **kwargs).result()


class _Proxy:
    def __init__(self, client, context_data, tokens=None):
        self._client = client
        self._data = {k: v for k, v in context_data.items() if k != SERVICE_CONTEXT_KEY}
        self._tokens = tokens
        self._metadata = self._with_token(tokens.token() if tokens is not None else "")

    def _with_token(self, token: str):
        data = dict(self._data)
        if token:
            data[SERVICE_CONTEXT_KEY] = f"Bearer {token}"
        return metadata_from_context_data(data)

    def _renewed(self):
        self._tokens.invalidate()
        self._metadata = self._with_token(self._tokens.token())
        return self._metadata

    def __getattr__(self, name):
        return _DeadlineMethod(self._client, name, self._metadata, self._renewed if self._tokens is not None else None)


class ServiceClient(GrpcProxy):
    """`tickets = ServiceClient("tickets", TicketsServiceStub)` -> config TICKETS_GRPC_TARGET."""

    def __init__(self, name: str, stub, **kwargs):
        super().__init__("//unset", stub, **kwargs)
        self.config_key = f"{name.upper()}_GRPC_TARGET"

    def setup(self):
        target = nameko.config.get(self.config_key)
        if not target:
            raise RuntimeError(f"{self.config_key} is not configured")
        self.target = target if "//" in target else f"//{target}"

    def start(self):
        self.channel = _LazyChannel(self.target, self.spawn_thread)
        self.channel.start()

    def _service_tokens(self):
        """The container's source of this service's own token (the token verifier, or identity's
        own minting), found once."""
        if not hasattr(self, "_tokens"):
            self._tokens = next(
                (
                    getattr(d, "service_tokens")
                    for d in self.container.dependencies
                    if getattr(d, "service_tokens", None) is not None
                ),
                None,
            )
        return self._tokens

    def get_dependency(self, worker_ctx):
        ensure_trace(worker_ctx)
        return _Proxy(self, worker_ctx.context_data, self._service_tokens())
