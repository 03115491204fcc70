"""Identity's private signing keys sealed at rest (AES-GCM under IDENTITY_KEY_SECRET), on the
real PostgreSQL: the database holds no PEM and no raw private key bytes, while the sealed keys
are the ones whose public halves the JWKS publishes; keys stored in clear before sealing
existed are sealed by the migration; a wrong or malformed secret stops the migration and the
start with a clear message and exit code 2, never a stack trace.
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
import subprocess

import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization

from identity import domain, keyseal, store

from .helpers import fresh_database

OFFSET = int(os.environ.get("CITIZENOFFICE_E2E_PORT_OFFSET", "100"))
ROOT = pathlib.Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
OTHER_SECRET = base64.b64encode(b"not-the-secret-of-this-instance!").decode()


def dump(engine: sa.Engine) -> str:
    """Every row of every table, as text."""
    lines = []
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            lines += [" | ".join(str(v) for v in row) for row in conn.execute(sa.text(f'select * from "{table}"'))]
    return "\n".join(lines)


def raw_forms(pem: str) -> list[str]:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return [raw.hex(), base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("=")]


def public_x(pem: str) -> str:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_the_identity_database_holds_no_private_key_in_clear(platform, infra):
    engine = sa.create_engine(infra.database_url("identity"), poolclass=sa.pool.NullPool)
    text = dump(engine)
    assert "PRIVATE KEY" not in text and "-----BEGIN" not in text
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(store.signing_keys.c.kid, store.signing_keys.c.private_pem, store.signing_keys.c.status)
        ).all()
    assert rows and all(keyseal.is_sealed(stored) for _, stored, _ in rows)
    # Read after the rows: a key another session stages meanwhile is simply not compared.
    published = {
        k["kid"]: k["x"] for k in requests.get(f"{platform.base_url}/.well-known/jwks.json", timeout=30).json()["keys"]
    }
    sealer = keyseal.KeySealer(platform.env("identity")["IDENTITY_KEY_SECRET"])
    compared = 0
    for kid, stored, status in rows:
        pem = sealer.open(stored, kid)
        assert [form for form in raw_forms(pem) if form in text] == []
        if status in domain.PUBLISHED and kid in published:
            assert published[kid] == public_x(pem)  # the sealed key is the one tokens are checked with
            compared += 1
    assert compared >= 1


def run_identity(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PYTHON), "-m", "cokit.run", "identity", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_clear_keys_are_sealed_by_the_migration_and_a_wrong_secret_stops_identity(platform, infra):
    url = fresh_database(infra.database_url("identity"), f"identity_keys_e2e_{OFFSET}")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    # A database as identity left it before sealing: its active key in clear.
    store.metadata.create_all(engine)
    kid, pem, jwk = domain.generate_signing_key()
    with engine.begin() as conn:
        conn.execute(
            store.signing_keys.insert().values(
                kid=kid,
                private_pem=pem,
                public_jwk=json.dumps(jwk),
                status="active",
                created_at=store.now(),
                activated_at=store.now(),
            )
        )
    env = {
        **platform.env("identity"),
        "DATABASE_URL": url,
        "GRPC_PORT": str(20043 + OFFSET),
        "METRICS_PORT": str(20044 + OFFSET),
    }

    migrated = run_identity(env, "--migrate")
    assert migrated.returncode == 0, migrated.stderr
    with engine.connect() as conn:
        rows = conn.execute(sa.select(store.signing_keys.c.kid, store.signing_keys.c.private_pem)).all()
    assert [r.kid for r in rows] == [kid]  # the same key, now sealed
    assert keyseal.is_sealed(rows[0].private_pem) and "BEGIN" not in dump(engine)
    assert keyseal.KeySealer(env["IDENTITY_KEY_SECRET"]).open(rows[0].private_pem, kid) == pem

    for args, verb in (((), "start"), (("--migrate",), "migrate")):
        refused = run_identity({**env, "IDENTITY_KEY_SECRET": OTHER_SECRET}, *args)
        assert refused.returncode == 2, refused.stderr
        assert f"cannot {verb} identity: IDENTITY_KEY_SECRET does not open the signing key {kid}" in refused.stderr
        assert "Traceback" not in refused.stderr
    malformed = run_identity({**env, "IDENTITY_KEY_SECRET": "not base64!"})
    assert malformed.returncode == 2 and "IDENTITY_KEY_SECRET is not base64" in malformed.stderr
    with engine.connect() as conn:  # nothing was changed by the refusals
        assert conn.execute(sa.select(store.signing_keys.c.private_pem)).scalar_one() == rows[0].private_pem
    engine.dispose()
