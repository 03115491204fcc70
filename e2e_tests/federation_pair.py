"""The partner instance of the federation e2e tests, beside the session's own (the national
instance `ma`): every service of its own on ports shifted by the session's offset + 500 (600
by default), its own databases on the shared PostgreSQL (`<service>_fed_sn_<offset>`, blank at each start), its
own Kafka broker (deploy/local with INFRA_STATE_DIR and INFRA_PORT_OFFSET: an instance's events
never share a cluster with another's), its own bucket on the shared S3 server, its own keys.

Also: reading what a federation port received (the capture, decoded from HTTP/2), and calling a
federation port as an instance would (its own TLS key and certificate)."""

from __future__ import annotations

import base64
import dataclasses
import os
import shutil
from pathlib import Path

import grpc
import h2.config
import h2.connection
import h2.events
import sqlalchemy as sa

from citizenoffice.federation.v1 import federation_pb2 as pb
from citizenoffice.federation.v1 import federation_pb2_grpc
from cokit import platform as platform_facts

from .helpers import drop_database, fresh_database
from .infra import Endpoints, PrivateBackend
from .session import ROOT, session_stack


def partner(
    infra: Endpoints,
    port_offset: int,
    instance: str = "sn",
    country: str = "SN",
    title: str = "Bureau Citoyen du Sénégal",
):
    """(stack, broker, databases) of a partner instance, not started yet."""
    name = f"fed-{instance}-{port_offset}"
    # Its own broker (infra.sh with its own state and ports), blank at each start.
    broker = PrivateBackend(ROOT / ".local" / name / "servers", port_offset)
    bootstrap = broker.up("kafka").kafka_bootstrap
    databases = {s: f"{s}_fed_{instance}_{port_offset}" for s in platform_facts.DATABASES}
    urls = {s: fresh_database(infra.database_url(s), db) for s, db in databases.items()}
    endpoints = dataclasses.replace(
        infra, kafka_bootstrap=bootstrap, s3_bucket=f"citizenoffice-{instance}-{port_offset}", database_urls=urls
    )
    # Keys of its own: its databases start blank and end with it.
    secrets = {
        key: base64.b64encode(os.urandom(32)).decode()
        for key in ("TICKETS_PII_KEY", "IDENTITY_KEY_SECRET", "SERVICE_CREDENTIAL_MASTER", "FEDERATION_KEY_SECRET")
    }
    stack = session_stack(
        endpoints,
        name,
        port_offset,
        INSTANCE_ID=instance,
        FEDERATION_COUNTRY=country,
        FEDERATION_NAME=title,
        **secrets,
    )
    shutil.rmtree(capture_dir(stack), ignore_errors=True)
    return stack, broker, databases


def remove(infra: Endpoints, broker: PrivateBackend, databases: dict[str, str]) -> None:
    broker.close()
    for service, name in databases.items():
        drop_database(infra.database_url(service), name)


def capture_dir(stack) -> Path:
    return Path(stack.overrides["FEDERATION_CAPTURE_DIR"])


def engine_of(stack, service: str) -> sa.Engine:
    return sa.create_engine(stack.env(service)["DATABASE_URL"], poolclass=sa.pool.NullPool)


def own_keys(stack):
    """The instance's federation keys, opened as its service opens them (its database, its secret)."""
    from federation.service import open_keys

    env = stack.env("federation")
    engine = engine_of(stack, "federation")
    try:
        with engine.connect() as conn:
            return open_keys(conn, env["FEDERATION_KEY_SECRET"], env.get("INSTANCE_ID", "ma"))
    finally:
        engine.dispose()


def peer_stub(caller_keys, target_stack, target_identity: pb.InstanceIdentity):
    """A PeerService stub on `target_stack`'s federation port, connecting with `caller_keys`'
    certificate and trusting only the target's (another TLS stack than the services': grpcio)."""
    credentials = grpc.ssl_channel_credentials(
        root_certificates=target_identity.certificate_pem.encode(),
        private_key=caller_keys.tls_key_pem,
        certificate_chain=caller_keys.certificate_pem.encode(),
    )
    port = target_stack.service("federation").peer_port
    channel = grpc.secure_channel(f"127.0.0.1:{port}", credentials)
    return channel, federation_pb2_grpc.PeerServiceStub(channel)


@dataclasses.dataclass
class Received:
    """What one captured connection carried, decoded: every header and every message."""

    raw: bytes
    headers: list[tuple[bytes, bytes]]
    messages: list[bytes]  # gRPC messages (the length prefix removed)


def decode_capture(path: Path) -> Received:
    """A capture file of the federation port ("received-*", a server's view: the client's preface
    first) or of the answers ("answers-*", a client's view), decoded with h2: the HPACK headers
    in clear, the DATA frames joined per stream and cut into gRPC messages."""
    raw = path.read_bytes()
    server_side = path.name.startswith("received-")
    connection = h2.connection.H2Connection(
        h2.config.H2Configuration(client_side=not server_side, header_encoding=None, validate_inbound_headers=False)
    )
    connection.initiate_connection()
    if not server_side:
        # The client sent its first request's headers: stream 1 is open on this side too.
        connection.send_headers(1, [(":method", "POST"), (":scheme", "https"), (":authority", "x"), (":path", "/")])
    headers: list[tuple[bytes, bytes]] = []
    streams: dict[int, bytes] = {}
    try:
        events = connection.receive_data(raw)
    except Exception:  # a cut capture (the process stopped): what was decoded before still counts
        events = []
    for event in events:
        if isinstance(event, (h2.events.RequestReceived, h2.events.ResponseReceived, h2.events.TrailersReceived)):
            headers.extend((bytes(k), bytes(v)) for k, v in event.headers)
        elif isinstance(event, h2.events.DataReceived):
            streams[event.stream_id] = streams.get(event.stream_id, b"") + event.data
    messages = []
    for data in streams.values():
        while len(data) >= 5:
            size = int.from_bytes(data[1:5], "big")
            messages.append(data[5 : 5 + size])
            data = data[5 + size :]
    return Received(raw, headers, messages)


def captured(stack) -> list[Received]:
    folder = capture_dir(stack)
    return [decode_capture(p) for p in sorted(folder.glob("*.bin"))] if folder.exists() else []
