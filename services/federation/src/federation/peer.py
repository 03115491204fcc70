"""The federation port: gRPC over mutual TLS between instances, inside the nameko service.

nameko-grpc serves one plain port per container and dials without a client certificate, so the
instance-to-instance side is built here on its parts:

- `PeerGrpc` is nameko-grpc's entrypoint bound to a server of its own (`PeerGrpcServer`) on
  FEDERATION_PEER_PORT. Its accept loop hands each connection to a green thread of its own,
  which does the TLS handshake (eventlet's green ssl: a peer that stalls its handshake parks
  that thread only, never the hub; a timeout ends it) with a context rebuilt whenever the
  directory changes: every member certificate is a trust anchor (pinning, no CA), a client
  certificate is asked for but only the message decides what its absence means (a join needs
  none). The fingerprint of the certificate presented is handed to the entrypoint beside the
  request, so the service can require that it is the sender's.
- `PeerClient` dials a member with this instance's certificate and only that member's
  certificate trusted, checks its fingerprint once more after the handshake, and speaks gRPC
  over nameko-grpc's client connection (with the kit's fast loop) on that TLS socket.

Python's ssl loads keys from files only: the TLS key is written to a private temporary folder,
loaded, and removed at once.

FEDERATION_CAPTURE_DIR (empty by default) keeps every byte this instance receives on the
federation port and in the answers it gets, as decrypted from TLS, one file per connection: the
data-protection test scans them for what must never cross.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import pathlib
import ssl
import tempfile
import time
import weakref
from functools import partial

import eventlet
import eventlet.semaphore
from grpc import StatusCode
from nameko import config
from nameko.extensions import DependencyProvider
from nameko_grpc import channel as grpc_channel
from nameko_grpc.client import ClientBase, Method
from nameko_grpc.entrypoint import Grpc, GrpcServer
from nameko_grpc.errors import GrpcError

from citizenoffice.federation.v1 import federation_pb2 as pb
from citizenoffice.federation.v1.federation_pb2_grpc import PeerServiceStub
from cokit.metrics import Sample
from cokit.refusals import unavailable

from . import domain
from . import keys as keys_mod

log = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0
_connection_numbers = itertools.count(1)


def _load_chain(context: ssl.SSLContext, own: keys_mod.InstanceKeys) -> None:
    with tempfile.TemporaryDirectory(prefix="cofed-") as folder:
        os.chmod(folder, 0o700)
        cert, key = pathlib.Path(folder, "cert.pem"), pathlib.Path(folder, "key.pem")
        cert.write_text(own.certificate_pem)
        key.touch(0o600)
        key.write_bytes(own.tls_key_pem)
        context.load_cert_chain(str(cert), str(key))


def server_context(own: keys_mod.InstanceKeys, trusted_pems: list[str]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    _load_chain(context, own)
    context.verify_mode = ssl.CERT_OPTIONAL
    if trusted_pems:
        context.load_verify_locations(cadata="".join(trusted_pems))
    context.set_alpn_protocols(["h2"])
    return context


def client_context(own: keys_mod.InstanceKeys, peer_pem: str, present_certificate: bool = True) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    # The peer's certificate is pinned: it is the only trust anchor, and its fingerprint is
    # checked after the handshake. Host names add nothing to that.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=peer_pem)
    if present_certificate:
        _load_chain(context, own)
    context.set_alpn_protocols(["h2"])
    return context


class Capture:
    """Appends what a connection receives to a file of its own (FEDERATION_CAPTURE_DIR)."""

    def __init__(self, folder: str, label: str):
        path = pathlib.Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        self.file = open(path / f"{label}-{os.getpid()}-{next(_connection_numbers)}.bin", "ab")

    def write(self, data: bytes) -> None:
        if data:
            self.file.write(data)
            self.file.flush()

    def close(self) -> None:
        self.file.close()


class PeerSocket:
    """The TLS socket under a gRPC connection: reads everything TLS has decrypted at once (so
    the connection loop never waits on bytes select cannot see) and feeds the capture."""

    def __init__(self, sock, capture: Capture | None = None):
        self._sock = sock
        self._capture = capture

    def recv(self, size: int) -> bytes:
        data = self._sock.recv(size)
        while data and self._sock.pending():
            data += self._sock.recv(self._sock.pending())
        if self._capture is not None:
            self._capture.write(data)
        return data

    def pending(self) -> int:
        return self._sock.pending()

    def close(self) -> None:
        if self._capture is not None:
            self._capture.close()
        self._sock.close()

    def __getattr__(self, name):
        return getattr(self._sock, name)


def _capture(label: str) -> Capture | None:
    folder = config.get("FEDERATION_CAPTURE_DIR") or ""
    return Capture(folder, label) if folder else None


def fingerprint(der: bytes | None) -> str:
    return hashlib.sha256(der).hexdigest() if der else ""


class PeerGrpcServer(GrpcServer):
    """nameko-grpc's server, on the federation port, each connection under mutual TLS."""

    def setup(self):
        self.host = config.get("GRPC_BIND_ADDRESS", "0.0.0.0")
        self.port = int(config.get("FEDERATION_PEER_PORT") or 0)
        self.handshakes_refused = 0
        self.connections_served = 0
        self._connections = weakref.WeakSet()

    def _keyring(self):
        for dependency in self.container.dependencies:
            if isinstance(dependency, Keyring):
                return dependency
        raise RuntimeError("a service with a PeerGrpc entrypoint declares a Keyring")

    def start(self):
        self.keyring = self._keyring()
        # Not shared (eventlet's default is SO_REUSEPORT): a second process on this port, with
        # other keys, would answer a share of the handshakes; it fails to start instead.
        self.listening = eventlet.listen((self.host, self.port), reuse_port=False)
        self.accepting = True
        self.container.spawn_managed_thread(self._accept, identifier="federation peer accept")
        log.info("federation port listening", extra={"peer_port": self.port})

    def _accept(self):
        while self.accepting:
            try:
                sock, address = self.listening.accept()
            except OSError:
                if not self.accepting:
                    break
                continue
            self.container.spawn_managed_thread(
                partial(self._serve, sock, address), identifier=f"federation peer connection {address}"
            )

    def _serve(self, raw, address):
        raw.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = self.keyring.server_context().wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError, KeysNotMadeYet) as exc:
            # A stranger's certificate, no TLS at all, or a handshake stalled past the timeout.
            self.handshakes_refused += 1
            log.info("federation handshake refused", extra={"peer_address": address[0], "error": type(exc).__name__})
            raw.close()
            return
        tls.settimeout(None)
        peer = fingerprint(tls.getpeercert(binary_form=True))
        self.connections_served += 1
        connection = grpc_channel.ServerConnectionManager(
            PeerSocket(tls, _capture("received")), partial(self._handle, peer)
        )
        self._connections.add(connection)
        try:
            connection.run_forever()
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def _handle(self, peer: str, request_stream, response_stream):
        # Set by this server alone: nothing a client sends can name the certificate it showed.
        request_stream.federation_peer = peer
        return self.handle_request(request_stream, response_stream)

    def drain(self):
        """No new connection; each open one tells its caller to go elsewhere (GOAWAY) after the
        calls it has taken (cokit.run drains before stopping)."""
        self.accepting = False
        for connection in list(self._connections):
            connection.stop()
        try:
            self.listening.close()
        except (OSError, AttributeError):
            pass

    def stop(self):
        self.drain()
        super(GrpcServer, self).stop()

    def kill(self):
        self.stop()

    def metric_samples(self):
        yield Sample(
            "citizenoffice_federation_handshakes_refused",
            "counter",
            "TLS handshakes refused on the federation port (a certificate no member holds, no TLS, a stall).",
            {},
            self.handshakes_refused,
        )


