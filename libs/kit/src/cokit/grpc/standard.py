"""The gRPC services every Citizen Office service serves beside its own API:

- grpc.health.v1.Health (Check and Watch) for Kubernetes gRPC probes;
- server reflection, grpc.reflection.v1 and v1alpha, so grpcurl can list and describe.

A nameko service gets them by inheriting the class returned by ``standard_services(...)``::

    class TicketsService(standard_services(tickets_pb2)):
        name = "tickets"
        ...

Health answers SERVING for "" and for every listed service from container start until the
container stops; then NOT_SERVING, and Watch calls end so that the container's graceful stop
is not held up by them.
"""

from __future__ import annotations

import types
from collections.abc import Iterable

import eventlet
from google.protobuf import descriptor as _descriptor
from grpc import StatusCode
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2 as reflection_v1alpha_pb2
from grpc_reflection.v1alpha import reflection_pb2_grpc as reflection_v1alpha_pb2_grpc
from grpc_reflection.v1alpha.reflection import ReflectionServicer
from nameko.extensions import DependencyProvider, SharedExtension
from nameko_grpc.entrypoint import Grpc
from nameko_grpc.errors import GrpcError
from nameko_grpc.inspection import Inspector

from cokit.grpc import reflection_v1_pb2, reflection_v1_pb2_grpc

HEALTH_SERVICE = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
REFLECTION_V1 = reflection_v1_pb2.DESCRIPTOR.services_by_name["ServerReflection"].full_name
REFLECTION_V1ALPHA = reflection_v1alpha_pb2.DESCRIPTOR.services_by_name["ServerReflection"].full_name
STANDARD_SERVICES = (HEALTH_SERVICE, REFLECTION_V1, REFLECTION_V1ALPHA)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
SERVICE_UNKNOWN = health_pb2.HealthCheckResponse.SERVICE_UNKNOWN

# A Watch re-checks whether its caller went away at least this often; a cancelled call is
# only visible as a closed response stream, which nothing signals to the generator.
WATCH_POLL_SECONDS = 1.0


def service_names(*sources) -> tuple[str, ...]:
    """Full gRPC service names from strings, ServiceDescriptors, FileDescriptors or
    generated *_pb2 modules (every service of the file)."""
    names: list[str] = []
    for source in sources:
        if isinstance(source, str):
            names.append(source)
        elif isinstance(source, _descriptor.ServiceDescriptor):
            names.append(source.full_name)
        elif isinstance(source, _descriptor.FileDescriptor):
            names.extend(s.full_name for s in source.services_by_name.values())
        elif isinstance(source, types.ModuleType) and hasattr(source, "DESCRIPTOR"):
            names.extend(service_names(source.DESCRIPTOR))
        elif isinstance(source, Iterable):
            names.extend(service_names(*source))
        else:
            raise TypeError(f"not a gRPC service or descriptor: {source!r}")
    return tuple(dict.fromkeys(names))


class HealthState(SharedExtension):
    """Serving status of one container's gRPC services, shared by the standard entrypoints
    and the ``grpc_health`` dependency."""

    def __init__(self):
        super().__init__()
        self.serving = False
        self.stopped = False
        self.overrides: dict[str, int] = {}
        self._changed = eventlet.event.Event()

    def setup(self):
        self.services = frozenset(
            ("",) + tuple(getattr(self.container.service_cls, "grpc_service_names", ())) + STANDARD_SERVICES
        )

    def start(self):
        self.serving = True
        self._notify()

    def shutdown(self):
        if self.stopped:
            return
        self.serving = False
        self.stopped = True
        self._notify()

    def stop(self):
        self.shutdown()

    def kill(self):
        self.shutdown()

    def status(self, service: str):
        """The status of ``service``, or None when the service is unknown."""
        if service not in self.services and service not in self.overrides:
            return None
        if not self.serving:
            return NOT_SERVING
        return self.overrides.get(service, SERVING)

    def set_status(self, service: str, status) -> None:
        """Override the status of one service (e.g. NOT_SERVING while a required backend is
        unreachable); None removes the override."""
        if status is None:
            self.overrides.pop(service, None)
        else:
            self.overrides[service] = status
        self._notify()

    def wait_for_change(self, timeout: float) -> None:
        changed = self._changed
        with eventlet.Timeout(timeout, False):
            changed.wait()

    def _notify(self):
        changed, self._changed = self._changed, eventlet.event.Event()
        changed.send(None)


