"""The tickets service: citizen requests from receipt to closure, under the legal deadlines."""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import os
import threading

import sqlalchemy as sa

from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub
from nameko.timer import timer

from cokit.calendar import CalendarCache, registry_fetcher
from cokit.clients import ServiceClient
from cokit.errors import failed_precondition, invalid_argument, not_found
from cokit.events.relay import OutboxRelay
from cokit.events.tables import add_event_tables
from cokit.ids import uuid7
from cokit.service import instance_id as current_instance, kit_service, migrator, rpc
from cokit.settings import ServiceSettings

from . import deadlines, domain, pii, scheduler, store, transitions, workflow
from .transitions import KIND_VALUES, timestamp

log = logging.getLogger(__name__)
grpc = rpc(TicketsServiceStub)
add_event_tables(store.metadata)

KIND_NAMES = {value: name for name, value in KIND_VALUES.items()}
CHANNEL_NAMES = {pb.WEB: "web", pb.MOBILE: "mobile", pb.OPEN311: "open311", pb.WALK_IN: "walk_in"}
CHANNEL_VALUES = {name: value for value, name in CHANNEL_NAMES.items()}


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "tickets"
    grpc_port: int = 50053
    metrics_port: int = 9103
    database_url: str = "sqlite:///.local/data/tickets.db"
    registry_grpc_target: str = "127.0.0.1:50052"
    tickets_pii_key: str = ""                 # base64 of 32 bytes; information requests need it
    tickets_timezone: str = "Africa/Casablanca"
    tickets_deadline_near_days: int = deadlines.DEFAULT_NEAR_WORKING_DAYS
    tickets_scheduler_interval: float = 60.0


# Read at import: nameko's timer takes its interval when the class is defined.
SCHEDULER_INTERVAL = float(os.environ.get("TICKETS_SCHEDULER_INTERVAL", "60") or 60)


class _CalendarSource:
    """One registry calendar cache per process, refreshed through whichever worker asks."""

    def __init__(self):
        self._lock = threading.Lock()
        self._getter = None
        self.cache = CalendarCache(lambda: registry_fetcher(self._getter)())

    def calendar(self, get_calendar) -> deadlines.Calendar:
        with self._lock:
            self._getter = get_calendar
        return deadlines.RegistryCalendar(self.cache)


CALENDARS = _CalendarSource()


def _coordinate(value: float) -> float | None:
    return None if math.isnan(value) else value


def submission_from(request) -> domain.Submission:
    location = request.location if request.HasField("location") else None
    requester = request.requester
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
        urgent=request.urgent, urgency_reason=request.urgency_reason,
        requester_name=requester.name, requester_address=requester.address, id_kind=requester.id_kind,
        id_number=requester.id_number, preferred_format=requester.preferred_format,
        registered_by=request.registered_by, public=request.public,
    )


