"""The notifications service: events in, inbox items, e-mails and SMS out.

The Kafka handler only writes to this service's database (inbox item, one delivery row
per channel and the processed-event marker in one transaction), so an unreachable mail
server, SMS provider or identity service never turns an event into a dead letter. A
sender (timer) then claims due deliveries, looks the address up in identity, applies the
recipient's preferences and quiet hours, sends, and retries with back-off; after the last
attempt it records notification.failed and a dead letter on notifications.events.v1.dlq
(the event and the reason, never the address or the text), in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import zoneinfo

import eventlet
import nameko
import sqlalchemy as sa
from google.protobuf.timestamp_pb2 import Timestamp
from nameko.timer import timer
from nameko_grpc.errors import GrpcError

from citizenoffice.identity.v1 import identity_pb2
from citizenoffice.identity.v1.identity_pb2_grpc import IdentityServiceStub
from citizenoffice.notifications.v1 import notifications_pb2 as pb
from citizenoffice.notifications.v1.notifications_pb2_grpc import NotificationsServiceStub
from citizenoffice.participation.v1 import participation_pb2
from citizenoffice.participation.v1.participation_pb2_grpc import ParticipationServiceStub
from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from citizenoffice.tickets.v1 import tickets_pb2
from cokit.auth import policy
from cokit.auth.provider import TokenVerifier
from cokit.clients import ServiceClient
from cokit.timestamps import to_timestamp
from cokit.errors import failed_precondition, invalid_argument, not_found, unavailable
from cokit.events.consumer import consume
from cokit.events.envelope import topic_for
from cokit.events.relay import OutboxRelay
from cokit.events.tables import add_event_tables
from cokit.ids import uuid7
from cokit.paging import decode_page_token, encode_page_token, page_size
from cokit.mail import MailError, MailerProvider
from cokit.service import kit_service, migrator, rpc
from cokit import platform
from cokit.settings import ServiceSettings, SettingsError, SmtpSettings

from . import digest, domain, store
from .sms import SmsError, SmsProvider, SmsRejected

grpc = rpc(NotificationsServiceStub)
add_event_tables(store.metadata)
log = logging.getLogger(__name__)

GROUP = "notifications"
CLAIM_STALE_SECONDS = 60
SEND_BATCH = 50
SEND_ROUNDS = 20  # batches one timer run sends at most before the next tick
LOOKUPS_IN_FLIGHT = 8  # identity look-ups of one batch's recipients at once
# The staff digest: checked every DIGEST_INTERVAL seconds, made once a day per office from
# NOTIFICATIONS_DIGEST_HOUR (local time of the instance) on.
DIGEST_INTERVAL = float(os.environ.get("NOTIFICATIONS_DIGEST_INTERVAL", "600") or 600)
DIGEST_TIMEZONE = zoneinfo.ZoneInfo("Africa/Casablanca")


@dataclasses.dataclass(frozen=True)
class Settings(SmtpSettings, ServiceSettings):
    service_name: str = "notifications"
    grpc_port: int = platform.facts("notifications").grpc_port
    metrics_port: int = platform.facts("notifications").metrics_port
    database_url: str = "sqlite:///.local/data/notifications.db"
    identity_grpc_target: str = platform.local_target("identity")
    sms_provider_url: str = ""  # empty: no SMS channel
    sms_api_key: str = ""
    sms_sender: str = "BureauCitoyen"
    sms_timeout: float = 10.0
    notifications_max_attempts: int = domain.MAX_ATTEMPTS  # sends tried before a delivery fails
    notifications_first_retry_seconds: float = domain.FIRST_BACKOFF_SECONDS  # then doubling, up to 10 min
    registry_grpc_target: str = platform.local_target("registry")  # the staff of an office, for the digest
    participation_grpc_target: str = platform.local_target("participation")  # who asked to be told of a step
    notifications_digest_hour: int = 7  # local hour from which the day's digest is sent
    notifications_digest_interval: float = 600.0  # seconds between digest checks

    def __post_init__(self):
        problems = []
        if self.notifications_max_attempts < 1:
            problems.append("NOTIFICATIONS_MAX_ATTEMPTS must be at least 1")
        if self.notifications_first_retry_seconds <= 0:
            problems.append("NOTIFICATIONS_FIRST_RETRY_SECONDS must be above 0")
        if not 0 <= self.notifications_digest_hour <= 23:
            problems.append("NOTIFICATIONS_DIGEST_HOUR must be 0 to 23")
        if self.notifications_digest_interval <= 0:
            problems.append("NOTIFICATIONS_DIGEST_INTERVAL must be above 0")
        if problems:
            raise SettingsError("Settings: " + "; ".join(problems))


def _iso_day(ts: Timestamp) -> str:
    return ts.ToDatetime().strftime("%Y-%m-%d")


def ticket_fields(event, payload: tickets_pb2.TicketSubmitted) -> dict:
    return {
        "tracking_code": payload.tracking_code,
        "kind": tickets_pb2.TicketKind.Name(payload.kind).lower(),
        "submitted_on": event.envelope.occurred_at.ToDatetime().strftime("%Y-%m-%d"),
        "acknowledge_by": _iso_day(payload.acknowledge_by),
        "answer_by": _iso_day(payload.answer_by),
    }


PARTICIPATION_NOTICES = {"consultation.closed", "consultation.responded", "proposal.forwarded"}


def _retry_policy() -> tuple[int, float]:
    c = nameko.config
    return (
        int(c.get("NOTIFICATIONS_MAX_ATTEMPTS", domain.MAX_ATTEMPTS)),
        float(c.get("NOTIFICATIONS_FIRST_RETRY_SECONDS", domain.FIRST_BACKOFF_SECONDS)),
    )


class NotificationsService(kit_service(pb)):
    name = "notifications"
    events = OutboxRelay(engine="db")
    identity = ServiceClient("identity", IdentityServiceStub)
    mailer = MailerProvider()
    sms = SmsProvider()
    # The caller of the inbox and export calls: the access token on the call, verified here.
    auth = TokenVerifier()
    registry = ServiceClient("registry", RegistryServiceStub)
    participation = ServiceClient("participation", ParticipationServiceStub)

    # Events of different tickets handled side by side (each ticket's in order): a burst of
    # submissions reaches the inbox without waiting in one line per partition.
    @consume(topic_for("tickets"), group=GROUP, lanes=4)
    def on_ticket_event(self, event):
        payload = event.payload
        if payload is None:
            return  # a kind of event this release does not know yet
        if event.type == "ticket.submitted":
            kind, language, fields = event.type, payload.language, ticket_fields(event, payload)
        elif isinstance(payload, tickets_pb2.TicketTransitioned):
            # The event carries no language: the inbox copy is in Arabic, the official
            # language, and messages sent later use the language identity holds.
            kind, language = "ticket.status_changed", ""
            fields = {"tracking_code": payload.tracking_code, "status": payload.to_status}
        else:
            return
        if not payload.citizen_id:
            return  # anonymous requests have nobody to notify
        self._notify(event, payload.citizen_id, kind, language, fields)

    @consume(topic_for("participation"), group=GROUP + "-participation", types=PARTICIPATION_NOTICES)
    def on_participation_event(self, event):
        """The participants who asked to be told (participation keeps who they are; its events
        name nobody): results out, the office's response, a proposal filed as a request."""
        payload = event.payload
        if payload is None:
            return
        if isinstance(payload, participation_pb2.ConsultationEvent):
            ask = participation_pb2.SubscribersRequest(consultation_id=payload.consultation_id)
            fields = {"participants": payload.participants}
        else:
            ask = participation_pb2.SubscribersRequest(proposal_id=payload.proposal_id)
            fields = {"tracking_code": payload.tracking_code, "supports": payload.supports}
        subscribers = self.participation.ListSubscribers(ask).subscribers
        with self.db.begin() as conn:
            if not event.mark_processed(conn):
                return
            for s in subscribers:
                self._queue(conn, event, s.citizen_id, event.type, s.language, fields)

    def _notify(self, event, citizen_id: str, kind: str, language: str, fields: dict) -> None:
        with self.db.begin() as conn:
            if event.mark_processed(conn):
                self._queue(conn, event, citizen_id, kind, language, fields)

    def _queue(self, conn, event, citizen_id: str, kind: str, language: str, fields: dict) -> None:
        """The inbox item and one delivery per channel, in the open transaction."""
        message = domain.render(kind, language, fields)
        now = dt.datetime.now(dt.timezone.utc)
        if store.is_erased(conn, citizen_id):
            return
        store.insert_ignoring_duplicate(
            conn,
            store.inbox_items,
            {
                "item_id": uuid7(),
                "citizen_id": citizen_id,
                "event_id": event.event_id,
                "kind": kind,
                "language": message.language,
                "subject": message.subject,
                "body": message.body,
                "read": False,
                "created_at": now,
                "fields": json.dumps(fields),
            },
        )
        for channel in self._channels():
            store.insert_ignoring_duplicate(
                conn,
                store.deliveries,
                {
                    "delivery_id": uuid7(),
                    "event_id": event.event_id,
                    "channel": channel,
                    "citizen_id": citizen_id,
                    "kind": kind,
                    "language": language,
                    "fields": json.dumps(fields),
                    "state": "pending",
                    "attempts": 0,
                    "last_error": "",
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )

    def _channels(self) -> tuple[str, ...]:
        return domain.CHANNELS if self.sms is not None else (domain.EMAIL,)

    @timer(interval=1.0)
    def send_due(self):
        # A backlog goes out in batches one after the other, not one batch a tick; a run stops
        # after SEND_ROUNDS batches so that a stopping container does not wait long for it.
        for _ in range(SEND_ROUNDS):
            now = dt.datetime.now(dt.timezone.utc)
            with self.db.begin() as conn:
                claimed = store.claim_due(conn, now, now - dt.timedelta(seconds=CLAIM_STALE_SECONDS), SEND_BATCH)
            if claimed:
                self._send_batch(claimed)
            if len(claimed) < SEND_BATCH:
                return

    def _send_batch(self, claimed: list[dict]) -> None:
        """Send a batch of claimed deliveries: the recipients' preferences in one read, their
        addresses looked up side by side, the e-mails over one SMTP connection, and what became
        of each delivery recorded in one transaction. A crash before that transaction leaves the
        batch claimed; it is sent again after CLAIM_STALE_SECONDS with the same Message-IDs."""
        citizens = {d["citizen_id"] for d in claimed}
        with self.db.connect() as conn:
            opt_outs = store.opt_outs_by_citizen(conn, citizens)
            quiet = store.quiet_hours_by_citizen(conn, {d["citizen_id"] for d in claimed if d["channel"] == domain.SMS})
        now = dt.datetime.now(dt.timezone.utc)
        outcomes, to_send = [], []
        for delivery in claimed:
            outcome = self._held_back(delivery, opt_outs.get(delivery["citizen_id"], set()), quiet, now)
            if outcome is None:
                to_send.append(delivery)
            else:
                outcomes.append((delivery, outcome))
        contacts = self._contacts({d["citizen_id"] for d in to_send})
        with self.mailer.session() as mail:
            for delivery in to_send:
                outcomes.append((delivery, self._send(delivery, contacts[delivery["citizen_id"]], mail)))
        with self.db.begin() as conn:
            for delivery, (record, *args) in outcomes:
                record(conn, delivery, *args)

    def _held_back(self, delivery: dict, opt_outs, quiet: dict, now: dt.datetime):
        """The outcome of a delivery the recipient's preferences hold back, else None."""
        if domain.opted_out(opt_outs, delivery["channel"], delivery["kind"]):
            return (self._finish, "skipped", "opted out")
        hours = quiet.get(delivery["citizen_id"]) if delivery["channel"] == domain.SMS else None
        if hours is not None:
            until = domain.quiet_until(now, hours["start_minute"], hours["end_minute"], hours["timezone"])
            if until is not None:
                return (self._postpone, until)
        return None

    def _contacts(self, citizen_ids) -> dict:
        """Citizen id -> identity's Citizen, or the GrpcError it answered; LOOKUPS_IN_FLIGHT at once."""

        def look_up(citizen_id):
            try:
                return citizen_id, self.identity.GetCitizen(identity_pb2.GetCitizenRequest(citizen_id=citizen_id))
            except GrpcError as exc:
                return citizen_id, exc

        return dict(eventlet.GreenPool(LOOKUPS_IN_FLIGHT).imap(look_up, sorted(citizen_ids)))

    def _send(self, delivery: dict, citizen, mail):
        """Send one delivery (an e-mail on the batch's connection `mail`, or an SMS); its outcome."""
        channel = delivery["channel"]
        if isinstance(citizen, GrpcError):
            if citizen.code.name == "NOT_FOUND":
                return (self._finish, "skipped", "citizen erased or unknown")
            return (self._retry, f"identity: {citizen.code.name}")
        address = citizen.email if channel == domain.EMAIL else citizen.phone
        if not address:
            return (self._finish, "skipped", f"no {channel} address")
        language = citizen.language or delivery["language"]
        message = domain.render(delivery["kind"], language, json.loads(delivery["fields"]))
        try:
            if channel == domain.EMAIL:
                mail.send(
                    self.mailer.message(
                        address,
                        message.subject,
                        message.body,
                        message.language,
                        message_id=f"<{delivery['delivery_id']}@citizenoffice>",
                    )
                )
            elif self.sms is None:
                return (self._finish, "skipped", "no SMS provider configured")
            else:
                self.sms.send(address, domain.sms_text(message), reference=delivery["delivery_id"])
        except SmsRejected as exc:
            return (self._finish, "failed", str(exc))
        except (MailError, SmsError) as exc:
            return (self._retry, str(exc))
        return (self._finish, "sent", "")

    def _postpone(self, conn, delivery: dict, until: dt.datetime) -> None:
        """Quiet hours: wait without spending an attempt."""
        conn.execute(
            store.deliveries.update()
            .where(store.deliveries.c.delivery_id == delivery["delivery_id"])
            .values(state="pending", next_attempt_at=until, claimed_at=None)
        )

    def _finish(self, conn, delivery: dict, state: str, note: str) -> None:
        now = dt.datetime.now(dt.timezone.utc)
        conn.execute(
            store.deliveries.update()
            .where(store.deliveries.c.delivery_id == delivery["delivery_id"])
            .values(
                state=state,
                last_error=note[:300],
                attempts=delivery["attempts"] + 1,
                sent_at=now if state == "sent" else None,
                claimed_at=None,
            )
        )
        if state == "sent":
            self.events.add(
                conn,
                "notification.delivered",
                delivery["delivery_id"],
                pb.NotificationDelivered(
                    delivery_id=delivery["delivery_id"],
                    source_event_id=delivery["event_id"],
                    channel=delivery["channel"],
                ),
            )
        elif state == "failed":
            reason = domain.failure_reason(note)
            failed = self.events.add(
                conn,
                "notification.failed",
                delivery["delivery_id"],
                pb.NotificationFailed(
                    delivery_id=delivery["delivery_id"],
                    source_event_id=delivery["event_id"],
                    channel=delivery["channel"],
                    attempts=delivery["attempts"] + 1,
                    error=reason,
                ),
            )
            self.events.dead_letter(conn, failed, reason)
        log.info(
            "delivery finished",
            extra={"delivery_id": delivery["delivery_id"], "channel": delivery["channel"], "state": state},
        )

    def _retry(self, conn, delivery: dict, error: str) -> None:
        attempts = delivery["attempts"] + 1
        max_attempts, first_backoff = _retry_policy()
        if attempts >= max_attempts:
            log.warning(
                "delivery failed for good",
                extra={"delivery_id": delivery["delivery_id"], "error": domain.failure_reason(error)},
            )
            return self._finish(conn, delivery, "failed", error)
        next_at = dt.datetime.now(dt.timezone.utc) + dt.timedelta(
            seconds=domain.backoff_seconds(attempts, first_backoff)
        )
        conn.execute(
            store.deliveries.update()
            .where(store.deliveries.c.delivery_id == delivery["delivery_id"])
            .values(
                state="pending", attempts=attempts, last_error=error[:300], next_attempt_at=next_at, claimed_at=None
            )
        )
        log.info("delivery will be retried", extra={"delivery_id": delivery["delivery_id"], "attempts": attempts})

    @consume(topic_for("identity"), group=GROUP + "-identity", types={"user.erased"})
    def on_identity_event(self, event):
        """user.erased: inbox and preferences deleted, deliveries kept as counts (store.erase)."""
        if event.payload is None or not event.payload.citizen_id:  # only user.erased reaches here (types)
            return
        with self.db.begin() as conn:
            counts = store.erase(conn, event.payload.citizen_id, dt.datetime.now(dt.timezone.utc))
        log.info("recipient's data erased", extra={"event_id": event.event_id, **counts})

    # --- sent at once, for identity (the code never stored, logged or put in an event) ------

    @grpc
    def SendOneTimeCode(self, request, context):
        self.auth.require("security.send")
        domain.check_security_request(
            request.channel, request.address, request.purpose, domain.CODE_PURPOSES, code=request.code
        )
        minutes = request.expires_in_minutes if 0 < request.expires_in_minutes <= 24 * 60 else 15
        message = domain.render_security(request.purpose, request.language, code=request.code, minutes=minutes)
        return self._send_now(request, message)

    @grpc
    def SendSecurityNotice(self, request, context):
        self.auth.require("security.send")
        domain.check_security_request(request.channel, request.address, request.purpose, domain.NOTICE_PURPOSES)
        message = domain.render_security(request.purpose, request.language, minutes=max(request.minutes, 1))
        return self._send_now(request, message)

    def _send_now(self, request, message: domain.SecurityMessage) -> pb.SendReply:
        """Send on the one channel asked for, then record the delivery without its text."""
        delivery_id, channel, kind = uuid7(), request.channel, "security." + request.purpose
        state, error = "sent", ""
        try:
            if channel == domain.EMAIL:
                self.mailer.send(
                    request.address.strip(),
                    message.subject,
                    message.body,
                    message.language,
                    message_id=f"<{delivery_id}@citizenoffice>",
                    headers={"X-Citizenoffice-Kind": request.purpose},
                )
            elif self.sms is None:
                state, error = "not_configured", "no SMS provider configured"
            else:
                self.sms.send(request.address.strip(), message.sms, reference=delivery_id)
        except SmsRejected as exc:
            state, error = "rejected", domain.failure_reason(str(exc))
        except (MailError, SmsError) as exc:
            state, error = "failed", domain.failure_reason(str(exc))
        now = dt.datetime.now(dt.timezone.utc)
        with self.db.begin() as conn:
            conn.execute(
                store.deliveries.insert().values(
                    delivery_id=delivery_id,
                    event_id=delivery_id,
                    channel=channel,
                    citizen_id=request.citizen_id,
                    kind=kind,
                    language=message.language,
                    fields="{}",
                    state="sent" if state == "sent" else "failed",
                    attempts=1,
                    last_error=error,
                    next_attempt_at=now,
                    created_at=now,
                    sent_at=now if state == "sent" else None,
                )
            )
        log.info("security message %s", state, extra={"delivery_id": delivery_id, "channel": channel, "kind": kind})
        if state == "rejected":
            raise invalid_argument("ADDRESS_REJECTED", f"the {channel} provider refuses this address", field="address")
        if state == "not_configured":
            raise failed_precondition("CHANNEL_NOT_CONFIGURED", f"this instance sends no {channel}", channel=channel)
        if state != "sent":
            raise unavailable(
                "CHANNEL_UNAVAILABLE", f"the {channel} channel cannot send now; try again shortly", channel=channel
            )
        return pb.SendReply(delivery_id=delivery_id, channel=channel)

    # --- the caller's own inbox and data (the verified token decides whose) -------------------

    def _me(self, asked: str = "") -> str:
        return policy.own_data_subject(self.auth.from_context(), asked)

    @grpc
    def ExportCitizenData(self, request, context):
        citizen_id = self._me(request.citizen_id)
        with self.db.connect() as conn:
            data = store.export(conn, citizen_id)
        return pb.ExportCitizenDataReply(json=json.dumps(data, ensure_ascii=False))

    @grpc
    def ListInbox(self, request, context):
        citizen_id = self._me(request.citizen_id)
        size = page_size(request.page_size)
        after = decode_page_token(request.page_token)
        with self.db.connect() as conn:
            rows, unread = store.inbox_page(conn, citizen_id, after, size + 1)
        language = request.language or self._language_of(citizen_id)
        token = encode_page_token(rows[size - 1]["created_at"], rows[size - 1]["item_id"]) if len(rows) > size else ""
        return pb.Inbox(items=[_inbox_message(r, language) for r in rows[:size]], unread=unread, next_page_token=token)

    def _language_of(self, citizen_id: str) -> str:
        """The language the account holds; '' (each item's own) when identity cannot say."""
        try:
            return self.identity.GetCitizen(identity_pb2.GetCitizenRequest(citizen_id=citizen_id)).language
        except GrpcError:
            return ""

    @grpc
    def MarkRead(self, request, context):
        citizen_id = self._me(request.citizen_id)
        if not request.item_id:
            raise invalid_argument("ITEM_ID_REQUIRED", "item_id is required", field="item_id")
        items = store.inbox_items
        with self.db.begin() as conn:
            found = conn.execute(
                sa.select(items.c.read).where(items.c.item_id == request.item_id, items.c.citizen_id == citizen_id)
            ).first()
            if found is None:
                # Someone else's item answers the same: its existence is not told.
                raise not_found("INBOX_ITEM_NOT_FOUND", "no such item in your inbox")
            result = conn.execute(
                items.update()
                .where(items.c.item_id == request.item_id, items.c.citizen_id == citizen_id, items.c.read.is_(False))
                .values(read=True)
            )
        return pb.MarkReadResponse(changed=result.rowcount == 1)

    @grpc
    def GetPreferences(self, request, context):
        # The person themselves, or the platform relaying for someone without an account.
        self.auth.require("notification.preferences", owner=request.citizen_id)
        return self._preferences(_citizen(request.citizen_id))

    @grpc
    def SetPreferences(self, request, context):
        self.auth.require("notification.preferences", owner=request.citizen_id)
        citizen_id = _citizen(request.citizen_id)
        opt_outs = {domain.check_opt_out(o.channel, o.kind or domain.ANY_KIND) for o in request.opt_outs}
        quiet = request.quiet_hours
        quiet_row = None
        if quiet.start or quiet.end:
            domain.check_timezone(quiet.timezone)
            quiet_row = {
                "citizen_id": citizen_id,
                "start_minute": domain.parse_clock(quiet.start),
                "end_minute": domain.parse_clock(quiet.end),
                "timezone": quiet.timezone or "Africa/Casablanca",
            }
        with self.db.begin() as conn:
            conn.execute(store.opt_outs.delete().where(store.opt_outs.c.citizen_id == citizen_id))
            for channel, kind in sorted(opt_outs):
                conn.execute(store.opt_outs.insert().values(citizen_id=citizen_id, channel=channel, kind=kind))
            conn.execute(store.quiet_hours.delete().where(store.quiet_hours.c.citizen_id == citizen_id))
            if quiet_row:
                conn.execute(store.quiet_hours.insert().values(**quiet_row))
        return self._preferences(citizen_id)

    def _preferences(self, citizen_id: str) -> pb.Preferences:
        with self.db.connect() as conn:
            opt_outs = store.opt_outs_of(conn, citizen_id)
            quiet = store.quiet_hours_of(conn, citizen_id)
        reply = pb.Preferences(
            citizen_id=citizen_id, opt_outs=[pb.OptOut(channel=c, kind=k) for c, k in sorted(opt_outs)]
        )
        if quiet:
            reply.quiet_hours.CopyFrom(
                pb.QuietHours(
                    start=f"{quiet['start_minute'] // 60:02d}:{quiet['start_minute'] % 60:02d}",
                    end=f"{quiet['end_minute'] // 60:02d}:{quiet['end_minute'] % 60:02d}",
                    timezone=quiet["timezone"],
                )
            )
        return reply

    # --- the staff daily digest ----------------------------------------------------------------

    @consume(topic_for("tickets"), group=GROUP + "-digest")
    def on_deadline_event(self, event):
        """ticket.deadline_near and ticket.overdue, kept for the office's next digest (once per event)."""
        kind = digest.EVENT_KINDS.get(event.type)
        payload = event.payload
        if kind is None or not isinstance(payload, tickets_pb2.TicketDeadline) or not payload.office_id:
            return
        due = payload.due_at.ToDatetime(tzinfo=dt.timezone.utc) if payload.HasField("due_at") else None
        with self.db.begin() as conn:
            if not event.mark_processed(conn):
                return
            store.insert_ignoring_duplicate(
                conn,
                store.digest_entries,
                {
                    "event_id": event.event_id,
                    "office_id": payload.office_id,
                    "ticket_id": payload.ticket_id,
                    "tracking_code": payload.tracking_code[:16] or None,
                    "kind": kind,
                    "due_at": due,
                    "created_at": dt.datetime.now(dt.timezone.utc),
                },
            )

    @timer(interval=DIGEST_INTERVAL)
    def send_digests(self):
        now = dt.datetime.now(dt.timezone.utc)
        hour = int(nameko.config.get("NOTIFICATIONS_DIGEST_HOUR", Settings.notifications_digest_hour))
        if now.astimezone(DIGEST_TIMEZONE).hour >= hour:
            self._make_digests(now)

    @grpc
    def RunDigests(self, request, context):
        """What the digest timer does next, asked now by an operator of the instance."""
        self.auth.require("scheduler.run")
        offices, deliveries = self._make_digests(dt.datetime.now(dt.timezone.utc))
        return pb.RunDigestsReply(offices=offices, deliveries=deliveries)

    def _make_digests(self, now: dt.datetime) -> tuple[int, int]:
        """Today's digest of every office with entries waiting: one e-mail delivery per staff
        member, sent by send_due in the member's language (opt-outs and retries as any mail)."""
        day = now.astimezone(DIGEST_TIMEZONE).date()
        with self.db.connect() as conn:
            offices = store.offices_awaiting_digest(conn)
        made = queued = 0
        for office_id in offices:
            try:
                profile = self.registry.GetOfficeProfile(registry_pb2.GetOfficeRequest(office_id=office_id))
            except GrpcError as exc:
                log.warning(
                    "digest postponed: the office's staff is unknown",
                    extra={"office_id": office_id, "code": exc.code.name},
                )
                continue
            staff = digest.recipients(m.account_id for m in profile.staff)
            with self.db.begin() as conn:
                entries = store.take_digest(conn, office_id, day.isoformat(), now)
                if entries is None:
                    continue
                made += 1
                fields = json.dumps(digest.fields(entries))
                for account_id in staff:
                    queued += store.insert_ignoring_duplicate(
                        conn,
                        store.deliveries,
                        {
                            "delivery_id": uuid7(),
                            "event_id": digest.digest_id(office_id, day),
                            "channel": domain.EMAIL,
                            "citizen_id": account_id,
                            "kind": digest.KIND,
                            "language": "",
                            "fields": fields,
                            "state": "pending",
                            "attempts": 0,
                            "last_error": "",
                            "next_attempt_at": now,
                            "created_at": now,
                        },
                    )
            log.info("staff digest made", extra={"office_id": office_id, "entries": len(entries), "staff": len(staff)})
        return made, queued


def _citizen(citizen_id: str) -> str:
    if not citizen_id:
        raise invalid_argument("CITIZEN_ID_REQUIRED", "citizen_id is required", field="citizen_id")
    return citizen_id


def _inbox_message(row, language: str = "") -> pb.InboxItem:
    """An inbox item in `language` when its fields were kept (and a template exists), else as written."""
    created = to_timestamp(row["created_at"])
    shown = domain.Message(row["language"], row["subject"], row["body"])
    if language and row.get("fields") and row["kind"] in domain.TEMPLATES:
        shown = domain.render(row["kind"], language, json.loads(row["fields"]))
    return pb.InboxItem(
        item_id=row["item_id"],
        event_id=row["event_id"],
        kind=row["kind"],
        language=shown.language,
        subject=shown.subject,
        body=shown.body,
        read=row["read"],
        created_at=created,
    )


SERVICE = NotificationsService
migrate = migrator("notifications", store.metadata)
