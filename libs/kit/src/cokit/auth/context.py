"""The caller of a gRPC call, as the gateway passed it on.

The gateway forwards the caller's bearer token as nameko context data (`x-nameko-authorization`
on the wire). A service never trusts claims passed beside the token: it verifies the token
itself with its own Verifier (a cached JWKS), so a compromised neighbour cannot speak for a user.
Beside it may come the token of the platform service relaying the call (`service-authorization`,
cokit.auth.service_identity): verified the same way, it names the relay and gives no roles.
"""

from __future__ import annotations

import dataclasses

from grpc import StatusCode

from cokit.errors import DomainError

from .policy import Caller
from .service_identity import SERVICE_CONTEXT_KEY, SERVICE_KIND
from .tokens import TokenError, TrustState, Verifier, bearer_token

CONTEXT_KEY = "authorization"


def unauthenticated(error: TokenError) -> DomainError:
    return DomainError(StatusCode.UNAUTHENTICATED, error.reason, error.message)


def _text(value) -> str:
    # Metadata sent twice under one key arrives as a list; only the last one counts.
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value if isinstance(value, str) else ""


def verified_caller(authorization: str, verifier: Verifier, instance: str, relay: str = "") -> Caller:
    """The caller named by an `Authorization: Bearer` value (anonymous without one); a bad
    token, or a service's token where a person's belongs, is refused."""
    token = bearer_token(authorization)
    if not token:
        return Caller(subject="", kind="anonymous", instance=instance, relay=relay)
    try:
        claims = verifier.verify(token)
    except TokenError as error:
        raise unauthenticated(error) from None
    if claims.get("kind") == SERVICE_KIND:
        raise DomainError(
            StatusCode.UNAUTHENTICATED,
            "SERVICE_TOKEN_MISPLACED",
            "a service's token travels as service-authorization, never as a person's",
        )
    caller = Caller.from_claims(claims)
    return dataclasses.replace(caller, relay=relay) if relay else caller


def relay_of(context_data: dict, verifier: Verifier) -> str:
    """The platform service whose verified token came with the call, or ''."""
    token = bearer_token(_text(context_data.get(SERVICE_CONTEXT_KEY, "")))
    if not token:
        return ""
    try:
        claims = verifier.verify(token)
    except TokenError as error:
        raise DomainError(StatusCode.UNAUTHENTICATED, "SERVICE_" + error.reason, error.message) from None
    if claims.get("kind") != SERVICE_KIND or not claims.get("svc"):
        raise DomainError(
            StatusCode.UNAUTHENTICATED,
            "SERVICE_TOKEN_INVALID",
            "service-authorization carries a person's token, not a service's",
        )
    return claims["svc"]


def caller_from_context(context_data: dict, verifier: Verifier, instance: str) -> Caller:
    """The verified caller and relay, or an anonymous caller when no token came; a bad token is refused."""
    relay = relay_of(context_data, verifier)
    return verified_caller(_text(context_data.get(CONTEXT_KEY, "")), verifier, instance, relay)


def trust_state_from_reply(reply) -> TrustState:
    """identity's GetTrustState reply (jwks_json, revoked_session_ids) as a TrustState."""
    import json

    return TrustState(json.loads(reply.jwks_json or '{"keys": []}'), frozenset(reply.revoked_session_ids))


def issuer_of(instance: str) -> str:
    return f"urn:citizenoffice:{instance}"


AUDIENCE = "citizenoffice"
