"""Access tokens refused for each defect, sessions ended by logout and by refresh-token reuse,
and signing-key rotation without downtime; through the gateway (which verifies locally) and
identity (which verifies the forwarded token itself), on the real services."""

from __future__ import annotations

import time

import jwt
import pytest
import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from identity import keyseal

from .helpers import eventually
from .test_identity_helpers import get, login, national_admin, new_email, post, register, submit_ticket


@pytest.fixture(scope="module")
def manager(platform, infra_backend):
    """An office manager of Tetouan: may read its tickets (checked by the gateway) and its
    role bindings (checked by identity)."""
    _, admin = national_admin(platform, infra_backend)
    email = new_email("manager")
    citizen_id = register(platform, infra_backend, email)
    r = post(
        platform,
        "/api/v1/roles",
        {"citizen_id": citizen_id, "role": "office_manager", "scope": {"office": "tetouan"}},
        admin,
    )
    assert r.status_code == 201, r.text
    return {"email": email, "citizen_id": citizen_id, "admin": admin, "ticket": submit_ticket(platform, "tetouan")}


def probes(platform, manager, token):
    """(gateway answer, identity answer) for one access token."""
    return (
        get(platform, f"/api/v1/staff/tickets/{manager['ticket']}", token),
        get(platform, "/api/v1/roles", token, office="tetouan"),
    )


def assert_refused(platform, manager, token, reason):
    for response in probes(platform, manager, token):
        assert response.status_code == 401, response.text
        assert response.json()["reason"] == reason, response.text


def assert_accepted(platform, manager, token):
    for response in probes(platform, manager, token):
        assert response.status_code == 200, response.text


def active_key(platform, infra):
    """The key identity signs with, opened with the instance's secret (it is sealed at rest)."""
    engine = sa.create_engine(infra.database_url("identity"), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("select kid, private_pem from signing_keys where status = 'active' order by activated_at desc")
        ).first()
    pem = keyseal.KeySealer(platform.env("identity")["IDENTITY_KEY_SECRET"]).open(row.private_pem, row.kid)
    return row.kid, serialization.load_pem_private_key(pem.encode(), password=None)


def forge(key, kid, claims, **overrides):
    return jwt.encode({**claims, **overrides}, key, algorithm="EdDSA", headers={"kid": kid})


def test_tokens_with_a_defect_are_refused_each_with_its_reason(platform, infra, manager):
    genuine = login(platform, manager["email"])["access_token"]
    assert_accepted(platform, manager, genuine)
    claims = jwt.decode(genuine, options={"verify_signature": False})
    kid, key = active_key(platform, infra)
    assert jwt.get_unverified_header(genuine)["kid"] == kid
    # the same claims re-signed with the instance's key pass: each refusal below is its defect's
    assert_accepted(platform, manager, forge(key, kid, claims))
    now = int(time.time())
    assert_refused(
        platform, manager, forge(key, kid, claims, iat=now - 900, nbf=now - 900, exp=now - 600), "TOKEN_EXPIRED"
    )
    assert_refused(platform, manager, forge(key, kid, claims, aud="another-platform"), "TOKEN_WRONG_AUDIENCE")
    assert_refused(platform, manager, forge(key, kid, claims, iss="urn:citizenoffice:tn"), "TOKEN_WRONG_ISSUER")
    assert_refused(platform, manager, forge(Ed25519PrivateKey.generate(), kid, claims), "TOKEN_BAD_SIGNATURE")
    assert_refused(platform, manager, forge(Ed25519PrivateKey.generate(), "foreign-key", claims), "TOKEN_UNKNOWN_KEY")
    assert_refused(
        platform, manager, genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB"), "TOKEN_BAD_SIGNATURE"
    )
    assert_refused(
        platform,
        manager,
        forge(key, kid, claims, roles=[{"r": "national_admin", "i": "ma", "c": "", "o": ""}])[:-2] + "xx",
        "TOKEN_BAD_SIGNATURE",
    )


def test_logout_revokes_the_session_everywhere(platform, manager):
    pair = login(platform, manager["email"])
    assert_accepted(platform, manager, pair["access_token"])
    assert post(platform, "/api/v1/auth/logout", {}, pair["access_token"]).status_code == 204
    eventually(
        lambda: all(
            r.status_code == 401 and r.json()["reason"] == "TOKEN_REVOKED"
            for r in probes(platform, manager, pair["access_token"])
        ),
        timeout=10,
        what="revocation",
    )
    r = post(platform, "/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]})
    assert r.status_code == 401 and r.json()["reason"] == "REFRESH_TOKEN_INVALID", r.text


def test_refresh_rotates_and_reuse_ends_the_family(platform, manager):
    first = login(platform, manager["email"])
    second = post(platform, "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert_accepted(platform, manager, second["access_token"])
    replay = post(platform, "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and replay.json()["reason"] == "REFRESH_TOKEN_REUSED", replay.text
    # the thief's copy and the owner's current token die together
    r = post(platform, "/api/v1/auth/refresh", {"refresh_token": second["refresh_token"]})
    assert r.status_code == 401 and r.json()["reason"] == "REFRESH_TOKEN_INVALID", r.text
    eventually(
        lambda: all(r.status_code == 401 for r in probes(platform, manager, second["access_token"])),
        timeout=10,
        what="family revoked",
    )


def test_signing_key_rotation_without_downtime(platform, manager):
    admin = manager["admin"]
    old = login(platform, manager["email"])["access_token"]
    old_kid = jwt.get_unverified_header(old)["kid"]

    staged = post(platform, "/api/v1/admin/signing-keys/rotate", {"step": "stage"}, admin)
    assert staged.status_code == 200, staged.text
    new_kid = next(k["kid"] for k in staged.json()["keys"] if k["status"] == "next")
    jwks = requests.get(f"{platform.base_url}/.well-known/jwks.json", timeout=10).json()
    assert {old_kid, new_kid} <= {k["kid"] for k in jwks["keys"]}
    assert all("d" not in k for k in jwks["keys"])

    early = post(platform, "/api/v1/admin/signing-keys/rotate", {"step": "activate"}, admin)
    assert early.status_code == 409 and early.json()["reason"] == "KEY_STAGED_TOO_RECENTLY", early.text
    assert_accepted(platform, manager, old)
    eventually(
        lambda: post(platform, "/api/v1/admin/signing-keys/rotate", {"step": "activate"}, admin).status_code == 200,
        timeout=15,
        interval=1,
        what="activation once the staged key is known everywhere",
    )
    new = login(platform, manager["email"])["access_token"]
    assert jwt.get_unverified_header(new)["kid"] == new_kid
    assert_accepted(platform, manager, new)  # signed by the new key
    assert_accepted(platform, manager, old)  # the old key is still published while retiring

    # only a national admin rotates keys
    denied = post(platform, "/api/v1/admin/signing-keys/rotate", {"step": "stage"}, new)
    assert denied.status_code == 403, denied.text

    r = post(platform, "/api/v1/admin/signing-keys/rotate", {"step": "retire", "force": True}, admin)
    assert r.status_code == 200, r.text
    assert {k["kid"]: k["status"] for k in r.json()["keys"]}[old_kid] == "removed"
    eventually(
        lambda: all(
            r.status_code == 401 and r.json()["reason"] == "TOKEN_UNKNOWN_KEY" for r in probes(platform, manager, old)
        ),
        timeout=10,
        what="old key dropped",
    )
    assert_accepted(platform, manager, new)
