"""The federation service: this instance's identity among the others, the directory of member
instances, the signed exchanges with them (figures, transfers of requests, membership) and the
message log an auditor reads.

Two ports: the platform's gRPC port (FederationService: admins, auditors, the gateway) and the
federation port (PeerService over mutual TLS: the other instances, see peer.py). Every message
between instances is a signed envelope (envelope.py) checked in one order, each refusal with its
reason; each one, taken or refused, is an entry of the message log (store.append_log).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hmac
import json
import logging
import math
import os

import eventlet.semaphore
import sqlalchemy as sa
from grpc import StatusCode
from nameko.timer import timer
from nameko_grpc.errors import GrpcError

from citizenoffice.federation.v1 import federation_pb2 as pb
from citizenoffice.federation.v1.federation_pb2_grpc import FederationServiceStub, PeerServiceStub
from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from citizenoffice.tickets.v1 import tickets_pb2
from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub
from cokit import platform
from cokit.auth.provider import TokenVerifier
from cokit.clients import ServiceClient
from cokit.db import create_engine
from cokit.errors import error_info
from cokit.events.consumer import consume
from cokit.events.envelope import topic_for
from cokit.events.relay import OutboxRelay
from cokit.events.tables import add_event_tables
from cokit.ids import uuid7
from cokit.metrics import DatabaseGauge
from cokit.refusals import (
    Refusal,
    failed_precondition,
    invalid_argument,
    not_found,
    permission_denied,
    unauthenticated,
)
from cokit.sealing import InvalidTag, SealingKeyError, Sealer
from cokit.service import instance_id as current_instance, kit_service, migrator, rpc
from cokit.settings import ServiceSettings, SettingsError

from . import domain, envelope, keys as keys_mod, peer, store

log = logging.getLogger(__name__)
grpc = rpc(FederationServiceStub)
peer_grpc = peer.peer_rpc(PeerServiceStub, expected_exceptions=(Refusal, GrpcError))
add_event_tables(store.metadata)

FACTS = platform.facts("federation")


@dataclasses.dataclass(frozen=True)
class Settings(ServiceSettings):
    service_name: str = "federation"
    grpc_port: int = FACTS.grpc_port
    metrics_port: int = FACTS.metrics_port
    database_url: str = "sqlite:///.local/data/federation.db"
    identity_grpc_target: str = platform.local_target("identity")  # the trust state (JWKS) that verifies callers
    registry_grpc_target: str = platform.local_target("registry")  # the directory and achievements published
    tickets_grpc_target: str = platform.local_target("tickets")  # statistics published; transfers in and out
    federation_key_secret: str = ""  # base64 of 32 bytes sealing the private keys (required)
    federation_country: str = "MA"
    federation_name: str = "Bureau Citoyen"
    federation_peer_port: int = FACTS.peer_port
    federation_peer_url: str = f"https://127.0.0.1:{FACTS.peer_port}"  # what other instances dial
    federation_message_window: float = envelope.DEFAULT_WINDOW_SECONDS
    federation_pull_interval: float = 300.0
    federation_heartbeat_seconds: float = 60.0
    federation_retry_seconds: float = 5.0
    federation_call_timeout: float = 15.0
    federation_capture_dir: str = ""


# One delivery run at a time per process.
_DELIVERING = eventlet.semaphore.Semaphore()

# Read at import: nameko's timer takes its interval when the class is defined.
TICK_SECONDS = float(os.environ.get("FEDERATION_TICK_SECONDS", "5") or 5)


def _setting(name: str, default):
    import nameko

    value = nameko.config.get(name)
    return default if value in (None, "") else value


def sealer_of(secret: str) -> Sealer:
    try:
        return Sealer(secret, "FEDERATION_KEY_SECRET")
    except SealingKeyError as exc:
        raise SettingsError(str(exc)) from None


def open_keys(conn, secret: str, instance: str) -> keys_mod.InstanceKeys:
    row = store.get_identity(conn)
    if row is None:
        raise peer.KeysNotMadeYet()
    try:
        return keys_mod.unseal(row, sealer_of(secret), row["instance_id"])
    except (InvalidTag, ValueError):
        raise SettingsError("FEDERATION_KEY_SECRET does not open this instance's federation keys") from None


def ensure_identity(conn, settings) -> None:
    """The migration's step: this instance's keys and certificate, made once; its name, country
    and peer URL follow the settings."""
    store.ensure_log_head(conn)
    sealer = sealer_of(settings.federation_key_secret)
    country = domain.check_country(settings.federation_country)
    peer_url = domain.check_peer_url(settings.federation_peer_url)
    row = store.get_identity(conn)
    if row is not None:
        if row["instance_id"] != settings.instance_id:
            raise SettingsError(f"this database holds the federation identity of {row['instance_id']!r}")
        open_keys(conn, settings.federation_key_secret, settings.instance_id)
        conn.execute(store.identity.update().values(country=country, name=settings.federation_name, peer_url=peer_url))
        return
    made = keys_mod.generate(settings.instance_id, peer_url)
    store.save_identity(
        conn,
        dict(
            instance_id=settings.instance_id,
            country=country,
            name=settings.federation_name,
            peer_url=peer_url,
            signing_key_id=made.signing_key_id,
            signing_public_key=made.signing_public_key,
            tls_fingerprint=made.tls_fingerprint,
            created_at=store.now(),
            **keys_mod.seal(made, sealer, settings.instance_id),
        ),
    )
    log.info("federation identity created", extra={"signing_key_id": made.signing_key_id})


def preflight(settings) -> None:
    """A secret that does not open the stored keys stops the start (exit 2)."""
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            open_keys(conn, settings.federation_key_secret, settings.instance_id)
    except (sa.exc.SQLAlchemyError, peer.KeysNotMadeYet) as exc:
        # Not made yet (the migration Job may run after the pods start): waited for.
        log.warning("federation keys not checked at start", extra={"error": type(exc).__name__})
    finally:
        engine.dispose()


def _engine(container):
    from cokit.events._engine import resolve_engine

    return resolve_engine(container, "db")


def _load_keys(container):
    with _engine(container).connect() as conn:
        if not sa.inspect(conn).has_table(store.identity.name):
            raise peer.KeysNotMadeYet()
        return open_keys(conn, container.config["FEDERATION_KEY_SECRET"], container.config["INSTANCE_ID"])


def _trusted(container):
    with _engine(container).connect() as conn:
        return store.trusted_certificates(conn)


def _version(container):
    with _engine(container).connect() as conn:
        return store.directory_version(conn)


# --- messages ------------------------------------------------------------------------------------


def from_row(cls, row, **values):
    """A message of `cls` from a row: each field the row has (times in RFC 3339, none left out
    when empty), then `values`."""
    for field in cls.DESCRIPTOR.fields:
        if field.name in values or field.name not in row.keys() or row[field.name] is None:
            continue
        value = row[field.name]
        values[field.name] = store.iso(value) if isinstance(value, dt.datetime) else value
    return cls(**values)


def member_message(row, figures_at=None) -> pb.Member:
    return from_row(
        pb.Member,
        row,
        shares=store.shares_of(row),
        sees_of_it=store.shares_of(row, "sees_of_it"),
        figures_fetched_at=store.iso(figures_at),
    )


def card_of(row, shares) -> pb.MemberCard:
    """This instance's card (from its identity row), as a member records it."""
    return pb.MemberCard(
        instance_id=row["instance_id"],
        country=row["country"],
        name=row["name"],
        peer_url=row["peer_url"],
        signing_public_key=row["signing_public_key"],
        certificate_pem=row["certificate_pem"],
        shares=list(shares),
    )


