"""Accounts on the real services: lockout with the owner told by mail, password reset, API keys
(hashed, scoped, revocable, last use recorded), consents, rectification, export and the audit
trail, which never holds a password, token or contact detail."""

from __future__ import annotations

import random
import time

import pytest
import sqlalchemy as sa

from .helpers import eventually
from .test_identity_helpers import (
    PASSWORD,
    code_from,
    get,
    login,
    mails,
    national_admin,
    new_email,
    post,
    register,
)


def identity_db(infra):
    return sa.create_engine(infra.database_url("identity"), poolclass=sa.pool.NullPool)


def try_login(platform, email, password):
    return post(platform, "/api/v1/auth/login", {"login": email, "password": password})


def test_wrong_passwords_slow_down_then_lock_and_the_owner_is_told(platform, infra_backend):
    email = new_email("lock")
    register(platform, infra_backend, email)
    for _ in range(3):
        r = try_login(platform, email, "not the password")
        assert r.status_code == 401 and r.json()["reason"] == "INVALID_CREDENTIALS", r.text
    # from the third failure on, each attempt must wait: even the right password is turned away
    r = try_login(platform, email, PASSWORD)
    assert r.status_code == 429 and r.json()["reason"] == "LOGIN_THROTTLED", r.text
    time.sleep(1.1)
    assert try_login(platform, email, "still not it").status_code == 401  # 4th failure, next wait 2 s
    r = try_login(platform, email, "again wrong")
    assert r.status_code == 429 and r.json()["reason"] == "LOGIN_THROTTLED", r.text
    time.sleep(2.1)
    assert try_login(platform, email, "fifth wrong").status_code == 401  # 5th failure: locked
    r = try_login(platform, email, PASSWORD)
    assert r.status_code == 429 and r.json()["reason"] == "ACCOUNT_LOCKED", r.text
    notice = eventually(
        lambda: mails(infra_backend, email, "account_locked") or None, timeout=60, what="lockout notice"
    )
    assert "locked" in notice[0].get_content().lower() or "verrouill" in notice[0].get_content().lower()
    # a password reset through the mailbox is the owner's way out of the lock
    assert post(platform, "/api/v1/auth/password-reset", {"login": email}).status_code == 202
    code = code_from(infra_backend, email, "reset")
    r = post(
        platform,
        "/api/v1/auth/password-reset/confirm",
        {"login": email, "code": code, "new_password": "a brand new passphrase"},
    )
    assert r.status_code == 204, r.text
    assert try_login(platform, email, PASSWORD).status_code == 401
    assert try_login(platform, email, "a brand new passphrase").status_code == 200


def test_a_wrong_verification_code_is_refused_and_counted(platform, infra_backend, infra):
    email = new_email("code")
    assert post(platform, "/api/v1/auth/register", {"email": email, "password": PASSWORD}).status_code == 202
    code = code_from(infra_backend, email)
    wrong = "000000" if code != "000000" else "111111"
    r = post(platform, "/api/v1/auth/verify", {"login": email, "code": wrong})
    assert r.status_code == 400 and r.json()["reason"] == "CODE_INVALID", r.text
    with identity_db(infra).connect() as conn:
        attempts = conn.execute(
            sa.text(
                "select c.attempts, c.code_hash from one_time_codes c join citizens p on p.citizen_id = c.citizen_id "
                "where p.email = :e"
            ),
            {"e": email},
        ).first()
    assert attempts.attempts == 1 and attempts.code_hash.startswith("$argon2id$") and code not in attempts.code_hash
    assert try_login(platform, email, PASSWORD).status_code == 409  # not verified yet
    assert post(platform, "/api/v1/auth/verify", {"login": email, "code": code}).status_code == 200


def test_api_keys_are_hashed_scoped_revocable_and_their_use_recorded(platform, infra_backend, infra):
    _, admin = national_admin(platform, infra_backend)
    r = post(
        platform,
        "/api/v1/api-keys",
        {"label": "open311 app", "role": "open311_client", "scope": {"office": "tetouan"}},
        admin,
    )
    assert r.status_code == 201, r.text
    key = r.json()
    with identity_db(infra).connect() as conn:
        row = conn.execute(
            sa.text("select secret_hash, last_used_at from api_keys where key_id = :k"), {"k": key["key_id"]}
        ).first()
    assert row.secret_hash != key["secret"] and key["secret"] not in row.secret_hash and row.last_used_at is None
    headers = {"Authorization": f"ApiKey {key['secret']}"}
    # a machine key reads nothing beyond its scope and role
    assert get(platform, "/api/v1/roles", headers=headers, office="tetouan").status_code in (401, 403)
    with identity_db(infra).connect() as conn:
        assert (
            conn.execute(sa.text("select last_used_at from api_keys where key_id = :k"), {"k": key["key_id"]}).scalar()
            is not None
        )
    r = requests_delete(platform, f"/api/v1/api-keys/{key['key_id']}", admin)
    assert r.status_code == 204, r.text
    r = get(platform, "/api/v1/roles", headers=headers, office="tetouan")
    assert r.status_code == 401 and r.json()["reason"] == "API_KEY_INVALID", r.text


def requests_delete(platform, path, token):
    import requests

    return requests.delete(f"{platform.base_url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_my_data_consents_rectification_and_a_clean_audit_trail(platform, infra_backend, infra):
    email = new_email("me")
    citizen_id = register(platform, infra_backend, email)
    token = login(platform, email)["access_token"]
    assert post(platform, "/api/v1/me/consents", {"purpose": "newsletter", "granted": True}, token).status_code == 204
    import requests

    r = requests.patch(
        f"{platform.base_url}/api/v1/me",
        json={"display_name": "Salma B."},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["display_name"] == "Salma B.", r.text
    export = get(platform, "/api/v1/me/data", token)
    assert export.status_code == 200, export.text
    mine = export.json()["identity"]
    assert mine["contact"]["email"] == email and mine["contact"]["display_name"] == "Salma B."
    assert [c["purpose"] for c in mine["consents"]] == ["newsletter"] and mine["consents"][0]["at"]
    assert {"register", "verified", "login", "rectified", "consent.granted"} <= {
        e["kind"] for e in mine["security_events"]
    }
    assert get(platform, "/api/v1/me/data").status_code == 401
    with identity_db(infra).connect() as conn:
        details = conn.execute(
            sa.text("select detail, subject, source_key from security_events where subject = :s"), {"s": citizen_id}
        ).all()
    flat = " ".join(f"{d.detail} {d.subject} {d.source_key}" for d in details)
    for secret in (email, PASSWORD, token, "127.0.0.1"):
        assert secret not in flat


def test_a_phone_registration_where_the_instance_sends_no_sms_says_so(platform):
    if platform.env("notifications").get("SMS_PROVIDER_URL"):
        pytest.skip("this session's notifications has an SMS provider")
    phone = "+2126" + "".join(random.choice("0123456789") for _ in range(8))
    r = post(platform, "/api/v1/auth/register", {"phone": phone, "password": PASSWORD, "language": "fr"})
    assert r.status_code == 409, r.text
    assert (r.json()["reason"], r.json()["field"]) == ("CHANNEL_NOT_AVAILABLE", "phone")
