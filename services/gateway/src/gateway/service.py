"""The gateway: HTTP for citizens, staff, the public and Open311 clients, over gRPC services.

It owns no data. Every request gets a request id (also the trace id passed to the
services), every error becomes a problem body, and nothing a service raises reaches the
client as a stack trace.
"""

from __future__ import annotations

import dataclasses
import logging

import nameko
from nameko.web.handlers import http
from nameko_grpc.errors import GrpcError
from werkzeug.wrappers import Response

from citizenoffice.documents.v1 import documents_pb2 as documents_pb
from citizenoffice.documents.v1.documents_pb2_grpc import DocumentsServiceStub
from citizenoffice.identity.v1 import identity_pb2 as identity_pb
from citizenoffice.identity.v1.identity_pb2_grpc import IdentityServiceStub
from citizenoffice.notifications.v1.notifications_pb2_grpc import NotificationsServiceStub
from citizenoffice.participation.v1.participation_pb2_grpc import ParticipationServiceStub
from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from citizenoffice.tickets.v1 import tickets_pb2 as tickets_pb
from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub
from cokit.clients import ServiceClient
from cokit.logs import TraceContext
from cokit.metrics import Metrics
from cokit import platform
from cokit.settings import ServiceSettings

from . import openapi, portal
from .admin_portal import AdminPortal
from .auth_routes import AuthRoutes
from .caller import forward
from .citizen_portal import CitizenPortal
from .citizen_routes import CitizenRoutes
from .fallback import fallback
from .documents_routes import DocumentsRoutes
from .inbox_routes import InboxRoutes
from .open311_routes import Open311Routes
from .participation_portal import ParticipationPortal
from .public_portal import PublicPortal
from .registry_routes import RegistryRoutes
from .staff_desk import StaffDesk
from .staff_portal import StaffPortal
from .tickets_routes import TicketsRoutes
from .http import RATE_LIMIT_DEFAULTS, RateLimits, guarded, json_response
from .translate import office_json, receipt_json, status_json, submission_from_form

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "gateway"
    http_port: int = platform.facts("gateway").http_port
    http_bind_address: str = "0.0.0.0"
    max_request_bytes: int = 12 * 1024 * 1024
    identity_grpc_target: str = platform.local_target("identity")
    registry_grpc_target: str = platform.local_target("registry")
    tickets_grpc_target: str = platform.local_target("tickets")
    documents_grpc_target: str = platform.local_target("documents")
    notifications_grpc_target: str = platform.local_target("notifications")
    participation_grpc_target: str = platform.local_target("participation")
    public_base_url: str = "http://127.0.0.1:8080"
    # Token buckets per source address and per client (API key or signed-in account): the
    # burst allowed at once and the requests per minute put back; 0 turns a limit off.
    rate_limit_ip_burst: int = RATE_LIMIT_DEFAULTS["RATE_LIMIT_IP_BURST"]
    rate_limit_ip_per_minute: float = RATE_LIMIT_DEFAULTS["RATE_LIMIT_IP_PER_MINUTE"]
    rate_limit_client_burst: int = RATE_LIMIT_DEFAULTS["RATE_LIMIT_CLIENT_BURST"]
    rate_limit_client_per_minute: float = RATE_LIMIT_DEFAULTS["RATE_LIMIT_CLIENT_PER_MINUTE"]
    # Proxies (addresses or CIDR blocks) whose X-Forwarded-For is believed; none by default.
    gateway_trusted_proxies: str = ""

    def nameko_config(self) -> dict:
        config = super().nameko_config()
        config["WEB_SERVER_ADDRESS"] = f"{self.http_bind_address}:{self.http_port}"
        return config


