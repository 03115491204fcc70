"""`auth = TokenVerifier()` in any nameko service: verify bearer tokens locally.

The trust state (identity's public keys and recently revoked sessions) is fetched over gRPC
from identity and cached for AUTH_STATE_MAX_AGE seconds (default 2), so a check costs one
signature verification, not a call; a token naming an unknown key triggers one early refresh
(at most once a second), which is how a rotated-in key is picked up at once.
"""
from __future__ import annotations

import logging
import os

import nameko
from nameko.extensions import DependencyProvider

from citizenoffice.identity.v1 import identity_pb2
from citizenoffice.identity.v1.identity_pb2_grpc import IdentityServiceStub
from cokit.clients import ServiceClient, _Proxy

from .context import AUDIENCE, caller_from_context, issuer_of, unauthenticated
from .policy import Caller
from .tokens import TokenError, Verifier, bearer_token

log = logging.getLogger(__name__)


class Authn:
    def __init__(self, verifier: Verifier, worker_ctx, instance: str):
        self.verifier = verifier
        self.worker_ctx = worker_ctx
        self.instance = instance

    def from_context(self) -> Caller:
        """The caller named by the token the gateway passed on (anonymous without one)."""
        return caller_from_context(self.worker_ctx.context_data, self.verifier, self.instance)

    def from_authorization(self, header: str) -> Caller:
        token = bearer_token(header)
        if not token:
            return Caller.anonymous(self.instance)
        try:
            return Caller.from_claims(self.verifier.verify(token))
        except TokenError as error:
            raise unauthenticated(error) from None


class _IdentityClient(ServiceClient):
    # nameko binds an extension's sub-extensions with the container only.
    def bind(self, container, attr_name="identity"):
        return super().bind(container, attr_name)


class TokenVerifier(DependencyProvider):
    identity = _IdentityClient("identity", IdentityServiceStub)

    def setup(self):
        self.instance = nameko.config.get("INSTANCE_ID") or "ma"
        self.verifier = Verifier(
            issuer_of(self.instance), AUDIENCE, self._fetch,
            # Not a field of every service's settings, so the environment is read as well.
            max_age=float(nameko.config.get("AUTH_STATE_MAX_AGE") or os.environ.get("AUTH_STATE_MAX_AGE", 2.0)),
        )

    def _fetch(self):
        from .context import trust_state_from_reply

        try:
            reply = _Proxy(self.identity, {}).GetTrustState(identity_pb2.Empty())
        except Exception as exc:
            log.warning("identity's trust state could not be fetched", extra={"error": str(exc)[:200]})
            raise
        return trust_state_from_reply(reply)

    def get_dependency(self, worker_ctx) -> Authn:
        return Authn(self.verifier, worker_ctx, self.instance)