def _nan_or(value):
    return float("nan") if value is None else value


def refusal_of(error: GrpcError) -> tuple[str, bool]:
    """(reason, permanent) of a peer's refusal: its ErrorInfo reason, or the status' name."""
    info = error_info(getattr(error, "status", None))
    reason = info.reason if info is not None and info.reason else error.code.name
    transient = error.code in (StatusCode.UNAVAILABLE, StatusCode.DEADLINE_EXCEEDED, StatusCode.INTERNAL)
    return reason, not transient


@dataclasses.dataclass
class Answer:
    """A verified reply of a member."""

    body: pb.Body
    digest: str


class PeerRefused(Exception):
    def __init__(self, reason: str, permanent: bool, message: str = ""):
        super().__init__(message or reason)
        self.reason = reason
        self.permanent = permanent


class FederationService(kit_service(pb)):
    """Admins manage the directory, auditors read the log, anyone reads the federation's figures;
    other instances speak only to the federation port, each message signed and logged."""

    name = "federation"
    events = OutboxRelay(engine="db")
    auth = TokenVerifier()
    registry = ServiceClient("registry", RegistryServiceStub)
    tickets = ServiceClient("tickets", TicketsServiceStub)
    keyring = peer.Keyring(_load_keys, _trusted, _version)
    peers = peer.PeerClient()
    member_up = DatabaseGauge(
        "citizenoffice_federation_member_up",
        "1 when an active member's last exchange got a verified answer, 0 once it stopped answering.",
        ["member"],
        store.member_health,
    )
    member_lag = DatabaseGauge(
        "citizenoffice_federation_member_lag_seconds",
        "Seconds since an active member last gave a verified answer (figures, deliveries).",
        ["member"],
        store.member_lag,
    )
    deliveries_queued = DatabaseGauge(
        "citizenoffice_federation_deliveries_queued",
        "Transfers, notices and membership decisions waiting to reach a member.",
        ["member"],
        store.queued_by_member,
    )

    # --- helpers ------------------------------------------------------------------------------

    def _me(self, conn):
        self.keyring.ready_keys()  # refused as unavailable until the migration has made them
        return store.get_identity(conn)

    def _window(self) -> float:
        return float(_setting("FEDERATION_MESSAGE_WINDOW", envelope.DEFAULT_WINDOW_SECONDS))

    def _sealer(self) -> Sealer:
        return sealer_of(_setting("FEDERATION_KEY_SECRET", ""))

    def _messages(self):
        return self.metrics.counter(
            "citizenoffice_federation_messages",
            "Messages exchanged with member instances, by direction, kind and outcome.",
            ["direction", "kind", "outcome"],
        )

    def _count(self, direction: str, kind: str, outcome: str) -> None:
        self._messages().labels(direction, kind, outcome).inc()

    def _member(self, conn, instance_id: str):
        row = store.get_member(conn, domain.check_instance_id(instance_id))
        if row is None:
            raise not_found("MEMBER_NOT_FOUND", f"no member {instance_id!r}", instance_id=instance_id)
        return row

    # --- identity and directory (admins) ----------------------------------------------------

    @grpc
    def GetInstance(self, request, context):
        with self.db.connect() as conn:
            row = self._me(conn)
        return from_row(
            pb.InstanceIdentity,
            row,
            certificate_not_after=self.keyring.ready_keys().certificate.not_valid_after_utc.isoformat(),
        )

    @grpc
    def Invite(self, request, context):
        self.auth.require("federation.manage")
        invitee = domain.check_instance_id(request.instance_id)
        country = domain.check_country(request.country)
        shares = domain.check_shares(request.shares)
        hours = domain.invitation_hours(request.valid_hours)
        now = store.now()
        secret = os.urandom(32)
        invitation_id = uuid7()
        with self.db.begin() as conn:
            me = self._me(conn)
            if invitee == me["instance_id"]:
                raise invalid_argument("OWN_INSTANCE", "an instance does not invite itself", field="instance_id")
            existing = store.get_member(conn, invitee)
            if existing is not None and existing["status"] not in (domain.INVITED, domain.REVOKED):
                raise failed_precondition(
                    "MEMBER_EXISTS", f"{invitee} is {existing['status']} already", status=existing["status"]
                )
            row = dict(
                country=country,
                name=request.name.strip()[:200],
                status=domain.INVITED,
                shares=json.dumps(shares),
                invited_at=now,
                peer_url="",
                signing_public_key=None,
                signing_key_id="",
                certificate_pem="",
                tls_fingerprint="",
                sees_of_it="[]",
                revoked_at=None,
                revoked_reason="",
                revoked_by_peer=False,
                consecutive_failures=0,
                last_error="",
            )
            if existing is None:
                store.insert_member(conn, dict(instance_id=invitee, **row))
            else:
                # What waited for its earlier membership is not for the new one.
                store.cancel_deliveries(conn, invitee, "MEMBER_INVITED_AGAIN")
                store.update_member(conn, invitee, **row)
            expires = now + dt.timedelta(hours=hours)
            store.insert_invitation(
                conn,
                dict(
                    invitation_id=invitation_id,
                    instance_id=invitee,
                    secret_sealed=self._sealer().seal(base64.b64encode(secret).decode(), invitation_id),
                    expires_at=expires,
                    created_at=now,
                ),
            )
            inviter = {
                "instance_id": me["instance_id"],
                "country": me["country"],
                "name": me["name"],
                "peer_url": me["peer_url"],
                "signing_public_key": base64.b64encode(me["signing_public_key"]).decode(),
                "certificate_pem": me["certificate_pem"],
            }
            bundle = domain.encode_bundle(domain.Bundle(invitation_id, secret, expires, invitee, inviter))
            member = store.get_member(conn, invitee)
        self.keyring.refresh()
        return pb.Invitation(
            invitation_id=invitation_id, bundle=bundle, expires_at=expires.isoformat(), member=member_message(member)
        )

    @grpc
    def AcceptInvitation(self, request, context):
        """The invited side's admin: the invitation's inviter becomes a member awaiting its
        approval, once it took our answer (member.join, signed with our keys)."""
        self.auth.require("federation.manage")
        bundle = domain.decode_bundle(request.bundle)
        shares = domain.check_shares(request.shares)
        now = store.now()
        inviter = bundle.inviter
        with self.db.connect() as conn:
            me = self._me(conn)
            existing = store.get_member(conn, domain.check_instance_id(inviter["instance_id"]))
        if bundle.invitee != me["instance_id"]:
            raise permission_denied(
                "NOT_FOR_THIS_INSTANCE", f"this invitation is for {bundle.invitee!r}", invitee=bundle.invitee
            )
        domain.check_invitation_open(bundle.expires_at, False, now)
        if existing is not None and existing["status"] not in (domain.REVOKED,):
            raise failed_precondition("MEMBER_EXISTS", f"{inviter['instance_id']} is {existing['status']} already")
        peer_url = domain.check_peer_url(inviter["peer_url"])
        signing_key = base64.b64decode(inviter["signing_public_key"])
        keys_mod.signing_key_from_raw(signing_key)
        fingerprint = keys_mod.fingerprint_of_pem(inviter["certificate_pem"])
        own = self.keyring.ready_keys()
        join = pb.JoinRequest(
            invitation_id=bundle.invitation_id,
            proof=domain.join_proof(bundle.secret, me["instance_id"], own.signing_key_id, own.tls_fingerprint),
            card=card_of(me, shares),
        )
        target = dict(
            instance_id=inviter["instance_id"],
            peer_url=peer_url,
            certificate_pem=inviter["certificate_pem"],
            tls_fingerprint=fingerprint,
            signing_public_key=signing_key,
        )
        answer = self._exchange(target, "member.join", join.SerializeToString(), present_certificate=False)
        reply = pb.JoinReply.FromString(answer.body.payload)
        row = dict(
            country=domain.check_country(inviter["country"]),
            name=inviter["name"][:200],
            peer_url=peer_url,
            status=domain.AWAITING_APPROVAL,
            shares=json.dumps(shares),
            sees_of_it=json.dumps(domain.check_shares(reply.card.shares)),
            signing_public_key=signing_key,
            signing_key_id=keys_mod.key_id(signing_key),
            certificate_pem=inviter["certificate_pem"],
            tls_fingerprint=fingerprint,
            invited_at=now,
            last_success_at=now,
            revoked_at=None,
            revoked_reason="",
            revoked_by_peer=False,
        )
        with self.db.begin() as conn:
            if store.get_member(conn, inviter["instance_id"]) is None:
                store.insert_member(conn, dict(instance_id=inviter["instance_id"], **row))
            else:
                store.update_member(conn, inviter["instance_id"], **row)
            member = store.get_member(conn, inviter["instance_id"])
        self.keyring.refresh()
        return member_message(member)

    @grpc
    def ApproveMember(self, request, context):
        """The inviting side's admin approves a member that answered: it becomes active here, and
        is told so (member.approved, delivered with retries if it is away)."""
        self.auth.require("federation.manage")
        with self.db.begin() as conn:
            row = self._member(conn, request.instance_id)
            status = domain.move(row["status"], "approve")
            now = store.now()
            store.update_member(conn, row["instance_id"], status=status, joined_at=now, consecutive_failures=0)
            decision = pb.MemberDecision(status=status, shares=store.shares_of(row))
            self._queue(
                conn, f"approved:{row['instance_id']}:{uuid7()}", "member.approved", row["instance_id"], decision
            )
            self.events.add(
                conn,
                "federation.member_joined",
                row["instance_id"],
                pb.MemberJoined(instance_id=row["instance_id"], country=row["country"]),
            )
            member = store.get_member(conn, row["instance_id"])
        self.keyring.refresh()
        return member_message(member)

    @grpc
    def RevokeMember(self, request, context):
        """Nothing of the member is taken or asked any more; it is told (member.revoked)."""
        self.auth.require("federation.manage")
        reason = request.reason.strip()[:300]
        if not reason:
            raise invalid_argument("REASON_REQUIRED", "say why the member is revoked", field="reason")
        with self.db.begin() as conn:
            row = self._member(conn, request.instance_id)
            domain.move(row["status"], "revoke")
            was_reachable = row["status"] in (domain.ACTIVE, domain.AWAITING_APPROVAL, domain.PENDING_APPROVAL)
            store.update_member(
                conn, row["instance_id"], status=domain.REVOKED, revoked_at=store.now(), revoked_reason=reason
            )
            if was_reachable and row["peer_url"]:
                self._queue(
                    conn,
                    f"revoked:{row['instance_id']}:{uuid7()}",
                    "member.revoked",
                    row["instance_id"],
                    pb.MemberDecision(status=domain.REVOKED, reason=reason),
                )
            self.events.add(
                conn,
                "federation.member_revoked",
                row["instance_id"],
                pb.MemberRevoked(instance_id=row["instance_id"], reason=reason),
            )
            member = store.get_member(conn, row["instance_id"])
        self.keyring.refresh()
        self._withdraw_figures(row["instance_id"])
        return member_message(member)

    def _withdraw_figures(self, instance_id: str) -> None:
        """A member gone: the registry's federation figures count it no more."""
        try:
            self.registry.ReportMemberFigures(registry_pb2.MemberFigures(instance_id=instance_id, withdrawn=True))
        except GrpcError as error:
            log.warning("member figures not withdrawn from the registry", extra={"reason": refusal_of(error)[0]})

    @grpc
    def ListMembers(self, request, context):
        self.auth.require("federation.read")
        with self.db.connect() as conn:
            figures = store.all_figures(conn)
            rows = store.list_members(conn)
        return pb.MembersReply(
            members=[
                member_message(r, figures[r["instance_id"]]["fetched_at"] if r["instance_id"] in figures else None)
                for r in rows
            ]
        )

    @grpc
    def GetMember(self, request, context):
        self.auth.require("federation.read")
        with self.db.connect() as conn:
            row = self._member(conn, request.instance_id)
            figures = store.all_figures(conn).get(row["instance_id"])
        return member_message(row, figures["fetched_at"] if figures else None)

    # --- the message log (auditors) ---------------------------------------------------------

    @grpc
    def MessageLog(self, request, context):
        self.auth.require("federation.log.read")
        limit = request.limit or 100
        if not 0 < limit <= 1000 or request.after_seq < 0:
            raise invalid_argument("BAD_PAGE", "limit: 1 to 1000; after_seq: 0 or more", field="limit")
        with self.db.connect() as conn:
            rows = store.read_log(conn, request.after_seq, limit, request.peer.strip())
        return pb.MessageLogReply(
            entries=[from_row(pb.LogEntry, r) for r in rows], last_seq=rows[-1]["seq"] if rows else request.after_seq
        )

    @grpc
    def VerifyMessageLog(self, request, context):
        self.auth.require("federation.log.read")
        with self.db.connect() as conn:
            entries, broken = store.verify_log(conn)
        return pb.LogCheck(entries=entries, intact=broken == 0, first_broken_seq=broken)

    # --- figures -------------------------------------------------------------------------------

    def _period(self) -> tuple[dt.date, dt.date]:
        today = dt.datetime.now(dt.timezone.utc).date()
        return today - dt.timedelta(days=364), today

    def _public_figures(self, shares) -> pb.PublicFigures:
        """What this instance publishes: computed now by its own registry and tickets, the
        same calls that answer its own pages, so a member shows exactly these numbers."""
        with self.db.connect() as conn:
            me = self._me(conn)
        first, last = self._period()
        figures = pb.PublicFigures(
            instance_id=me["instance_id"],
            country=me["country"],
            name=me["name"],
            computed_at=store.now().isoformat(),
            period_from=first.isoformat(),
            period_to=last.isoformat(),
            shared=list(shares),
        )
        if not {"directory", "figures", "statistics"} & set(shares):
            return figures
        offices = [
            o
            for o in self.registry.ListOffices(registry_pb2.ListOfficesRequest()).offices
            if (o.instance_id or me["instance_id"]) == me["instance_id"]
        ]
        regions = self.registry.ListTerritory(registry_pb2.ListTerritoryRequest(level="region")).units
        if "directory" in shares:
            communes: dict[str, registry_pb2.TerritoryUnit] = {}
            for region in regions:
                figures.regions.add(code=region.code, name=region.name)
            for office in offices:
                profile = self.registry.GetOfficeProfile(registry_pb2.GetOfficeRequest(office_id=office.office_id))
                if office.commune_code not in communes:
                    communes[office.commune_code] = self._unit(office.commune_code)
                located = profile.HasField("location")
                figures.offices.add(
                    office_id=office.office_id,
                    slug=office.slug,
                    name=office.name,
                    commune_code=office.commune_code,
                    commune_name=communes[office.commune_code].name,
                    region_code=profile.region_code,
                    phase=registry_pb2.Phase.Name(office.phase).lower(),
                    status=office.status,
                    address=profile.address,
                    latitude=profile.location.latitude if located else math.nan,
                    longitude=profile.location.longitude if located else math.nan,
                )
        if "figures" in shares:
            figures.achievements.CopyFrom(self.registry.AchievementsInFigures(registry_pb2.AchievementsRequest()))
            for region in regions:
                figures.region_figures.add(
                    region_code=region.code,
                    achievements=self.registry.AchievementsInFigures(
                        registry_pb2.AchievementsRequest(scope="region", key=region.code)
                    ),
                )
        stats = tickets_pb2.StatsRequest(from_date=first.isoformat(), to_date=last.isoformat(), public=True)
        if "statistics" in shares:
            figures.requests.CopyFrom(self.tickets.Stats(stats))
        if {"figures", "statistics"} & set(shares):
            for office in offices:
                item = figures.office_figures.add(office_id=office.office_id)
                if "figures" in shares:
                    item.achievements.CopyFrom(
                        self.registry.AchievementsInFigures(
                            registry_pb2.AchievementsRequest(scope="office", key=office.office_id)
                        )
                    )
                if "statistics" in shares:
                    stats.office_id = office.office_id
                    item.requests.CopyFrom(self.tickets.Stats(stats))
        return figures

    def _unit(self, code: str) -> registry_pb2.TerritoryUnit:
        try:
            return self.registry.GetTerritoryUnit(registry_pb2.GetTerritoryUnitRequest(code=code))
        except GrpcError as error:
            if error.code != StatusCode.NOT_FOUND:
                raise
            return registry_pb2.TerritoryUnit(code=code)

    @grpc
    def PullFigures(self, request, context):
        """On demand: the figures of one member or of every active one, and whatever waits to be
        delivered to them."""
        self.auth.require("federation.pull")
        with self.db.connect() as conn:
            if request.instance_id:
                rows = [self._member(conn, request.instance_id)]
            else:
                rows = [r for r in store.list_members(conn) if r["status"] == domain.ACTIVE]
        results = [self._pull(row) for row in rows]
        delivered = self._deliver_due(instance_id=request.instance_id.strip())
        return pb.PullReply(results=results, deliveries=delivered)

    def _pull(self, row) -> pb.PullResult:
        if row["status"] != domain.ACTIVE or row["revoked_by_peer"]:
            return pb.PullResult(instance_id=row["instance_id"], ok=False, reason="MEMBER_NOT_ACTIVE")
        try:
            answer = self._exchange(row, "figures.pull", pb.FiguresRequest().SerializeToString())
        except PeerRefused as refused:
            return pb.PullResult(instance_id=row["instance_id"], ok=False, reason=refused.reason)
        published = pb.PublicFigures.FromString(answer.body.payload)
        if published.instance_id != row["instance_id"]:
            return pb.PullResult(instance_id=row["instance_id"], ok=False, reason="FIGURES_OF_ANOTHER_INSTANCE")
        now = store.now()
        with self.db.begin() as conn:
            store.save_figures(conn, row["instance_id"], answer.body.message_id, answer.body.payload, now)
        if published.HasField("achievements"):
            # The registry's own "federation" scope adds up what members published.
            try:
                self.registry.ReportMemberFigures(
                    registry_pb2.MemberFigures(
                        instance_id=row["instance_id"], name=published.name, figures=published.achievements
                    )
                )
            except GrpcError as error:
                log.warning("member figures not passed to the registry", extra={"reason": refusal_of(error)[0]})
        return pb.PullResult(instance_id=row["instance_id"], ok=True, fetched_at=now.isoformat())

    def _federation(self, only: str = "") -> pb.FederationFiguresReply:
        now = store.now()
        reply = pb.FederationFiguresReply(computed_at=now.isoformat())
        with self.db.connect() as conn:
            me = self._me(conn)
            members = {r["instance_id"]: r for r in store.list_members(conn)}
            stored = store.all_figures(conn)
        if not only or only == me["instance_id"]:
            reply.instances.add(
                instance_id=me["instance_id"],
                country=me["country"],
                name=me["name"],
                own=True,
                fetched_at=now.isoformat(),
                figures=self._public_figures(domain.SHARES),
            )
        for instance_id in sorted(stored):
            member = members.get(instance_id)
            if member is None or member["status"] != domain.ACTIVE or (only and only != instance_id):
                continue
            row = stored[instance_id]
            failing = member["last_failure_at"] is not None and (
                member["last_success_at"] is None
                or store.utc(member["last_failure_at"]) > store.utc(member["last_success_at"])
            )
            reply.instances.add(
                instance_id=instance_id,
                country=member["country"],
                name=member["name"],
                fetched_at=store.iso(row["fetched_at"]),
                stale=failing,
                figures=pb.PublicFigures.FromString(row["figures"]),
            )
        return reply

    @grpc
    def FederationFigures(self, request, context):
        self.auth.require("federation.figures.read")
        return self._federation(request.instance_id.strip())

    @grpc
    def ExportFigures(self, request, context):
        self.auth.require("federation.figures.read")
        if request.format not in ("json", "csv"):
            raise invalid_argument("BAD_FORMAT", "format: json or csv", field="format")
        reply = self._federation()
        table = domain.rows(reply.instances)
        if request.format == "csv":
            return pb.ExportReply(content=domain.to_csv(table), media_type="text/csv; charset=utf-8", rows=len(table))
        return pb.ExportReply(
            content=domain.to_json(table, reply.computed_at), media_type="application/json", rows=len(table)
        )

    # --- transfers (the office offers, the requester answers) --------------------------------------

    @grpc
    def OfferTransfer(self, request, context):
        """The office offers to move a request to the member it concerns; tickets checks that the
        caller is the office's staff and records the offer the requester then answers."""
        offer = tickets_pb2.OfferTransferRequest(
            ticket_id=request.ticket_id, to_instance=request.instance_id.strip(), to_office_id=request.office_id.strip()
        )
        # The office's staff first (tickets decides), before anything of the directory is looked up.
        self.tickets.OfferTransfer(tickets_pb2.OfferTransferRequest(check_only=True, **_fields(offer)))
        with self.db.connect() as conn:
            member = self._member(conn, request.instance_id)
            stored = store.all_figures(conn).get(member["instance_id"])
        if member["status"] != domain.ACTIVE or member["revoked_by_peer"]:
            raise failed_precondition("MEMBER_NOT_ACTIVE", f"{member['instance_id']} is not an active member")
        if "transfers" not in store.shares_of(member, "sees_of_it"):
            raise failed_precondition("MEMBER_TAKES_NO_TRANSFERS", f"{member['instance_id']} does not take transfers")
        offices = {o.office_id: o for o in pb.PublicFigures.FromString(stored["figures"]).offices} if stored else {}
        office = offices.get(request.office_id.strip())
        if office is None:
            raise not_found(
                "MEMBER_OFFICE_NOT_FOUND",
                "no such office in the member's directory (pull its figures first)",
                office_id=request.office_id,
            )
        if office.status != "operational":
            raise failed_precondition("MEMBER_OFFICE_NOT_ACCEPTING", "that office does not take requests")
        return self.tickets.OfferTransfer(offer)

    @grpc
    def AnswerTransfer(self, request, context):
        """The requester answers (tickets checks it is theirs); the move itself follows the
        ticket.transfer_consented event (on_ticket_event), so it happens once even if this
        service stops between the two."""
        contact = request.contact.strip()
        if len(contact) > 200:
            raise invalid_argument("CONTACT_TOO_LONG", "contact: at most 200 characters", field="contact")
        return self.tickets.AnswerTransfer(
            tickets_pb2.AnswerTransferRequest(ticket_id=request.ticket_id, consent=request.consent, contact=contact)
        )

    @grpc
    def ListDeliveries(self, request, context):
        self.auth.require("federation.read")
        with self.db.connect() as conn:
            rows = store.list_deliveries(conn, request.ticket_id.strip(), request.status.strip())
        return pb.DeliveriesReply(deliveries=[from_row(pb.Delivery, r) for r in rows])

    @grpc
    def ListNotices(self, request, context):
        self.auth.require("federation.read")
        with self.db.connect() as conn:
            rows = store.list_notices(conn)
        return pb.NoticesReply(
            notices=[
                pb.ReceivedNotice(
                    notice_id=r["notice_id"],
                    from_instance=r["from_instance"],
                    kind=tickets_pb2.TicketKind.Value(r["kind"].upper()),
                    category=r["category"],
                    office_id=r["office_id"],
                    month=r["month"],
                    received_at=store.iso(r["received_at"]),
                )
                for r in rows
            ]
        )

    @consume(topic_for("tickets"), group="federation", types={"ticket.transfer_consented", "ticket.transfer_declined"})
    def on_ticket_event(self, event):
        """A requester answered an offer: with consent, the request waits to leave (its text is
        read from tickets when it leaves, never kept here); without, an anonymised notice does.
        Nothing but this database is asked here, so a tickets or member outage never turns the
        event into a dead letter. The delivery id is the transfer's idempotency key: a
        redelivered event queues nothing more."""
        moved = event.payload
        if moved is None:
            return
        if event.type == "ticket.transfer_consented":
            message = pb.TransferRequest(
                idempotency_key=moved.idempotency_key,
                office_id=moved.peer_office_id,
                kind=moved.kind,
                category=moved.category,
                origin_tracking_code=moved.tracking_code,
            )
            kind, delivery_id, event_type = "transfer.request", moved.idempotency_key, "federation.transfer_requested"
        else:
            message = pb.TransferNotice(
                notice_id=f"notice:{moved.idempotency_key}",
                kind=moved.kind,
                category=moved.category,
                office_id=moved.peer_office_id,
                month=event.envelope.occurred_at.ToDatetime().strftime("%Y-%m"),
            )
            kind, delivery_id, event_type = "transfer.notice", message.notice_id, "federation.transfer_notice_queued"
        with self.db.begin() as conn:
            if not event.mark_processed(conn):
                return
            if self._queue(conn, delivery_id, kind, moved.peer_instance, message, ticket_id=moved.ticket_id):
                self.events.add(
                    conn,
                    event_type,
                    moved.ticket_id,
                    pb.TransferEvent(
                        delivery_id=delivery_id,
                        ticket_id=moved.ticket_id,
                        instance_id=moved.peer_instance,
                        kind=moved.kind,
                        category=moved.category,
                    ),
                    office_id=moved.office_id,
                )
        try:
            self._deliver_due(instance_id=moved.peer_instance)
        except Exception as exc:  # the timer delivers it then; the event is handled either way
            log.warning("delivery deferred to the schedule", extra={"error": type(exc).__name__})

    def _queue(self, conn, delivery_id: str, kind: str, instance_id: str, message, ticket_id: str = "") -> bool:
        sealed = self._sealer().seal(base64.b64encode(message.SerializeToString()).decode(), delivery_id)
        return store.queue_delivery(
            conn,
            dict(
                delivery_id=delivery_id, kind=kind, instance_id=instance_id, ticket_id=ticket_id, payload_sealed=sealed
            ),
        )

    # --- the schedule --------------------------------------------------------------------------

    @timer(interval=TICK_SECONDS)
    def tick(self):
        """Figures pulled from each active member once per FEDERATION_PULL_INTERVAL, a heartbeat
        (member.ping) to one not heard from for FEDERATION_HEARTBEAT_SECONDS, every tick to one
        that stopped answering (so its return is seen at once); deliveries due sent; nonces past
        any window forgotten."""
        self._messages()  # declared from the first tick, so a dashboard finds it before any message
        interval = float(_setting("FEDERATION_PULL_INTERVAL", 300.0))
        heartbeat = float(_setting("FEDERATION_HEARTBEAT_SECONDS", 60.0))
        now = store.now()
        with self.db.connect() as conn:
            rows = [r for r in store.list_members(conn) if r["status"] == domain.ACTIVE and not r["revoked_by_peer"]]
            fetched = {k: v["fetched_at"] for k, v in store.all_figures(conn).items()}
        for row in rows:
            pulled, heard = store.utc(fetched.get(row["instance_id"])), store.utc(row["last_success_at"])
            if pulled is None or row["consecutive_failures"] > 0 or (now - pulled).total_seconds() >= interval:
                self._pull(row)
            elif heard is None or (now - heard).total_seconds() >= heartbeat:
                try:
                    self._exchange(row, "member.ping", b"")
                except PeerRefused:
                    pass  # recorded against the member: its lag grows, its health says so
        self._deliver_due()
        with self.db.begin() as conn:
            store.forget_nonces_before(conn, now - dt.timedelta(seconds=2 * self._window()))

    def _deliver_due(self, instance_id: str = "") -> int:
        """Sends what is due, one run at a time in this process (the schedule and an event may
        both ask); replicas may still both send one delivery, which its receiver takes once."""
        if not _DELIVERING.acquire(blocking=False):
            return 0
        try:
            return self._deliver_all(instance_id)
        finally:
            _DELIVERING.release()

    def _deliver_all(self, instance_id: str) -> int:
        delivered = 0
        with self.db.connect() as conn:
            due = store.due_deliveries(conn, store.now(), instance_id=instance_id)
            members = {r["instance_id"]: r for r in store.list_members(conn)}
        for row in due:
            member = members.get(row["instance_id"])
            if member is None:
                continue
            if self._deliver(row, member):
                delivered += 1
        return delivered

    def _retry_at(self, row, now: dt.datetime) -> dt.datetime:
        return domain.next_attempt(row["attempts"] + 1, now, float(_setting("FEDERATION_RETRY_SECONDS", 5.0)))

    def _with_package(self, moved: pb.TransferRequest, ticket_id: str) -> bytes:
        """The request as it leaves: what tickets gives of it once its requester consented."""
        package = self.tickets.GetTransferPackage(tickets_pb2.GetTicketRequest(ticket_id=ticket_id))
        location = package.location if package.HasField("location") else None
        moved.description = package.description
        moved.language = package.language
        moved.latitude = location.latitude if location else math.nan
        moved.longitude = location.longitude if location else math.nan
        moved.address = location.address if location else ""
        moved.contact = package.contact
        moved.origin_tracking_code = package.transfer.tracking_code
        moved.submitted_on = package.submitted_at.ToDatetime().date().isoformat()
        return moved.SerializeToString()

    def _deliver(self, row, member) -> bool:
        now = store.now()
        message = base64.b64decode(self._sealer().open(row["payload_sealed"], row["delivery_id"]))
        blocked = (
            member["revoked_by_peer"]
            or not member["peer_url"]
            or (member["status"] == domain.REVOKED and row["kind"] != "member.revoked")
        )
        if blocked:
            with self.db.begin() as conn:
                store.delivery_done(conn, row["delivery_id"], now, "refused", error="MEMBER_REVOKED")
            return False
        if row["kind"] == "transfer.request":
            try:
                message = self._with_package(pb.TransferRequest.FromString(message), row["ticket_id"])
            except GrpcError as error:
                reason, permanent = refusal_of(error)
                with self.db.begin() as conn:
                    if permanent:
                        store.delivery_done(conn, row["delivery_id"], now, "refused", error="TICKETS_" + reason)
                    else:
                        store.delivery_failed(conn, row["delivery_id"], "TICKETS_" + reason, self._retry_at(row, now))
                return False
        try:
            answer = self._exchange(member, row["kind"], message)
        except PeerRefused as refused:
            with self.db.begin() as conn:
                if refused.permanent:
                    store.delivery_done(conn, row["delivery_id"], now, "refused", error=refused.reason)
                else:
                    store.delivery_failed(conn, row["delivery_id"], refused.reason, self._retry_at(row, now))
            return False
        result = ""
        if row["kind"] == "transfer.request":
            receipt = pb.TransferReceipt.FromString(answer.body.payload)
            result = receipt.tracking_code
            try:
                self.tickets.CompleteTransfer(
                    tickets_pb2.CompleteTransferRequest(ticket_id=row["ticket_id"], peer_tracking_code=result)
                )
            except GrpcError as error:
                # The member has the request; its receipt is asked again (same key, same code)
                # until tickets records it.
                reason, _ = refusal_of(error)
                with self.db.begin() as conn:
                    store.delivery_failed(conn, row["delivery_id"], "TICKETS_" + reason, self._retry_at(row, now))
                return False
        with self.db.begin() as conn:
            store.delivery_done(conn, row["delivery_id"], now, "delivered", result=result)
            if row["kind"] in ("transfer.request", "transfer.notice"):
                self.events.add(
                    conn,
                    "federation.transfer_delivered"
                    if row["kind"] == "transfer.request"
                    else "federation.transfer_notice_sent",
                    row["ticket_id"] or row["delivery_id"],
                    pb.TransferEvent(
                        delivery_id=row["delivery_id"], ticket_id=row["ticket_id"], instance_id=member["instance_id"]
                    ),
                )
        return True

    # --- one exchange with a member ---------------------------------------------------------------

    def _exchange(self, member, kind: str, payload: bytes, present_certificate: bool = True) -> Answer:
        """Send a signed message and verify the signed answer; both are logged. A refusal or an
        unreachable member is a PeerRefused, recorded against the member."""
        own = self.keyring.ready_keys()
        me = current_instance()
        request = envelope.seal(own, me, member["instance_id"], kind, payload)
        sent = pb.Body.FromString(request.body)
        sent_digest = envelope.digest(request.body).hex()
        now = store.now()
        try:
            reply = self.peers.exchange(
                member["peer_url"],
                member["certificate_pem"],
                member["tls_fingerprint"],
                own,
                request,
                present_certificate=present_certificate,
            )
        except peer.PeerUnreachable as exc:
            self._sent(member, kind, sent, sent_digest, len(request.body), "failed", exc.reason)
            raise PeerRefused(exc.reason, permanent=False, message=exc.detail) from None
        except GrpcError as error:
            reason, permanent = refusal_of(error)
            self._sent(member, kind, sent, sent_digest, len(request.body), "refused", reason)
            raise PeerRefused(reason, permanent, error.message) from None
        try:
            opened = envelope.open_envelope(reply.SerializeToString())
            envelope.check_addressed(opened, me, store.now(), self._window())
            if opened.body.sender != member["instance_id"] or opened.body.in_reply_to != sent.message_id:
                raise unauthenticated("NOT_THE_ANSWER", "the answer is not the member's answer to this message")
            envelope.verify(opened, member["signing_public_key"])
        except Refusal as refusal:
            self._sent(
                member, kind, sent, sent_digest, len(request.body), "delivered", "", answer=None, refused=refusal
            )
            raise PeerRefused(refusal.reason, permanent=False) from None
        self._sent(member, kind, sent, sent_digest, len(request.body), "delivered", "", answer=opened)
        log.info(
            "federation exchange", extra={"member": member["instance_id"], "kind": kind, "sent_at": now.isoformat()}
        )
        return Answer(opened.body, opened.digest_hex)

    def _sent(self, member, kind, sent, sent_digest, size, outcome, reason, answer=None, refused=None) -> None:
        """The log entries of an exchange (the request; its answer, taken or refused) and the
        member's health, in one transaction."""
        at = store.now()
        instance_id = member["instance_id"]
        with self.db.begin() as conn:
            store.append_log(
                conn,
                direction="out",
                peer=instance_id,
                kind=kind,
                message_id=sent.message_id,
                digest=sent_digest,
                outcome=outcome,
                reason=reason,
                size=size,
                sent_at=sent.sent_at.ToDatetime(tzinfo=dt.timezone.utc),
            )
            if answer is not None or refused is not None:
                body = answer.body if answer is not None else None
                store.append_log(
                    conn,
                    direction="in",
                    peer=instance_id,
                    kind=kind + domain.REPLY_SUFFIX,
                    message_id=body.message_id if body else "",
                    in_reply_to=sent.message_id,
                    digest=answer.digest_hex if answer is not None else "",
                    outcome="accepted" if answer is not None else "refused",
                    reason=refused.reason if refused is not None else "",
                    size=len(answer.signed.body) if answer is not None else 0,
                    sent_at=answer.sent_at if answer is not None else None,
                )
            if store.get_member(conn, instance_id) is not None:
                if answer is not None:
                    store.record_success(conn, instance_id, at)
                else:
                    store.record_failure(conn, instance_id, at, reason or (refused.reason if refused else outcome))
        self._count("out", kind, outcome if answer is None else "answered")

    # --- the federation port: messages from other instances ---------------------------------------

    @peer_grpc
    def Exchange(self, request, context):
        presented = peer.presented_certificate(context)
        raw = request.SerializeToString()
        sender, kind, message_id, digest = "?", "?", "", envelope.digest(request.body).hex()
        try:
            opened = envelope.open_envelope(raw)
            sender, kind, message_id = opened.body.sender[:64], opened.body.kind[:40], opened.body.message_id
            return self._inbound(opened, presented)
        except Refusal as refusal:
            self._refused(sender, kind, message_id, digest, len(request.body), refusal)
            raise

    def _refused(self, sender, kind, message_id, digest, size, refusal: Refusal) -> None:
        with self.db.begin() as conn:
            store.append_log(
                conn,
                direction="in",
                peer=sender,
                kind=kind,
                message_id=message_id,
                digest=digest,
                outcome="refused",
                reason=refusal.reason,
                size=size,
            )
        self._count("in", kind if kind in domain.KINDS else "?", "refused")
        log.info("federation message refused", extra={"member": sender, "kind": kind, "reason": refusal.reason})

    def _inbound(self, opened: envelope.Opened, presented: str) -> pb.SignedEnvelope:
        body = opened.body
        me = current_instance()
        now = store.now()
        envelope.check_addressed(opened, me, now, self._window())
        if body.kind not in domain.KINDS or body.in_reply_to:
            raise invalid_argument(
                "UNKNOWN_KIND", f"no message of kind {body.kind!r} is taken here", message_kind=body.kind
            )
        if body.kind == "member.join":
            return self._join(opened, presented, now)
        with self.db.connect() as conn:
            member = store.get_member(conn, body.sender)
        if member is None or member["status"] == domain.INVITED:
            raise permission_denied("UNKNOWN_MEMBER", "this instance has no member of that name", sender=body.sender)
        domain.may_exchange(member["status"], body.kind)
        if not presented:
            raise unauthenticated("CLIENT_CERTIFICATE_REQUIRED", "a member connects with its certificate")
        if presented != member["tls_fingerprint"]:
            raise unauthenticated(
                "CERTIFICATE_MISMATCH", "the connection's certificate is not the one the directory holds for the sender"
            )
        envelope.verify(opened, member["signing_public_key"])
        domain.may_see(store.shares_of(member), body.kind)
        self._accept(opened, now)
        handler = {
            "member.approved": self._on_approved,
            "member.revoked": self._on_revoked,
            "member.ping": self._on_ping,
            "figures.pull": self._on_figures_pull,
            "transfer.request": self._on_transfer,
            "transfer.notice": self._on_notice,
        }[body.kind]
        kind, payload = handler(member, body)
        return self._answer(member["instance_id"], body, kind, payload)

    def _accept(self, opened: envelope.Opened, now: dt.datetime) -> None:
        """The nonce is new (else REPLAYED): remembered and logged together."""
        body = opened.body
        with self.db.begin() as conn:
            if not store.remember_nonce(conn, body.sender, body.nonce, now):
                raise unauthenticated("REPLAYED", "this message was received before; a retry is a new message")
            store.append_log(
                conn,
                direction="in",
                peer=body.sender,
                kind=body.kind,
                message_id=body.message_id,
                digest=opened.digest_hex,
                outcome="accepted",
                size=len(opened.signed.body),
                sent_at=opened.sent_at,
            )
        self._count("in", body.kind, "accepted")

    def _answer(self, instance_id: str, request: pb.Body, kind: str, payload: bytes) -> pb.SignedEnvelope:
        reply = envelope.seal(
            self.keyring.ready_keys(), current_instance(), instance_id, kind, payload, in_reply_to=request.message_id
        )
        body = pb.Body.FromString(reply.body)
        with self.db.begin() as conn:
            store.append_log(
                conn,
                direction="out",
                peer=instance_id,
                kind=kind,
                message_id=body.message_id,
                in_reply_to=request.message_id,
                digest=envelope.digest(reply.body).hex(),
                outcome="answered",
                size=len(reply.body),
                sent_at=body.sent_at.ToDatetime(tzinfo=dt.timezone.utc),
            )
        return reply

    def _join(self, opened: envelope.Opened, presented: str, now: dt.datetime) -> pb.SignedEnvelope:
        """An invited instance answers: its card is checked against the invitation (the proof),
        its signature against the key it brings; it then awaits our admin's approval."""
        join = pb.JoinRequest()
        try:
            join.ParseFromString(opened.body.payload)
        except Exception:
            raise invalid_argument("MALFORMED", "the join carries no join request") from None
        card = join.card
        if card.instance_id != opened.body.sender:
            raise invalid_argument("INVITATION_MISMATCH", "the card names another instance than the sender")
        envelope.verify(opened, card.signing_public_key)
        fingerprint = keys_mod.fingerprint_of_pem(card.certificate_pem)
        if presented and presented != fingerprint:
            raise unauthenticated("CERTIFICATE_MISMATCH", "the connection's certificate is not the card's")
        peer_url = domain.check_peer_url(card.peer_url)
        with self.db.begin() as conn:
            invitation = store.get_invitation(conn, join.invitation_id)
            if invitation is None or invitation["instance_id"] != card.instance_id:
                raise permission_denied("INVITATION_UNKNOWN", "no invitation of this instance matches")
            domain.check_invitation_open(store.utc(invitation["expires_at"]), invitation["used_at"] is not None, now)
            secret = base64.b64decode(self._sealer().open(invitation["secret_sealed"], invitation["invitation_id"]))
            expected = domain.join_proof(secret, card.instance_id, opened.signed.key_id, fingerprint)
            if not _same(expected, join.proof):
                raise permission_denied("BAD_PROOF", "the join does not prove it holds the invitation")
            member = store.get_member(conn, card.instance_id, for_update=True)
            status = domain.move(member["status"], "joined") if member is not None else None
            if status is None or not store.use_invitation(conn, invitation["invitation_id"], now):
                raise permission_denied("INVITATION_USED", "this invitation has been answered already")
            if not store.remember_nonce(conn, opened.body.sender, opened.body.nonce, now):
                raise unauthenticated("REPLAYED", "this message was received before")
            store.update_member(
                conn,
                card.instance_id,
                status=status,
                country=domain.check_country(card.country),
                name=card.name[:200] or member["name"],
                peer_url=peer_url,
                signing_public_key=card.signing_public_key,
                signing_key_id=keys_mod.key_id(card.signing_public_key),
                certificate_pem=card.certificate_pem,
                tls_fingerprint=fingerprint,
                sees_of_it=json.dumps(domain.check_shares(card.shares)),
            )
            store.append_log(
                conn,
                direction="in",
                peer=card.instance_id,
                kind="member.join",
                message_id=opened.body.message_id,
                digest=opened.digest_hex,
                outcome="accepted",
                size=len(opened.signed.body),
                sent_at=opened.sent_at,
            )
            me = self._me(conn)
            shares = store.shares_of(member)
        self._count("in", "member.join", "accepted")
        self.keyring.refresh()
        reply = pb.JoinReply(status=status, card=card_of(me, shares))
        return self._answer(
            card.instance_id, opened.body, "member.join" + domain.REPLY_SUFFIX, reply.SerializeToString()
        )

    def _on_approved(self, member, body):
        decision = pb.MemberDecision.FromString(body.payload)
        with self.db.begin() as conn:
            status = domain.move(member["status"], "approved")
            store.update_member(
                conn,
                member["instance_id"],
                status=status,
                joined_at=member["joined_at"] or store.now(),
                sees_of_it=json.dumps(domain.check_shares(decision.shares)),
            )
            if member["status"] != domain.ACTIVE:
                self.events.add(
                    conn,
                    "federation.member_joined",
                    member["instance_id"],
                    pb.MemberJoined(instance_id=member["instance_id"], country=member["country"]),
                )
        self.keyring.refresh()
        return "member.approved" + domain.REPLY_SUFFIX, pb.Ack(status=domain.ACTIVE).SerializeToString()

    def _on_revoked(self, member, body):
        decision = pb.MemberDecision.FromString(body.payload)
        with self.db.begin() as conn:
            store.update_member(
                conn,
                member["instance_id"],
                status=domain.REVOKED,
                revoked_by_peer=True,
                revoked_at=store.now(),
                revoked_reason=("revoked by the member: " + decision.reason)[:300],
            )
            self.events.add(
                conn,
                "federation.member_revoked",
                member["instance_id"],
                pb.MemberRevoked(instance_id=member["instance_id"], reason=decision.reason[:300], by_peer=True),
            )
        self.keyring.refresh()
        self._withdraw_figures(member["instance_id"])
        return "member.revoked" + domain.REPLY_SUFFIX, pb.Ack(status=domain.REVOKED).SerializeToString()

    def _on_ping(self, member, body):
        return "member.ping" + domain.REPLY_SUFFIX, pb.Ack(status="ok").SerializeToString()

    def _on_figures_pull(self, member, body):
        figures = self._public_figures(store.shares_of(member))
        return "figures.pull" + domain.REPLY_SUFFIX, figures.SerializeToString()

    def _on_transfer(self, member, body):
        """A request moved here with its requester's consent: tickets creates it once per
        idempotency key and answers the same code to every retry."""
        moved = pb.TransferRequest.FromString(body.payload)
        location = None
        if not math.isnan(moved.latitude) and not math.isnan(moved.longitude):
            location = tickets_pb2.Location(latitude=moved.latitude, longitude=moved.longitude, address=moved.address)
        state = self.tickets.ReceiveTransfer(
            tickets_pb2.ReceiveTransferRequest(
                idempotency_key=f"{member['instance_id']}:{moved.idempotency_key}",
                from_instance=member["instance_id"],
                office_id=moved.office_id,
                kind=moved.kind,
                category=moved.category,
                description=moved.description,
                language=moved.language,
                location=location,
                contact=moved.contact,
                origin_tracking_code=moved.origin_tracking_code,
                submitted_on=moved.submitted_on,
            )
        )
        with self.db.begin() as conn:
            first = store.record_received(
                conn,
                dict(
                    idempotency_key=f"{member['instance_id']}:{moved.idempotency_key}"[:64],
                    from_instance=member["instance_id"],
                    ticket_id=state.ticket_id,
                    tracking_code=state.tracking_code,
                    received_at=store.now(),
                ),
            )
            if first:
                self.events.add(
                    conn,
                    "federation.transfer_received",
                    state.ticket_id,
                    pb.TransferEvent(
                        delivery_id=moved.idempotency_key,
                        ticket_id=state.ticket_id,
                        instance_id=member["instance_id"],
                        kind=moved.kind,
                        category=moved.category,
                    ),
                )
        receipt = pb.TransferReceipt(tracking_code=state.tracking_code, received_at=store.now().isoformat())
        return "transfer.request" + domain.REPLY_SUFFIX, receipt.SerializeToString()

    def _on_notice(self, member, body):
        notice = pb.TransferNotice.FromString(body.payload)
        kind = tickets_pb2.TicketKind.Name(notice.kind).lower() if notice.kind else "complaint"
        with self.db.begin() as conn:
            if store.save_notice(
                conn,
                dict(
                    notice_id=f"{member['instance_id']}:{notice.notice_id}"[:64],
                    from_instance=member["instance_id"],
                    kind=kind,
                    category=notice.category[:64],
                    office_id=notice.office_id[:36],
                    month=notice.month[:7],
                    received_at=store.now(),
                ),
            ):
                self.events.add(
                    conn,
                    "federation.transfer_notice_received",
                    notice.notice_id,
                    pb.TransferEvent(
                        delivery_id=notice.notice_id,
                        instance_id=member["instance_id"],
                        kind=notice.kind,
                        category=notice.category,
                    ),
                )
        return "transfer.notice" + domain.REPLY_SUFFIX, pb.Ack(status="noted").SerializeToString()


def _fields(message) -> dict:
    return {f.name: v for f, v in message.ListFields()}


def _same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


SERVICE = FederationService


def _prepare(conn, settings) -> None:
    ensure_identity(conn, settings)


migrate = migrator("federation", store.metadata, after=_prepare)
