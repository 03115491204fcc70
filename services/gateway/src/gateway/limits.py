"""The limits every request meets at the gateway's edge (entrypoints.py applies them): the size of a
request, and the rate limits per source address and per client, with the source address itself.
The buckets' rules are plain Python in ratelimit.py; here they meet nameko's config and metrics."""

from __future__ import annotations

import functools

import nameko
from nameko.extensions import DependencyProvider

from cokit.refusals import Refusal

from . import ratelimit
from .problems import problem

SOURCE_KEY = "citizenoffice.source_address"
STAFF_ACCESS_COOKIE = "co_staff_access"  # sessions.STAFF_COOKIES.access (imported there from here)
LIMITED_PREFIXES = ("/api/v1/", "/open311/")
MAX_REQUEST_BYTES = 12 * 1024 * 1024  # Settings.max_request_bytes, MAX_REQUEST_BYTES in the environment
# Settings (GatewaySettings) with their defaults; 0 turns a limit off.
RATE_LIMIT_DEFAULTS = {
    "RATE_LIMIT_IP_BURST": 300,
    "RATE_LIMIT_IP_PER_MINUTE": 600,
    "RATE_LIMIT_CLIENT_BURST": 120,
    "RATE_LIMIT_CLIENT_PER_MINUTE": 300,
}


def max_request_bytes() -> int:
    return int(nameko.config.get("MAX_REQUEST_BYTES", MAX_REQUEST_BYTES))


def _setting(name: str):
    value = nameko.config.get(name)
    return RATE_LIMIT_DEFAULTS[name] if value is None or value == "" else float(value)


def _trusted_proxies() -> tuple:
    return _parsed_networks(str(nameko.config.get("GATEWAY_TRUSTED_PROXIES") or ""))


@functools.lru_cache(maxsize=4)
def _parsed_networks(setting: str) -> tuple:
    return ratelimit.trusted_networks(setting)


class RateLimits(DependencyProvider):
    """One set of buckets per gateway process, shared by its workers, with the counter of
    refused requests by the limit reached."""

    def setup(self):
        self.limiter = ratelimit.RateLimiter(
            {
                ratelimit.IP: ratelimit.Limit(
                    int(_setting("RATE_LIMIT_IP_BURST")), _setting("RATE_LIMIT_IP_PER_MINUTE")
                ),
                ratelimit.CLIENT: ratelimit.Limit(
                    int(_setting("RATE_LIMIT_CLIENT_BURST")), _setting("RATE_LIMIT_CLIENT_PER_MINUTE")
                ),
            }
        )
        _trusted_proxies()  # a malformed GATEWAY_TRUSTED_PROXIES stops the start

    def get_dependency(self, worker_ctx):
        return self


def source_address(request) -> str:
    """The client's address as the rate limits see it (X-Forwarded-For believed only from a
    trusted proxy); also what identity gets as the source of a login or an API key's use."""
    found = request.environ.get(SOURCE_KEY)
    if found is None:
        found = ratelimit.client_address(
            request.remote_addr or "", request.headers.get("X-Forwarded-For", ""), _trusted_proxies()
        )
        request.environ[SOURCE_KEY] = found
    return found


def limited(request) -> bool:
    """The API, Open311 and every form post of the portal; pages that are only read are not."""
    return request.path.startswith(LIMITED_PREFIXES) or request.method == "POST"


def _client_key(service, request) -> str:
    """The API key (hashed) or the signed-in person's account; '' for anyone else. A token that
    does not verify names nobody (the route refuses it; the address limit still counts it)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    secret = value.strip() if scheme.lower() == "apikey" else request.headers.get("X-Api-Key", "").strip()
    if not secret and request.path.startswith("/open311/"):
        secret = (request.args.get("api_key") or request.form.get("api_key") or "").strip()
    if secret:
        return ratelimit.credential_key(secret)
    token = value.strip() if scheme.lower() == "bearer" else request.cookies.get(STAFF_ACCESS_COOKIE, "")
    auth = getattr(service, "auth", None)
    if not token or auth is None:
        return ""
    try:
        caller = auth.from_authorization(f"Bearer {token}")
    except Refusal:
        return ""
    return f"sub:{caller.subject}" if caller.subject else ""


def check_rate_limits(service, request):
    """None, or the 429 problem response (with Retry-After) of the first limit reached."""
    limits = getattr(service, "rate_limits", None)
    if limits is None or not limited(request):
        return None
    refused = limits.limiter.take(
        {ratelimit.IP: source_address(request), ratelimit.CLIENT: _client_key(service, request)}
    )
    if refused is None:
        return None
    service.metrics.counter(
        "citizenoffice_gateway_rate_limited_total", "Requests refused by a rate limit", ["limit"]
    ).labels(refused.kind).inc()
    who = "this address" if refused.kind == ratelimit.IP else "this client"
    response = problem(
        429,
        "RATE_LIMITED",
        f"too many requests from {who}; try again in {refused.retry_after} s",
        service.trace_id,
        limit=refused.kind,
        retry_after=refused.retry_after,
    )
    response.headers["Retry-After"] = str(refused.retry_after)
    return response
