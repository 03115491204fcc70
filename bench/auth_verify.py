"""Access-token checks per second: locally with cokit.auth's cached JWKS, against the same check
done by a gRPC call to the identity service (IntrospectToken), the baseline.

    .venv/bin/python bench/auth_verify.py [--seconds 3]

identity runs as a real service process (cokit.run, SQLite in a temporary folder); the token is
signed with its active key. Both sides verify the same token with the same Verifier; the
difference is the call.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time

import grpc
import sqlalchemy as sa

ROOT = pathlib.Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rate(fn, seconds: float) -> float:
    deadline = time.perf_counter() + seconds
    done = 0
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        for _ in range(20):
            fn()
        done += 20
    return done / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    from citizenoffice.identity.v1 import identity_pb2, identity_pb2_grpc
    from cokit.auth.context import AUDIENCE, issuer_of, trust_state_from_reply
    from cokit.auth.tokens import Verifier
    from identity import domain, keyseal

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/identity.db",
            "GRPC_PORT": str(port),
            "METRICS_PORT": str(free_port()),
            "INSTANCE_ID": "ma",
            "LOG_LEVEL": "WARNING",
            "IDENTITY_KEY_SECRET": base64.b64encode(os.urandom(32)).decode(),
        }
        run = [sys.executable, "-W", "ignore", "-m", "cokit.run", "identity"]
        subprocess.run(run + ["--migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        proc = subprocess.Popen(run, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            engine = sa.create_engine(env["DATABASE_URL"])
            with engine.connect() as conn:
                kid, pem = conn.execute(
                    sa.text("select kid, private_pem from signing_keys where status = 'active'")
                ).first()
            engine.dispose()
            claims = domain.access_claims(
                issuer=issuer_of("ma"),
                audience=AUDIENCE,
                subject="bench",
                session_id="s",
                instance="ma",
                bindings=[{"r": "staff", "i": "ma", "c": "tetouan", "o": "o"}],
                ttl=3600,
                now=dt.datetime.now(dt.timezone.utc),
            )
            token = domain.mint_access_token(keyseal.KeySealer(env["IDENTITY_KEY_SECRET"]).open(pem, kid), kid, claims)

            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            grpc.channel_ready_future(channel).result(timeout=30)
            stub = identity_pb2_grpc.IdentityServiceStub(channel)
            request = identity_pb2.IntrospectRequest(token=token)
            assert stub.IntrospectToken(request, timeout=10).active

            verifier = Verifier(
                issuer_of("ma"),
                AUDIENCE,
                lambda: trust_state_from_reply(stub.GetTrustState(identity_pb2.Empty(), timeout=10)),
            )
            assert verifier.verify(token)["sub"] == "bench"

            remote = rate(lambda: stub.IntrospectToken(request, timeout=10), args.seconds)
            local = rate(lambda: verifier.verify(token), args.seconds)
            channel.close()
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"auth_verify_grpc_introspect: {remote:.0f} verifications/s (ratio 1.00 against auth_verify_grpc_introspect)")
    print(
        f"auth_verify_local_jwks: {local:.0f} verifications/s (ratio {local / remote:.2f} against auth_verify_grpc_introspect)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
