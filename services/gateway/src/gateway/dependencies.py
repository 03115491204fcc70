"""The gateway's dependency providers, each declared once.

A room names, as class attributes, the providers its routes use (`registry = dependencies.registry`),
so that reading a room tells what it calls, and tests/test_rooms.py checks that a room uses nothing
else of the service. The service class (service.py) names those its entrypoints use. nameko binds
one provider per attribute name for the container, whichever room names it first.
"""

from __future__ import annotations

from citizenoffice.documents.v1.documents_pb2_grpc import DocumentsServiceStub
from citizenoffice.federation.v1.federation_pb2_grpc import FederationServiceStub
from citizenoffice.identity.v1.identity_pb2_grpc import IdentityServiceStub
from citizenoffice.notifications.v1.notifications_pb2_grpc import NotificationsServiceStub
from citizenoffice.participation.v1.participation_pb2_grpc import ParticipationServiceStub
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub
from cokit.clients import ServiceClient
from cokit.events.broadcast import Broadcast
from cokit.events.envelope import topic_for
from cokit.logs import TraceContext
from cokit.metrics import Metrics

from . import offices
from .caller import CallerProvider
from .limits import RateLimits

# The services behind the gateway.
identity = ServiceClient("identity", IdentityServiceStub)
registry = ServiceClient("registry", RegistryServiceStub)
tickets = ServiceClient("tickets", TicketsServiceStub)
documents = ServiceClient("documents", DocumentsServiceStub)
notifications = ServiceClient("notifications", NotificationsServiceStub)
participation = ServiceClient("participation", ParticipationServiceStub)
federation = ServiceClient("federation", FederationServiceStub)

# Every replica reads the registry's events, to drop its copies of offices as soon as they change.
registry_changes = Broadcast(topic_for("registry"), offices.on_registry_events, offices.on_registry_reset)

# Who calls: a bearer token verified locally, or an API key checked by identity (caller.py).
auth = CallerProvider()

# The edge (entrypoints.py): the request id on every log line, the metrics, the rate limits' buckets.
trace_id = TraceContext()
metrics = Metrics()
rate_limits = RateLimits()
