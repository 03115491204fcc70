"""Access tokens: signed by identity (EdDSA, Ed25519), verified locally by every service.

Identity publishes its public keys as a JWKS together with the sessions revoked within the
lifetime of an access token. A Verifier keeps that state cached and refreshes it when it is
older than `max_age`, or at once (rate-limited) when a token names a key it does not know, so
a freshly rotated-in key is accepted without waiting and a removed key stops working within
`max_age`.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable

import jwt
from jwt.algorithms import OKPAlgorithm

ALGORITHM = "EdDSA"
LEEWAY_SECONDS = 5


class TokenError(Exception):
    """A token refused; `reason` is machine-readable, the message safe to show."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclasses.dataclass(frozen=True)
class TrustState:
    """What identity publishes: public keys (JWKS dict) and revoked session ids."""

    jwks: dict
    revoked_sessions: frozenset[str] = frozenset()


def public_keys(jwks: dict) -> dict[str, object]:
    keys = {}
    for jwk in jwks.get("keys", []):
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("kid"):
            keys[jwk["kid"]] = OKPAlgorithm.from_jwk(json.dumps(jwk))
    return keys


class Verifier:
    def __init__(
        self,
        issuer: str,
        audience: str,
        fetch: Callable[[], TrustState],
        max_age: float = 2.0,
        unknown_key_interval: float = 1.0,
        clock=time.monotonic,
    ):
        self.issuer = issuer
        self.audience = audience
        self.fetch = fetch
        self.max_age = max_age
        self.unknown_key_interval = unknown_key_interval
        self.clock = clock
        self._keys: dict[str, object] = {}
        self._revoked: frozenset[str] = frozenset()
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        state = self.fetch()
        self._keys = public_keys(state.jwks)
        self._revoked = frozenset(state.revoked_sessions)
        self._fetched_at = self.clock()

    def _ensure_fresh(self, force: bool = False) -> None:
        now = self.clock()
        with self._lock:
            stale = self._fetched_at is None or now - self._fetched_at >= self.max_age
            may_force = self._fetched_at is None or now - self._fetched_at >= self.unknown_key_interval
            if stale or (force and may_force):
                self._refresh()

    def verify(self, token: str) -> dict:
        """The token's claims, or TokenError naming why it is refused."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenError("TOKEN_MALFORMED", "the access token is not a well-formed JWT") from None
        if header.get("alg") != ALGORITHM:
            raise TokenError("TOKEN_BAD_ALGORITHM", "the access token is not signed with EdDSA")
        kid = header.get("kid") or ""
        self._ensure_fresh()
        if kid not in self._keys:
            self._ensure_fresh(force=True)
        key = self._keys.get(kid)
        if key is None:
            raise TokenError(
                "TOKEN_UNKNOWN_KEY",
                "the access token is signed by a key this instance does not trust (rotated out or foreign)",
            )
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "sid"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("TOKEN_EXPIRED", "the access token has expired; refresh it") from None
        except jwt.InvalidAudienceError:
            raise TokenError("TOKEN_WRONG_AUDIENCE", "the access token is meant for another audience") from None
        except jwt.InvalidIssuerError:
            raise TokenError("TOKEN_WRONG_ISSUER", "the access token was issued by another instance") from None
        except jwt.InvalidSignatureError:
            raise TokenError("TOKEN_BAD_SIGNATURE", "the access token's signature does not verify") from None
        except jwt.PyJWTError:
            raise TokenError("TOKEN_INVALID", "the access token is not valid") from None
        if claims["sid"] in self._revoked:
            raise TokenError("TOKEN_REVOKED", "the session of this access token has ended; log in again")
        return claims


def bearer_token(authorization: str) -> str:
    """The token of an `Authorization: Bearer <token>` value, or ''."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""
