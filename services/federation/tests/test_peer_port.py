"""The federation port of a real federation process (cokit.run, SQLite), spoken to by another
TLS stack (grpcio's) as a member would: mutual TLS with the pinned certificates, each refusal
with its reason, every message in the log, and handshakes that stall never freeze the service
(eventlet's green ssl under the nameko hub)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from google.rpc import status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from citizenoffice.federation.v1 import federation_pb2 as pb
from citizenoffice.federation.v1 import federation_pb2_grpc
from cokit.db import create_engine
from cokit.errors import error_info
from federation import envelope, keys, store

ROOT = Path(__file__).resolve().parents[3]
OFFSET = int(os.environ.get("FEDERATION_TEST_PORT_OFFSET", "870"))
GRPC_PORT, METRICS_PORT, PEER_PORT = 50056 + OFFSET, 9107 + OFFSET, 50443 + OFFSET


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("federation")
    env = {
        **os.environ,
        "SERVICE_NAME": "federation",
        "INSTANCE_ID": "ma",
        "DATABASE_URL": f"sqlite:///{folder / 'federation.db'}",
        "FEDERATION_KEY_SECRET": base64.b64encode(os.urandom(32)).decode(),
        "GRPC_PORT": str(GRPC_PORT),
        "METRICS_PORT": str(METRICS_PORT),
        "FEDERATION_PEER_PORT": str(PEER_PORT),
        "FEDERATION_PEER_URL": f"https://127.0.0.1:{PEER_PORT}",
        "FEDERATION_CAPTURE_DIR": str(folder / "capture"),
        "KAFKA_GROUP_PREFIX": f"federation-test-{os.getpid()}.",
        "LOG_FORMAT": "text",
    }
    run = [sys.executable, "-m", "cokit.run", "federation"]
    subprocess.run([*run, "--migrate"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    engine = create_engine(env["DATABASE_URL"])
    members = {name: keys.generate(name, f"https://127.0.0.1:{PEER_PORT + 1}") for name in ("sn", "ci")}
    with engine.begin() as conn:
        for name, made in members.items():
            store.insert_member(
                conn,
                dict(
                    instance_id=name,
                    country=name.upper(),
                    status="active",
                    # sn may see nothing (figures.pull then asks no other service), ci everything.
                    shares=json.dumps([] if name == "sn" else ["directory"]),
                    sees_of_it="[]",
                    peer_url=f"https://127.0.0.1:{PEER_PORT + 1}",
                    signing_public_key=made.signing_public_key,
                    signing_key_id=made.signing_key_id,
                    certificate_pem=made.certificate_pem,
                    tls_fingerprint=made.tls_fingerprint,
                    joined_at=store.now(),
                ),
            )
    log = open(folder / "federation.log", "wb")
    process = subprocess.Popen(run, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with grpc.insecure_channel(f"127.0.0.1:{GRPC_PORT}") as channel:
                try:
                    identity = federation_pb2_grpc.FederationServiceStub(channel).GetInstance(pb.Empty(), timeout=2)
                    break
                except grpc.RpcError:
                    time.sleep(0.3)
        else:
            raise RuntimeError((folder / "federation.log").read_text()[-3000:])
        yield dict(engine=engine, members=members, identity=identity, folder=folder)
    finally:
        process.terminate()
        process.wait(30)
        engine.dispose()


def channel(instance, who: str | None):
    own = instance["members"].get(who) if who else None
    credentials = grpc.ssl_channel_credentials(
        root_certificates=instance["identity"].certificate_pem.encode(),
        private_key=own.tls_key_pem if own else None,
        certificate_chain=own.certificate_pem.encode() if own else None,
    )
    return grpc.secure_channel(f"127.0.0.1:{PEER_PORT}", credentials)


def exchange(instance, message: pb.SignedEnvelope, via: str | None):
    with channel(instance, via) as ch:
        return federation_pb2_grpc.PeerServiceStub(ch).Exchange(message, timeout=10)


def refusal(instance, message, via) -> str:
    with pytest.raises(grpc.RpcError) as caught:
        exchange(instance, message, via)
    info = error_info(_status(caught.value))
    return info.reason if info else caught.value.code().name


def _status(error):
    details = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin", b"")
    return status_pb2.Status.FromString(details) if details else None


def message(instance, sender: str, kind: str = "figures.pull", **kwargs) -> pb.SignedEnvelope:
    signer = kwargs.pop("signer", None) or instance["members"][sender]
    return envelope.seal(signer, sender, "ma", kind, pb.FiguresRequest().SerializeToString(), **kwargs)


def test_a_member_gets_a_signed_answer(instance):
    sent = message(instance, "sn")
    reply = exchange(instance, sent, "sn")
    opened = envelope.open_envelope(reply.SerializeToString())
    envelope.verify(opened, instance["identity"].signing_public_key)
    assert opened.body.in_reply_to == pb.Body.FromString(sent.body).message_id
    assert opened.body.kind == "figures.pull.reply" and opened.body.recipient == "sn"
    figures = pb.PublicFigures.FromString(opened.body.payload)
    assert figures.instance_id == "ma" and list(figures.shared) == [] and not figures.offices


def test_a_replayed_message_is_refused(instance):
    sent = message(instance, "sn")
    exchange(instance, sent, "sn")
    assert refusal(instance, sent, "sn") == "REPLAYED"


def test_what_is_refused_and_why(instance):
    stale = message(instance, "sn", now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10))
    assert refusal(instance, stale, "sn") == "EXPIRED"
    unsigned = message(instance, "sn")
    unsigned.ClearField("signature")
    assert refusal(instance, unsigned, "sn") == "UNSIGNED"
    assert refusal(instance, message(instance, "sn"), None) == "CLIENT_CERTIFICATE_REQUIRED"
    assert refusal(instance, message(instance, "sn"), "ci") == "CERTIFICATE_MISMATCH"
    assert refusal(instance, message(instance, "sn", signer=instance["members"]["ci"]), "sn") == "KEY_MISMATCH"
    assert refusal(instance, message(instance, "sn", kind="transfer.request"), "sn") == "NOT_SHARED"
    stranger = keys.generate("xx", "https://127.0.0.1:1")
    assert refusal(instance, message(instance, "xx", signer=stranger), None) == "UNKNOWN_MEMBER"


def test_a_certificate_no_member_holds_ends_at_the_handshake(instance):
    instance["members"]["xx"] = keys.generate("xx", "https://127.0.0.1:1")
    try:
        assert refusal(instance, message(instance, "xx"), "xx") == "UNAVAILABLE"
    finally:
        del instance["members"]["xx"]


def test_a_revoked_member_is_told_so(instance):
    with instance["engine"].begin() as conn:
        store.update_member(conn, "ci", status="revoked", revoked_at=store.now(), revoked_reason="test")
    time.sleep(1.2)  # the port's TLS context follows the directory within a second
    assert refusal(instance, message(instance, "ci"), "ci") == "MEMBER_REVOKED"


def test_stalled_handshakes_do_not_freeze_the_service(instance):
    """Twenty connections that never finish their TLS handshake: the service's gRPC port and a
    member's exchange still answer at once (the handshakes wait in green threads of their own)."""
    stalled = []
    try:
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", PEER_PORT))
            sock.sendall(b"\x16\x03\x01\x02\x00")  # the start of a ClientHello, never finished
            stalled.append(sock)
        time.sleep(0.5)
        started = time.monotonic()
        with grpc.insecure_channel(f"127.0.0.1:{GRPC_PORT}") as ch:
            status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5).status
        health_seconds = time.monotonic() - started
        started = time.monotonic()
        exchange(instance, message(instance, "sn"), "sn")
        exchange_seconds = time.monotonic() - started
    finally:
        for sock in stalled:
            sock.close()
    assert status == health_pb2.HealthCheckResponse.SERVING
    assert health_seconds < 1.0 and exchange_seconds < 2.0, (health_seconds, exchange_seconds)


