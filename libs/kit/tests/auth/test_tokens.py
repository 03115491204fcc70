"""Local verification of access tokens against a cached JWKS."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from cokit.auth.tokens import TokenError, TrustState, Verifier

ISS, AUD = "urn:citizenoffice:ma", "citizenoffice"


def keypair(kid: str):
    private = Ed25519PrivateKey.generate()
    jwk = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk.update(kid=kid, alg="EdDSA")
    return private, jwk


def token(private, kid, **overrides):
    now = int(time.time())
    claims = {"iss": ISS, "aud": AUD, "sub": "u1", "sid": "s1", "iat": now, "exp": now + 300, **overrides}
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": kid})


class Identity:
    """Stands for identity's published state; counts how often it is asked."""

    def __init__(self, *jwks, revoked=()):
        self.jwks, self.revoked, self.calls = list(jwks), set(revoked), 0

    def __call__(self):
        self.calls += 1
        return TrustState({"keys": list(self.jwks)}, frozenset(self.revoked))


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def refused(verifier, tok) -> str:
    with pytest.raises(TokenError) as err:
        verifier.verify(tok)
    return err.value.reason


def test_a_good_token_is_accepted_and_the_keys_are_cached():
    key, jwk = keypair("k1")
    identity = Identity(jwk)
    verifier = Verifier(ISS, AUD, identity, max_age=60)
    for _ in range(50):
        assert verifier.verify(token(key, "k1"))["sub"] == "u1"
    assert identity.calls == 1


@pytest.mark.parametrize(
    "overrides,reason",
    [
        ({"exp": int(time.time()) - 60}, "TOKEN_EXPIRED"),
        ({"aud": "someone-else"}, "TOKEN_WRONG_AUDIENCE"),
        ({"iss": "urn:citizenoffice:tn"}, "TOKEN_WRONG_ISSUER"),
    ],
)
def test_bad_claims_are_refused_with_their_reason(overrides, reason):
    key, jwk = keypair("k1")
    assert refused(Verifier(ISS, AUD, Identity(jwk)), token(key, "k1", **overrides)) == reason


def test_a_signature_by_another_key_under_a_known_kid_is_refused():
    _, jwk = keypair("k1")
    forger, _ = keypair("k1")
    assert refused(Verifier(ISS, AUD, Identity(jwk)), token(forger, "k1")) == "TOKEN_BAD_SIGNATURE"


def test_a_missing_session_claim_or_garbage_is_refused():
    key, jwk = keypair("k1")
    verifier = Verifier(ISS, AUD, Identity(jwk))
    now = int(time.time())
    no_sid = jwt.encode(
        {"iss": ISS, "aud": AUD, "sub": "u", "iat": now, "exp": now + 60}, key, algorithm="EdDSA", headers={"kid": "k1"}
    )
    assert refused(verifier, no_sid) == "TOKEN_INVALID"
    assert refused(verifier, "not-a-token") == "TOKEN_MALFORMED"
    hs = jwt.encode({"sub": "u"}, "secret", algorithm="HS256", headers={"kid": "k1"})
    assert refused(verifier, hs) == "TOKEN_BAD_ALGORITHM"


def test_revoked_sessions_are_refused():
    key, jwk = keypair("k1")
    assert refused(Verifier(ISS, AUD, Identity(jwk, revoked={"s1"})), token(key, "k1")) == "TOKEN_REVOKED"


def test_rotation_new_key_picked_up_at_once_old_key_dropped_after_max_age():
    old, old_jwk = keypair("old")
    new, new_jwk = keypair("new")
    identity, clock = Identity(old_jwk), Clock()
    verifier = Verifier(ISS, AUD, identity, max_age=10, unknown_key_interval=1, clock=clock)
    assert verifier.verify(token(old, "old"))
    identity.jwks.append(new_jwk)  # staged and activated
    clock.now += 1
    assert verifier.verify(token(new, "new"))  # unknown kid: one early refresh
    assert verifier.verify(token(old, "old"))  # still published while retiring
    identity.jwks.remove(old_jwk)  # retired
    clock.now += 10
    assert refused(verifier, token(old, "old")) == "TOKEN_UNKNOWN_KEY"
    assert verifier.verify(token(new, "new"))


def test_unknown_keys_do_not_hammer_identity():
    key, jwk = keypair("k1")
    stranger, _ = keypair("zz")
    identity, clock = Identity(jwk), Clock()
    verifier = Verifier(ISS, AUD, identity, max_age=60, unknown_key_interval=1, clock=clock)
    for _ in range(20):
        assert refused(verifier, token(stranger, "zz")) == "TOKEN_UNKNOWN_KEY"
    assert identity.calls == 1
