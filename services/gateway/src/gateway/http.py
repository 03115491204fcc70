"""What every gateway route shares: JSON responses, the rate limits, and the guard that turns
any failure into a problem body (RFC 9457) and tags every response with the request id."""

from __future__ import annotations

import functools
import json
import logging

import nameko
from nameko.extensions import DependencyProvider
from nameko_grpc.errors import GrpcError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from cokit.errors import to_grpc_error
from cokit.refusals import Refusal

from . import ratelimit
from .inputs import refuse_unstorable_text
from .problems import from_grpc_error, problem

log = logging.getLogger("gateway.service")

SOURCE_KEY = "citizenoffice.source_address"
STAFF_ACCESS_COOKIE = "co_staff_access"  # staff_portal.ACCESS_COOKIE (imported there from here)
LIMITED_PREFIXES = ("/api/v1/", "/open311/")
# Settings (GatewaySettings) with their defaults; 0 turns a limit off.
RATE_LIMIT_DEFAULTS = {
    "RATE_LIMIT_IP_BURST": 300,
    "RATE_LIMIT_IP_PER_MINUTE": 600,
    "RATE_LIMIT_CLIENT_BURST": 120,
    "RATE_LIMIT_CLIENT_PER_MINUTE": 300,
}


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


def json_response(body, status: int = 200, request_id: str = "") -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    if request_id:
        response.headers["X-Request-Id"] = request_id
    return response


def guarded(method):
    """Turn every failure into a problem body; tag every response with the request id."""

    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        request_id = self.trace_id
        try:
            request.max_content_length = self.max_request_bytes
            if request.content_length and request.content_length > self.max_request_bytes:
                raise RequestEntityTooLarge()
            response = check_rate_limits(self, request)
            if response is None:
                refuse_unstorable_text(request, kwargs)
                response = method(self, request, *args, **kwargs)
        except GrpcError as error:
            response = from_grpc_error(error, request_id)
        except Refusal as error:
            response = from_grpc_error(to_grpc_error(error), request_id)
        except RequestEntityTooLarge:
            response = problem(
                413,
                "REQUEST_TOO_LARGE",
                f"requests are limited to {self.max_request_bytes // (1024 * 1024)} MB",
                request_id,
            )
        except Exception:
            log.exception("unhandled error in gateway")
            response = problem(500, "INTERNAL", "something went wrong on our side; please try again", request_id)
        response.headers["X-Request-Id"] = request_id
        return response

    return wrapper
