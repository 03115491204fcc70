"""Who a platform service is, when it calls another one.

Each service of an instance is given a credential by its deployment: an HMAC of the service's
name under the instance's service master secret, which only identity holds. The service trades
it with identity (IssueServiceToken) for a short-lived access token of kind `service`, signed
with identity's keys like every other token, so every service verifies it with the Verifier it
already has. The token travels beside the user's token (context key `service-authorization`),
so a callee knows both on whose behalf it is asked (the user, or nobody) and which platform
service relays the call. A bare call from outside the platform carries neither.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Callable

from cokit import platform

SERVICE_CONTEXT_KEY = "service-authorization"
SERVICE_KIND = "service"
# Every service of the platform may hold a credential (cokit.platform names them).
PLATFORM_SERVICES = platform.NAMES
# A token is renewed this long before it expires, so a call never leaves with a dying one.
RENEW_BEFORE_SECONDS = 60


def credential_for(master: bytes, service: str) -> str:
    """The credential of `service` under the instance's master secret (base64url, unpadded)."""
    digest = hmac.new(master, f"citizenoffice-service:{service}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def credential_matches(master: bytes, service: str, credential: str) -> bool:
    return service in PLATFORM_SERVICES and hmac.compare_digest(credential_for(master, service), credential or "")


def decode_master(text: str) -> bytes:
    """SERVICE_CREDENTIAL_MASTER: base64 of at least 32 bytes; b'' when unset."""
    if not text:
        return b""
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise ValueError("SERVICE_CREDENTIAL_MASTER must be base64") from None
    if len(raw) < 32:
        raise ValueError("SERVICE_CREDENTIAL_MASTER must hold at least 32 bytes")
    return raw


def service_subject(service: str) -> str:
    return f"service:{service}"


class ServiceTokens:
    """A service's own token, fetched when first needed and renewed before it expires.

    `fetch()` returns (token, expires_in seconds). A failed fetch is retried at most once every
    `retry_after` seconds; meanwhile calls leave without a service token and the callee refuses
    what needs one (UNAUTHENTICATED), rather than every call waiting on identity.
    """

    def __init__(self, fetch: Callable[[], tuple[str, int]], clock=time.monotonic, retry_after: float = 2.0):
        self.fetch = fetch
        self.clock = clock
        self.retry_after = retry_after
        self._token = ""
        self._renew_at = 0.0
        self._expires_at = 0.0
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    def _still_valid(self, now: float) -> str:
        return self._token if now < self._expires_at else ""

    def invalidate(self) -> None:
        """Forget the token a callee refused, so the next call fetches a new one at once."""
        with self._lock:
            self._token, self._renew_at, self._expires_at, self._failed_at = "", 0.0, 0.0, None

    def token(self) -> str:
        """The current token, or '' while none can be had."""
        now = self.clock()
        if self._token and now < self._renew_at:
            return self._token
        with self._lock:
            now = self.clock()
            if self._token and now < self._renew_at:
                return self._token
            if self._failed_at is not None and now - self._failed_at < self.retry_after:
                return self._still_valid(now)
            try:
                token, expires_in = self.fetch()
            except Exception:
                self._failed_at = now
                return self._still_valid(now)
            self._failed_at = None
            self._token = token
            self._expires_at = now + expires_in
            self._renew_at = now + max(expires_in - RENEW_BEFORE_SECONDS, expires_in / 2)
            return token