class PeerGrpc(Grpc):
    grpc_server = PeerGrpcServer()


def peer_rpc(stub, **kwargs):
    return PeerGrpc.decorator(stub, **kwargs)


def presented_certificate(context) -> str:
    """The fingerprint of the client certificate of this call's connection ('' for none)."""
    return getattr(context.request_stream, "federation_peer", "")


# --- this instance's keys and the TLS contexts made of them -------------------------------------


class KeysNotMadeYet(Exception):
    """The migration has not made this instance's keys yet (on a cluster the migration Job may run
    after the pods start): calls are refused as unavailable until it has."""

    def __str__(self) -> str:
        return "no federation identity yet: the migration (`--migrate`, the migration Job) makes it"


class Keyring(DependencyProvider):
    """This instance's keys (opened at start), and the federation port's TLS context, rebuilt
    when the directory's certificates or statuses change (checked at most once a second)."""

    def __init__(self, load, trusted, version):
        # load() -> InstanceKeys; trusted() -> [PEM]; version() -> str: read by the service.
        self._load, self._trusted, self._version = load, trusted, version

    def setup(self):
        # Set up before anything starts: the federation port may take a connection as soon as it
        # listens, whatever order the container starts its extensions in.
        self._keys = None
        self._context = None
        self._context_version = None
        self._checked_at = 0.0
        self._lock = eventlet.semaphore.Semaphore()

    def start(self):
        # Opened now: a wrong secret shows at start, not at the first message. Keys the
        # migration has not made yet are waited for (opened at the first need).
        try:
            self.keys
        except KeysNotMadeYet:
            log.warning(
                "federation keys not made yet: the federation port and the federation's calls wait for the migration"
            )

    @property
    def keys(self) -> keys_mod.InstanceKeys:
        if self._keys is None:
            with self._lock:
                if self._keys is None:
                    self._keys = self._load(self.container)
        return self._keys

    def ready_keys(self) -> keys_mod.InstanceKeys:
        """The keys, or a refusal saying to come back once the migration has made them."""
        try:
            return self.keys
        except KeysNotMadeYet as waiting:
            raise unavailable("FEDERATION_NOT_READY", str(waiting)) from None

    def server_context(self) -> ssl.SSLContext:
        own = self.keys
        with self._lock:
            now = time.monotonic()
            if self._context is None or now - self._checked_at > 1.0:
                version = self._version(self.container)
                self._checked_at = now
                if version != self._context_version or self._context is None:
                    self._context = server_context(own, self._trusted(self.container))
                    self._context_version = version
            return self._context

    def refresh(self) -> None:
        """The directory just changed: the next handshake sees it."""
        with self._lock:
            self._context_version = None
            self._checked_at = 0.0

    def get_dependency(self, worker_ctx):
        return self


