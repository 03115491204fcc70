"""Runs the test services in their own process: nameko needs eventlet's monkey patching,
and grpcio's channel cannot run in a monkey-patched process (it blocks the hub in C), so the
grpcio clients of the tests stay in the pytest process.

    serve.py --port P [--backend-port Q] [--stock] [--refusing]

With --backend-port a second container serves the same service on Q first, and the one on P
relays to it through nameko-grpc's client (service to service). With --refusing, Echo raises
what its payload names, with the kit's error handlers installed as cokit.run installs them.
Prints "ready" once the containers run; SIGTERM stops them gracefully.
"""

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from grpc import StatusCode  # noqa: E402
from nameko import config  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko_grpc.dependency_provider import GrpcProxy  # noqa: E402
from nameko_grpc.entrypoint import Grpc  # noqa: E402

import cokit.grpc  # noqa: E402
from citizenoffice.bench.v1 import bench_pb2, bench_pb2_grpc  # noqa: E402
from cokit import errors, paging, refusals  # noqa: E402
from cokit.service import rpc as kit_rpc  # noqa: E402

rpc = Grpc.implementing(bench_pb2_grpc.BenchStub)


class BenchService(cokit.grpc.standard_services(bench_pb2)):
    name = "bench"

    @rpc
    def Echo(self, request, context):
        eventlet.sleep(request.delay_ms / 1000)
        if request.reply_size:
            return bench_pb2.EchoReply(payload=b"r" * request.reply_size)
        return bench_pb2.EchoReply(payload=request.payload)

    @rpc
    def Stream(self, request, context):
        for seq in range(request.count):
            eventlet.sleep(request.delay_ms / 1000)
            yield bench_pb2.EchoReply(payload=b"s" * request.reply_size, seq=seq)

    @rpc
    def Chat(self, requests, context):
        for seq, request in enumerate(requests):
            yield bench_pb2.EchoReply(payload=request.payload, seq=seq)


class RelayService(BenchService):
    name = "bench_relay"

    @rpc
    def Relay(self, request, context):
        reply = self.backend.Echo(request)
        return bench_pb2.EchoReply(payload=reply.payload, seq=len(reply.payload))


class RefusingService(BenchService):
    """Echo with payload `kind:<Kind name>` raises a plain refusal, `code:<StatusCode name>` the
    service layer's DomainError, `page-token` a refusal of a kit rule module (cokit.paging),
    anything else an unexpected error."""

    name = "bench_refusing"

    @kit_rpc(bench_pb2_grpc.BenchStub)
    def Echo(self, request, context):
        what, _, name = request.payload.decode().partition(":")
        if what == "kind":
            raise refusals.Refusal(refusals.Kind[name], "SOME_REASON", "the rule says no", field="f", limit=3)
        if what == "code":
            raise errors.DomainError(StatusCode[name], "SOME_REASON", "the rule says no", field="f", limit=3)
        if what == "page-token":
            paging.decode_page_token("not-a-token-of-ours")
        raise RuntimeError("secret internals")


def relay_service(backend_port):
    backend = GrpcProxy(f"//127.0.0.1:{backend_port}", bench_pb2_grpc.BenchStub)
    return type("RelayService", (RelayService,), {"backend": backend})


def start(service_cls, port, max_workers):
    settings = {
        "GRPC_BIND_HOST": "127.0.0.1",
        "GRPC_BIND_PORT": port,
        "max_workers": max_workers,
    }
    # GrpcServer reads its port at setup, so containers on different ports start in turn.
    with config.patch(settings):
        container = ServiceContainer(service_cls)
        container.start()
    return container


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stock", action="store_true", help="nameko-grpc's own loop")
    parser.add_argument("--backend-port", type=int)
    parser.add_argument("--max-workers", type=int, default=100)
    parser.add_argument("--refusing", action="store_true", help="Echo raises (RefusingService)")
    opts = parser.parse_args()
    if opts.stock:
        cokit.grpc.uninstall()
    containers = []
    if opts.refusing:
        errors.install()
        containers.append(start(RefusingService, opts.port, opts.max_workers))
    elif opts.backend_port:
        containers.append(start(BenchService, opts.backend_port, opts.max_workers))
        containers.append(start(relay_service(opts.backend_port), opts.port, opts.max_workers))
    else:
        containers.append(start(BenchService, opts.port, opts.max_workers))
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    print("ready", flush=True)
    # Polled: a signal arriving while the hub sleeps in epoll cannot wake a green Event.
    while not stopping:
        eventlet.sleep(0.1)
    for container in reversed(containers):
        container.stop()
    print("stopped", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
