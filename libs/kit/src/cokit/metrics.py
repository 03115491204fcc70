"""Prometheus metrics for every entrypoint of a nameko service.

Declared once on a service class::

    class Tickets:
        name = "tickets"
        metrics = Metrics()

        @grpc
        def Submit(self, request, context):
            backlog = self.metrics.gauge("citizenoffice_outbox_backlog", "Unpublished events")
            ...

Each container gets its own registry and its own /metrics listener on METRICS_PORT (0 picks a
free port; read it back from ``self.metrics.port`` or :func:`metrics_port`). The global default
registry is not used so that several containers in one process (tests, ``nameko run a b``) keep
separate series.

Numbers kept by other extensions of the container (the Kafka consumers' counts and lag, the
outbox relay's dead letters, a count in the service's database) are read when Prometheus
scrapes: an extension that defines ``metric_samples()`` returning :class:`Sample` values is
asked on every scrape, so a value written by a real OS thread (the Kafka consumer's) is only
ever read as a plain number on the hub, never pushed into prometheus_client's green locks.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from enum import Enum
from typing import Callable, Iterable, Mapping, Optional, Sequence

import eventlet
import eventlet.wsgi
from nameko import config as nameko_config
from nameko.extensions import DependencyProvider
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    make_wsgi_app,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from cokit.errors import status_code
from cokit.refusals import Refusal

__all__ = [
    "LATENCY_BUCKETS",
    "DatabaseGauge",
    "Metrics",
    "MetricsHandle",
    "Sample",
    "dead_letters",
    "entrypoint_kind",
    "entrypoint_method",
    "error_code",
    "http_answered",
    "http_status",
    "metrics_port",
    "route_family",
    "status_class",
]

_log = logging.getLogger(__name__)

METRICS_PORT_KEY = "METRICS_PORT"
METRICS_HOST_KEY = "METRICS_HOST"
DEFAULT_METRICS_PORT = 9100
DEFAULT_METRICS_HOST = "0.0.0.0"

# From a cache hit (about 1 ms) to a slow cross-service call or upload (10 s); beyond that the
# +Inf bucket is enough to see that something is wrong.
LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

KINDS = ("grpc", "http", "kafka", "timer", "other")

# Matched against the module and name of every class in the entrypoint's MRO, so subclasses
# (the kit's own gRPC entrypoint, cokit.events consumers) are classified without importing them.
_KIND_HINTS = (
    ("grpc", ("grpc",)),
    ("kafka", ("kafka", "cokit.events")),
    ("http", ("http", "nameko.web")),
    ("timer", ("timer",)),
)


def entrypoint_kind(entrypoint) -> str:
    """grpc/http/kafka/timer/other for an entrypoint instance.

    An entrypoint class may declare ``metrics_kind = "kafka"`` to say it explicitly.
    """
    declared = getattr(type(entrypoint), "metrics_kind", None)
    if declared in KINDS:
        return declared
    for cls in type(entrypoint).__mro__:
        text = f"{cls.__module__}.{cls.__qualname__}".lower()
        for kind, hints in _KIND_HINTS:
            if any(hint in text for hint in hints):
                return kind
    return "other"


def entrypoint_method(entrypoint, kind: Optional[str] = None) -> str:
    """The gRPC method path (/package.Service/Method) or else the service method name."""
    kind = kind or entrypoint_kind(entrypoint)
    if kind == "grpc":
        try:
            path = getattr(entrypoint, "method_path", None)
        except Exception:  # a stub the inspector cannot read must not break the worker
            path = None
        if path:
            return path
    return entrypoint.method_name


def error_code(exc: BaseException, kind: str) -> str:
    """The status code a gRPC client sees for this exception, '' for other kinds."""
    if isinstance(exc, Refusal):
        return status_code(exc).name
    code = getattr(exc, "code", None)
    if callable(code):  # grpc.RpcError exposes code() as a method
        try:
            code = code()
        except Exception:
            code = None
    if isinstance(code, Enum):
        return code.name
    if kind == "grpc":
        # nameko-grpc turns any other exception into UNKNOWN for the client
        return "UNKNOWN"
    return ""


def http_status(entrypoint, result=None, exc: Optional[BaseException] = None) -> Optional[int]:
    """The status nameko answers for an HTTP worker's result or exception, asked of the
    entrypoint itself so that one overriding ``response_from_result`` is read as it answers;
    None for an entrypoint that is not a nameko.web handler."""
    if not hasattr(entrypoint, "response_from_result"):
        return None
    try:
        response = (
            entrypoint.response_from_exception(exc) if exc is not None else entrypoint.response_from_result(result)
        )
    except Exception:  # nameko answers a result it cannot send (not a string) with a 500
        return 500
    return response.status_code


def status_class(status: Optional[int]) -> str:
    """'2xx' for 204 and so on; '' when there is no valid status."""
    return f"{status // 100}xx" if status is not None and 100 <= status < 600 else ""


def route_family(url: str) -> str:
    """The first segment of an HTTP route: '/api' for /api/v1/offices. The root and a route that
    starts with a variable part (a catch-all) are '/'. Bounded by the routes a service declares,
    unlike the path asked."""
    first = url.lstrip("/").split("/", 1)[0]
    return "/" + first if first and "<" not in first else "/"


class MetricsHandle:
    """What a worker sees as ``self.metrics``: the container's registry and metric factories.

    The factories are idempotent by name, so a service may declare its metrics where it uses
    them (in a worker, every call) without tripping prometheus_client's duplicate check.
    """

    def __init__(self, registry: CollectorRegistry, service: str, provider: "Metrics"):
        self.registry = registry
        self.service = service
        self._provider = provider
        self._declared = {}
        self._lock = threading.Lock()

    @property
    def port(self) -> Optional[int]:
        return self._provider.port

    def counter(self, name: str, documentation: str, labelnames: Sequence[str] = ()):
        return self._declare(Counter, name, documentation, labelnames)

    def gauge(self, name: str, documentation: str, labelnames: Sequence[str] = (), **kwargs):
        return self._declare(Gauge, name, documentation, labelnames, **kwargs)

    def histogram(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str] = (),
        buckets: Iterable[float] = LATENCY_BUCKETS,
    ):
        return self._declare(Histogram, name, documentation, labelnames, buckets=tuple(buckets))

    def _declare(self, cls, name, documentation, labelnames, **kwargs):
        labelnames = tuple(labelnames)
        with self._lock:
            existing = self._declared.get(name)
            if existing is not None:
                metric, existing_labels = existing
                if not isinstance(metric, cls) or existing_labels != labelnames:
                    raise ValueError(
                        f"metric {name} already declared as {type(metric).__name__} with labels {existing_labels}"
                    )
                return metric
            metric = cls(name, documentation, labelnames, registry=self.registry, **kwargs)
            self._declared[name] = (metric, labelnames)
            return metric


@dataclasses.dataclass(frozen=True)
class Sample:
    """One value an extension reports at scrape time (see ``metric_samples``).

    ``kind`` is "counter" (exposed as ``<name>_total``) or "gauge". A sample without a value
    only declares its family, so that a metric with no series yet is still listed. Samples of
    several extensions with the same name and labels are added up.
    """

    name: str
    kind: str
    documentation: str
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    value: Optional[float] = None


def dead_letters(topic: str, count: float) -> Sample:
    """Records written to a dead-letter topic (``<topic>.dlq``), by whichever extension wrote them."""
    return Sample(
        "citizenoffice_dead_letters",
        "counter",
        "Records written to a dead-letter topic (<topic>.dlq).",
        {"topic": topic},
        count,
    )


_FAMILIES = {"counter": CounterMetricFamily, "gauge": GaugeMetricFamily}


class _ExtensionSamples(Collector):
    """Asks every extension of the container for its samples when Prometheus scrapes."""

    def __init__(self, container, service: str):
        self.container = container
        self.service = service

    def describe(self):
        # Names depend on the extensions; nothing to check against the registry up front.
        return []

    def collect(self):
        families: dict = {}
        extensions = list(self.container.entrypoints) + list(self.container.dependencies)
        for extension in extensions:
            read = getattr(extension, "metric_samples", None)
            if read is None:
                continue
            try:
                samples = list(read())
            except Exception:
                _log.warning("metrics of %r could not be read", extension, exc_info=True)
                continue
            for sample in samples:
                kind, documentation, labelnames, values = families.setdefault(
                    sample.name,
                    (sample.kind, sample.documentation, ("service", *sample.labels), {}),
                )
                if sample.value is None:
                    continue
                key = (self.service, *(str(sample.labels.get(n, "")) for n in labelnames[1:]))
                values[key] = values.get(key, 0.0) + sample.value
        for name, (kind, documentation, labelnames, values) in sorted(families.items()):
            family = _FAMILIES[kind](name, documentation, labels=labelnames)
            for key, value in sorted(values.items()):
                family.add_metric(list(key), value)
            yield family


class DatabaseGauge(DependencyProvider):
    """A gauge read from the service's database when Prometheus scrapes.

    ``read(conn)`` returns ``{(label values...): value}``; it runs on every scrape of every
    replica, so it must be a cheap query (an indexed count). When the database cannot be
    read the scrape goes on without this gauge's series.
    """

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        read: Callable[[object], Mapping[tuple, float]],
        engine="db",
    ):
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self.read = read
        self.engine_spec = engine

    def metric_samples(self):
        from cokit.events._engine import resolve_engine

        yield Sample(self.name, "gauge", self.documentation, dict.fromkeys(self.labelnames, ""))
        try:
            with resolve_engine(self.container, self.engine_spec).connect() as conn:
                values = dict(self.read(conn))
        except Exception as exc:
            _log.warning("gauge %s: the database could not be read: %s", self.name, type(exc).__name__)
            return
        for key, value in values.items():
            yield Sample(self.name, "gauge", self.documentation, dict(zip(self.labelnames, key)), value)


def _wsgi_app(registry: CollectorRegistry):
    exporter = make_wsgi_app(registry)

    def app(environ, start_response):
        if environ.get("PATH_INFO", "/") in ("/", "/metrics"):
            return exporter(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    return app


class Metrics(DependencyProvider):
    """Records calls, latency, errors and in-flight workers of every entrypoint of the service,
    the status class of every HTTP response, and serves the container's registry on /metrics.

    A call's outcome is "error" when an exception escaped it or, for HTTP, when the response is a
    5xx; a 4xx (a refused request) is "ok" and shows only in the responses' status class.

    ``port`` and ``host`` override METRICS_PORT / METRICS_HOST for this service only (nameko's
    config is process-wide, so two services hosted by one runner need distinct ports).
    ``service`` overrides the service label, which defaults to the nameko service name.
    """

    def __init__(
        self,
        port: Optional[int] = None,
        host: Optional[str] = None,
        service: Optional[str] = None,
        process_metrics: bool = True,
    ):
        self._port_override = port
        self._host_override = host
        self._service_override = service
        self._process_metrics = process_metrics
        self.registry: Optional[CollectorRegistry] = None
        self.handle: Optional[MetricsHandle] = None
        self.http_responses: Optional[Counter] = None
        self.port: Optional[int] = None
        self._socket = None
        self._server_thread = None
        self._started_at = {}

    # -- lifecycle -------------------------------------------------------------------------

    def setup(self):
        self.service = self._service_override or self.container.service_name
        self.registry = CollectorRegistry(auto_describe=True)
        if self._process_metrics:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)

        labels = ("service", "kind", "method")
        self.calls = Counter(
            "citizenoffice_entrypoint_calls",
            "Entrypoint calls handled, by outcome.",
            labels + ("outcome",),
            registry=self.registry,
        )
        self.latency = Histogram(
            "citizenoffice_entrypoint_latency_seconds",
            "Time from worker setup to result, in seconds.",
            labels + ("outcome",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "citizenoffice_entrypoint_errors",
            "Entrypoint calls that raised, by exception type and gRPC status code.",
            labels + ("exception", "code"),
            registry=self.registry,
        )
        # A counter of its own rather than a label on the calls: the calls keep one label set for
        # every kind, and a response answered without a worker (a router's 404 or 405) is counted
        # here though it is no call.
        self.http_responses = Counter(
            "citizenoffice_http_responses",
            "HTTP responses by status class (2xx..5xx) and the first segment of the route.",
            ("service", "route_family", "method", "status_class"),
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "citizenoffice_entrypoint_in_flight",
            "Workers currently running.",
            labels,
            registry=self.registry,
        )
        self.handle = MetricsHandle(self.registry, self.service, self)
        self.registry.register(_ExtensionSamples(self.container, self.service))

        # Bound here rather than in start() so that a taken port fails the container start
        # with a clear error before any entrypoint accepts work.
        host = self._host_override or nameko_config.get(METRICS_HOST_KEY) or DEFAULT_METRICS_HOST
        port = self._port_override
        if port is None:
            port = nameko_config.get(METRICS_PORT_KEY, DEFAULT_METRICS_PORT)
        try:
            self._socket = eventlet.listen((host, int(port)), reuse_addr=True)
        except OSError as exc:
            raise RuntimeError(f"metrics of {self.service}: cannot listen on {host}:{port}: {exc}") from exc
        self.port = self._socket.getsockname()[1]

    def start(self):
        self._server_thread = self.container.spawn_managed_thread(self._serve, identifier=f"{self.service}.metrics")
        _log.info("metrics of %s on port %s", self.service, self.port)

    def _serve(self):
        eventlet.wsgi.server(
            self._socket,
            _wsgi_app(self.registry),
            log=_log,
            log_output=False,
            debug=False,
        )

    def stop(self):
        self._shutdown()

    def kill(self):
        self._shutdown()

    def _shutdown(self):
        thread, self._server_thread = self._server_thread, None
        if thread is not None:
            thread.kill()
        sock, self._socket = self._socket, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    # -- workers ---------------------------------------------------------------------------

    def get_dependency(self, worker_ctx):
        return self.handle

    def _labels(self, worker_ctx):
        entrypoint = worker_ctx.entrypoint
        kind = entrypoint_kind(entrypoint)
        return kind, entrypoint_method(entrypoint, kind)

    def worker_setup(self, worker_ctx):
        kind, method = self._labels(worker_ctx)
        self._started_at[worker_ctx] = (time.perf_counter(), kind, method)
        self.in_flight.labels(self.service, kind, method).inc()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started_at.pop(worker_ctx, None)
        if started is None:  # worker_setup of this provider did not run
            return
        started_at, kind, method = started
        elapsed = time.perf_counter() - started_at
        self.in_flight.labels(self.service, kind, method).dec()

        exc = exc_info[1] if exc_info is not None else None
        status = http_status(worker_ctx.entrypoint, result, exc) if kind == "http" else None
        if status is not None:
            self.count_http_response(worker_ctx.entrypoint, status)
        # A 4xx is the client's mistake, answered as meant: only a 5xx or an escaped exception is
        # a failure of the service.
        outcome = "error" if exc is not None or (status or 0) >= 500 else "ok"
        self.calls.labels(self.service, kind, method, outcome).inc()
        self.latency.labels(self.service, kind, method, outcome).observe(elapsed)
        if exc is not None:
            self.errors.labels(self.service, kind, method, type(exc).__name__, error_code(exc, kind)).inc()

    def count_http_response(self, entrypoint, status: int):
        self.http_responses.labels(
            self.service,
            route_family(getattr(entrypoint, "url", "")),
            entrypoint.method_name,
            status_class(status),
        ).inc()


def _provider(container) -> Optional[Metrics]:
    for provider in container.dependencies:
        if isinstance(provider, Metrics):
            return provider
    return None


def metrics_port(container) -> Optional[int]:
    """The port the container's Metrics provider listens on."""
    provider = _provider(container)
    return provider.port if provider is not None else None


def http_answered(entrypoint, status: int):
    """Counts a response an HTTP entrypoint gave without a worker (a router's own 404 or 405),
    which no worker_result sees; nothing when the service has no Metrics."""
    provider = _provider(entrypoint.container)
    if provider is not None and provider.http_responses is not None:
        provider.count_http_response(entrypoint, status)
