"""The tickets service: citizen requests from receipt to closure, under the legal deadlines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import os
import threading
import time

import sqlalchemy as sa
from grpc import StatusCode
from nameko_grpc.errors import GrpcError

from citizenoffice.documents.v1 import documents_pb2
from citizenoffice.documents.v1.documents_pb2_grpc import DocumentsServiceStub
from citizenoffice.identity.v1 import identity_pb2  # noqa: F401  (decodes user.erased payloads)
from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub
from nameko.timer import timer

from cokit import paging, request_types
from cokit.auth import policy
from cokit.auth.provider import TokenVerifier
from cokit.calendar import CalendarCache, registry_fetcher
from cokit.clients import ServiceClient
from cokit.errors import failed_precondition, invalid_argument, not_found, permission_denied
from cokit.copies import Copies
from cokit.events.broadcast import Broadcast
from cokit.events.consumer import consume
from cokit.events.envelope import topic_for
from cokit.events.relay import OutboxRelay
from cokit.events.tables import add_event_tables
from cokit.ids import uuid7
from cokit.metrics import DatabaseGauge
from cokit.service import instance_id as current_instance, kit_service, migrator, rpc
from cokit import platform
from cokit.settings import ServiceSettings

import json

from . import (
    callers,
    deadlines,
    domain,
    erasure,
    federated,
    pii,
    scheduler,
    similarity,
    stats,
    store,
    transitions,
    workflow,
)
from .transitions import timestamp

log = logging.getLogger(__name__)
grpc = rpc(TicketsServiceStub)
add_event_tables(store.metadata)

CHANNEL_NAMES = {pb.WEB: "web", pb.MOBILE: "mobile", pb.OPEN311: "open311", pb.WALK_IN: "walk_in"}
# Moved here from another instance (ReceiveTransfer): never a channel a submission names.
CHANNEL_VALUES = {**{name: value for value, name in CHANNEL_NAMES.items()}, "federation": pb.FEDERATION}


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "tickets"
    grpc_port: int = platform.facts("tickets").grpc_port
    metrics_port: int = platform.facts("tickets").metrics_port
    database_url: str = "sqlite:///.local/data/tickets.db"
    registry_grpc_target: str = platform.local_target("registry")
    identity_grpc_target: str = platform.local_target("identity")  # the trust state (JWKS) that verifies callers
    documents_grpc_target: str = platform.local_target("documents")  # attachments named in messages are checked there
    tickets_pii_key: str = ""  # base64 of 32 bytes; information requests need it
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

# Office id -> its scope (instance, commune, office): an office never moves to another commune.
_OFFICE_SCOPES: dict[str, policy.Scope] = {}
WALK_IN_ROLES = workflow.STAFF | workflow.INFORMATION_OFFICERS | {"commune_admin"}


class _Catalogues:
    """Each office's catalogue from the registry, kept per process: dropped when the registry says
    it changed (catalogue.changed, read by every replica: see _on_registry_events), else after
    `ttl` seconds, and fetched again at once for a category not seen before."""

    def __init__(self, ttl: float = 60.0):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, list]] = {}
        self._generation = 0

    def rules(self, list_categories, office_id: str, kind: str, category: str) -> domain.CategoryRules:
        now = time.monotonic()
        with self._lock:
            at, entries = self._entries.get(office_id, (-math.inf, []))
            generation = self._generation
        known = any(category in (e.category, e.code) for e in entries)
        # An unknown category is fetched again, but not more than once a second per office.
        if now - at > self.ttl or (not known and now - at > 1.0):
            entries = list(list_categories(registry_pb2.ListCategoriesRequest(office_id=office_id)).entries)
            with self._lock:
                # Not kept when dropped meanwhile: it may have been read before the change.
                if generation == self._generation:
                    self._entries[office_id] = (now, entries)
        return domain.category_rules(entries, kind, category)

    def drop(self, office_id: str | None = None) -> None:
        with self._lock:
            self._generation += 1
            if office_id is None:
                self._entries.clear()
            else:
                self._entries.pop(office_id, None)


CATALOGUES = _Catalogues()
# GetOffice's answers by the office id or slug asked (status, time zone, commune).
OFFICES = Copies(ttl=60.0)


def _on_registry_events(envelopes) -> None:
    """The registry changed something tickets keeps a copy of: drop the copy."""
    for envelope in envelopes:
        if envelope.type == "calendar.changed":
            CALENDARS.cache.invalidate()
        elif envelope.type == "catalogue.changed":
            CATALOGUES.drop(envelope.office_id or None)
        elif envelope.type.startswith("office."):
            OFFICES.drop()
            _OFFICE_SCOPES.clear()


def _on_registry_reset() -> None:
    """The reader of the registry's events (re)started: a change may have been missed."""
    CALENDARS.cache.invalidate()
    CATALOGUES.drop()
    OFFICES.drop()
    _OFFICE_SCOPES.clear()


def _coordinate(value: float) -> float | None:
    return None if math.isnan(value) else value


def submission_from(request) -> domain.Submission:
    location = request.location if request.HasField("location") else None
    requester = request.requester
    return domain.Submission(
        office_id=request.office_id,
        kind=transitions.kind_name(request.kind),
        category=request.category,
        description=request.description,
        citizen_id=request.citizen_id,
        channel=CHANNEL_NAMES.get(request.channel, "web" if request.channel == pb.CHANNEL_UNSPECIFIED else "?"),
        language=request.language,
        attachment_ids=tuple(request.attachment_ids),
        latitude=_coordinate(location.latitude) if location else None,
        longitude=_coordinate(location.longitude) if location else None,
        address=location.address if location else "",
        urgent=request.urgent,
        urgency_reason=request.urgency_reason,
        requester_name=requester.name,
        requester_address=requester.address,
        id_kind=requester.id_kind,
        id_number=requester.id_number,
        preferred_format=requester.preferred_format,
        registered_by=request.registered_by,
        public=request.public if request.HasField("public") else None,
        media_url=request.media_url,
        idempotency_key=request.idempotency_key.strip(),
    )


def possible_duplicates(sub: domain.Submission, candidates) -> list:
    new = {"latitude": sub.latitude, "longitude": sub.longitude, "description": sub.description}
    found = []
    for old in candidates:
        why = similarity.is_possible_duplicate(new, old)
        # Only public requests are shown to someone else; a private one stays private.
        if why and old["public"]:
            found.append(pb.PossibleDuplicate(ticket_id=old["ticket_id"], tracking_code=old["tracking_code"], why=why))
    return found[:5]


