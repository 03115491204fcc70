"""grpc.health.v1 and server reflection served by a nameko service through cokit.grpc."""

from __future__ import annotations

import queue
import threading

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2 as v1alpha_pb2
from grpc_reflection.v1alpha import reflection_pb2_grpc as v1alpha_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from citizenoffice.bench.v1 import bench_pb2
from cokit.grpc import (
    HEALTH_SERVICE,
    REFLECTION_V1,
    REFLECTION_V1ALPHA,
    reflection_v1_pb2,
    reflection_v1_pb2_grpc,
    service_names,
)

pytestmark = pytest.mark.timeout(60)

BENCH = "citizenoffice.bench.v1.Bench"
Status = health_pb2.HealthCheckResponse


def test_service_names_accepts_modules_descriptors_and_strings():
    assert service_names(bench_pb2) == (BENCH,)
    assert service_names(bench_pb2.DESCRIPTOR.services_by_name["Bench"], "x.Y") == (
        BENCH,
        "x.Y",
    )
    with pytest.raises(TypeError):
        service_names(42)


@pytest.mark.parametrize("service", ["", BENCH, HEALTH_SERVICE, REFLECTION_V1ALPHA])
def test_health_check_serving(channel, service):
    health = health_pb2_grpc.HealthStub(channel)
    reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    assert reply.status == Status.SERVING


def test_health_check_unknown_service_is_not_found(channel):
    health = health_pb2_grpc.HealthStub(channel)
    with pytest.raises(grpc.RpcError) as info:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


def _watch_in_thread(stub, service):
    """Runs a Watch, handing its messages (and the final error) to a queue."""
    call = stub.Watch(health_pb2.HealthCheckRequest(service=service), timeout=30)
    messages: queue.Queue = queue.Queue()

    def pump():
        try:
            for message in call:
                messages.put(message.status)
            messages.put("end")
        except grpc.RpcError as error:
            messages.put(error.code())

    threading.Thread(target=pump, daemon=True).start()
    return call, messages


def test_health_watch_streams_status_and_can_be_cancelled(channel):
    health = health_pb2_grpc.HealthStub(channel)
    call, messages = _watch_in_thread(health, BENCH)
    assert messages.get(timeout=5) == Status.SERVING
    unknown_call, unknown = _watch_in_thread(health, "no.such.Service")
    # The spec: unknown services get SERVICE_UNKNOWN and the call stays open.
    assert unknown.get(timeout=5) == Status.SERVICE_UNKNOWN
    with pytest.raises(queue.Empty):
        unknown.get(timeout=0.3)
    call.cancel()
    unknown_call.cancel()
    assert messages.get(timeout=5) == grpc.StatusCode.CANCELLED
    # The server is still healthy after the cancellations.
    reply = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    assert reply.status == Status.SERVING


def test_health_watch_reports_not_serving_when_container_stops(spawn_server):
    server = spawn_server()
    with server.channel() as channel:
        health = health_pb2_grpc.HealthStub(channel)
        _, messages = _watch_in_thread(health, "")
        assert messages.get(timeout=5) == Status.SERVING
        server.proc.send_signal(15)
        assert messages.get(timeout=5) == Status.NOT_SERVING
        assert messages.get(timeout=5) == "end"
        # A graceful stop, not held up by the open Watch.
        assert server.proc.wait(timeout=10) == 0


def test_reflection_lists_and_describes_services(channel):
    database = ProtoReflectionDescriptorDatabase(channel)
    services = set(database.get_services())
    assert {BENCH, HEALTH_SERVICE, REFLECTION_V1, REFLECTION_V1ALPHA} <= services
    pool = descriptor_pool.DescriptorPool(database)
    bench = pool.FindServiceByName(BENCH)
    assert set(bench.methods_by_name) == {"Echo", "Stream", "Chat", "Relay"}
    stream = bench.methods_by_name["Stream"]
    assert stream.server_streaming and not stream.client_streaming
    assert stream.input_type.full_name == "citizenoffice.bench.v1.EchoRequest"
    assert "reply_size" in stream.input_type.fields_by_name


def test_reflection_unknown_symbol_is_not_found(channel):
    stub = v1alpha_pb2_grpc.ServerReflectionStub(channel)
    request = v1alpha_pb2.ServerReflectionRequest(file_containing_symbol="no.Such")
    (reply,) = list(stub.ServerReflectionInfo(iter([request]), timeout=5))
    assert reply.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]


def test_reflection_v1_protocol(channel):
    """grpcurl asks grpc.reflection.v1 first; it must answer in v1 messages."""
    stub = reflection_v1_pb2_grpc.ServerReflectionStub(channel)
    requests = [
        reflection_v1_pb2.ServerReflectionRequest(list_services="*"),
        reflection_v1_pb2.ServerReflectionRequest(file_containing_symbol=BENCH),
    ]
    listing, files = list(stub.ServerReflectionInfo(iter(requests), timeout=5))
    names = {s.name for s in listing.list_services_response.service}
    assert {BENCH, HEALTH_SERVICE, REFLECTION_V1} <= names
    protos = [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for raw in files.file_descriptor_response.file_descriptor_proto
    ]
    assert "citizenoffice/bench/v1/bench.proto" in {p.name for p in protos}
    assert files.original_request.file_containing_symbol == BENCH


def test_metadata_that_is_not_json_neither_fails_the_call_nor_stops_the_service(channel):
    health = health_pb2_grpc.HealthStub(channel)
    odd = [("x-nameko-trace_id", "not json {"), ("x-nameko-authorization", "Bearer abc.def")]
    reply = health.Check(health_pb2.HealthCheckRequest(), metadata=odd, timeout=5)
    assert reply.status == Status.SERVING
    # the service is still there for the next caller
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == Status.SERVING
