"""`auth = TokenVerifier()` in any nameko service: verify bearer tokens locally.

The trust state (identity's public keys and recently revoked sessions) is fetched over gRPC
from identity and cached for AUTH_STATE_MAX_AGE seconds (default 2), so a check costs one
signature verification, not a call; a token naming an unknown key triggers one early refresh
(at most once a second), which is how a rotated-in key is picked up at once.

It also holds the service's own token (`service_tokens`), traded with identity for the
credential in SERVICE_CREDENTIAL; cokit.clients sends it on every call to another service.
"""

from __future__ import annotations

import logging
import os

import nameko
from nameko.extensions import DependencyProvider

from citizenoffice.identity.v1 import identity_pb2
from citizenoffice.identity.v1.identity_pb2_grpc import IdentityServiceStub
from cokit.clients import ServiceClient, _Proxy

from .context import AUDIENCE, caller_from_context, issuer_of, verified_caller
from . import policy
from .policy import Caller
from .service_identity import ServiceTokens
from .tokens import Verifier

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
        return verified_caller(header, self.verifier, self.instance)

    def require(self, action: str, scope: policy.Scope | None = None, **kwargs) -> Caller:
        """The caller of this call, once the one policy allows `action` on `scope` (this
        instance when none is named); asked before anything is read or looked up."""
        caller = self.from_context()
        policy.require(caller, action, scope or policy.Scope(self.instance), **kwargs)
        return caller


class _IdentityClient(ServiceClient):
    # nameko binds an extension's sub-extensions with the container only.
    def bind(self, container, attr_name="identity"):
        return super().bind(container, attr_name)


class TokenVerifier(DependencyProvider):
    identity = _IdentityClient("identity", IdentityServiceStub)

    def setup(self):
        self.instance = nameko.config.get("INSTANCE_ID") or "ma"
        self.verifier = Verifier(
            issuer_of(self.instance),
            AUDIENCE,
            self._fetch,
            # Not a field of every service's settings, so the environment is read as well.
            max_age=float(nameko.config.get("AUTH_STATE_MAX_AGE") or os.environ.get("AUTH_STATE_MAX_AGE", 2.0)),
        )
        self.service = self.container.service_name
        self.credential = nameko.config.get("SERVICE_CREDENTIAL") or ""
        if not self.credential:
            log.warning(
                "SERVICE_CREDENTIAL is not set: calls to other services carry no service token, "
                "and what only a platform service may ask will be refused"
            )
        self.service_tokens = ServiceTokens(self._fetch_service_token)

    def _fetch_service_token(self) -> tuple[str, int]:
        if not self.credential:
            raise LookupError("SERVICE_CREDENTIAL is not set: calls leave without a service token")
        try:
            reply = _Proxy(self.identity, {}).IssueServiceToken(
                identity_pb2.ServiceTokenRequest(service=self.service, credential=self.credential)
            )
        except Exception as exc:
            log.warning("this service's own token could not be fetched", extra={"error": str(exc)[:200]})
            raise
        return reply.token, reply.expires_in

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
