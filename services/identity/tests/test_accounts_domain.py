"""Rules of accounts: passwords, secrets, lockout, signing keys and tokens."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from cokit.auth.tokens import TrustState, Verifier
from cokit.refusals import Refusal
from identity import domain

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)


def test_passwords_are_argon2id_and_verify():
    hashed = domain.hash_secret_slow("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert domain.verify_secret_slow(hashed, "correct horse battery")
    assert not domain.verify_secret_slow(hashed, "wrong horse battery")
    assert not domain.verify_secret_slow(None, "anything at all")


def test_password_rules():
    domain.check_password_rules("ten chars!")
    with pytest.raises(Refusal):
        domain.check_password_rules("short")


def test_lockout_backs_off_then_locks():
    rules = domain.Lockout(backoff_after=3, lock_after=5, base_delay=1.0, lock_for=dt.timedelta(minutes=15))
    assert rules.account_gate(2, T0, None, T0) is None
    reason, wait = rules.account_gate(3, T0, None, T0 + dt.timedelta(seconds=0.5))
    assert reason == "LOGIN_THROTTLED" and 0 < wait <= 1
    assert rules.account_gate(3, T0, None, T0 + dt.timedelta(seconds=1.01)) is None
    assert rules.delay_after(4) == 2.0
    assert rules.locks_at(5) and not rules.locks_at(4)
    reason, wait = rules.account_gate(5, T0, T0 + dt.timedelta(minutes=15), T0 + dt.timedelta(minutes=1))
    assert reason == "ACCOUNT_LOCKED" and wait == 14 * 60
    assert rules.account_gate(5, T0, T0 + dt.timedelta(minutes=15), T0 + dt.timedelta(minutes=16)) is None


def test_sources_are_kept_as_hashes():
    assert "127.0.0.1" not in domain.source_key("127.0.0.1")
    assert domain.source_key("10.0.0.1") != domain.source_key("10.0.0.2")


def test_api_key_secrets_name_their_key():
    key_id = "0190b7a2-0000-7000-8000-000000000001"
    secret = domain.new_api_key_secret(key_id)
    assert domain.api_key_id_of(secret) == key_id
    assert domain.api_key_id_of("cok_nonsense_x") == "" and domain.api_key_id_of("") == ""


def test_one_time_codes_have_six_digits():
    codes = {domain.new_code() for _ in range(50)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 40


def test_minted_tokens_verify_with_the_published_key():
    kid, pem, jwk = domain.generate_signing_key()
    now = dt.datetime.now(dt.timezone.utc)
    claims = domain.access_claims(
        issuer="urn:citizenoffice:ma",
        audience="citizenoffice",
        subject="u1",
        session_id="s1",
        instance="ma",
        bindings=[],
        ttl=300,
        now=now,
    )
    token = domain.mint_access_token(pem, kid, claims)
    assert jwt.get_unverified_header(token)["kid"] == kid
    verifier = Verifier("urn:citizenoffice:ma", "citizenoffice", lambda: TrustState({"keys": [jwk]}))
    assert verifier.verify(token)["sub"] == "u1"
    assert "d" not in jwk  # the private part never reaches the JWKS