def status_message(row, role: str = "", staff: bool = False) -> pb.TicketStatus:
    """The request's status; the assignee only for the office's staff (`staff`)."""
    machine = workflow.machine_for(row["kind"])
    actions = [a for a in machine.available(row["status"]) if not role or role in machine.transition(a).actors]
    details = [
        pb.ActionInfo(action=a, required=machine.transition(a).required, roles=sorted(machine.transition(a).actors))
        for a in actions
    ]
    return pb.TicketStatus(
        ticket_id=row["ticket_id"],
        tracking_code=row["tracking_code"],
        office_id=row["office_id"],
        kind=request_types.wire(row["kind"]),
        category=row["category"],
        status=row["status"],
        submitted_at=timestamp(row["submitted_at"]),
        acknowledge_by=timestamp(row["acknowledge_by"]),
        answer_by=timestamp(row["answer_by"]),
        attachment_count=row["attachment_count"],
        updated_at=timestamp(row["updated_at"]),
        extended=bool(row["extended"]),
        urgent=bool(row["urgent"]),
        available_actions=actions,
        action_details=details,
        priority=row["priority"],
        department=row["department"],
        rating=row["rating"] or 0,
        merged_into=row["merged_into"],
        public=bool(row["public"]),
        assignee_id=row["assignee_id"] if staff else "",
    )


def submitted_payload(row, attachment_ids) -> pb.TicketSubmitted:
    """What ticket.submitted says: ids and deadlines, never the text or the contact."""
    return pb.TicketSubmitted(
        ticket_id=row["ticket_id"],
        tracking_code=row["tracking_code"],
        office_id=row["office_id"],
        kind=request_types.wire(row["kind"]),
        category=row["category"],
        citizen_id=row["citizen_id"],
        channel=CHANNEL_VALUES[row["channel"]],
        language=row["language"],
        acknowledge_by=timestamp(row["acknowledge_by"]),
        answer_by=timestamp(row["answer_by"]),
        attachment_count=len(attachment_ids),
        attachment_ids=list(attachment_ids),
    )


def history_details(entry) -> dict[str, str]:
    try:
        details = json.loads(entry["details"] or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in details.items()} if isinstance(details, dict) else {}


def latest_decision(kind: str, history) -> pb.Decision | None:
    """The last transition that decided the request (answer, refusal, ...), with what it said
    to the requester; None while undecided."""
    machine = workflow.machine_for(kind)
    decisions = {t.action for t in machine.transitions if t.decision or t.action == "answer_appeal"}
    for entry in reversed(history):
        if entry["action"] in decisions:
            said = history_details(entry)
            return pb.Decision(
                action=entry["action"],
                status=entry["status"],
                answer=said.get("answer", ""),
                outcome=said.get("outcome", ""),
                reason=said.get("reason", ""),
                at=timestamp(entry["at"]),
            )
    return None


