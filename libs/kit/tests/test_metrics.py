"""Metrics provider in real nameko containers, scraped over HTTP like Prometheus does."""

import eventlet

# nameko's pytest plugin no longer patches; the containers and the gRPC server need a green
# socket module before anything imports it.
if not eventlet.patcher.is_monkey_patched("socket"):
    eventlet.monkey_patch()

import socket  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402
import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from nameko import config as nameko_config  # noqa: E402
from nameko.extensions import DependencyProvider, Entrypoint  # noqa: E402
from nameko.testing.services import entrypoint_hook  # noqa: E402
from nameko.testing.utils import find_free_port  # noqa: E402
from nameko.timer import timer  # noqa: E402
from nameko.web.handlers import HttpRequestHandler, http  # noqa: E402
from nameko_grpc.entrypoint import Grpc  # noqa: E402
from nameko_grpc.errors import GrpcError  # noqa: E402
from grpc import StatusCode  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402
from werkzeug.wrappers import Response  # noqa: E402

from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from cokit.metrics import DatabaseGauge, Metrics, entrypoint_kind, http_answered, metrics_port  # noqa: E402
from cokit.metrics import route_family  # noqa: E402
from cokit.metrics import Sample as MetricSample  # noqa: E402
from cokit.metrics import error_code  # noqa: E402
from cokit import refusals  # noqa: E402

# the health service: a stable proto that every service serves anyway
grpc = Grpc.implementing(health_pb2_grpc.HealthStub)

CHECK_PATH = "/grpc.health.v1.Health/Check"
WATCH_PATH = "/grpc.health.v1.Health/Watch"


class KafkaConsumer(Entrypoint):
    """Stands in for cokit.events: any Entrypoint subclass named after Kafka."""


class Custom(Entrypoint):
    pass


class Closed(HttpRequestHandler):
    """Answers on its own, like a router's 405, without a worker."""

    def handle_request(self, request):
        http_answered(self, 405)
        return Response("closed", status=405)


kafka_handler = KafkaConsumer.decorator
closed = Closed.decorator
custom = Custom.decorator

release = eventlet.event.Event()


class Sample:
    name = "sample"
    metrics = Metrics()

    @http("GET", "/ok")
    def ok(self, request):
        return "fine"

    @http("GET", "/slow")
    def slow(self, request):
        eventlet.sleep(0.05)
        return "slow"

    @http("GET", "/boom")
    def boom(self, request):
        raise ValueError("broken")

    @http("GET", "/api/v1/things/<string:thing>")
    def thing(self, request, thing):
        # how the gateway answers: a problem body for a refusal, a 500 for its own failure,
        # neither of them raised
        if thing == "missing":
            return Response('{"status": 404, "reason": "NOT_FOUND"}', status=404, mimetype="application/problem+json")
        if thing == "broken":
            return Response('{"status": 500, "reason": "INTERNAL"}', status=500, mimetype="application/problem+json")
        return 201, f"made {thing}"

    @closed("GET", "/closed/<path:rest>")
    def never(self, request, rest):
        raise AssertionError("answered without a worker")

    @http("GET", "/count")
    def count(self, request):
        # declared on every call: must stay one series
        counter = self.metrics.counter("citizenoffice_sample_things", "Things counted by the sample.", ["colour"])
        counter.labels("blue").inc()
        return "counted"

    @http("GET", "/wait")
    def wait(self, request):
        release.wait()
        return "released"

    @grpc
    def Check(self, request, context):
        raise GrpcError(code=StatusCode.NOT_FOUND, message=f"no service {request.service}")

    @grpc
    def Watch(self, request, context):
        raise RuntimeError("store down")

    @kafka_handler
    def on_event(self, payload):
        return payload

    @custom
    def other(self):
        return "x"

    @timer(interval=3600, eager=False)
    def tick(self):
        return "tick"


@pytest.fixture
def config(web_config):
    with nameko_config.patch({"METRICS_PORT": 0, "GRPC_BIND_PORT": find_free_port()}):
        yield


@pytest.fixture
def container(config, container_factory):
    container = container_factory(Sample)
    container.start()
    return container


def scrape(container):
    response = requests.get(f"http://127.0.0.1:{metrics_port(container)}/metrics", timeout=5)
    response.raise_for_status()
    samples = []
    for family in text_string_to_metric_families(response.text):
        samples.extend(family.samples)
    return samples


def value(samples, name, **labels):
    """Sum of the samples named `name` whose labels include `labels` (0 when none)."""
    total = 0.0
    for sample in samples:
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
            total += sample.value
    return total


