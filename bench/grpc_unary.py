"""Unary gRPC throughput: plain grpcio against a nameko service on nameko-grpc's own connection
loop (stock) and on cokit.grpc's fast loop (fixed).

    .venv/bin/python bench/grpc_unary.py [--seconds 3]

Each server runs in its own subprocess on a free loopback port; the client is a plain grpcio
channel in this process, sequential or with 16 / 64 calls in flight (futures). Prints one
line per figure:

    name: value unit (ratio R against BASELINE)

where the baseline is the plain grpcio server at the same concurrency.
"""

from __future__ import annotations

import argparse
import collections
import os
import pathlib
import select
import signal
import socket
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
VARIANTS = ("grpcio", "nameko_stock", "nameko_fixed")
CONCURRENCY = (("sequential", 1), ("inflight16", 16), ("inflight64", 64))
PAYLOAD = b"x" * 64
SERVER_THREADS = 64


def serve_grpcio(port: int) -> None:
    from concurrent import futures

    import grpc

    from citizenoffice.bench.v1 import bench_pb2, bench_pb2_grpc

    class Bench(bench_pb2_grpc.BenchServicer):
        def Echo(self, request, context):
            return bench_pb2.EchoReply(payload=request.payload)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=SERVER_THREADS))
    bench_pb2_grpc.add_BenchServicer_to_server(Bench(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    print("ready", flush=True)
    server.wait_for_termination()


def serve_nameko(port: int, fixed: bool) -> None:
    import eventlet

    eventlet.monkey_patch()
    from nameko import config
    from nameko.containers import ServiceContainer
    from nameko_grpc.entrypoint import Grpc

    if fixed:
        import cokit.grpc  # noqa: F401  (installs the fast loop)
    from citizenoffice.bench.v1 import bench_pb2, bench_pb2_grpc

    rpc = Grpc.implementing(bench_pb2_grpc.BenchStub)

    class BenchService:
        name = "bench"

        @rpc
        def Echo(self, request, context):
            return bench_pb2.EchoReply(payload=request.payload)

    settings = {
        "GRPC_BIND_HOST": "127.0.0.1",
        "GRPC_BIND_PORT": port,
        "max_workers": SERVER_THREADS,
    }
    with config.patch(settings):
        container = ServiceContainer(BenchService)
        container.start()
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        print("ready", flush=True)
        # Polled: a signal arriving while the hub sleeps in epoll cannot wake a green Event.
        while not stopping:
            eventlet.sleep(0.1)
        container.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, variant: str):
        self.variant = variant
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-W", "ignore", __file__, "--serve", variant, "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if select.select([self.proc.stdout], [], [], 0.1)[0]:
                if self.proc.stdout.readline().strip() == b"ready":
                    return
            if self.proc.poll() is not None:
                break
        raise RuntimeError(f"{self.variant} server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


def measure(stub, request, inflight: int, seconds: float) -> float:
    """Calls per second with ``inflight`` calls outstanding (1: sequential blocking calls)."""
    echo = stub.Echo
    deadline = time.perf_counter() + seconds
    done = 0
    start = time.perf_counter()
    if inflight == 1:
        while time.perf_counter() < deadline:
            echo(request, timeout=10)
            done += 1
    else:
        pending = collections.deque(echo.future(request, timeout=10) for _ in range(inflight))
        while pending:
            pending.popleft().result()
            done += 1
            if time.perf_counter() < deadline:
                pending.append(echo.future(request, timeout=10))
    return done / (time.perf_counter() - start)


def run(seconds: float) -> int:
    import grpc

    from citizenoffice.bench.v1 import bench_pb2, bench_pb2_grpc

    servers = {v: Server(v) for v in VARIANTS}
    try:
        for server in servers.values():
            server.wait_ready()
        request = bench_pb2.EchoRequest(payload=PAYLOAD)
        results: dict[tuple[str, str], float] = {}
        for label, inflight in CONCURRENCY:
            for variant, server in servers.items():
                with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                    stub = bench_pb2_grpc.BenchStub(channel)
                    measure(stub, request, inflight, min(0.3, seconds / 4))  # warm-up
                    rate = measure(stub, request, inflight, seconds)
                results[label, variant] = rate
                baseline_name = f"grpc_unary_{label}_grpcio"
                ratio = rate / results[label, "grpcio"]
                print(
                    f"grpc_unary_{label}_{variant}: {rate:.0f} calls/s (ratio {ratio:.2f} against {baseline_name})",
                    flush=True,
                )
    finally:
        for server in servers.values():
            server.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per figure")
    parser.add_argument("--serve", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.serve == "grpcio":
        serve_grpcio(opts.port)
    elif opts.serve:
        serve_nameko(opts.port, fixed=opts.serve == "nameko_fixed")
    else:
        return run(opts.seconds)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