class TicketsService(kit_service(pb)):
    name = "tickets"
    events = OutboxRelay(engine="db")
    registry = ServiceClient("registry", RegistryServiceStub)
    documents = ServiceClient("documents", DocumentsServiceStub)
    # Every replica reads the registry's events, to drop its copies of offices, catalogues and
    # the calendar as soon as they change.
    registry_changes = Broadcast(topic_for("registry"), _on_registry_events, _on_registry_reset)
    # Counted at each scrape, so "overdue tickets rising" is seen without waiting for the scheduler.
    overdue = DatabaseGauge(
        "citizenoffice_tickets_overdue",
        "Open requests past their watched deadline (acknowledgement or answer), by office.",
        ["office_id"],
        store.overdue_by_office,
    )
    # The caller of every call: the access token on its metadata, verified here (see callers.py).
    auth = TokenVerifier()

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

    def _caller(self) -> policy.Caller:
        return self.auth.from_context()

    def _signed_in(self) -> policy.Caller:
        """The caller of a change, refused before anything is looked up when no token came."""
        caller = self._caller()
        if not caller.authenticated:
            raise callers.authentication_required()
        return caller

    def _office(self, office_id: str):
        return OFFICES.get(
            office_id, lambda: self.registry.GetOffice(registry_pb2.GetOfficeRequest(office_id=office_id))
        )

    def _office_scope(self, office_id: str) -> policy.Scope:
        scope = _OFFICE_SCOPES.get(office_id)
        if scope is None:
            office = self.registry.GetOffice(registry_pb2.GetOfficeRequest(office_id=office_id))
            scope = policy.Scope(office.instance_id or current_instance(), office.commune_code, office.office_id)
            _OFFICE_SCOPES[office_id] = scope
        return scope

    def _signature_threshold(self, office) -> int:
        unit = self.registry.GetTerritoryUnit(registry_pb2.GetTerritoryUnitRequest(code=office.commune_code))
        if unit.petition_signatures > 0:
            return unit.petition_signatures
        return domain.signature_threshold(unit.population, unit.commune_type)

    @grpc
    def Submit(self, request, context):
        caller = self._caller()
        # Anyone may file, through the platform (a relaying service) or signed in; a bare call is refused.
        policy.require(caller, "ticket.submit", policy.Scope(current_instance()))
        sub = submission_from(request)
        if sub.channel == "walk_in":
            # Registered at the desk: by a signed-in member of that office's staff, who is the registrant.
            if not caller.authenticated:
                raise callers.authentication_required()
            clerk = callers.actor_for(
                caller, self._office_scope(sub.office_id), "", WALK_IN_ROLES, "register requests at this office"
            )
            sub = dataclasses.replace(sub, registered_by=clerk.id)
        elif callers.is_requester(caller, caller.subject):
            # A signed-in citizen files for themselves: the request is theirs, whatever the message says.
            sub = dataclasses.replace(sub, citizen_id=caller.subject)
        sub = domain.validate_submission(sub)
        key = domain.submission_key(sub) if sub.idempotency_key else ""
        if key and (again := self._filed_before(key, sub)) is not None:
            return again
        office = self._office(sub.office_id)
        if office.status != "operational":
            raise failed_precondition(
                "OFFICE_NOT_ACCEPTING", "this office does not take requests yet", office_id=office.office_id
            )
        rules = CATALOGUES.rules(self.registry.ListCategories, office.office_id, sub.kind, sub.category)
        sub = domain.apply_category_rules(sub, rules)
        request_type = request_types.get(sub.kind)
        sealer = self._sealer() if request_type.identity_document else None
        threshold = self._signature_threshold(office) if request_type.collects_signatures else 0
        actor, role = (
            (sub.registered_by, "staff") if sub.channel == "walk_in" else (f"citizen:{sub.channel}", "citizen")
        )
        also = exists = None
        if key:
            fingerprint = domain.submission_fingerprint(sub)

            def also(conn, row):
                store.add_submission_key(conn, key, row["ticket_id"], fingerprint, row["submitted_at"])

            def exists():
                # The same key sent again meanwhile (another replica filed it first).
                return self._filed_before(key, sub) is not None

        try:
            row, due, candidates = self._file(
                sub,
                office,
                rules,
                request.requester.contact[:200],
                actor,
                role,
                sealer=sealer,
                threshold=threshold,
                also=also,
                exists=exists,
            )
        except sa.exc.IntegrityError:
            if key and (again := self._filed_before(key, sub)) is not None:
                return again
            raise
        submitted_at, ticket_id = row["submitted_at"], row["ticket_id"]
        duplicates = possible_duplicates(sub, candidates)
        return pb.Receipt(
            ticket_id=ticket_id,
            tracking_code=row["tracking_code"],
            status=row["status"],
            submitted_at=timestamp(submitted_at),
            acknowledge_by=timestamp(due.acknowledge_by),
            answer_by=timestamp(due.answer_by),
            kind=request_types.wire(sub.kind),
            possible_duplicates=duplicates,
        )

    def _file(self, sub, office, rules, contact, actor, role, *, sealer=None, threshold=0, also=None, exists=None):
        """A new request stored with its deadlines, its first history entry and its
        ticket.submitted event, in one transaction (`also(conn, row)` adds to it); returns the
        row, the deadlines and the possible duplicates' candidates."""
        submitted_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        clock = deadlines.Clock(office.timezone or self._clock().timezone)
        # The registry's calendar is fetched only if a term in working days asks it something.
        due = deadlines.at_submission(
            sub.kind, submitted_at, self._calendar(), clock, urgent=sub.urgent, rule=rules.deadline
        )
        status = workflow.initial_status(sub.kind)
        ticket_id = uuid7()
        row = {
            "ticket_id": ticket_id,
            "instance_id": current_instance(),
            "office_id": office.office_id,
            "kind": sub.kind,
            "category": sub.category,
            "description": sub.description,
            "citizen_id": sub.citizen_id,
            "channel": sub.channel,
            "language": sub.language,
            "latitude": sub.latitude,
            "longitude": sub.longitude,
            "address": sub.address,
            "status": status,
            "submitted_at": submitted_at,
            "acknowledge_by": due.acknowledge_by,
            "answer_by": due.answer_by,
            "due_at": deadlines.watched_deadline(sub.kind, status, due.acknowledge_by, due.answer_by),
            "updated_at": submitted_at,
            "public": sub.public,
            "urgent": sub.urgent,
            "registered_by": sub.registered_by,
            "requester_name": sub.requester_name,
            "requester_address": sub.requester_address,
            "requester_contact": contact,
            "preferred_format": sub.preferred_format,
            "id_kind": sub.id_kind,
            "id_number_sealed": sealer.seal(sub.id_number, ticket_id) if sealer else None,
            "signature_threshold": threshold,
            "media_url": sub.media_url,
        }
        candidates = None
        for _ in range(5):
            row["tracking_code"] = domain.new_tracking_code()
            try:
                with self.db.begin() as conn:
                    if candidates is None:
                        # Read in the same transaction, before the insert: one connection per submission.
                        candidates = self._duplicate_candidates(conn, sub, office.office_id)
                    store.insert_ticket(conn, row, sub.attachment_ids, actor=actor, actor_role=role)
                    if also is not None:
                        also(conn, row)
                    self.events.add(
                        conn,
                        "ticket.submitted",
                        ticket_id,
                        submitted_payload(row, sub.attachment_ids),
                        office_id=row["office_id"],
                    )
                break
            except sa.exc.IntegrityError:
                # A tracking-code collision (1 in 32^8 per pair): draw another one, unless what
                # collided is the request itself, filed meanwhile by another call.
                if exists is not None and exists():
                    raise
                continue
        else:
            raise failed_precondition("TRACKING_CODE_EXHAUSTED", "could not allocate a tracking code")
        return row, due, candidates

    def _filed_before(self, key: str, sub: domain.Submission) -> pb.Receipt | None:
        """The receipt of the ticket filed under this submission's key, or None. The same key
        with another request is refused: answering the first one's receipt would hide it."""
        with self.db.connect() as conn:
            found = store.keyed_submission(conn, key)
        if found is None:
            return None
        fingerprint, row = found
        if fingerprint != domain.submission_fingerprint(sub):
            raise failed_precondition(
                "IDEMPOTENCY_KEY_REUSED",
                "this idempotency key was sent with another request; use a new key for a new request",
                field="idempotency_key",
            )
        return pb.Receipt(
            ticket_id=row["ticket_id"],
            tracking_code=row["tracking_code"],
            status=row["status"],
            submitted_at=timestamp(store.as_utc(row["submitted_at"])),
            acknowledge_by=timestamp(store.as_utc(row["acknowledge_by"])),
            answer_by=timestamp(store.as_utc(row["answer_by"])),
            kind=request_types.wire(row["kind"]),
        )

    @staticmethod
    def _duplicate_candidates(conn, sub: domain.Submission, office_id: str) -> list:
        if not request_types.get(sub.kind).duplicates_nearby:
            return []
        return store.duplicate_candidates(conn, office_id, sub.category, sub.kind, sub.latitude, sub.longitude)

    @grpc
    def Transition(self, request, context):
        caller = self._signed_in()
        if not request.ticket_id:
            raise invalid_argument("TICKET_ID_REQUIRED", "ticket_id is required", field="ticket_id")
        fields = {name: getattr(request, name) for name in transitions.DETAIL_FIELDS}
        ctx = workflow.Context(
            now=dt.datetime.now(dt.timezone.utc).replace(microsecond=0), calendar=self._calendar(), clock=self._clock()
        )
        with self.db.begin() as conn:
            row = store.find_by_id(conn, request.ticket_id)
            if row is None:
                raise not_found("TICKET_NOT_FOUND", "no such ticket")
            # Only the scheduler acts as the system: no caller's roles map to it.
            step = workflow.machine_for(row["kind"]).transition(request.action)
            actor = callers.actor_for(
                caller,
                self._office_scope(row["office_id"]),
                row["citizen_id"] or "",
                step.actors,
                f"{request.action} this request",
            )
            store.apply_transition(conn, self.events, transitions.plan(row, request.action, actor, fields, ctx))
            row = store.find_by_id(conn, request.ticket_id)
        return status_message(row, actor.role)

    @grpc
    def History(self, request, context):
        with self.db.connect() as conn:
            if store.find_by_id(conn, request.ticket_id) is None:
                raise not_found("TICKET_NOT_FOUND", "no such ticket")
            entries = store.history_of(conn, request.ticket_id)
        return pb.HistoryReply(entries=[history_entry(e) for e in entries])

    def _run_deadlines(self) -> scheduler.Counts:
        return scheduler.run_once(
            self.db,
            self.events,
            self._calendar(),
            self._clock(),
            dt.datetime.now(dt.timezone.utc),
            near_days=int(self._settings("TICKETS_DEADLINE_NEAR_DAYS", deadlines.DEFAULT_NEAR_WORKING_DAYS)),
        )

    @grpc
    def RunDeadlines(self, request, context):
        """What the scheduler's timer does next, asked now by an operator of the instance."""
        policy.require(self._caller(), "scheduler.run", policy.Scope(current_instance()))
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
            status = self._status(conn, row["ticket_id"])
            decision = latest_decision(row["kind"], store.history_of(conn, row["ticket_id"]))
            replies = [
                pb.ThreadMessage(author_role=m["author_role"], body=m["body"], at=timestamp(m["at"]))
                for m in store.thread_of(conn, row["ticket_id"], include_internal=False)
                if m["author_role"] != workflow.CITIZEN and not m["hidden_reason"]
            ]
        if decision is not None:
            status.decision.CopyFrom(decision)
        # The office's words to the requester; the requester's own messages stay out (they may name people).
        status.replies.extend(replies)
        return status

    @grpc
    def Get(self, request, context):
        if not request.ticket_id:
            raise invalid_argument("TICKET_ID_REQUIRED", "ticket_id is required", field="ticket_id")
        with self.db.connect() as conn:
            row = store.find_by_id(conn, request.ticket_id)
        if row is None:
            raise not_found("TICKET_NOT_FOUND", "no such ticket")
        caller = self._caller()
        staff = bool(caller.bindings) and bool(
            callers.roles_at(caller, self._office_scope(row["office_id"]), among=callers.READERS)
        )
        return status_message(row, staff=staff)

    # --- around the workflow ----------------------------------------------------------------

    def _now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    def _row(self, conn, ticket_id: str):
        if not ticket_id:
            raise invalid_argument("TICKET_ID_REQUIRED", "ticket_id is required", field="ticket_id")
        row = store.find_by_id(conn, ticket_id)
        if row is None:
            raise not_found("TICKET_NOT_FOUND", "no such ticket")
        return row

    def _changed(self, conn, row, change: str, actor: workflow.Actor, **extra) -> None:
        self.events.add(
            conn,
            f"ticket.{change}",
            row["ticket_id"],
            pb.TicketChanged(
                ticket_id=row["ticket_id"],
                office_id=row["office_id"],
                kind=request_types.wire(row["kind"]),
                change=change,
                actor_role=actor.role,
                **extra,
            ),
            office_id=row["office_id"],
        )

    def _status(self, conn, ticket_id: str, role: str = "", staff: bool = False) -> pb.TicketStatus:
        row = store.find_by_id(conn, ticket_id)
        message = status_message(row, role, staff)
        message.followers, message.me_too = store.follower_counts(conn, ticket_id)
        return message

    @grpc
    def Assign(self, request, context):
        caller = self._signed_in()
        now = self._now()
        with self.db.begin() as conn:
            row = self._row(conn, request.ticket_id)
            actor = callers.staff_actor(caller, self._office_scope(row["office_id"]), "assign this request")
            office_id = row["office_id"]
            if request.office_id and request.office_id != row["office_id"]:
                office = self.registry.GetOffice(registry_pb2.GetOfficeRequest(office_id=request.office_id))
                if not request.reason.strip():
                    raise invalid_argument(
                        "REASON_REQUIRED", "a transfer to another office gives its reason", field="reason"
                    )
                office_id = office.office_id
            if request.priority and request.priority not in range(1, 5):
                raise invalid_argument("PRIORITY_OUT_OF_RANGE", "priority is 1 (urgent) to 4 (low)", field="priority")
            store.assign(
                conn,
                row,
                office_id=office_id,
                department=request.department or row["department"],
                assignee_id=request.assignee_id,
                priority=request.priority or row["priority"],
                reason=request.reason[:500],
                actor=actor.id[:64],
                now=now,
            )
            if office_id != row["office_id"]:
                self._changed(conn, row, "transferred", actor, from_office_id=row["office_id"])
            else:
                self._changed(conn, row, "assigned", actor)
            return self._status(conn, row["ticket_id"], actor.role, staff=True)

    @grpc
    def PostMessage(self, request, context):
        caller = self._signed_in()
        body = request.body.strip()
        if not body or len(body) > domain.DESCRIPTION_MAX:
            raise invalid_argument(
                "MESSAGE_LENGTH", f"a message has 1 to {domain.DESCRIPTION_MAX} characters", field="body"
            )
        if len(request.attachment_ids) > domain.MAX_ATTACHMENTS:
            raise invalid_argument("TOO_MANY_ATTACHMENTS", f"at most {domain.MAX_ATTACHMENTS} attachments")
        with self.db.connect() as conn:
            row = self._row(conn, request.ticket_id)
        office = self._office_scope(row["office_id"])
        if request.internal:
            actor = callers.staff_actor(caller, office, "write internal notes")
        else:
            actor = callers.actor_for(
                caller,
                office,
                row["citizen_id"] or "",
                callers.OFFICE_ROLES | {workflow.CITIZEN},
                "write in this thread",
            )
        attachment_ids = list(dict.fromkeys(request.attachment_ids))
        self._check_attachments(attachment_ids, actor, row["office_id"])
        values = {
            "message_id": uuid7(),
            "ticket_id": row["ticket_id"],
            "internal": request.internal,
            "author_id": actor.id[:64],
            "author_role": actor.role,
            "body": body,
            "attachment_ids": ",".join(attachment_ids),
            "at": self._now(),
        }
        with self.db.begin() as conn:
            store.add_message(conn, values)
            if not request.internal:
                # Internal notes make no event: consumers (notifications) would tell the citizen.
                self._changed(conn, row, "message_posted", actor, attachment_ids=list(request.attachment_ids))
        return thread_message(values)

    def _check_attachments(self, attachment_ids, actor: workflow.Actor, office_id: str) -> None:
        """Each attachment exists in documents and is the author's: uploaded by the requester, or
        held by the request's office for its staff; refused with the attachment named otherwise."""
        for attachment_id in attachment_ids:
            try:
                found = self.documents.GetAttachment(documents_pb2.GetAttachmentRequest(attachment_id=attachment_id))
            except GrpcError as error:
                if error.code == StatusCode.NOT_FOUND:
                    raise invalid_argument(
                        "ATTACHMENT_NOT_FOUND",
                        f"no attachment {attachment_id}: upload it first",
                        field="attachment_ids",
                        attachment_id=attachment_id,
                    ) from None
                raise
            domain.check_attachment(
                found.owner_citizen_id,
                found.office_id,
                actor.id,
                actor.role == workflow.CITIZEN,
                office_id,
                attachment_id,
            )

    @grpc
    def Thread(self, request, context):
        caller = self._caller()
        with self.db.connect() as conn:
            row = self._row(conn, request.ticket_id)
            actor = callers.actor_for(
                caller,
                self._office_scope(row["office_id"]),
                row["citizen_id"] or "",
                callers.READERS | {workflow.CITIZEN},
                "read this thread",
            )
            staff = actor.role != workflow.CITIZEN
            messages = store.thread_of(conn, row["ticket_id"], include_internal=staff)
        return pb.ThreadReply(messages=[thread_message(m) for m in messages if staff or not m["hidden_reason"]])

    @grpc
    def ListMine(self, request, context):
        caller = callers.citizen_actor(self._caller(), "list your requests")
        size = min(request.page_size or 20, 100)
        after = decode_page_token(request.page_token)
        with self.db.connect() as conn:
            rows = store.search(conn, citizen_id=caller.id, now=self._now(), after=after, limit=size + 1)
            items = [self._status(conn, r["ticket_id"], workflow.CITIZEN) for r in rows[:size]]
        token = encode_page_token(rows[size - 1]) if len(rows) > size else ""
        return pb.ListMineReply(items=items, next_page_token=token)

    @grpc
    def GetMine(self, request, context):
        me = callers.citizen_actor(self._caller(), "read your requests")
        with self.db.connect() as conn:
            row = self._row(conn, request.ticket_id)
            if row["citizen_id"] != me.id:
                # Someone else's request: the same answer as a request that does not exist.
                raise not_found("TICKET_NOT_FOUND", "no such ticket among your requests")
            status = self._status(conn, row["ticket_id"], workflow.CITIZEN)
            entries = store.history_of(conn, row["ticket_id"])
            messages = store.thread_of(conn, row["ticket_id"], include_internal=False)
        return pb.MyTicket(
            status=status,
            timeline=[history_entry(e) for e in entries],
            thread=[thread_message(m) for m in messages if not m["hidden_reason"]],
        )

    @grpc
    def Search(self, request, context):
        office_ids = self._readable_offices(request.office_ids)
        size = min(request.page_size or 50, 200)
        after = decode_page_token(request.page_token)
        now = self._now()
        with self.db.connect() as conn:
            rows = store.search(
                conn,
                office_ids=office_ids,
                statuses=request.statuses,
                categories=request.categories,
                kinds=[t.name for t in map(request_types.by_wire, request.kinds) if t],
                assignee_id=request.assignee_id,
                overdue=request.overdue,
                text=request.text.strip(),
                now=now,
                after=after,
                limit=size + 1,
            )
        items = [queue_item(r, now) for r in rows[:size]]
        token = encode_page_token(rows[size - 1]) if len(rows) > size else ""
        return pb.SearchReply(items=items, next_page_token=token)

    def _readable_offices(self, asked) -> list[str]:
        """The offices of a queue search: those asked, each within the caller's reach, or all it reaches."""
        caller = self._caller()
        if not caller.authenticated:
            raise callers.authentication_required()
        offices = self.registry.ListOffices(registry_pb2.ListOfficesRequest()).offices
        reachable = callers.reachable_offices(
            caller, [policy.Scope(o.instance_id or current_instance(), o.commune_code, o.office_id) for o in offices]
        )
        if not reachable:
            raise permission_denied("STAFF_ONLY", "only the office's staff may read the queues")
        outside = sorted(set(asked) - set(reachable))
        if outside:
            raise permission_denied(
                "OUTSIDE_YOUR_SCOPE", "your roles do not reach these offices", office_ids=",".join(outside)[:200]
            )
        return list(asked) or reachable

    @grpc
    def Stats(self, request, context):
        try:
            first = dt.date.fromisoformat(request.from_date)
            last = dt.date.fromisoformat(request.to_date)
        except ValueError:
            raise invalid_argument("PERIOD_INVALID", "from_date and to_date are YYYY-MM-DD") from None
        if last < first or (last - first).days > 366 * 5:
            raise invalid_argument("PERIOD_INVALID", "the period runs forward and covers at most five years")
        clock, calendar = self._clock(), self._calendar()
        start = clock.end_of(first - dt.timedelta(days=1))
        with self.db.connect() as conn:
            rows = store.for_stats(conn, request.office_id, start, clock.end_of(last))
        norm = [
            dict(
                r,
                decided_at=store.as_utc(r["decided_at"]) if r["decided_at"] else None,
                answer_by=store.as_utc(r["answer_by"]),
            )
            for r in rows
        ]
        days = {
            r["ticket_id"]: deadlines.working_days_taken(
                store.as_utc(r["submitted_at"]), r["decided_at"], calendar, clock
            )
            for r in norm
            if r["decided_at"]
        }
        f = stats.figures(norm, days, public=request.public)
        return pb.StatsReply(
            total=f.total,
            by_kind=f.by_kind,
            by_category=f.by_category,
            answered=f.answered,
            median_working_days=f.median_working_days,
            p90_working_days=f.p90_working_days,
            within_deadline_share=f.within_deadline_share,
            satisfaction_average=f.satisfaction_average,
            ratings=f.ratings,
        )

    @grpc
    def Merge(self, request, context):
        caller = self._signed_in()
        if request.ticket_id == request.into_ticket_id:
            raise invalid_argument("MERGE_INTO_ITSELF", "a request cannot be merged into itself")
        with self.db.begin() as conn:
            duplicate = self._row(conn, request.ticket_id)
            into = self._row(conn, request.into_ticket_id)
            actor = callers.staff_actor(caller, self._office_scope(duplicate["office_id"]), "merge duplicates")
            if duplicate["merged_into"] or into["merged_into"]:
                raise failed_precondition("ALREADY_MERGED", "one of the requests is already merged")
            if (duplicate["office_id"], duplicate["kind"]) != (into["office_id"], into["kind"]):
                raise failed_precondition("MERGE_MISMATCH", "only requests of one office and type are merged")
            store.merge(conn, duplicate, into, self._now())
            self._changed(conn, duplicate, "merged", actor, into_ticket_id=into["ticket_id"])
            return self._status(conn, into["ticket_id"], actor.role)

    @grpc
    def Follow(self, request, context):
        actor = callers.citizen_actor(self._caller(), "follow requests")
        with self.db.begin() as conn:
            row = self._row(conn, request.ticket_id)
            if not row["public"] and actor.id != row["citizen_id"]:
                raise not_found("TICKET_NOT_FOUND", "no such ticket")
            if store.follow(conn, row["ticket_id"], actor.id, request.me_too, self._now()):
                followers, me_too = store.follower_counts(conn, row["ticket_id"])
                self._changed(conn, row, "followed", actor, count=followers)
            followers, me_too = store.follower_counts(conn, row["ticket_id"])
        return pb.FollowReply(followers=followers, me_too=me_too)

    @grpc
    def Sign(self, request, context):
        actor = callers.citizen_actor(self._caller(), "sign petitions")
        with self.db.begin() as conn:
            row = self._row(conn, request.ticket_id)
            workflow.check_signature(transitions.facts_of(row), actor, request.eligible)
            if not store.sign(conn, row["ticket_id"], actor.id, self._now()):
                raise failed_precondition("ALREADY_SIGNED", "this person has already signed the petition")
            row = store.find_by_id(conn, row["ticket_id"])
            self._changed(conn, row, "signed", actor, count=row["signature_count"])
        return pb.SignReply(signatures=row["signature_count"], threshold=row["signature_threshold"])

    @grpc
    def Rate(self, request, context):
        caller = self._signed_in()
        with self.db.begin() as conn:
            row = self._row(conn, request.ticket_id)
            actor = callers.actor_for(
                caller,
                self._office_scope(row["office_id"]),
                row["citizen_id"] or "",
                {workflow.CITIZEN},
                "rate this answer",
            )
            workflow.check_rating(transitions.facts_of(row), actor, request.rating)
            conn.execute(
                store.tickets.update()
                .where(store.tickets.c.ticket_id == row["ticket_id"])
                .values(rating=request.rating, rating_comment=request.comment.strip()[:1000])
            )
            self._changed(conn, row, "rated", actor, count=request.rating)
            return self._status(conn, row["ticket_id"], actor.role)

    @grpc
    def Moderate(self, request, context):
        caller = self._signed_in()
        if not request.reason.strip():
            raise invalid_argument("REASON_REQUIRED", "hiding text gives its reason", field="reason")
        with self.db.begin() as conn:
            row = self._row(conn, request.ticket_id)
            actor = callers.staff_actor(caller, self._office_scope(row["office_id"]), "moderate public text")
            table = store.ticket_messages if request.message_id else store.tickets
            where = (
                (table.c.message_id == request.message_id)
                if request.message_id
                else (table.c.ticket_id == row["ticket_id"])
            )
            if (
                conn.execute(
                    table.update()
                    .where(where, table.c.ticket_id == row["ticket_id"])
                    .values(hidden_reason=request.reason.strip()[:300])
                ).rowcount
                != 1
            ):
                raise not_found("MESSAGE_NOT_FOUND", "no such message on this request")
            self._changed(conn, row, "moderated", actor)
            return self._status(conn, row["ticket_id"], actor.role)

    @grpc
    def ListPublicRequests(self, request, context):
        limit = request.limit or PUBLIC_LIST_MAX
        if not 0 < limit <= PUBLIC_LIST_MAX:
            raise invalid_argument("LIMIT_OUT_OF_RANGE", f"limit is 1 to {PUBLIC_LIST_MAX}", field="limit")
        kinds = [request_types.by_wire(k) for k in request.kinds]
        if None in kinds:
            raise invalid_argument("KIND_UNKNOWN", "unknown request kind", field="kinds")
        if len(request.ticket_ids) > PUBLIC_LIST_MAX:
            raise invalid_argument("TOO_MANY_IDS", f"at most {PUBLIC_LIST_MAX} ids", field="ticket_ids")
        start = store.as_utc(request.submitted_from.ToDatetime()) if request.HasField("submitted_from") else None
        end = store.as_utc(request.submitted_to.ToDatetime()) if request.HasField("submitted_to") else None
        with self.db.connect() as conn:
            rows = store.public_requests(
                conn,
                office_ids=request.office_ids,
                ticket_ids=request.ticket_ids,
                kinds=[t.name for t in kinds],
                categories=request.categories,
                statuses=request.statuses,
                start=start,
                end=end,
                limit=limit,
            )
        return pb.PublicRequests(requests=[public_request(r) for r in rows])

    # --- data-subject rights (Law 09-08) ------------------------------------------------------

    @consume(topic_for("identity"), group="tickets", types={"user.erased"})
    def on_identity_event(self, event):
        """user.erased: the person's requests are anonymised (the rule is tickets/erasure.py).
        A redelivery finds nothing left to change, and announces nothing more."""
        if event.payload is None or not event.payload.citizen_id:  # only user.erased reaches here (types)
            return
        with self.db.begin() as conn:
            erased = store.anonymise(conn, event.payload.citizen_id, self._now())
            for row in erased.tickets:
                self._changed(conn, row, "anonymised", workflow.Actor("", workflow.SYSTEM))
        log.info(
            "requester's data erased",
            extra={
                "event_id": event.event_id,
                "tickets": len(erased.tickets),
                "messages": erased.messages,
                "follows": erased.follows,
                "signatures": erased.signatures,
            },
        )

    @grpc
    def EraseRequester(self, request, context):
        """A walk-in requester's personal data erased from their request, on their demand at the
        office (their requests have no account that could ask through user.erased)."""
        caller = self._caller()
        if not caller.authenticated:
            raise callers.authentication_required()
        reason = " ".join(request.reason.split())[:500]
        if not reason:
            raise invalid_argument("REASON_REQUIRED", "say why the requester's data is erased", field="reason")
        with self.db.begin() as conn:
            row = self._row(conn, request.ticket_id)
            actor = callers.actor_for(
                caller,
                self._office_scope(row["office_id"]),
                "",
                erasure.REQUESTER_ERASERS,
                "erase a requester's data at this office",
            )
            if row["citizen_id"]:
                raise failed_precondition(
                    "REQUESTER_HAS_ACCOUNT",
                    "this request belongs to an account: its owner "
                    "erases their data from the account (DELETE /api/v1/me)",
                )
            if store.erase_requester(conn, row, self._now(), actor.id, actor.role, reason):
                self._changed(conn, row, erasure.REQUESTER_ERASED, actor)
                log.info("walk-in requester's data erased", extra={"ticket_id": row["ticket_id"], "actor": actor.id})
            return self._status(conn, row["ticket_id"], actor.role)

    # --- requests moved between instances (asked through the federation service) ------------

    def _transfer_state(self, ticket, transfer) -> pb.TransferState:
        return pb.TransferState(
            ticket_id=ticket["ticket_id"],
            direction=transfer["direction"],
            peer_instance=transfer["peer_instance"],
            peer_office_id=transfer["peer_office_id"],
            status=transfer["status"],
            idempotency_key=transfer["idempotency_key"],
            peer_tracking_code=transfer["peer_tracking_code"],
            offered_at=timestamp(transfer["offered_at"]),
            answered_at=timestamp(transfer["answered_at"]) if transfer["answered_at"] else None,
            completed_at=timestamp(transfer["completed_at"]) if transfer["completed_at"] else None,
            kind=request_types.wire(ticket["kind"]),
            category=ticket["category"],
            tracking_code=ticket["tracking_code"],
        )

    def _transfer_event(self, conn, ticket, transfer, change: str) -> None:
        self.events.add(
            conn,
            f"ticket.transfer_{change}",
            ticket["ticket_id"],
            pb.TicketTransfer(
                ticket_id=ticket["ticket_id"],
                office_id=ticket["office_id"],
                kind=request_types.wire(ticket["kind"]),
                category=ticket["category"],
                peer_instance=transfer["peer_instance"],
                peer_office_id=transfer["peer_office_id"],
                idempotency_key=transfer["idempotency_key"],
                status=transfer["status"],
                citizen_id=ticket["citizen_id"],
                tracking_code=ticket["tracking_code"],
            ),
            office_id=ticket["office_id"],
        )

    def _federation_only(self) -> None:
        policy.require(self._caller(), "ticket.transfer.move", policy.Scope(current_instance()))

    @grpc
    def OfferTransfer(self, request, context):
        """The office's staff offer to move the request to the member instance it concerns; the
        requester sees the offer on their request and answers it."""
        caller = self._signed_in()
        now = self._now()
        with self.db.begin() as conn:
            row = self._row(conn, request.ticket_id)
            actor = callers.staff_actor(caller, self._office_scope(row["office_id"]), "offer to move this request")
            transfer = store.transfer_of(conn, row["ticket_id"])
            to_instance = request.to_instance.strip()
            federated.check_offer(row, transfer, to_instance, current_instance())
            if not request.to_office_id.strip():
                raise invalid_argument("OFFICE_REQUIRED", "name the member's office", field="to_office_id")
            if request.check_only:
                return pb.TransferState(ticket_id=row["ticket_id"], direction="out", peer_instance=to_instance)
            moved = dict(
                ticket_id=row["ticket_id"],
                direction="out",
                peer_instance=to_instance,
                peer_office_id=request.to_office_id.strip()[:36],
                status=federated.OFFERED,
                idempotency_key=uuid7(),
                peer_tracking_code="",
                contact="",
                offered_at=now,
                answered_at=None,
                completed_at=None,
            )
            store.save_transfer(conn, moved)
            store.add_history(
                conn,
                row["ticket_id"],
                row["status"],
                now,
                actor.id,
                "transfer_offered",
                row["status"],
                actor.role,
                {"to_instance": to_instance},
            )
            self._transfer_event(conn, row, moved, "offered")
            return self._transfer_state(row, moved)

    @grpc
    def AnswerTransfer(self, request, context):
        """The requester's explicit answer: consent (with the contact they choose to give the other
        office, if any) or refusal. Only the requester answers."""
        caller = self._signed_in()
        now = self._now()
        with self.db.begin() as conn:
            row = self._row(conn, request.ticket_id)
            if not callers.is_requester(caller, row["citizen_id"]):
                raise permission_denied("REQUESTER_ONLY", "only the requester consents to moving their request")
            transfer = store.transfer_of(conn, row["ticket_id"])
            contact = federated.check_answer(transfer, request.contact)
            status = federated.CONSENTED if request.consent else federated.DECLINED
            store.update_transfer(
                conn, row["ticket_id"], status=status, answered_at=now, contact=contact if request.consent else ""
            )
            store.add_history(
                conn,
                row["ticket_id"],
                row["status"],
                now,
                caller.subject,
                "transfer_consented" if request.consent else "transfer_declined",
                row["status"],
                workflow.CITIZEN,
                {"to_instance": transfer["peer_instance"]},
            )
            transfer = store.transfer_of(conn, row["ticket_id"])
            self._transfer_event(conn, row, transfer, status)
            return self._transfer_state(row, transfer)

    @grpc
    def GetTransfer(self, request, context):
        caller = self._signed_in()
        with self.db.connect() as conn:
            row = self._row(conn, request.ticket_id)
            transfer = store.transfer_of(conn, row["ticket_id"])
        staff = callers.roles_at(caller, self._office_scope(row["office_id"]), among=callers.READERS)
        if not staff and not callers.is_requester(caller, row["citizen_id"]):
            raise permission_denied("NOT_ALLOWED", "only the office and the requester see a move of the request")
        if transfer is None:
            raise not_found("NO_TRANSFER", "this request has no move offered")
        return self._transfer_state(row, transfer)

    @grpc
    def GetTransferPackage(self, request, context):
        """What crosses, once the requester consented: for the federation service alone."""
        self._federation_only()
        with self.db.connect() as conn:
            row = self._row(conn, request.ticket_id)
            transfer = store.transfer_of(conn, row["ticket_id"])
        if (
            transfer is None
            or transfer["direction"] != "out"
            or transfer["status"]
            not in (
                federated.CONSENTED,
                federated.COMPLETED,
            )
        ):
            raise failed_precondition("NO_CONSENT", "nothing of this request leaves without its requester's consent")
        package = pb.TransferPackage(
            transfer=self._transfer_state(row, transfer),
            description=row["description"],
            language=row["language"],
            contact=transfer["contact"],
            submitted_at=timestamp(row["submitted_at"]),
        )
        if row["latitude"] is not None and row["longitude"] is not None:
            package.location.CopyFrom(
                pb.Location(latitude=row["latitude"], longitude=row["longitude"], address=row["address"])
            )
        return package

    @grpc
    def CompleteTransfer(self, request, context):
        """The other instance issued its own code: the request is closed here as moved, with the
        code in its history. Asked again after a crash, it changes nothing."""
        self._federation_only()
        now = self._now()
        code = request.peer_tracking_code.strip()
        if not code:
            raise invalid_argument(
                "CODE_REQUIRED", "the other instance's tracking code is required", field="peer_tracking_code"
            )
        with self.db.begin() as conn:
            row = self._row(conn, request.ticket_id)
            transfer = store.transfer_of(conn, row["ticket_id"])
            if transfer is None or transfer["direction"] != "out":
                raise failed_precondition("NO_TRANSFER_OFFERED", "no move of this request was offered")
            if transfer["status"] == federated.COMPLETED:
                return self._transfer_state(row, transfer)
            if transfer["status"] != federated.CONSENTED:
                raise failed_precondition("NO_CONSENT", "the requester has not consented to the move")
            store.update_transfer(
                conn,
                row["ticket_id"],
                status=federated.COMPLETED,
                completed_at=now,
                peer_tracking_code=code[:16],
                contact="",
            )
            store.mark_transferred(conn, row["ticket_id"], now)
            store.add_history(
                conn,
                row["ticket_id"],
                store.TRANSFERRED,
                now,
                "federation",
                "transferred",
                row["status"],
                workflow.SYSTEM,
                {"to_instance": transfer["peer_instance"], "tracking_code": code},
            )
            transfer = store.transfer_of(conn, row["ticket_id"])
            self._transfer_event(conn, row, transfer, "completed")
            return self._transfer_state(row, transfer)

    @grpc
    def ReceiveTransfer(self, request, context):
        """A request moved here by another instance, with its requester's consent: filed at the
        office named, once per idempotency key; every retry gets the same request back."""
        self._federation_only()
        key = request.idempotency_key.strip()
        if not key or len(key) > 64:
            raise invalid_argument("KEY_REQUIRED", "idempotency_key: 1 to 64 characters", field="idempotency_key")
        with self.db.connect() as conn:
            known = store.transfer_by_key(conn, key)
            if known is not None:
                return self._transfer_state(store.find_by_id(conn, known["ticket_id"]), known)
        location = request.location if request.HasField("location") else None
        sub = domain.Submission(
            office_id=request.office_id,
            kind=transitions.kind_name(request.kind),
            category=request.category,
            description=request.description,
            citizen_id="",
            channel="web",
            language=request.language,
            attachment_ids=(),
            latitude=_coordinate(location.latitude) if location else None,
            longitude=_coordinate(location.longitude) if location else None,
            address=location.address if location else "",
            public=False,
        )
        sub = domain.validate_submission(sub)
        if sub.kind not in federated.TRANSFERABLE_KINDS:
            raise failed_precondition("KIND_NOT_TRANSFERABLE", f"a {sub.kind} is not moved between instances")
        office = self.registry.GetOffice(registry_pb2.GetOfficeRequest(office_id=sub.office_id))
        if office.status != "operational":
            raise failed_precondition(
                "OFFICE_NOT_ACCEPTING", "this office does not take requests", office_id=office.office_id
            )
        # Another instance's category may be unknown here: the request type's own rules apply then.
        rules = CATALOGUES.rules(self.registry.ListCategories, office.office_id, sub.kind, sub.category)
        sub = dataclasses.replace(sub, channel="federation", public=False)
        rules = dataclasses.replace(rules, publicity="private", anonymous_allowed=True)
        origin = request.origin_tracking_code.strip()[:16]
        source = request.from_instance.strip()[:16]

        def record(conn, row):
            moved = dict(
                ticket_id=row["ticket_id"],
                direction="in",
                peer_instance=source,
                peer_office_id="",
                status=federated.RECEIVED,
                idempotency_key=key,
                peer_tracking_code=origin,
                contact="",
                offered_at=row["submitted_at"],
                answered_at=row["submitted_at"],
                completed_at=row["submitted_at"],
            )
            store.save_transfer(conn, moved)
            self._transfer_event(conn, row, moved, "received")
            store.add_history(
                conn,
                row["ticket_id"],
                row["status"],
                row["submitted_at"],
                "federation",
                "transfer_received",
                "",
                workflow.SYSTEM,
                {"from_instance": source, "tracking_code": origin, "submitted_on": request.submitted_on[:10]},
            )

        def exists() -> bool:
            with self.db.connect() as conn:
                return store.transfer_by_key(conn, key) is not None

        try:
            row, _, _ = self._file(
                sub,
                office,
                rules,
                " ".join(request.contact.split())[:200],
                "federation",
                workflow.SYSTEM,
                also=record,
                exists=exists,
            )
        except sa.exc.IntegrityError:
            pass  # the same move, filed by a retry racing this one
        with self.db.connect() as conn:
            transfer = store.transfer_by_key(conn, key)
            return self._transfer_state(store.find_by_id(conn, transfer["ticket_id"]), transfer)

    @grpc
    def ExportCitizenData(self, request, context):
        citizen_id = policy.own_data_subject(self._caller(), request.citizen_id)
        with self.db.connect() as conn:
            data = store.citizen_export(conn, citizen_id)
        return pb.ExportCitizenDataReply(json=json.dumps(data, ensure_ascii=False))


