"""The tickets service: citizen requests from receipt on."""
from __future__ import annotations

import dataclasses
import datetime as dt
import math

import sqlalchemy as sa
from google.protobuf.timestamp_pb2 import Timestamp

from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub
from cokit.clients import ServiceClient
from cokit.errors import failed_precondition, invalid_argument, not_found
from cokit.events.relay import OutboxRelay
from cokit.events.tables import add_event_tables
from cokit.ids import uuid7
from cokit.service import instance_id as current_instance, kit_service, migrator, rpc
from cokit.settings import ServiceSettings

from . import domain, store

grpc = rpc(TicketsServiceStub)
add_event_tables(store.metadata)

KIND_NAMES = {pb.COMPLAINT: "complaint", pb.OBSERVATION: "observation", pb.SUGGESTION: "suggestion"}
KIND_VALUES = {name: value for value, name in KIND_NAMES.items()}
CHANNEL_NAMES = {pb.WEB: "web", pb.MOBILE: "mobile", pb.OPEN311: "open311", pb.WALK_IN: "walk_in"}
CHANNEL_VALUES = {name: value for value, name in CHANNEL_NAMES.items()}


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "tickets"
    grpc_port: int = 50053
    metrics_port: int = 9103
    database_url: str = "sqlite:///.local/data/tickets.db"
    registry_grpc_target: str = "127.0.0.1:50052"


def timestamp(value: dt.datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(store.as_utc(value))
    return ts


def _coordinate(value: float) -> float | None:
    return None if math.isnan(value) else value


def submission_from(request) -> domain.Submission:
    location = request.location if request.HasField("location") else None
    return domain.Submission(
        office_id=request.office_id,
        kind=KIND_NAMES.get(request.kind, "complaint" if request.kind == pb.TICKET_KIND_UNSPECIFIED else "?"),
        category=request.category,
        description=request.description,
        citizen_id=request.citizen_id,
        channel=CHANNEL_NAMES.get(request.channel, "web" if request.channel == pb.CHANNEL_UNSPECIFIED else "?"),
        language=request.language,
        attachment_ids=tuple(request.attachment_ids),
        latitude=_coordinate(location.latitude) if location else None,
        longitude=_coordinate(location.longitude) if location else None,
        address=location.address if location else "",
    )


def status_message(row) -> pb.TicketStatus:
    return pb.TicketStatus(
        ticket_id=row["ticket_id"], tracking_code=row["tracking_code"], office_id=row["office_id"],
        kind=KIND_VALUES[row["kind"]], category=row["category"], status=row["status"],
        submitted_at=timestamp(row["submitted_at"]), acknowledge_by=timestamp(row["acknowledge_by"]),
        answer_by=timestamp(row["answer_by"]), attachment_count=row["attachment_count"],
        updated_at=timestamp(row["updated_at"]),
    )


def submitted_payload(row, attachment_count: int) -> pb.TicketSubmitted:
    """What ticket.submitted says: ids and deadlines, never the text or the contact."""
    return pb.TicketSubmitted(
        ticket_id=row["ticket_id"], tracking_code=row["tracking_code"], office_id=row["office_id"],
        kind=KIND_VALUES[row["kind"]], category=row["category"], citizen_id=row["citizen_id"],
        channel=CHANNEL_VALUES[row["channel"]], language=row["language"],
        acknowledge_by=timestamp(row["acknowledge_by"]), answer_by=timestamp(row["answer_by"]),
        attachment_count=attachment_count,
    )


class TicketsService(kit_service(pb)):
    name = "tickets"
    events = OutboxRelay(engine="db")
    registry = ServiceClient("registry", RegistryServiceStub)

    @grpc
    def Submit(self, request, context):
        sub = domain.validate_submission(submission_from(request))
        office = self.registry.GetOffice(registry_pb2.GetOfficeRequest(office_id=sub.office_id))
        if office.status != "operational":
            raise failed_precondition(
                "OFFICE_NOT_ACCEPTING", "this office does not take requests yet", office_id=office.office_id
            )
        submitted_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        deadlines = domain.complaint_deadlines(submitted_at)
        ticket_id = uuid7()
        row = {
            "ticket_id": ticket_id, "instance_id": current_instance(), "office_id": office.office_id,
            "kind": sub.kind, "category": sub.category, "description": sub.description,
            "citizen_id": sub.citizen_id, "channel": sub.channel, "language": sub.language,
            "latitude": sub.latitude, "longitude": sub.longitude, "address": sub.address,
            "status": domain.SUBMITTED, "submitted_at": submitted_at,
            "acknowledge_by": deadlines.acknowledge_by, "answer_by": deadlines.answer_by,
            "updated_at": submitted_at,
        }
        for _ in range(5):
            row["tracking_code"] = domain.new_tracking_code()
            try:
                with self.db.begin() as conn:
                    store.insert_ticket(conn, row, sub.attachment_ids, actor=f"citizen:{sub.channel}")
                    self.events.add(
                        conn, "ticket.submitted", ticket_id, submitted_payload(row, len(sub.attachment_ids)),
                        office_id=row["office_id"],
                    )
                break
            except sa.exc.IntegrityError:
                # A tracking-code collision (1 in 32^8 per pair): draw another one.
                continue
        else:
            raise failed_precondition("TRACKING_CODE_EXHAUSTED", "could not allocate a tracking code")
        return pb.Receipt(
            ticket_id=ticket_id, tracking_code=row["tracking_code"], status=row["status"],
            submitted_at=timestamp(submitted_at), acknowledge_by=timestamp(deadlines.acknowledge_by),
            answer_by=timestamp(deadlines.answer_by),
        )

    @grpc
    def TrackByCode(self, request, context):
        code = domain.normalise_tracking_code(request.tracking_code)
        with self.db.connect() as conn:
            row = store.find_by_code(conn, code)
        if row is None:
            raise not_found("TICKET_NOT_FOUND", "no request has this tracking code")
        return status_message(row)

    @grpc
    def Get(self, request, context):
        if not request.ticket_id:
            raise invalid_argument("TICKET_ID_REQUIRED", "ticket_id is required", field="ticket_id")
        with self.db.connect() as conn:
            row = store.find_by_id(conn, request.ticket_id)
        if row is None:
            raise not_found("TICKET_NOT_FOUND", "no such ticket")
        return status_message(row)


SERVICE = TicketsService
migrate = migrator(store.metadata)
