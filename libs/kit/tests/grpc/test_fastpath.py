"""Unit tests of cokit.grpc.fastpath that need no server."""

from __future__ import annotations

import socket

import pytest
from h2.events import RequestReceived
from nameko_grpc import channel
from nameko_grpc.client import ClientBase
from nameko_grpc.entrypoint import GrpcServer

from cokit.grpc import fastpath

pytestmark = pytest.mark.timeout(30)

GRPCIO_HEADERS = [
    (b":method", b"POST"),
    (b":scheme", b"http"),
    (b":path", b"/citizenoffice.bench.v1.Bench/Echo"),
    (b":authority", b"127.0.0.1"),
    (b"content-type", b"application/grpc"),
    (b"te", b"trailers"),
    (b"grpc-accept-encoding", b"identity, deflate, gzip"),
]


def test_install_is_idempotent_and_reversible():
    assert fastpath.installed()  # importing cokit.grpc installed it
    fastpath.install()
    assert channel.ServerConnectionManager is fastpath.FastServerConnectionManager
    assert GrpcServer.timeout is fastpath._server_timeout
    fastpath.uninstall()
    try:
        assert not fastpath.installed()
        assert channel.ClientConnectionManager.__module__ == "nameko_grpc.connection"
        assert ClientBase.timeout is not fastpath._client_timeout
        fastpath.uninstall()
    finally:
        fastpath.install()
    assert channel.ClientConnectionManager is fastpath.FastClientConnectionManager
    assert ClientBase.timeout is fastpath._client_timeout


def _received(manager, headers, stream_id=1):
    event = RequestReceived(stream_id=stream_id, headers=headers)
    manager.conn.initiate_connection()
    manager.request_received(event)
    return manager.send_streams[stream_id]


@pytest.fixture
def manager():
    left, right = socket.socketpair()
    manager = fastpath.FastServerConnectionManager(left, lambda request, response: None)
    yield manager
    manager._waker.close()
    left.close()
    right.close()


def test_replies_are_not_compressed_unless_the_request_was(manager):
    response = _received(manager, GRPCIO_HEADERS)
    assert response.headers.get("grpc-encoding") == "identity"
    gzipped = _received(manager, GRPCIO_HEADERS + [(b"grpc-encoding", b"gzip")], 3)
    assert gzipped.headers.get("grpc-encoding") == "gzip"


def test_queued_reply_wakes_the_loop(manager):
    response = _received(manager, GRPCIO_HEADERS)
    manager._waker.drain()
    assert not manager._waker.pending
    response.populate([b"one", b"two"])
    assert manager._waker.pending
    readable = socket.socket(fileno=socket.dup(manager._waker.fileno()))
    try:
        readable.setblocking(False)
        assert readable.recv(16) == b"\0"  # many messages, one wake-up byte
        with pytest.raises(BlockingIOError):
            readable.recv(16)
    finally:
        readable.close()