PUBLIC_LIST_MAX = 1000


def public_request(r) -> pb.PublicRequest:
    """A request as a public list may show it: the text, place and photo only when its author
    made it public, the text only when moderation did not hide it; never who asked."""
    item = pb.PublicRequest(
        ticket_id=r["ticket_id"],
        office_id=r["office_id"],
        kind=request_types.wire(r["kind"]),
        category=r["category"],
        status=r["status"],
        submitted_at=timestamp(r["submitted_at"]),
        updated_at=timestamp(r["updated_at"]),
        answer_by=timestamp(r["answer_by"]),
        department=r["department"],
        public=bool(r["public"]),
        merged_into=r["merged_into"],
    )
    if r["public"]:
        if not r["hidden_reason"]:
            item.description = r["description"]
        item.media_url = r["media_url"]
        if r["latitude"] is not None or r["address"]:
            item.location.CopyFrom(
                pb.Location(
                    latitude=r["latitude"] if r["latitude"] is not None else math.nan,
                    longitude=r["longitude"] if r["longitude"] is not None else math.nan,
                    address=r["address"],
                )
            )
    return item


def history_entry(e) -> pb.HistoryEntry:
    """A line of the timeline: what happened, by which role and what it said to the requester
    (answer, reason, ...), never who."""
    return pb.HistoryEntry(
        action=e["action"],
        from_status=e["from_status"],
        to_status=e["status"],
        actor_role=e["actor_role"],
        at=timestamp(e["at"]),
        details=history_details(e),
    )


def thread_message(m) -> pb.ThreadMessage:
    return pb.ThreadMessage(
        message_id=m["message_id"],
        internal=bool(m["internal"]),
        author_role=m["author_role"],
        body=m["body"],
        at=timestamp(m["at"]),
        attachment_ids=[a for a in m["attachment_ids"].split(",") if a],
    )


def queue_item(r, now: dt.datetime) -> pb.QueueItem:
    due = store.as_utc(r["due_at"]) if r["due_at"] else None
    item = pb.QueueItem(
        ticket_id=r["ticket_id"],
        tracking_code=r["tracking_code"],
        office_id=r["office_id"],
        kind=request_types.wire(r["kind"]),
        category=r["category"],
        status=r["status"],
        submitted_at=timestamp(r["submitted_at"]),
        overdue=bool(due and due < now),
        assignee_id=r["assignee_id"],
        priority=r["priority"],
        department=r["department"],
    )
    if due:
        item.due_at.CopyFrom(timestamp(due))
    return item


def encode_page_token(row) -> str:
    return paging.encode_page_token(row["submitted_at"], row["ticket_id"])


decode_page_token = paging.decode_page_token


SERVICE = TicketsService
migrate = migrator("tickets", store.metadata)