def get(path):
    port = nameko_config["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1]
    return requests.get(f"http://127.0.0.1:{port}{path}", timeout=5)


def ask(*asked):
    """Each (path, times, status expected) in turn."""
    for path, times, status in asked:
        for _ in range(times):
            assert get(path).status_code == status, path


def test_http_calls_errors_and_latency_over_http(container):
    ask(("/ok", 3, 200), ("/boom", 2, 500), ("/slow", 1, 200))

    samples = scrape(container)
    base = dict(service="sample", kind="http")
    calls = "citizenoffice_entrypoint_calls_total"
    assert value(samples, calls, method="ok", outcome="ok", **base) == 3
    assert value(samples, calls, method="ok", outcome="error", **base) == 0
    assert value(samples, calls, method="boom", outcome="error", **base) == 2
    errors = "citizenoffice_entrypoint_errors_total"
    assert value(samples, errors, method="boom", exception="ValueError", code="", **base) == 2
    assert value(samples, errors, method="ok", **base) == 0

    bucket = "citizenoffice_entrypoint_latency_seconds_bucket"
    slow = dict(method="slow", outcome="ok", **base)
    # the 50 ms sleep lands above 25 ms and within 100 ms
    assert value(samples, bucket, le="0.025", **slow) == 0
    assert value(samples, bucket, le="0.1", **slow) == 1
    assert value(samples, bucket, le="+Inf", **slow) == 1
    assert value(samples, "citizenoffice_entrypoint_latency_seconds_count", **slow) == 1
    assert value(samples, "citizenoffice_entrypoint_latency_seconds_sum", **slow) >= 0.05
    ok = dict(method="ok", outcome="ok", **base)
    assert value(samples, bucket, le="10.0", **ok) == 3
    assert value(samples, "citizenoffice_entrypoint_in_flight", method="ok", **base) == 0


def test_http_responses_by_status_class_and_outcome(container):
    ask(
        ("/api/v1/things/one", 1, 201),
        ("/api/v1/things/missing", 3, 404),
        ("/api/v1/things/broken", 2, 500),
        ("/boom", 1, 500),
    )

    samples = scrape(container)
    responses = "citizenoffice_http_responses_total"
    thing = dict(service="sample", route_family="/api", method="thing")
    assert value(samples, responses, status_class="2xx", **thing) == 1
    assert value(samples, responses, status_class="4xx", **thing) == 3
    assert value(samples, responses, status_class="5xx", **thing) == 2
    assert value(samples, responses, **thing) == 6
    assert value(samples, responses, route_family="/boom", method="boom", status_class="5xx") == 1
    assert get("/closed/door").status_code == 405
    assert value(scrape(container), responses, route_family="/closed", method="never", status_class="4xx") == 1

    # a refusal is answered as meant; a 500 is a failure though nothing was raised
    calls = "citizenoffice_entrypoint_calls_total"
    assert value(samples, calls, kind="http", method="thing", outcome="ok") == 4
    assert value(samples, calls, kind="http", method="thing", outcome="error") == 2
    assert value(samples, "citizenoffice_entrypoint_latency_seconds_count", method="thing", outcome="error") == 2
    # only what was raised is an exception
    assert value(samples, "citizenoffice_entrypoint_errors_total", method="thing") == 0


def test_route_family_is_the_first_segment_of_the_route():
    assert route_family("/api/v1/tickets/track/<string:code>") == "/api"
    assert route_family("/open311/v2/requests.<string:fmt>") == "/open311"
    assert route_family("/.well-known/jwks.json") == "/.well-known"
    assert route_family("/healthz") == "/healthz"
    assert route_family("/") == "/"
    assert route_family("/<path:path>") == "/"


def test_in_flight_counts_running_workers(container):
    global release
    release = eventlet.event.Event()
    pending = eventlet.spawn(get, "/wait")
    deadline = time.monotonic() + 5
    while True:
        samples = scrape(container)
        running = value(samples, "citizenoffice_entrypoint_in_flight", method="wait")
        if running == 1 or time.monotonic() > deadline:
            break
        eventlet.sleep(0.01)
    assert running == 1
    release.send()
    assert pending.wait().text == "released"
    assert value(scrape(container), "citizenoffice_entrypoint_in_flight", method="wait") == 0


def test_grpc_status_code_over_real_grpc(container):
    from nameko_grpc.client import Client

    target = f"//127.0.0.1:{nameko_config['GRPC_BIND_PORT']}"
    with Client(target, health_pb2_grpc.HealthStub) as client:
        with pytest.raises(GrpcError) as not_found:
            client.Check(health_pb2.HealthCheckRequest(service="tickets"))
        assert not_found.value.code == StatusCode.NOT_FOUND
        with pytest.raises(GrpcError) as unknown:
            list(client.Watch(health_pb2.HealthCheckRequest(service="tickets")))
        assert unknown.value.code == StatusCode.UNKNOWN

    samples = scrape(container)
    errors = "citizenoffice_entrypoint_errors_total"
    assert value(samples, errors, kind="grpc", method=CHECK_PATH, exception="GrpcError", code="NOT_FOUND") == 1
    assert value(samples, errors, kind="grpc", method=WATCH_PATH, exception="RuntimeError", code="UNKNOWN") == 1
    assert (
        value(
            samples,
            "citizenoffice_entrypoint_calls_total",
            kind="grpc",
            method=CHECK_PATH,
            outcome="error",
        )
        == 1
    )


def test_a_refusal_is_counted_under_the_status_code_its_caller_sees():
    assert error_code(refusals.not_found("TICKET_NOT_FOUND", "no such ticket"), "grpc") == "NOT_FOUND"
    assert error_code(refusals.too_many("RATE_LIMITED", "wait"), "grpc") == "RESOURCE_EXHAUSTED"


def test_kind_follows_entrypoint_class(container):
    with entrypoint_hook(container, "on_event") as on_event:
        assert on_event({"a": 1}) == {"a": 1}
    with entrypoint_hook(container, "other") as other:
        assert other() == "x"
    with entrypoint_hook(container, "tick") as tick:
        assert tick() == "tick"

    samples = scrape(container)
    calls = "citizenoffice_entrypoint_calls_total"
    assert value(samples, calls, kind="kafka", method="on_event", outcome="ok") == 1
    assert value(samples, calls, kind="other", method="other", outcome="ok") == 1
    assert value(samples, calls, kind="timer", method="tick", outcome="ok") == 1
    kinds = {entrypoint.method_name: entrypoint_kind(entrypoint) for entrypoint in container.entrypoints}
    assert kinds["ok"] == "http" and kinds["Check"] == "grpc"


def test_service_metrics_declared_on_the_registry(container):
    for _ in range(2):
        assert get("/count").text == "counted"
    samples = scrape(container)
    assert value(samples, "citizenoffice_sample_things_total", colour="blue") == 2

    with entrypoint_hook(container, "other"):
        pass
    handle = next(iter(container.dependencies)).handle
    with pytest.raises(ValueError):
        handle.gauge("citizenoffice_sample_things", "Same name, other type.", ["colour"])


def test_two_containers_keep_separate_registries(config, container_factory):
    first = container_factory(Sample)
    first.start()
    # the second container hosts the same service; it only needs its own ports
    with nameko_config.patch(
        {"GRPC_BIND_PORT": find_free_port(), "WEB_SERVER_ADDRESS": f"127.0.0.1:{find_free_port()}"}
    ):
        second = container_factory(Sample)
        second.start()
    assert metrics_port(first) != metrics_port(second)

    with entrypoint_hook(second, "other") as other:
        other()
        other()
    with entrypoint_hook(first, "other") as other:
        other()

    calls = "citizenoffice_entrypoint_calls_total"
    assert value(scrape(first), calls, method="other") == 1
    assert value(scrape(second), calls, method="other") == 2


def test_listener_closes_when_container_stops(container):
    port = metrics_port(container)
    assert scrape(container)
    container.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


class Tally(DependencyProvider):
    """Numbers kept outside prometheus_client, read at scrape time."""

    def __init__(self, topic):
        self.topic = topic
        self.count = 0

    def metric_samples(self):
        yield MetricSample(
            "citizenoffice_sample_tally", "counter", "Things tallied.", {"topic": self.topic}, self.count
        )
        yield MetricSample("citizenoffice_sample_declared", "gauge", "Declared, no series yet.", {"office_id": ""})


class Broken(DependencyProvider):
    def metric_samples(self):
        raise RuntimeError("cannot read")


def test_extension_samples_are_read_at_scrape_time_and_added_up(config, container_factory, tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'counts.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("create table open_items (office_id text)"))
        conn.execute(sa.text("insert into open_items values ('tetouan'), ('tetouan'), ('martil')"))

    def open_by_office(conn):
        rows = conn.execute(sa.text("select office_id, count(*) from open_items group by office_id"))
        return {(office,): count for office, count in rows}

    class Counted:
        name = "counted"
        metrics = Metrics()
        first = Tally("a.dlq")
        second = Tally("a.dlq")
        other = Tally("b.dlq")
        broken = Broken()
        open_items = DatabaseGauge(
            "citizenoffice_sample_open", "Open items by office.", ["office_id"], open_by_office, engine=engine
        )

        @custom
        def touch(self):
            return "x"

    container = container_factory(Counted)
    container.start()
    tallies = {d.attr_name: d for d in container.dependencies if isinstance(d, Tally)}
    tallies["first"].count, tallies["second"].count, tallies["other"].count = 2, 3, 1
    samples = scrape(container)
    assert value(samples, "citizenoffice_sample_tally_total", topic="a.dlq", service="counted") == 5
    assert value(samples, "citizenoffice_sample_tally_total", topic="b.dlq") == 1
    assert value(samples, "citizenoffice_sample_open", office_id="tetouan") == 2
    assert value(samples, "citizenoffice_sample_open", office_id="martil") == 1
    text = requests.get(f"http://127.0.0.1:{metrics_port(container)}/metrics", timeout=5).text
    assert "# TYPE citizenoffice_sample_declared gauge" in text
    assert not [s for s in samples if s.name == "citizenoffice_sample_declared"]

    tallies["other"].count = 4
    with engine.begin() as conn:
        conn.execute(sa.text("delete from open_items where office_id = 'martil'"))
    samples = scrape(container)
    assert value(samples, "citizenoffice_sample_tally_total", topic="b.dlq") == 4
    assert not [s for s in samples if s.name == "citizenoffice_sample_open" and s.labels["office_id"] == "martil"]