class HealthDependency(DependencyProvider):
    """Gives workers the container's HealthState (``self.grpc_health.set_status(...)``)."""

    state = HealthState()

    def get_dependency(self, worker_ctx):
        return self.state


class StandardRpc(Grpc):
    """A nameko-grpc entrypoint whose gRPC method name is given explicitly, so that the
    Python method can carry a name that cannot clash with the service's own methods
    (both reflection versions name their method ServerReflectionInfo).

    Stopping it marks the container NOT_SERVING: the container stops entrypoints before
    waiting for running workers, which lets open Watch calls end.
    """

    state = HealthState()

    def __init__(self, stub, rpc_name, **kwargs):
        kwargs.setdefault("expected_exceptions", (GrpcError,))
        super().__init__(stub, **kwargs)
        self.rpc_name = rpc_name

    def _inspector(self):
        return Inspector(self.stub)

    @property
    def method_path(self):
        if self.is_bound():
            return self._inspector().path_for_method(self.rpc_name)

    @property
    def input_type(self):
        if self.is_bound():
            return self._inspector().input_type_for_method(self.rpc_name)

    @property
    def output_type(self):
        if self.is_bound():
            return self._inspector().output_type_for_method(self.rpc_name)

    @property
    def cardinality(self):
        if self.is_bound():
            return self._inspector().cardinality_for_method(self.rpc_name)

    def stop(self):
        self.state.shutdown()
        super().stop()


def _reflection_v1_bridge(servicer, request_iterator, context):
    """Serve grpc.reflection.v1 with the v1alpha servicer: the two protocols differ only in
    their package, so messages convert through their wire form."""
    to_alpha = (
        reflection_v1alpha_pb2.ServerReflectionRequest.FromString(r.SerializeToString()) for r in request_iterator
    )
    for response in servicer.ServerReflectionInfo(to_alpha, context):
        yield reflection_v1_pb2.ServerReflectionResponse.FromString(response.SerializeToString())


class StandardServicesMixin:
    """Health and reflection entrypoints for a nameko service class. Set
    ``grpc_service_names`` on the service class, or build the base with
    ``standard_services(...)``."""

    grpc_service_names: tuple[str, ...] = ()
    grpc_health = HealthDependency()

    @StandardRpc.implementing(health_pb2_grpc.HealthStub)("Check")
    def grpc_health_check(self, request, context):
        status = self.grpc_health.status(request.service)
        if status is None:
            raise GrpcError(code=StatusCode.NOT_FOUND, message="unknown service")
        return health_pb2.HealthCheckResponse(status=status)

    @StandardRpc.implementing(health_pb2_grpc.HealthStub)("Watch")
    def grpc_health_watch(self, request, context):
        health = self.grpc_health
        last = None
        while True:
            status = health.status(request.service)
            if status is None:
                status = SERVICE_UNKNOWN
            if status != last:
                yield health_pb2.HealthCheckResponse(status=status)
                last = status
            if health.stopped or context.response_stream.closed:
                return
            health.wait_for_change(WATCH_POLL_SECONDS)
            if context.response_stream.closed:
                return

    @StandardRpc.implementing(reflection_v1alpha_pb2_grpc.ServerReflectionStub)("ServerReflectionInfo")
    def grpc_reflection_v1alpha(self, request_iterator, context):
        servicer = ReflectionServicer(self._grpc_reflected_names())
        yield from servicer.ServerReflectionInfo(request_iterator, context)

    @StandardRpc.implementing(reflection_v1_pb2_grpc.ServerReflectionStub)("ServerReflectionInfo")
    def grpc_reflection_v1(self, request_iterator, context):
        servicer = ReflectionServicer(self._grpc_reflected_names())
        yield from _reflection_v1_bridge(servicer, request_iterator, context)

    def _grpc_reflected_names(self):
        return tuple(self.grpc_service_names) + STANDARD_SERVICES


def standard_services(*services) -> type:
    """A base class giving a nameko service health and reflection for ``services``
    (names, descriptors or *_pb2 modules)."""
    names = service_names(*services)
    return type("StandardServices", (StandardServicesMixin,), {"grpc_service_names": names})