class GatewayService(
    DocumentsRoutes,
    AuthRoutes,
    RegistryRoutes,
    TicketsRoutes,
    CitizenRoutes,
    InboxRoutes,
    Open311Routes,
    StaffPortal,
    StaffDesk,
    AdminPortal,
    PublicPortal,
    CitizenPortal,
    ParticipationPortal,
):
    name = "gateway"

    trace_id = TraceContext()
    metrics = Metrics()
    rate_limits = RateLimits()
    identity = ServiceClient("identity", IdentityServiceStub)
    registry = ServiceClient("registry", RegistryServiceStub)
    tickets = ServiceClient("tickets", TicketsServiceStub)
    documents = ServiceClient("documents", DocumentsServiceStub)
    notifications = ServiceClient("notifications", NotificationsServiceStub)
    participation = ServiceClient("participation", ParticipationServiceStub)

    @property
    def max_request_bytes(self) -> int:
        return int(nameko.config.get("MAX_REQUEST_BYTES", Settings.max_request_bytes))

    # --- REST API -------------------------------------------------------------------------

    @http("GET", "/api/v1/offices")
    @guarded
    def list_offices(self, request):
        reply = self.registry.ListOffices(registry_pb.ListOfficesRequest(status=request.args.get("status", "")))
        return json_response({"items": [office_json(o) for o in reply.offices]})

    @http("POST", "/api/v1/tickets")
    @guarded
    def submit_ticket(self, request):
        receipt = self._submit(request, channel=tickets_pb.WEB)
        return json_response(receipt_json(receipt), status=201)

    @http("GET", "/api/v1/tickets/track/<string:code>")
    @guarded
    def track_ticket(self, request, code):
        status = self.tickets.TrackByCode(tickets_pb.TrackByCodeRequest(tracking_code=code))
        return json_response(status_json(status))

    @http("GET", "/api/v1/openapi.json")
    @guarded
    def openapi_document(self, request):
        return json_response(openapi.document())

    @http("GET", "/healthz")
    def healthz(self, request):
        return Response("ok\n", mimetype="text/plain")

    # --- portal ---------------------------------------------------------------------------

    @http("GET", "/")
    @portal.html_errors
    @guarded
    def home(self, request):
        offices = self.registry.ListOffices(registry_pb.ListOfficesRequest(status="operational")).offices
        return portal.home(request, offices)

    @http("POST", "/submit")
    @portal.html_errors
    @guarded
    def portal_submit(self, request):
        try:
            receipt = self._submit(request, channel=tickets_pb.WEB)
        except GrpcError as error:
            offices = self.registry.ListOffices(registry_pb.ListOfficesRequest(status="operational")).offices
            return portal.home(request, offices, error=error, status=400)
        return portal.receipt(request, receipt)

    @http("GET", "/track")
    @portal.html_errors
    @guarded
    def portal_track(self, request):
        code = request.args.get("code", "")
        if not code:
            return portal.track(request, None)
        try:
            status = self.tickets.TrackByCode(tickets_pb.TrackByCodeRequest(tracking_code=code))
        except GrpcError as error:
            return portal.track(request, None, error=error, status=404 if error.code.name == "NOT_FOUND" else 400)
        return portal.track(request, status)

    @fallback
    @portal.html_errors
    @guarded
    def portal_not_found(self, request, path):
        return portal.not_found(request)

    # --- helpers --------------------------------------------------------------------------

    def _submit(self, request, channel):
        """Contact to identity, files to documents, then the ticket: only pseudonyms and
        attachment ids reach tickets."""
        form = submission_from_form(request)
        citizen_id = ""
        if form.contact is not None:
            citizen = self.identity.UpsertCitizen(identity_pb.UpsertCitizenRequest(**form.contact))
            citizen_id = citizen.citizen_id
        office = self.registry.GetOffice(registry_pb.GetOfficeRequest(office_id=form.office))
        attachment_ids = []
        for upload in form.files:
            stored = self.documents.StoreAttachment(
                documents_pb.StoreAttachmentRequest(
                    office_id=office.office_id,
                    filename=upload.filename,
                    declared_content_type=upload.content_type,
                    content=upload.content,
                    owner_citizen_id=citizen_id,
                ),
                # A signed-in citizen's files are theirs: documents reads the verified token.
                metadata=forward(request),
            )
            attachment_ids.append(stored.attachment_id)
        return self.tickets.Submit(
            tickets_pb.SubmitRequest(
                office_id=office.office_id,
                kind=form.kind,
                category=form.category,
                description=form.description,
                citizen_id=citizen_id,
                attachment_ids=attachment_ids,
                location=form.location,
                channel=channel,
                language=form.language,
                public=form.public,
            ),
            # A signed-in citizen's request is theirs: tickets reads the verified token.
            metadata=forward(request),
        )


SERVICE = GatewayService
