"""Low-latency connection loop for nameko-grpc 1.3.0.

nameko-grpc's ConnectionManager.run_forever only looks at its send streams at the top of
each loop turn and then sleeps in ``select(..., 0.01)`` on the socket alone. A reply that a
worker queues while the loop sleeps waits for that timeout, so every unary call on a quiet
connection pays about 10 ms.

The managers here select on a wake-up socketpair beside the connection socket. Anything that
gives the loop work from outside it (a message or the end of a send stream, a new client
request, a stop) writes one byte to the pair; the loop drains it and runs its turn at once.
Everything else (h2 state, flow control, stream bookkeeping) is nameko-grpc's own code,
reached through the base classes. Three more changes ride along: TCP_NODELAY (small frames
now leave one by one), replies compressed only when the request was, and the GOAWAY of a
graceful stop sent after the frames already queued (nameko-grpc's stop drops them).

``install()`` swaps the managers into ``nameko_grpc.channel``, which is where both the server
side (GrpcServer) and the client side (Client, GrpcProxy) build their connections, so every
connection opened afterwards uses the fast loop; it also replaces the 1 ms polling of call
deadlines (see MAX_DEADLINE_POLL). It works under eventlet (green sockets and
select) and with native threads (nameko-grpc's standalone Client).
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time
from functools import partial
from logging import getLogger

from grpc import StatusCode
from h2.events import (
    ConnectionTerminated,
    DataReceived,
    RemoteSettingsChanged,
    RequestReceived,
    ResponseReceived,
    SettingsAcknowledged,
    StreamEnded,
    StreamReset,
    TrailersReceived,
    WindowUpdated,
)
from h2.exceptions import ProtocolError
from nameko_grpc import channel as _channel
from nameko_grpc import connection as _connection
from eventlet import greenthread
from nameko_grpc.client import ClientBase
from nameko_grpc.compression import SUPPORTED_ENCODINGS, compress
from nameko_grpc.entrypoint import GrpcServer
from nameko_grpc.errors import GrpcError
from nameko_grpc.streams import STREAM_END, Empty, SendStream
from nameko_grpc.timeout import unbucket_timeout

log = getLogger(__name__)

# The wake-up pair makes the timeout a safety net only. While terminating the loop has to
# notice streams being consumed by workers, which nothing signals, so it polls as before.
IDLE_TIMEOUT = 0.5
TERMINATING_TIMEOUT = _connection.SELECT_TIMEOUT
RECV_SIZE = 65535

_DISPATCH = (
    (RequestReceived, "request_received"),
    (ResponseReceived, "response_received"),
    (DataReceived, "data_received"),
    (StreamEnded, "stream_ended"),
    (StreamReset, "stream_reset"),
    (WindowUpdated, "window_updated"),
    (RemoteSettingsChanged, "settings_changed"),
    (SettingsAcknowledged, "settings_acknowledged"),
    (TrailersReceived, "trailers_received"),
    (ConnectionTerminated, "connection_terminated"),
)
_HANDLERS = {event_type: name for event_type, name in _DISPATCH}


class _Waker:
    """A socketpair whose read end becomes readable when the loop has work to do."""

    def __init__(self):
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        # Coalesces wake-ups: many messages queued during one loop turn cost one byte.
        self.pending = False
        self.closed = False

    def fileno(self):
        return self._read.fileno()

    def wake(self):
        if self.pending or self.closed:
            return
        self.pending = True
        try:
            self._write.send(b"\0")
        except (BlockingIOError, InterruptedError):
            pass  # the pair is full, so a wake-up is already on its way
        except OSError:
            pass  # closed under us while the connection shut down

    def drain(self):
        try:
            while self._read.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            pass
        # Cleared after draining: a wake() racing with the drain (native threads) leaves
        # at worst a spurious byte, never a lost wake-up.
        self.pending = False

    def close(self):
        self.closed = True
        self._read.close()
        self._write.close()


def _hook_queue(stream, wake, dirty=None):
    """Make every put on a SendStream's queue (messages, end of stream, errors) wake the
    loop, and name the stream among those the next turn serves (``dirty``). Streams are
    created inside nameko-grpc's own methods, so the hook is attached to the instance rather
    than through a subclass."""
    queue = stream.queue
    put = queue.put
    stream_id = stream.stream_id

    def put_and_wake(item, *args, **kwargs):
        put(item, *args, **kwargs)
        if dirty is not None:
            dirty.add(stream_id)
        wake()

    queue.put = put_and_wake


class FastLoopMixin:
    """Replaces run_forever of a nameko-grpc ConnectionManager with a loop that sleeps
    until the socket is readable or the connection has something to send."""

    fastpath = True

    def _init_fastpath(self):
        self._waker = _Waker()
        # Send streams with something new queued since the last turn. nameko-grpc's turn
        # visits every open stream (headers, flow control window, queue), so with many calls
        # in flight each turn costs as much as all of them; here a turn visits only these.
        self._dirty = set()
        # h2 checks every header block it sends against HTTP/2's rules, a tenth of a call's
        # CPU; the blocks sent here are nameko-grpc's own, built from fixed names and metadata
        # keys and still normalised (lower case, connection headers dropped), so only what the
        # peer sends is checked (inbound validation stays on).
        self.conn.config.validate_outbound_headers = False
        self._goaway_requested = False
        self._goaway_sent = False
        # Frames now leave as soon as they are queued, often as several small writes per
        # call (a client's HEADERS, then its DATA); with Nagle's algorithm the second write
        # waits for the peer's delayed ACK, about 40 ms.
        try:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, AttributeError):
            pass  # not a TCP socket (tests with socketpairs, unix sockets)

    def wake(self):
        self._waker.wake()

    def run_forever(self):
        log.debug("connection initiated %s", self)
        self.conn.initiate_connection()
        waker = self._waker
        sock = self.sock
        readers = [sock, waker]
        try:
            with self.cleanup_on_exit():
                while self.run:
                    self._turn()
                    if self._goaway_requested and not self._goaway_sent:
                        # Sent from the loop, after the turn above flushed what the
                        # streams had queued: h2 refuses frames once GOAWAY is out.
                        self._goaway_sent = True
                        try:
                            self.conn.close_connection()
                        except ProtocolError:
                            pass  # already closed by the peer's GOAWAY

                    # Flushed before leaving too: the turn that finds every stream
                    # exhausted has just queued their last frames.
                    outbound = self.conn.data_to_send()
                    if outbound:
                        sock.sendall(outbound)
                    if not self.run:
                        break

                    # TLS sockets may hold decrypted bytes that select cannot see.
                    pending = getattr(sock, "pending", None)
                    if pending is not None and pending():
                        ready = [sock]
                    else:
                        timeout = TERMINATING_TIMEOUT if self.terminating else IDLE_TIMEOUT
                        ready = select.select(readers, [], [], timeout)[0]
                    if not ready:
                        continue
                    if waker in ready:
                        waker.drain()
                    if sock not in ready:
                        continue

                    data = sock.recv(RECV_SIZE)
                    if not data:
                        break
                    self._dispatch(self.conn.receive_data(data))
        finally:
            waker.close()

    def _turn(self):
        if self.terminating:
            # Rare and short: nameko-grpc's own turn, which also decides when to stop.
            self._dirty.clear()
            self.on_iteration()
            return
        self._before_turn()
        dirty = self._dirty
        while dirty:
            stream_id = dirty.pop()
            self.send_headers(stream_id)
            self.send_data(stream_id)

    def _before_turn(self):
        pass

    def window_updated(self, event):
        # A window opened on the connection (stream 0) may let any stream send again.
        if event.stream_id == 0:
            self._dirty.update(self.send_streams)
        else:
            self._dirty.add(event.stream_id)

    def stream_reset(self, event):
        streams = (self.receive_streams.get(event.stream_id), self.send_streams.get(event.stream_id))
        super().stream_reset(event)
        for stream in streams:
            _cancel_deadline(stream)

    def _dispatch(self, events):
        for event in events:
            name = _HANDLERS.get(type(event))
            if name is None:
                for event_type, candidate in _DISPATCH:
                    if isinstance(event, event_type):
                        name = candidate
                        break
                else:
                    continue
            getattr(self, name)(event)

    def request_received(self, event):
        super().request_received(event)
        send_stream = self.send_streams.get(event.stream_id)
        if send_stream is not None:
            _hook_queue(send_stream, self._waker.wake, self._dirty)

    def stop(self):
        # The loop sends the GOAWAY itself (see run_forever); the wake keeps the stop from
        # waiting for a select timeout.
        self._goaway_requested = True
        self.terminating = True
        self._waker.wake()
        log.debug("waiting for connection to terminate (Timeout 5s)")
        self.stopped.wait(5)


class FastClientConnectionManager(FastLoopMixin, _connection.ClientConnectionManager):
    def __init__(self, sock):
        super().__init__(sock)
        self._init_fastpath()

    def send_request(self, request_headers):
        request_stream, response_stream = super().send_request(request_headers)
        _hook_queue(request_stream, self._waker.wake, self._dirty)
        self._waker.wake()
        return request_stream, response_stream

    def _before_turn(self):
        self.send_pending_requests()

    def stream_ended(self, event):
        # The reply is complete: the call's deadline no longer matters.
        response_stream = self.receive_streams.get(event.stream_id)
        super().stream_ended(event)
        _cancel_deadline(response_stream)


class FastServerConnectionManager(FastLoopMixin, _connection.ServerConnectionManager):
    def __init__(self, sock, handle_request):
        super().__init__(sock, handle_request)
        self._init_fastpath()

    def end_stream(self, stream_id):
        # The reply is sent: the call's deadline no longer matters.
        response_stream = self.send_streams.get(stream_id)
        super().end_stream(stream_id)
        _cancel_deadline(response_stream)

    def request_received(self, event):
        super().request_received(event)
        # nameko-grpc deflates every reply to a client that merely accepts deflate (grpcio
        # always lists it), a CPU cost on both ends that grpcio servers do not impose by
        # default (5 MB of incompressible bytes: about 0.2 s more per reply). Replies are
        # compressed only when the request was.
        request_stream = self.receive_streams.get(event.stream_id)
        response_stream = self.send_streams.get(event.stream_id)
        if request_stream is None or response_stream is None:
            return
        if response_stream.headers_sent:
            return
        if request_stream.headers.get("grpc-encoding", "identity") == "identity":
            response_stream.headers.set(("grpc-encoding", "identity"))


# Deadlines. nameko-grpc watches every call that carries a deadline (grpcio clients usually
# send one, ServiceClient always does) with a thread that polls its streams every millisecond
# until they close: with 64 calls in flight that is 64,000 wake-ups a second on the server's
# one core. Under eventlet a call's deadline is one timer of the hub instead, cancelled when
# the call ends (end_stream, stream_ended, stream_reset above); with native threads (the
# standalone Client) a thread still waits, backing off from 1 ms.
MAX_DEADLINE_POLL = 0.05
_DEADLINE_ATTR = "_cokit_deadline"


def _expired(stream, other, deadline) -> bool:
    """Waits until both streams closed (False) or the deadline passed (True)."""
    start = time.time()
    step = 0.001
    while not (stream.closed and other.closed):
        remaining = deadline - (time.time() - start)
        if remaining <= 0:
            return True
        time.sleep(min(step, remaining))
        step = min(step * 2, MAX_DEADLINE_POLL)
    return False


def _deadline_error():
    return GrpcError(code=StatusCode.DEADLINE_EXCEEDED, message="Deadline Exceeded")


def _green() -> bool:
    """Whether this thread runs under eventlet's monkey patching (a service's hub)."""
    try:
        from eventlet import patcher
    except ImportError:
        return False
    return patcher.is_monkey_patched("thread")


def _close_both(first, second, on_expiry):
    if not (first.closed and second.closed):
        on_expiry()


def _watch_deadline(first, second, deadline, on_expiry) -> None:
    """Run ``on_expiry`` at the deadline unless both streams closed before (a hub timer)."""
    from eventlet import hubs

    timer = hubs.get_hub().schedule_call_global(deadline, _close_both, first, second, on_expiry)
    setattr(first, _DEADLINE_ATTR, timer)
    setattr(second, _DEADLINE_ATTR, timer)


def _cancel_deadline(stream) -> None:
    timer = getattr(stream, _DEADLINE_ATTR, None) if stream is not None else None
    if timer is not None:
        setattr(stream, _DEADLINE_ATTR, None)
        timer.cancel()


def _server_timeout(self, request_stream, response_stream, deadline):
    if _expired(request_stream, response_stream, deadline):
        request_stream.close()
        response_stream.close(_deadline_error())


def _client_timeout(self, send_stream, response_stream, deadline):
    if _expired(send_stream, response_stream, deadline):
        response_stream.close(_deadline_error())
        send_stream.close()


def _server_handle_request(self, request_stream, response_stream):
    """GrpcServer.handle_request with the call's deadline on a hub timer instead of a
    polling thread (the entrypoint still reads the request in a thread of its own)."""
    try:
        entrypoint = self.entrypoints[request_stream.headers.get(":path")]
    except KeyError:
        raise GrpcError(code=StatusCode.UNIMPLEMENTED, message="Method not found!") from None
    encoding = request_stream.headers.get("grpc-encoding", "identity")
    if encoding not in SUPPORTED_ENCODINGS:
        raise GrpcError(code=StatusCode.UNIMPLEMENTED, message="Algorithm not supported: {}".format(encoding))
    timeout = request_stream.headers.get("grpc-timeout")
    if timeout:
        timeout = unbucket_timeout(timeout)

        def expire():
            request_stream.close()
            response_stream.close(_deadline_error())

        _watch_deadline(request_stream, response_stream, timeout, expire)
    self.container.spawn_managed_thread(partial(entrypoint.handle_request, request_stream, response_stream))


def _client_invoke(self, request_headers, request, timeout):
    """ClientBase.invoke without the two threads per call: a unary request (a tuple of one
    message) is queued at once, and the deadline is a hub timer under eventlet."""
    send_stream, response_stream = self.channel.send_request(request_headers)
    green = _green()
    if timeout:
        if green:

            def expire():
                response_stream.close(_deadline_error())
                send_stream.close()

            _watch_deadline(send_stream, response_stream, timeout, expire)
        else:
            self.spawn_thread(target=self.timeout, args=(send_stream, response_stream, timeout), name="client timeout")
    if isinstance(request, (tuple, list)):
        send_stream.populate(request)
    else:
        self.spawn_thread(target=send_stream.populate, args=(request,), name="populate request")
    return response_stream


# nameko-grpc yields to the hub after every message it moves from a stream's queue to its
# buffer (greenthread.sleep(0)), so that a long queue of large messages cannot hold the
# loop. A unary reply is one small message: the yield only costs a trip through the hub.
# Here the loop yields once it has moved YIELD_AFTER_BYTES.
YIELD_AFTER_BYTES = 1 << 20


def _flush_queue_to_buffer(self):
    moved = 0
    while True:
        try:
            message = self.queue.get_nowait()
        except Empty:
            break
        if isinstance(message, GrpcError):
            raise message
        if message and message is not STREAM_END:
            body = self.serialize_message(message)
            compressed, body = compress(body, self.encoding)
            self.buffer.write(struct.pack("?", compressed) + struct.pack(">I", len(body)) + body)
            moved += len(body)
            if moved >= YIELD_AFTER_BYTES:
                moved = 0
                greenthread.sleep(0)


_lock = threading.Lock()
_originals = {}


def installed() -> bool:
    return _channel.ClientConnectionManager is FastClientConnectionManager


def install() -> None:
    """Use the fast loop for every nameko-grpc connection opened from now on. Idempotent."""
    with _lock:
        if installed():
            return
        _originals["client"] = _channel.ClientConnectionManager
        _originals["server"] = _channel.ServerConnectionManager
        _originals["server_timeout"] = GrpcServer.timeout
        _originals["client_timeout"] = ClientBase.timeout
        _originals["server_handle_request"] = GrpcServer.handle_request
        _originals["client_invoke"] = ClientBase.invoke
        _originals["flush"] = SendStream.flush_queue_to_buffer
        _channel.ClientConnectionManager = FastClientConnectionManager
        _channel.ServerConnectionManager = FastServerConnectionManager
        GrpcServer.timeout = _server_timeout
        ClientBase.timeout = _client_timeout
        GrpcServer.handle_request = _server_handle_request
        ClientBase.invoke = _client_invoke
        SendStream.flush_queue_to_buffer = _flush_queue_to_buffer


def uninstall() -> None:
    """Restore nameko-grpc's own loop for new connections (benchmarks and tests)."""
    with _lock:
        if not installed():
            return
        _channel.ClientConnectionManager = _originals.pop("client")
        _channel.ServerConnectionManager = _originals.pop("server")
        GrpcServer.timeout = _originals.pop("server_timeout")
        ClientBase.timeout = _originals.pop("client_timeout")
        GrpcServer.handle_request = _originals.pop("server_handle_request")
        ClientBase.invoke = _originals.pop("client_invoke")
        SendStream.flush_queue_to_buffer = _originals.pop("flush")
