"""The caller of a gRPC call, as the gateway passed it on.

The gateway forwards the caller's bearer token as nameko context data (`x-nameko-authorization`
on the wire). A service never trusts claims passed beside the token: it verifies the token
itself with its own Verifier (a cached JWKS), so a compromised neighbour cannot speak for a user.
"""
from __future__ import annotations

from grpc import StatusCode

from cokit.errors import DomainError

from .policy import Caller
from .tokens import TokenError, TrustState, Verifier, bearer_token

CONTEXT_KEY = "authorization"


def unauthenticated(error: TokenError) -> DomainError:
    return DomainError(StatusCode.UNAUTHENTICATED, error.reason, error.message)


def caller_from_context(context_data: dict, verifier: Verifier, instance: str) -> Caller:
    """The verified caller, or an anonymous one when no token came; a bad token is refused."""
    token = bearer_token(context_data.get(CONTEXT_KEY, ""))
    if not token:
        return Caller.anonymous(instance)
    try:
        return Caller.from_claims(verifier.verify(token))
    except TokenError as error:
        raise unauthenticated(error) from None


def trust_state_from_reply(reply) -> TrustState:
    """identity's GetTrustState reply (jwks_json, revoked_session_ids) as a TrustState."""
    import json

    return TrustState(json.loads(reply.jwks_json or '{"keys": []}'), frozenset(reply.revoked_session_ids))


def issuer_of(instance: str) -> str:
    return f"urn:citizenoffice:{instance}"


AUDIENCE = "citizenoffice"
