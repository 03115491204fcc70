"""Who is calling the gateway: a bearer token (verified locally, cokit.auth) or an API key
(checked by identity, which records its last use). Nothing else is trusted."""

from __future__ import annotations

from nameko_grpc.context import encode_value

from citizenoffice.identity.v1 import identity_pb2
from cokit.auth import policy
from cokit.auth.provider import Authn, TokenVerifier

from .limits import source_address

AUTH_METADATA = "x-nameko-authorization"


def machine_caller(identity, secret: str, source: str, instance: str) -> policy.Caller:
    """The API key's caller, as identity knows it (identity also records the key's use)."""
    machine = identity.AuthenticateApiKey(identity_pb2.AuthenticateApiKeyRequest(secret=secret, source=source))
    scope = policy.Scope(machine.scope.instance_id, machine.scope.commune_code, machine.scope.office_id)
    return policy.Caller(machine.key_id, "machine", instance, (policy.RoleBinding(machine.role, scope),))


class GatewayAuthn(Authn):
    def resolve(self, request, identity) -> policy.Caller:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() == "apikey" or request.headers.get("X-Api-Key"):
            secret = value.strip() if scheme.lower() == "apikey" else request.headers["X-Api-Key"].strip()
            return machine_caller(identity, secret, source_address(request), self.instance)
        return self.from_authorization(header)


class CallerProvider(TokenVerifier):
    def get_dependency(self, worker_ctx) -> GatewayAuthn:
        return GatewayAuthn(self.verifier, worker_ctx, self.instance)


def forward(request) -> list[tuple[str, str]]:
    """gRPC metadata passing the caller's bearer token on, for services that verify it themselves."""
    header = request.headers.get("Authorization", "")
    return [(AUTH_METADATA, encode_value(header))] if header.lower().startswith("bearer ") else []


def forward_token(token: str) -> list[tuple[str, str]]:
    """The same metadata for a token that came in another way (the staff pages' session cookie)."""
    return [(AUTH_METADATA, encode_value(f"Bearer {token}"))] if token else []