def status_message(row, role: str = "") -> pb.TicketStatus:
    machine = workflow.machine_for(row["kind"])
    actions = [a for a in machine.available(row["status"]) if not role or role in machine.transition(a).actors]
    return pb.TicketStatus(
        ticket_id=row["ticket_id"], tracking_code=row["tracking_code"], office_id=row["office_id"],
        kind=KIND_VALUES[row["kind"]], category=row["category"], status=row["status"],
        submitted_at=timestamp(row["submitted_at"]), acknowledge_by=timestamp(row["acknowledge_by"]),
        answer_by=timestamp(row["answer_by"]), attachment_count=row["attachment_count"],
        updated_at=timestamp(row["updated_at"]), extended=bool(row["extended"]), urgent=bool(row["urgent"]),
        available_actions=actions,
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

    def _settings(self, name, default):
        import nameko

        return nameko.config.get(name, default)

    def _clock(self) -> deadlines.Clock:
        return deadlines.Clock(self._settings("TICKETS_TIMEZONE", "Africa/Casablanca"))

    def _calendar(self) -> deadlines.Calendar:
        return CALENDARS.calendar(self.registry.GetCalendar)

    def _sealer(self) -> pii.Sealer:
        key = self._settings("TICKETS_PII_KEY", "")
        if not key:
            raise failed_precondition(
                "PII_KEY_NOT_CONFIGURED", "this instance cannot take information requests yet (no TICKETS_PII_KEY)"
            )
        return pii.Sealer(key)

    def _signature_threshold(self, office) -> int:
        unit = self.registry.GetTerritoryUnit(registry_pb2.GetTerritoryUnitRequest(code=office.commune_code))
        if unit.petition_signatures > 0:
            return unit.petition_signatures
        return domain.signature_threshold(unit.population, unit.commune_type)

    @grpc
    def Submit(self, request, context):
        sub = domain.validate_submission(submission_from(request))
        office = self.registry.GetOffice(registry_pb2.GetOfficeRequest(office_id=sub.office_id))
        if office.status != "operational":
            raise failed_precondition(
                "OFFICE_NOT_ACCEPTING", "this office does not take requests yet", office_id=office.office_id
            )
        sealer = self._sealer() if sub.kind == "information_request" else None
        threshold = self._signature_threshold(office) if sub.kind == "petition" else 0
        submitted_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        clock = deadlines.Clock(office.timezone or self._clock().timezone)
        calendar = self._calendar() if sub.kind == "information_request" else deadlines.WeekendCalendar()
        due = deadlines.at_submission(sub.kind, submitted_at, calendar, clock, urgent=sub.urgent)
        status = workflow.initial_status(sub.kind)
        ticket_id = uuid7()
        row = {
            "ticket_id": ticket_id, "instance_id": current_instance(), "office_id": office.office_id,
            "kind": sub.kind, "category": sub.category, "description": sub.description,
            "citizen_id": sub.citizen_id, "channel": sub.channel, "language": sub.language,
            "latitude": sub.latitude, "longitude": sub.longitude, "address": sub.address,
            "status": status, "submitted_at": submitted_at,
            "acknowledge_by": due.acknowledge_by, "answer_by": due.answer_by,
            "due_at": deadlines.watched_deadline(sub.kind, status, due.acknowledge_by, due.answer_by),
            "updated_at": submitted_at, "public": sub.public, "urgent": sub.urgent,
            "registered_by": sub.registered_by, "requester_name": sub.requester_name,
            "requester_address": sub.requester_address, "requester_contact": request.requester.contact[:200],
            "preferred_format": sub.preferred_format, "id_kind": sub.id_kind,
            "id_number_sealed": sealer.seal(sub.id_number, ticket_id) if sealer else None,
            "signature_threshold": threshold,
        }
        actor, role = (sub.registered_by, "staff") if sub.channel == "walk_in" else (f"citizen:{sub.channel}", "citizen")
        for _ in range(5):
            row["tracking_code"] = domain.new_tracking_code()
            try:
                with self.db.begin() as conn:
                    store.insert_ticket(conn, row, sub.attachment_ids, actor=actor, actor_role=role)
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
            submitted_at=timestamp(submitted_at), acknowledge_by=timestamp(due.acknowledge_by),
            answer_by=timestamp(due.answer_by), kind=KIND_VALUES[sub.kind],
        )

    @grpc
    def Transition(self, request, context):
        if not request.ticket_id:
            raise invalid_argument("TICKET_ID_REQUIRED", "ticket_id is required", field="ticket_id")
        actor = workflow.Actor(request.actor.id, request.actor.role)
        if actor.role == workflow.SYSTEM:
            # Only the scheduler acts as the system; a caller cannot borrow its role.
            raise invalid_argument("ACTOR_ROLE_RESERVED", "the system role is reserved to the scheduler")
        fields = {name: getattr(request, name) for name in transitions.DETAIL_FIELDS}
        ctx = workflow.Context(now=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
                               calendar=self._calendar(), clock=self._clock())
        with self.db.begin() as conn:
            row = store.find_by_id(conn, request.ticket_id)
            if row is None:
                raise not_found("TICKET_NOT_FOUND", "no such ticket")
            transitions.apply(conn, self.events, row, request.action, actor, fields, ctx)
            row = store.find_by_id(conn, request.ticket_id)
        return status_message(row, actor.role)

    @grpc
    def History(self, request, context):
        with self.db.connect() as conn:
            if store.find_by_id(conn, request.ticket_id) is None:
                raise not_found("TICKET_NOT_FOUND", "no such ticket")
            entries = store.history_of(conn, request.ticket_id)
        return pb.HistoryReply(entries=[
            pb.HistoryEntry(action=e["action"], from_status=e["from_status"], to_status=e["status"],
                            actor_role=e["actor_role"], at=timestamp(e["at"]))
            for e in entries
        ])

    def _run_deadlines(self) -> scheduler.Counts:
        return scheduler.run_once(
            self.db, self.events, self._calendar(), self._clock(), dt.datetime.now(dt.timezone.utc),
            near_days=int(self._settings("TICKETS_DEADLINE_NEAR_DAYS", deadlines.DEFAULT_NEAR_WORKING_DAYS)),
        )

    @grpc
    def RunDeadlines(self, request, context):
        counts = self._run_deadlines()
        return pb.RunDeadlinesReply(near=counts.near, overdue=counts.overdue, automatic=counts.automatic)

    @timer(interval=SCHEDULER_INTERVAL)
    def deadlines_timer(self):
        counts = self._run_deadlines()
        if counts.near or counts.overdue or counts.automatic:
            log.info("deadlines: %d near, %d overdue, %d automatic", counts.near, counts.overdue, counts.automatic)

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
migrate = migrator(store.metadata, after=store.add_missing_columns)
