"""How a test calls a service straight on its gRPC port: as the platform does. Every call from
a platform service carries that service's own token (cokit.auth.service_identity) beside the
person's token, if any; a bare call is what an outsider makes, and the services refuse it."""

from __future__ import annotations

import collections
import json

import grpc

from citizenoffice.identity.v1 import identity_pb2
from citizenoffice.identity.v1.identity_pb2_grpc import IdentityServiceStub

SERVICE_METADATA = "x-nameko-service-authorization"
AUTH_METADATA = "x-nameko-authorization"


def service_token(platform, service: str = "gateway") -> str:
    """`service`'s own token, issued by the platform's identity for the credential its stack gives it.
    A new one each time: a test may retire the instance's signing keys at once (rotation tests)."""
    with grpc.insecure_channel(platform.grpc_target("identity")) as channel:
        reply = IdentityServiceStub(channel).IssueServiceToken(
            identity_pb2.ServiceTokenRequest(service=service, credential=platform.service_credential(service)),
            timeout=15,
        )
    assert reply.token, f"identity issued no token for {service}"
    return reply.token


def relay_metadata(platform, service: str = "gateway") -> list[tuple[str, str]]:
    """Metadata of a call relayed by `service` (the gateway for a person without an account)."""
    return [(SERVICE_METADATA, json.dumps(f"Bearer {service_token(platform, service)}"))]


class _Details(
    collections.namedtuple(
        "_Details", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")
    ),
    grpc.ClientCallDetails,
):
    pass


class _Adding(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds the relay's token, and a person's, to calls that do not carry their own."""

    def __init__(self, platform, service: str, person):
        self.platform, self.service, self.person = platform, service, person

    def _details(self, details):
        metadata = list(details.metadata or ())
        present = {key for key, _ in metadata}
        if self.service and SERVICE_METADATA not in present:
            metadata += relay_metadata(self.platform, self.service)
        if self.person is not None and AUTH_METADATA not in present:
            metadata += self.person.metadata
        return _Details(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready, details.compression
        )

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, request_iterator):
        return continuation(self._details(details), request_iterator)

    def intercept_stream_stream(self, continuation, details, request_iterator):
        return continuation(self._details(details), request_iterator)


def through_platform(channel: grpc.Channel, platform, person=None, service: str = "gateway") -> grpc.Channel:
    """`channel`, its calls relayed by `service` and, with `person`, made on that person's behalf
    (a Person of tickets_people; its own metadata on a call still wins)."""
    return grpc.intercept_channel(channel, _Adding(platform, service, person))