def test_every_message_is_in_the_log_and_the_chain_holds(instance):
    with instance["engine"].connect() as conn:
        rows = store.read_log(conn, 0, 1000)
        assert store.verify_log(conn) == (len(rows), 0)
    refused = {r["reason"] for r in rows if r["outcome"] == "refused"}
    assert {"REPLAYED", "EXPIRED", "UNSIGNED", "CLIENT_CERTIFICATE_REQUIRED", "CERTIFICATE_MISMATCH"} <= refused
    assert {"KEY_MISMATCH", "NOT_SHARED", "UNKNOWN_MEMBER", "MEMBER_REVOKED"} <= refused
    answered = [r for r in rows if r["outcome"] == "answered"]
    accepted = [r for r in rows if r["outcome"] == "accepted"]
    assert len(answered) == len(accepted) >= 3
    assert {r["in_reply_to"] for r in answered} == {r["message_id"] for r in accepted}
    with pytest.raises(sa.exc.DatabaseError):
        with instance["engine"].begin() as conn:
            conn.execute(sa.text("DELETE FROM message_log"))


def test_the_capture_holds_what_the_port_received(instance):
    captured = b"".join(p.read_bytes() for p in (instance["folder"] / "capture").glob("received-*.bin"))
    sent = message(instance, "sn")
    exchange(instance, sent, "sn")
    captured = b"".join(p.read_bytes() for p in (instance["folder"] / "capture").glob("received-*.bin"))
    assert sent.body in captured  # decrypted: the signed body as it travelled inside TLS


def test_it_starts_before_its_migration_and_answers_once_the_keys_exist(tmp_path):
    """On a cluster the migration Job may run after the pods start (post-install): the service
    waits for its keys, refusing calls as unavailable, instead of crashing in a loop."""
    grpc_port, metrics_port, peer_port = GRPC_PORT + 10, METRICS_PORT + 10, PEER_PORT + 10
    env = {
        **os.environ,
        "SERVICE_NAME": "federation",
        "INSTANCE_ID": "ma",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'federation.db'}",
        "FEDERATION_KEY_SECRET": base64.b64encode(os.urandom(32)).decode(),
        "GRPC_PORT": str(grpc_port),
        "METRICS_PORT": str(metrics_port),
        "FEDERATION_PEER_PORT": str(peer_port),
        "FEDERATION_PEER_URL": f"https://127.0.0.1:{peer_port}",
        "KAFKA_GROUP_PREFIX": f"federation-test-early-{os.getpid()}.",
        "LOG_FORMAT": "text",
    }
    run = [sys.executable, "-m", "cokit.run", "federation"]
    log = open(tmp_path / "federation.log", "wb")
    process = subprocess.Popen(run, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        reason = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and reason is None:
            assert process.poll() is None, (tmp_path / "federation.log").read_text()[-3000:]
            with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as ch:
                try:
                    federation_pb2_grpc.FederationServiceStub(ch).GetInstance(pb.Empty(), timeout=2)
                    raise AssertionError("answered before its keys were made")
                except grpc.RpcError as error:
                    if error.code() == grpc.StatusCode.UNAVAILABLE and _status(error):
                        reason = error_info(_status(error)).reason
                    else:
                        time.sleep(0.3)
        assert reason == "FEDERATION_NOT_READY"
        subprocess.run([*run, "--migrate"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as ch:
            card = federation_pb2_grpc.FederationServiceStub(ch).GetInstance(pb.Empty(), timeout=10)
        assert card.instance_id == "ma" and "BEGIN CERTIFICATE" in card.certificate_pem
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(30)
