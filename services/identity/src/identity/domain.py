"""Citizens' contact details (the only place personal data of a citizen lives) and the rules of
accounts: passwords, one-time codes, lockout, signing keys and tokens.

Other services keep the citizen_id (a pseudonym) and ask identity for the contact when
they must reach the person, so no e-mail or phone number travels in events or logs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
import uuid

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from cokit.refusals import invalid_argument

LANGUAGES = ("ar", "fr", "en", "zgh")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")


@dataclasses.dataclass(frozen=True)
class Contact:
    email: str
    phone: str
    display_name: str
    language: str


def clean_contact(email: str, phone: str, display_name: str, language: str) -> Contact:
    email = (email or "").strip().lower()
    phone = re.sub(r"[\s.\-()]", "", phone or "")
    if not email and not phone:
        raise invalid_argument("CONTACT_REQUIRED", "give an e-mail address or a phone number")
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise invalid_argument("EMAIL_INVALID", "this e-mail address is not valid", field="email")
    if phone and not _PHONE.match(phone):
        raise invalid_argument("PHONE_INVALID", "a phone number has 8 to 15 digits", field="phone")
    name = " ".join((display_name or "").split())[:120]
    return Contact(email=email, phone=phone, display_name=name, language=language if language in LANGUAGES else "ar")


# --- credentials ----------------------------------------------------------------------------


# OWASP's argon2id floor (19 MiB, 2 passes): slow for a guesser, ~20 ms for a login.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.ID)
PASSWORD_MIN, PASSWORD_MAX = 10, 128


def check_password_rules(password: str) -> None:
    if not PASSWORD_MIN <= len(password or "") <= PASSWORD_MAX:
        raise invalid_argument(
            "PASSWORD_WEAK",
            f"a password has {PASSWORD_MIN} to {PASSWORD_MAX} characters",
            field="password",
        )


def hash_secret_slow(secret: str) -> str:
    return _HASHER.hash(secret)


def verify_secret_slow(hashed: str | None, secret: str) -> bool:
    if not hashed:
        # Same cost whether or not the account exists, so timing does not reveal it.
        _HASHER.hash(secret)
        return False
    try:
        return _HASHER.verify(hashed, secret)
    except (VerificationError, InvalidHashError):
        return False


def hash_secret_fast(secret: str) -> str:
    """For high-entropy random secrets (refresh tokens, API keys): a guess costs 2^256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def new_refresh_token() -> str:
    return "rt_" + secrets.token_urlsafe(32)


def new_api_key_secret(key_id: str) -> str:
    return f"cok_{key_id.replace('-', '')}_{secrets.token_urlsafe(32)}"


def api_key_id_of(secret: str) -> str:
    parts = (secret or "").split("_")
    if len(parts) < 3 or parts[0] != "cok" or len(parts[1]) != 32:
        return ""
    try:
        return str(uuid.UUID(parts[1]))
    except ValueError:
        return ""


CODE_TTL = dt.timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5
CODES_PER_TTL = 5  # codes one account may be sent per CODE_TTL (no SMS bombing through resends)


# --- lockout ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Lockout:
    """Per account: from `backoff_after` failures each attempt waits twice as long as the last;
    at `lock_after` failures the account locks for `lock_for` and its owner is told.
    Per source: `source_limit` failures within `source_window` block the source for the window."""

    backoff_after: int = 3
    lock_after: int = 5
    base_delay: float = 1.0
    lock_for: dt.timedelta = dt.timedelta(minutes=15)
    source_limit: int = 50
    source_window: dt.timedelta = dt.timedelta(minutes=15)

    def delay_after(self, failures: int) -> float:
        if failures < self.backoff_after:
            return 0.0
        return self.base_delay * 2 ** (failures - self.backoff_after)

    def account_gate(self, failures: int, last_failure_at, locked_until, now) -> tuple[str, float] | None:
        """(reason, retry_after seconds) when a login may not be tried now."""
        if locked_until is not None and locked_until > now:
            return "ACCOUNT_LOCKED", (locked_until - now).total_seconds()
        if locked_until is not None:
            return None  # the lock has expired: a fresh start
        delay = self.delay_after(failures)
        if delay and last_failure_at is not None:
            wait = (last_failure_at + dt.timedelta(seconds=delay) - now).total_seconds()
            if wait > 0:
                return "LOGIN_THROTTLED", wait
        return None

    def locks_at(self, failures: int) -> bool:
        return failures >= self.lock_after


def source_key(source: str) -> str:
    """Sources are kept as a hash: an IP address is personal data."""
    return hashlib.sha256(("source:" + (source or "unknown")).encode()).hexdigest()[:32]


# --- signing keys and tokens ------------------------------------------------------------------

KEY_NEXT, KEY_ACTIVE, KEY_RETIRED, KEY_REMOVED = "next", "active", "retired", "removed"
PUBLISHED = (KEY_NEXT, KEY_ACTIVE, KEY_RETIRED)


def generate_signing_key() -> tuple[str, str, dict]:
    """(kid, private key PEM, public JWK)."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    jwk = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    kid = hashlib.sha256(jwk["x"].encode()).hexdigest()[:16]
    jwk.update({"kid": kid, "alg": "EdDSA", "use": "sig"})
    return kid, pem, jwk


def mint_access_token(private_pem: str, kid: str, claims: dict) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


def access_claims(
    *,
    issuer: str,
    audience: str,
    subject: str,
    session_id: str,
    instance: str,
    bindings: list[dict],
    ttl: int,
    now: dt.datetime,
    kind: str = "user",
) -> dict:
    issued = int(now.timestamp())
    return {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "sid": session_id,
        "ins": instance,
        "kind": kind,
        "roles": bindings,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl,
        "jti": secrets.token_hex(8),
    }
