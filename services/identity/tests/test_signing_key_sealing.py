"""Private signing keys sealed at rest: sealed on write, clear legacy keys sealed by the
migration and still loading before it, a wrong or malformed secret refused with a clear
message (at settings load, migration and start)."""

import base64
import dataclasses

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization

from identity import domain, keyseal, service, store

SECRET = base64.b64encode(b"k" * 32).decode()
OTHER = base64.b64encode(b"o" * 32).decode()


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'identity.db'}")
    store.metadata.create_all(engine)
    yield engine
    engine.dispose()


def settings(engine, secret=SECRET):
    return dataclasses.replace(
        service.Settings(identity_key_secret=SECRET), identity_key_secret=secret, database_url=str(engine.url)
    )


def clear_key(conn, status="active") -> tuple[str, str]:
    kid, pem, jwk = domain.generate_signing_key()
    at = store.now()
    conn.execute(
        store.signing_keys.insert().values(
            kid=kid, private_pem=pem, public_jwk=str(jwk), status=status, created_at=at, activated_at=at
        )
    )
    return kid, pem


def stored(conn) -> dict[str, str]:
    return dict(conn.execute(sa.select(store.signing_keys.c.kid, store.signing_keys.c.private_pem)).all())


def test_a_sealed_key_opens_with_its_secret_and_kid_only():
    sealer = keyseal.KeySealer(SECRET)
    _, pem, _ = domain.generate_signing_key()
    sealed = sealer.seal(pem, "kid-1")
    assert keyseal.is_sealed(sealed) and "PRIVATE KEY" not in sealed and pem not in sealed
    assert sealer.open(sealed, "kid-1") == pem
    with pytest.raises(keyseal.KeySecretError, match="does not open the signing key kid-2"):
        sealer.open(sealed, "kid-2")
    with pytest.raises(keyseal.KeySecretError, match="not the secret the keys were sealed with"):
        keyseal.KeySealer(OTHER).open(sealed, "kid-1")
    assert "k" * 8 not in repr(sealer)


def test_a_clear_legacy_key_still_loads():
    _, pem, _ = domain.generate_signing_key()
    assert keyseal.KeySealer(SECRET).open(pem, "any") == pem


@pytest.mark.parametrize(
    "secret, words",
    [
        ("", "IDENTITY_KEY_SECRET is required"),
        ("not base64!", "IDENTITY_KEY_SECRET is not base64"),
        (base64.b64encode(b"short").decode(), "must be 32 bytes"),
    ],
)
def test_a_missing_or_malformed_secret_stops_the_settings(secret, words):
    from cokit.settings import SettingsError, load

    with pytest.raises(SettingsError, match=words):
        load(service.Settings, {"IDENTITY_KEY_SECRET": secret} if secret else {})


def test_the_migration_seals_clear_keys_and_keeps_them_the_same_keys(engine):
    with engine.begin() as conn:
        kid, pem = clear_key(conn)
        old_kid, old_pem = clear_key(conn, status="removed")
    with engine.begin() as conn:
        service.prepare_signing_keys(conn, settings(engine))
    with engine.connect() as conn:
        rows = stored(conn)
    assert set(rows) == {kid, old_kid}  # no new key: the active one is kept
    assert all(keyseal.is_sealed(v) and "BEGIN" not in v for v in rows.values())
    sealer = keyseal.KeySealer(SECRET)
    assert sealer.open(rows[kid], kid) == pem and sealer.open(rows[old_kid], old_kid) == old_pem
    key = serialization.load_pem_private_key(sealer.open(rows[kid], kid).encode(), password=None)
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    assert raw.hex() not in rows[kid] and base64.b64encode(raw).decode() not in rows[kid]
    with engine.begin() as conn:  # a second run changes nothing
        assert service.seal_stored_keys(conn, sealer) == 0
    with engine.connect() as conn:
        assert stored(conn) == rows


def test_a_fresh_database_gets_one_sealed_active_key(engine):
    with engine.begin() as conn:
        service.prepare_signing_keys(conn, settings(engine))
    with engine.connect() as conn:
        rows = conn.execute(sa.select(store.signing_keys)).mappings().all()
    assert [r["status"] for r in rows] == ["active"] and keyseal.is_sealed(rows[0]["private_pem"])


def test_a_wrong_secret_stops_the_migration_and_the_start(engine):
    with engine.begin() as conn:
        service.prepare_signing_keys(conn, settings(engine))
    with pytest.raises(keyseal.KeySecretError, match="not the secret the keys were sealed with"):
        with engine.begin() as conn:
            service.prepare_signing_keys(conn, settings(engine, OTHER))
    with pytest.raises(keyseal.KeySecretError, match="not the secret the keys were sealed with"):
        service.preflight(settings(engine, OTHER))
    service.preflight(settings(engine))  # the right one passes


def test_a_database_without_tables_yet_does_not_stop_the_start(tmp_path, caplog):
    with caplog.at_level("WARNING", logger=service.log.name):
        service.preflight(
            dataclasses.replace(
                service.Settings(identity_key_secret=SECRET), database_url=f"sqlite:///{tmp_path / 'empty.db'}"
            )
        )
    # no exception: the start goes on, and says the keys were not checked
    assert [r.getMessage() for r in caplog.records] == ["signing keys not checked at start"]