# --- dialling a member ----------------------------------------------------------------------------


class PeerUnreachable(Exception):
    """The member could not be reached or its TLS identity was not the one pinned."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class _OneConnection:
    """A channel holding one TLS connection, opened by the caller."""

    def __init__(self, manager):
        self.manager = manager

    def send_request(self, request_headers):
        return self.manager.send_request(request_headers)


class _Call(ClientBase):
    def __init__(self, target: str, spawn_thread, manager):
        super().__init__(target, PeerServiceStub, ssl=True)
        self._spawn = spawn_thread
        self.channel = _OneConnection(manager)

    def spawn_thread(self, target, args=(), kwargs=None, name=None):
        self._spawn(target=lambda: target(*args, **kwargs or {}), name=name)


class PeerClient(DependencyProvider):
    """`peers.exchange(peer_url, peer_pem, fingerprint, keys, envelope)`: one exchange on a
    connection of its own (exchanges are few; a member that restarted is simply dialled again)."""

    def setup(self):
        self.timeout = float(config.get("FEDERATION_CALL_TIMEOUT") or 15.0)

    def _spawn(self, target, name=None):
        self.container.spawn_managed_thread(target, identifier=name)

    def exchange(
        self,
        peer_url: str,
        peer_pem: str,
        peer_fingerprint: str,
        own: keys_mod.InstanceKeys,
        envelope: pb.SignedEnvelope,
        *,
        present_certificate: bool = True,
    ) -> pb.SignedEnvelope:
        host, port = domain.host_port(peer_url)
        try:
            raw = eventlet.connect((host, port))
        except OSError as exc:
            raise PeerUnreachable("UNREACHABLE", f"cannot reach {host}:{port}: {exc.strerror or exc}") from None
        raw.settimeout(CONNECT_TIMEOUT)
        try:
            tls = client_context(own, peer_pem, present_certificate).wrap_socket(raw)
        except (ssl.SSLError, OSError) as exc:
            raw.close()
            raise PeerUnreachable("TLS_FAILED", f"the TLS handshake with {host}:{port} failed: {exc}") from None
        if fingerprint(tls.getpeercert(binary_form=True)) != peer_fingerprint:
            tls.close()
            raise PeerUnreachable(
                "CERTIFICATE_MISMATCH", "the member answered with a certificate the directory does not hold"
            )
        tls.settimeout(None)
        manager = grpc_channel.ClientConnectionManager(PeerSocket(tls, _capture("answers")))
        self._spawn(manager.run_forever, name=f"federation client [{host}:{port}]")
        try:
            call = _Call(f"//{host}:{port}", lambda target, name=None: self._spawn(target, name), manager)
            return Method(call, "Exchange")(envelope, timeout=self.timeout)
        except GrpcError as error:
            if error.code in (StatusCode.UNAVAILABLE, StatusCode.DEADLINE_EXCEEDED) and not error.status:
                raise PeerUnreachable("UNREACHABLE", error.message or error.code.name) from None
            raise
        finally:
            manager.stop()

    def get_dependency(self, worker_ctx):
        return self
