"""Calls through nameko-grpc with cokit's fast connection loop: server side (grpcio clients
against a nameko service), client side (nameko-grpc's standalone Client in this process) and
service to service (GrpcProxy inside a nameko service)."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from nameko_grpc.client import Client

import cokit.grpc
from citizenoffice.bench.v1 import bench_pb2, bench_pb2_grpc

pytestmark = pytest.mark.timeout(60)

FIVE_MB = 5 << 20
Req = bench_pb2.EchoRequest


@pytest.fixture(scope="module")
def bench(channel):
    return bench_pb2_grpc.BenchStub(channel)


def test_unary(bench):
    assert bench.Echo(Req(payload=b"hello"), timeout=5).payload == b"hello"


def test_unknown_method_is_unimplemented(server):
    with grpc.insecure_channel(f"127.0.0.1:{server.backend_port}") as channel:
        relay = bench_pb2_grpc.BenchStub(channel).Relay
        with pytest.raises(grpc.RpcError) as info:
            relay(Req(payload=b"x"), timeout=5)
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_five_megabytes_both_ways(bench):
    payload = bytes(range(256)) * (FIVE_MB // 256)
    assert bench.Echo(Req(payload=payload), timeout=20).payload == payload
    reply = bench.Echo(Req(payload=b"x", reply_size=FIVE_MB), timeout=20)
    assert len(reply.payload) == FIVE_MB


def test_server_streaming(bench):
    replies = list(bench.Stream(Req(count=300, reply_size=100_000), timeout=20))
    assert [r.seq for r in replies] == list(range(300))
    assert all(len(r.payload) == 100_000 for r in replies)


def test_bidi_streaming(bench):
    requests = [Req(payload=bytes([i]) * (i * 1000)) for i in range(100)]
    replies = list(bench.Chat(iter(requests), timeout=20))
    assert [r.payload for r in replies] == [r.payload for r in requests]


def test_64_concurrent_calls_on_one_connection(bench):
    payloads = [f"call-{i}".encode() * (1 + i * 500) for i in range(64)]
    futures = [bench.Echo.future(Req(payload=p), timeout=20) for p in payloads]
    assert [f.result().payload for f in futures] == payloads


def test_service_to_service(bench):
    """A nameko service calls another through GrpcProxy (nameko-grpc's client)."""
    reply = bench.Relay(Req(payload=b"relayed"), timeout=5)
    assert reply.payload == b"relayed"
    payload = b"m" * FIVE_MB
    assert bench.Relay(Req(payload=payload), timeout=20).payload == payload
    futures = [bench.Relay.future(Req(payload=b"%d" % i), timeout=20) for i in range(32)]
    assert [f.result().payload for f in futures] == [b"%d" % i for i in range(32)]


def test_standalone_client_uses_fast_loop(server):
    """nameko-grpc's Client (native threads) opens its connection through the fast loop."""
    assert cokit.grpc.installed()
    with Client(f"//{server.target}", bench_pb2_grpc.BenchStub) as client:
        assert client.Echo(Req(payload=b"hi")).payload == b"hi"
        connection = client.client.channel.conn_pool.get()
        assert isinstance(connection, cokit.grpc.fastpath.FastClientConnectionManager)
        payload = b"c" * FIVE_MB
        assert client.Echo(Req(payload=payload)).payload == payload
        replies = list(client.Stream(Req(count=50, reply_size=70_000)))
        assert [r.seq for r in replies] == list(range(50))
        with ThreadPoolExecutor(16) as pool:
            got = list(pool.map(lambda i: client.Echo(Req(payload=b"%d" % i)).payload, range(64)))
        assert got == [b"%d" % i for i in range(64)]
        latencies = _latencies(lambda: client.Echo(Req(payload=b"x")), 30)
    # Both loops of nameko-grpc's own code would add about 10 ms each here.
    assert statistics.median(latencies) < 0.005, latencies


def _latencies(call, n):
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def test_fast_loop_removes_the_idle_wait(bench, spawn_server):
    """Sequential unary calls: the fast loop against nameko-grpc's own, same service."""
    stock = spawn_server("--stock")
    with stock.channel() as channel:
        stock_echo = bench_pb2_grpc.BenchStub(channel).Echo
        stock_echo(Req(payload=b"warm"), timeout=5)
        slow = statistics.median(_latencies(lambda: stock_echo(Req(), timeout=5), 30))
    bench.Echo(Req(payload=b"warm"), timeout=5)
    fast = statistics.median(_latencies(lambda: bench.Echo(Req(), timeout=5), 30))
    relay = statistics.median(_latencies(lambda: bench.Relay(Req(), timeout=5), 30))
    assert slow > 0.008, "nameko-grpc's own loop no longer waits; revisit the fast path"
    assert fast < 0.004 and fast < slow / 3, (fast, slow)
    # Relay crosses two fast server loops and one fast client loop.
    assert relay < 0.010, relay


def test_deadlines_expire_on_both_sides(server):
    """Deadlines are watched by a hub timer (fastpath; a backed-off poll for the native-thread
    Client) and still expire in time,
    on the client (nameko-grpc's Client) and on the server (nameko service)."""
    from nameko_grpc.errors import GrpcError

    slow = Req(payload=b"late", delay_ms=1500)
    with Client(f"//{server.target}", bench_pb2_grpc.BenchStub) as client:
        start = time.perf_counter()
        with pytest.raises(GrpcError) as info:
            client.Echo(slow, timeout=0.3)
        assert info.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert time.perf_counter() - start < 1.0
        replies = client.Stream.future(Req(count=50, delay_ms=100), timeout=0.5)
        with pytest.raises(GrpcError) as info:
            list(replies.result())
        assert info.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        # Only the header, no client-side timer: the server has to end the call.
        start = time.perf_counter()
        with pytest.raises(GrpcError) as info:
            client.Echo(slow, metadata=[("grpc-timeout", "300m")])
        assert info.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert time.perf_counter() - start < 1.0
        assert client.Echo(Req(payload=b"after")).payload == b"after"
