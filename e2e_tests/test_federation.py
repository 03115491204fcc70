"""Two complete instances on this machine: the session's platform is the national instance `ma`,
and a partner `sn` runs beside it (e2e_tests/federation_pair.py: its own services, databases,
Kafka broker, bucket and keys, on ports + 500). Their federation services speak over mutual TLS
with signed envelopes. In order: invite and accept, figures that cross and match each
instance's own, a request moved with its requester's consent, a refusal that only sends a
notice, a receipt lost to a crash (exactly one request at the partner), the partner away and
caught up, a replayed message and a revoked member refused, then the byte scan of everything
each instance received and the message logs of both."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import signal
import time
import uuid

import grpc
import pytest
import requests
import sqlalchemy as sa
from google.protobuf import json_format
from google.rpc.error_details_pb2 import ErrorInfo
from google.rpc.status_pb2 import Status
from kafka import KafkaConsumer

from citizenoffice.events.v1 import envelope_pb2
from citizenoffice.federation.v1 import federation_pb2 as pb
from citizenoffice.federation.v1.federation_pb2_grpc import FederationServiceStub
from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from citizenoffice.tickets.v1 import tickets_pb2
from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub
from federation import envelope

from . import federation_pair
from .conftest import E2E_PORT_OFFSET
from .helpers import eventually
from .service_callers import through_platform
from .tickets_people import instance_admin, people

# The partner's ports (and its broker's): + 500 from the session's, or as set.
# Starting a second instance (seven services, their migrations, a broker) on a busy machine takes
# minutes, counted in the first test's time.
pytestmark = pytest.mark.timeout(900)
PARTNER_OFFSET = int(os.environ.get("CITIZENOFFICE_FEDERATION_PARTNER_OFFSET", str(E2E_PORT_OFFSET + 500)))
MARK = uuid.uuid4().hex[:10]
# Personal data of each instance that must never reach the other one.
NEVER = {"ma": [], "sn": []}
# What crosses with a requester's consent: seen by the partner (the scan's own proof that it reads
# the plaintext).
MOVED_TEXT = f"Lampadaire tombe rue de Dakar, signale par erreur au Maroc ref {MARK}"
MOVED_CONTACT = f"reach.{MARK}@example.sn"
# Where each instance's message log stood when this module began.
LOG_START = {"ma": 0, "sn": 0}


@pytest.fixture(scope="module")
def sn(infra, platform):
    stack, broker, databases = federation_pair.partner(infra, PARTNER_OFFSET)
    try:
        stack.down()
        stack.up()
        # The gateway relays a registration once it holds its own service token (fetched from
        # the new identity on first use, later on a busy machine).
        eventually(
            lambda: (
                requests.post(
                    f"{stack.base_url}/api/v1/auth/register",
                    json={"email": f"warmup.{uuid.uuid4().hex[:8]}@example.sn", "password": "correct horse battery"},
                    timeout=30,
                ).status_code
                == 202
                or None
            ),
            timeout=120,
            interval=2,
            what="sn's gateway relaying",
        )
        yield stack
    finally:
        stack.down()
        federation_pair.remove(infra, broker, databases)
        # Whatever became of the test, the session's registry counts this partner no more.
        registry = RegistryServiceStub(
            through_platform(grpc.insecure_channel(platform.grpc_target("registry")), platform, service="federation")
        )
        registry.ReportMemberFigures(registry_pb2.MemberFigures(instance_id="sn", withdrawn=True), timeout=30)


@pytest.fixture(scope="module")
def ma(platform):
    """The session's instance; a partner `sn` an earlier session left in its directory (its
    databases are kept across sessions, sn's are not) is forgotten first."""
    engine = federation_pair.engine_of(platform, "federation")
    with engine.begin() as conn:
        for table in ("members", "member_figures", "deliveries", "invitations"):
            conn.execute(sa.text(f"delete from {table} where instance_id = 'sn'"))
        # Its message log keeps the earlier partners' exchanges: this module reads what follows.
        LOG_START["ma"] = conn.execute(sa.text("select coalesce(max(seq), 0) from message_log")).scalar()
    engine.dispose()
    return platform


@pytest.fixture(scope="module")
def state():
    return {}


@pytest.fixture(scope="module")
def admins(ma, sn, infra_backend):
    return {"ma": instance_admin(ma, infra_backend), "sn": instance_admin(sn, infra_backend)}


def stub(stack, service: str, person=None):
    stubs = {"federation": FederationServiceStub, "registry": RegistryServiceStub, "tickets": TicketsServiceStub}
    channel = grpc.insecure_channel(stack.grpc_target(service))
    return stubs[service](through_platform(channel, stack, person))


def reason(error: grpc.RpcError) -> str:
    details = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin", b"")
    for detail in Status.FromString(details).details if details else ():
        info = ErrorInfo()
        if detail.Unpack(info):
            return info.reason
    return error.code().name


def refused(call) -> str:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return reason(caught.value)


def events_of(bootstrap: str, topic: str, wanted) -> list[envelope_pb2.Envelope]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=5000,
    )
    try:
        return [e for e in (envelope_pb2.Envelope.FromString(r.value) for r in consumer) if wanted(e)]
    finally:
        consumer.close()


def submit(stack, person, office_id: str, description: str, **fields) -> str:
    request = tickets_pb2.SubmitRequest(
        office_id=office_id,
        kind=fields.pop("kind", tickets_pb2.COMPLAINT),
        category=fields.pop("category", "lighting"),
        description=description,
        language="fr",
        channel=fields.pop("channel", tickets_pb2.WEB),
        **fields,
    )
    kwargs = {"metadata": person.metadata} if person is not None else {}
    return stub(stack, "tickets").Submit(request, timeout=30, **kwargs).ticket_id


def office_id(stack, slug: str) -> str:
    return stub(stack, "registry").GetOffice(registry_pb2.GetOfficeRequest(office_id=slug), timeout=10).office_id


# --- 1. invite and accept ------------------------------------------------------------------------


def test_an_invitation_answered_and_approved_makes_two_members(ma, sn, admins, infra, state):
    ma_fed, sn_fed = stub(ma, "federation", admins["ma"]), stub(sn, "federation", admins["sn"])
    invitation = ma_fed.Invite(pb.InviteRequest(instance_id="sn", country="sn", name="Sénégal"), timeout=30)
    assert invitation.member.status == "invited" and invitation.bundle.startswith("cofed1.")
    # Only the instance invited may answer.
    assert (
        refused(
            lambda: stub(ma, "federation", admins["ma"]).AcceptInvitation(
                pb.AcceptInvitationRequest(bundle=invitation.bundle), timeout=30
            )
        )
        == "NOT_FOR_THIS_INSTANCE"
    )
    member = sn_fed.AcceptInvitation(pb.AcceptInvitationRequest(bundle=invitation.bundle), timeout=30)
    assert (member.instance_id, member.status, member.country) == ("ma", "awaiting_approval", "MA")
    ma_identity = ma_fed.GetInstance(pb.Empty(), timeout=10)
    sn_identity = sn_fed.GetInstance(pb.Empty(), timeout=10)
    assert member.tls_fingerprint == ma_identity.tls_fingerprint
    joined = ma_fed.GetMember(pb.MemberRequest(instance_id="sn"), timeout=10)
    assert joined.status == "pending_approval" and joined.tls_fingerprint == sn_identity.tls_fingerprint
    assert joined.signing_key_id == sn_identity.signing_key_id
    # The invitation is used: answering it again changes nothing.
    assert refused(
        lambda: sn_fed.AcceptInvitation(pb.AcceptInvitationRequest(bundle=invitation.bundle), timeout=30)
    ) == ("MEMBER_EXISTS")
    # A citizen or an unsigned caller manages nothing.
    assert refused(lambda: stub(ma, "federation").ApproveMember(pb.MemberRequest(instance_id="sn"), timeout=10)) == (
        "AUTHENTICATION_REQUIRED"
    )
    approved = ma_fed.ApproveMember(pb.MemberRequest(instance_id="sn"), timeout=30)
    assert approved.status == "active"
    eventually(
        lambda: sn_fed.GetMember(pb.MemberRequest(instance_id="ma"), timeout=10).status == "active" or None,
        timeout=30,
        what="the approval delivered to sn",
    )
    # Each instance's event on its own broker.
    joined_at_ma = events_of(infra.kafka_bootstrap, "federation.events.v1", lambda e: e.aggregate_id == "sn")
    assert "federation.member_joined" in {e.type for e in joined_at_ma} and {e.instance_id for e in joined_at_ma} == {
        "ma"
    }
    sn_bootstrap = sn.infra["KAFKA_BOOTSTRAP_SERVERS"]
    assert sn_bootstrap != infra.kafka_bootstrap
    joined_at_sn = events_of(sn_bootstrap, "federation.events.v1", lambda e: e.type == "federation.member_joined")
    assert [(e.aggregate_id, e.instance_id) for e in joined_at_sn] == [("ma", "sn")]
    state.update(ma_identity=ma_identity, sn_identity=sn_identity)


# --- 2. each instance's own data, personal markers included -----------------------------------------


SN_TERRITORY = """code,level,parent_code,name_fr,name_ar,name_zgh,population,commune_type
sn,instance,,Sénégal,السنغال,,,
sn-dakar,region,sn,Dakar,داكار,,,
sn-dakar-dep,prefecture,sn-dakar,Département de Dakar,,,,
sn-plateau,commune,sn-dakar-dep,Dakar-Plateau,داكار بلاتو,,34626,urban
"""
SN_OFFICES = """slug,commune_code,name_fr,name_ar,name_zgh,name_en,status,phase,address,latitude,longitude,phone,email
sn-plateau,sn-plateau,Bureau Citoyen Dakar-Plateau,مكتب المواطن داكار بلاتو,,Citizen Office Dakar-Plateau,operational,implementation,Place de l'Indépendance,14.6681,-17.4315,,
"""


def test_each_instance_holds_its_own_offices_people_and_requests(ma, sn, admins, infra_backend, state):
    registry = stub(sn, "registry", admins["sn"])
    for kind, content in (("territory", SN_TERRITORY), ("offices", SN_OFFICES)):
        reply = registry.Import(
            registry_pb2.ImportRequest(kind=kind, format="csv", content=content.encode()), timeout=60
        )
        assert reply.applied and not reply.errors, reply
    sn_office = office_id(sn, "sn-plateau")
    registry.RecordActivity(
        registry_pb2.RecordActivityRequest(
            activity=registry_pb2.Activity(
                office_id=sn_office,
                kind="strategic_workshop",
                theme="access_to_information",
                held_on="2026-03-02",
                place="Dakar",
                title="Atelier accès à l'information",
                participants=registry_pb2.Participants(women=12, men=9),
            )
        ),
        timeout=30,
    )
    # sn's own people and requests, never to reach ma.
    sn_people = people(sn, infra_backend, {f"sncitizen{MARK}": None})
    sn_citizen = sn_people[f"sncitizen{MARK}"]
    secret_text = f"Demande privee du Senegal {MARK} rue Carnot"
    submit(sn, sn_citizen, sn_office, secret_text)
    NEVER["sn"] += [sn_citizen.email, secret_text]
    # ma's: a citizen, a clerk, a walk-in requester, an information request's ID number.
    found = people(
        ma,
        infra_backend,
        {
            f"macitizen{MARK}": None,
            f"maother{MARK}": None,
            f"maclerk{MARK}": ("staff", {"office": "tetouan"}),
            f"maauditor{MARK}": ("auditor", {"instance": "ma"}),
        },
    )
    citizen, other, clerk = found[f"macitizen{MARK}"], found[f"maother{MARK}"], found[f"maclerk{MARK}"]
    state["auditor"] = found[f"maauditor{MARK}"]
    tetouan = office_id(ma, "tetouan")
    walk_in_name, walk_in_contact = f"Requerant{MARK} Alaoui", f"06{int(MARK[:6], 16) % 10**8:08d}"
    submit(
        ma,
        clerk,
        tetouan,
        f"Demande au guichet {MARK} pour un acte",
        kind=tickets_pb2.ADMINISTRATIVE_REQUEST,
        category="civil_status",
        channel=tickets_pb2.WALK_IN,
        requester=tickets_pb2.Requester(name=walk_in_name, contact=walk_in_contact),
    )
    id_number = f"ZX{int(MARK[:7], 16) % 10**6:06d}"
    submit(
        ma,
        other,
        tetouan,
        f"Je demande le budget communal {MARK} de 2025",
        kind=tickets_pb2.INFORMATION_REQUEST,
        category="information",
        requester=tickets_pb2.Requester(
            name=f"Nom{MARK}", address=f"Derb {MARK} Tetouan", id_kind="cin", id_number=id_number, contact=other.email
        ),
    )
    NEVER["ma"] += [
        citizen.email,
        other.email,
        clerk.email,
        state["auditor"].email,
        walk_in_name,
        walk_in_contact,
        id_number,
        f"Derb {MARK}",
    ]
    state.update(sn_office=sn_office, citizen=citizen, clerk=clerk, tetouan=tetouan)


# --- 3. figures --------------------------------------------------------------------------------------


def own_figures(stack, figures: pb.PublicFigures):
    """What the instance's own registry and tickets say now, for the period the figures name."""
    registry, tickets = stub(stack, "registry"), stub(stack, "tickets")
    stats = tickets_pb2.StatsRequest(from_date=figures.period_from, to_date=figures.period_to, public=True)
    offices = {}
    for office in figures.office_figures:
        stats.office_id = office.office_id
        offices[office.office_id] = (
            registry.AchievementsInFigures(
                registry_pb2.AchievementsRequest(scope="office", key=office.office_id), timeout=30
            ),
            tickets.Stats(stats, timeout=30),
        )
    stats.office_id = ""
    return (
        registry.AchievementsInFigures(registry_pb2.AchievementsRequest(), timeout=30),
        tickets.Stats(stats, timeout=30),
        offices,
    )


def assert_matches(stack, figures: pb.PublicFigures) -> None:
    achievements, requests_, offices = own_figures(stack, figures)
    assert figures.achievements == achievements
    assert figures.requests == requests_
    assert len(offices) == len(figures.office_figures) > 0
    for office in figures.office_figures:
        assert (office.achievements, office.requests) == offices[office.office_id], office.office_id


def test_figures_cross_both_ways_and_match_each_instances_own(ma, sn, admins, state):
    ma_fed, sn_fed = stub(ma, "federation", admins["ma"]), stub(sn, "federation", admins["sn"])
    for fed, other in ((ma_fed, "sn"), (sn_fed, "ma")):
        [result] = fed.PullFigures(pb.PullRequest(instance_id=other), timeout=120).results
        assert result.ok, result
    page = stub(ma, "federation").FederationFigures(pb.FederationFiguresRequest(), timeout=120)
    by_instance = {i.instance_id: i for i in page.instances}
    assert set(by_instance) == {"ma", "sn"} and by_instance["ma"].own and not by_instance["sn"].stale
    assert_matches(sn, by_instance["sn"].figures)
    assert_matches(ma, by_instance["ma"].figures)
    sn_figures = by_instance["sn"].figures
    assert sn_figures.achievements.activities_total == 1 and sn_figures.requests.total == 1
    assert [o.slug for o in sn_figures.offices] == ["sn-plateau"]
    assert [r.code for r in sn_figures.regions] == ["sn-dakar"]
    # The export: one row per country, region and office, the same numbers.
    export = stub(ma, "federation").ExportFigures(pb.ExportRequest(format="json"), timeout=120)
    rows = json.loads(export.content)["rows"]
    [sn_row] = [r for r in rows if r["instance_id"] == "sn" and r["level"] == "country"]
    assert sn_row["requests_total"] == sn_figures.requests.total
    assert sn_row["median_working_days"] == sn_figures.requests.median_working_days
    assert sn_row["activities_total"] == 1 and sn_row["participants_women"] == 12
    assert {(r["level"], r["instance_id"]) for r in rows} >= {("region", "sn"), ("office", "sn"), ("country", "ma")}
    # The registry's own federation scope adds the partner's figures.
    federation_scope = stub(ma, "registry").AchievementsInFigures(
        registry_pb2.AchievementsRequest(scope="federation"), timeout=30
    )
    assert {"ma", "sn"} <= set(federation_scope.instances)
    state["page"] = page


def test_the_national_page_and_its_export_show_both_instances_exactly(ma, sn):
    """Through ma's gateway, for anyone: the JSON, the CSV table and the page."""
    figures = requests.get(f"{ma.base_url}/api/v1/federation/figures", timeout=120)
    assert figures.status_code == 200, figures.text
    by_instance = {i["instance_id"]: i for i in figures.json()["instances"]}
    sn_figures = pb.PublicFigures()
    json_format.ParseDict(by_instance["sn"]["figures"], sn_figures)
    assert_matches(sn, sn_figures)
    own = pb.PublicFigures()
    json_format.ParseDict(by_instance["ma"]["figures"], own)
    assert_matches(ma, own)
    exported = requests.get(f"{ma.base_url}/api/v1/federation/export?format=csv", timeout=120)
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    for instance, figures_of in (("sn", sn_figures), ("ma", own)):
        [country] = [r for r in table if r["instance_id"] == instance and r["level"] == "country"]
        assert int(country["requests_total"]) == figures_of.requests.total
        assert int(country["requests_answered"]) == figures_of.requests.answered
        assert float(country["median_working_days"]) == figures_of.requests.median_working_days
        assert float(country["within_deadline_share"]) == figures_of.requests.within_deadline_share
        assert int(country["activities_total"]) == figures_of.achievements.activities_total
        assert int(country["offices_total"]) == figures_of.achievements.offices_total
        offices = {r["office_id"]: r for r in table if r["instance_id"] == instance and r["level"] == "office"}
        for office in figures_of.office_figures:
            assert int(offices[office.office_id]["requests_total"]) == office.requests.total
            assert int(offices[office.office_id]["activities_total"]) == office.achievements.activities_total
    regions = [r for r in table if r["instance_id"] == "sn" and r["level"] == "region"]
    assert [(r["region_code"], r["region_name"]) for r in regions] == [("sn-dakar", "Dakar")]
    page = requests.get(f"{ma.base_url}/federation?lang=fr", timeout=120)
    assert page.status_code == 200
    assert "Bureau Citoyen Dakar-Plateau" in page.text and 'data-instance="sn"' in page.text
    countries = re.findall(r'<tr class="country" data-instance="(\w+)"><td><bdi>([^<]*)</bdi>', page.text)
    assert dict(countries) == {"ma": "Bureau Citoyen (MA)", "sn": "Bureau Citoyen du Sénégal (SN)"}, countries


# --- 4. a request moved with its requester's consent ---------------------------------------------------


def offer_and_answer(ma, state, text: str, consent: bool, contact: str = "") -> str:
    citizen, clerk = state["citizen"], state["clerk"]
    ticket_id = submit(ma, citizen, state["tetouan"], text)
    offered = stub(ma, "federation", clerk).OfferTransfer(
        pb.OfferTransferRequest(ticket_id=ticket_id, instance_id="sn", office_id=state["sn_office"]), timeout=30
    )
    assert offered.status == "offered" and offered.peer_instance == "sn"
    # Only the requester answers.
    assert (
        refused(
            lambda: stub(ma, "federation", clerk).AnswerTransfer(
                pb.AnswerTransferRequest(ticket_id=ticket_id, consent=True), timeout=30
            )
        )
        == "REQUESTER_ONLY"
    )
    answered = stub(ma, "federation", citizen).AnswerTransfer(
        pb.AnswerTransferRequest(ticket_id=ticket_id, consent=consent, contact=contact), timeout=30
    )
    assert answered.status == ("consented" if consent else "declined")
    return ticket_id


def delivered(ma, admin, ticket_id: str, timeout: float = 120) -> pb.Delivery:
    def done():
        found = stub(ma, "federation", admin).ListDeliveries(pb.DeliveriesRequest(ticket_id=ticket_id), timeout=10)
        return next((d for d in found.deliveries if d.status == "delivered"), None)

    return eventually(done, timeout=timeout, what=f"the delivery of {ticket_id}")


def history(stack, ticket_id: str, person=None) -> list:
    return list(
        stub(stack, "tickets", person).History(tickets_pb2.GetTicketRequest(ticket_id=ticket_id), timeout=10).entries
    )


def test_a_request_moves_with_its_requesters_consent(ma, sn, admins, infra, state):
    ticket_id = offer_and_answer(ma, state, MOVED_TEXT, True, MOVED_CONTACT)
    delivery = delivered(ma, admins["ma"], ticket_id)
    code = delivery.result
    assert code and delivery.kind == "transfer.request"
    moved_out = stub(ma, "tickets", state["citizen"]).GetTransfer(
        tickets_pb2.GetTicketRequest(ticket_id=ticket_id), timeout=10
    )
    assert (moved_out.status, moved_out.peer_tracking_code) == ("completed", code)
    ma_history = history(ma, ticket_id)
    actions = [e.action for e in ma_history]
    assert actions[:1] == ["submit"] and {"transfer_offered", "transfer_consented", "transferred"} <= set(actions)
    [done] = [e for e in ma_history if e.action == "transferred"]
    assert (
        done.to_status == "transferred"
        and done.details["tracking_code"] == code
        and done.details["to_instance"] == "sn"
    )
    # The partner issued its own code; its history says where the request came from.
    at_sn = stub(sn, "tickets").TrackByCode(tickets_pb2.TrackByCodeRequest(tracking_code=code), timeout=10)
    assert at_sn.office_id == state["sn_office"] and at_sn.tracking_code != moved_out.tracking_code
    [received] = [e for e in history(sn, at_sn.ticket_id) if e.action == "transfer_received"]
    assert received.details["from_instance"] == "ma" and received.details["tracking_code"] == moved_out.tracking_code
    with federation_pair.engine_of(sn, "tickets").connect() as conn:
        row = conn.execute(
            sa.text(
                "select description, requester_contact, citizen_id, channel, public from tickets where ticket_id = :t"
            ),
            {"t": at_sn.ticket_id},
        ).one()
    assert tuple(row) == (MOVED_TEXT, MOVED_CONTACT, "", "federation", False)
    # Events: each instance's own broker, ids only.
    moved = events_of(infra.kafka_bootstrap, "tickets.events.v1", lambda e: e.aggregate_id == ticket_id)
    assert {"ticket.transfer_offered", "ticket.transfer_consented", "ticket.transfer_completed"} <= {
        e.type for e in moved
    }
    assert all(MARK.encode() not in e.SerializeToString() for e in moved)
    at_ma = events_of(infra.kafka_bootstrap, "federation.events.v1", lambda e: e.aggregate_id == ticket_id)
    assert {"federation.transfer_requested", "federation.transfer_delivered"} <= {e.type for e in at_ma}
    at_sn_events = events_of(
        sn.infra["KAFKA_BOOTSTRAP_SERVERS"], "federation.events.v1", lambda e: e.aggregate_id == at_sn.ticket_id
    )
    assert [e.type for e in at_sn_events] == ["federation.transfer_received"]
    state.update(moved_ticket=ticket_id, moved_code=code, moved_key=moved_out.idempotency_key)


def test_without_consent_only_an_anonymised_notice_crosses(ma, sn, admins, state):
    text = f"Plainte refusee au transfert {MARK} ne doit pas sortir"
    NEVER["ma"].append(text)
    ticket_id = offer_and_answer(ma, state, text, False)
    delivery = delivered(ma, admins["ma"], ticket_id)
    assert delivery.kind == "transfer.notice"
    notices = stub(sn, "federation", admins["sn"]).ListNotices(pb.Empty(), timeout=10).notices
    [notice] = [n for n in notices if n.notice_id.endswith(delivery.delivery_id)]
    assert (notice.from_instance, notice.kind, notice.category, notice.office_id) == (
        "ma",
        tickets_pb2.COMPLAINT,
        "lighting",
        state["sn_office"],
    )
    assert notice.month == dt.datetime.now(dt.timezone.utc).strftime("%Y-%m")
    assert (
        stub(ma, "tickets", state["citizen"])
        .GetTransfer(tickets_pb2.GetTicketRequest(ticket_id=ticket_id), timeout=10)
        .status
        == "declined"
    )


def test_a_receipt_lost_to_a_crash_still_makes_one_request(ma, sn, admins, state):
    """The state a crash leaves when it stops ma between sn's answer and ma's record of it: the
    delivery queued again. ma sends the request again (a new message, the same idempotency key);
    sn answers with the code it issued, and creates nothing more."""
    with federation_pair.engine_of(ma, "federation").begin() as conn:
        changed = conn.execute(
            sa.text(
                "update deliveries set status = 'queued', delivered_at = null, result = '', next_attempt_at = :now "
                "where delivery_id = :d"
            ),
            {"d": state["moved_key"], "now": dt.datetime.now(dt.timezone.utc)},
        ).rowcount
    assert changed == 1
    delivery = delivered(ma, admins["ma"], state["moved_ticket"])
    assert delivery.result == state["moved_code"]
    with federation_pair.engine_of(sn, "tickets").connect() as conn:
        made = conn.execute(
            sa.text("select count(*) from ticket_transfers where idempotency_key = :k"),
            {"k": f"ma:{state['moved_key']}"},
        ).scalar()
    assert made == 1
    assert [e.action for e in history(ma, state["moved_ticket"])].count("transferred") == 1
    with federation_pair.engine_of(sn, "federation").connect() as conn:
        taken = conn.execute(
            sa.text(
                "select count(*) from message_log where peer = 'ma' and kind = 'transfer.request' and outcome = 'accepted'"
            )
        ).scalar()
    assert taken == 2


# --- 5. the partner away, then back ---------------------------------------------------------------------


def metric(stack, service: str, name: str, **labels) -> float | None:
    text = requests.get(f"http://127.0.0.1:{stack.service(service).metrics_port}/metrics", timeout=10).text
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(name + "{") and wanted in line:
            return float(line.rsplit(" ", 1)[1])
    return None


def test_the_partner_away_loses_nothing_and_is_caught_up(ma, sn, admins, state):
    ma_fed = stub(ma, "federation", admins["ma"])
    sn.stop("federation", sig=signal.SIGKILL)  # a crash, not a clean stop
    try:
        eventually(
            lambda: ma_fed.GetMember(pb.MemberRequest(instance_id="sn"), timeout=10).consecutive_failures >= 2 or None,
            timeout=30,
            what="ma noticing sn is away",
        )
        member = ma_fed.GetMember(pb.MemberRequest(instance_id="sn"), timeout=10)
        assert member.last_error == "UNREACHABLE"
        assert metric(ma, "federation", "citizenoffice_federation_member_up", member="sn") == 0.0
        # Meanwhile a request is moved to sn and sn's own figures change.
        ticket_id = offer_and_answer(ma, state, f"Deuxieme transfert {MARK} pendant la panne", True)
        stub(sn, "registry", admins["sn"]).RecordActivity(
            registry_pb2.RecordActivityRequest(
                activity=registry_pb2.Activity(
                    office_id=state["sn_office"],
                    kind="strategic_workshop",
                    theme="participation",
                    held_on="2026-03-09",
                    place="Dakar",
                    title="Atelier participation",
                    participants=registry_pb2.Participants(women=5, men=6),
                )
            ),
            timeout=30,
        )
        eventually(
            lambda: (
                (metric(ma, "federation", "citizenoffice_federation_deliveries_queued", member="sn") or 0) >= 1 or None
            ),
            timeout=30,
            what="the transfer waiting for sn",
        )
        page = stub(ma, "federation").FederationFigures(pb.FederationFiguresRequest(instance_id="sn"), timeout=60)
        assert page.instances[0].stale and page.instances[0].figures.achievements.activities_total == 1
        time.sleep(3)  # away a while: ma keeps trying every second
    finally:
        sn.start("federation")
        sn.wait_ready("federation")
    delivery = delivered(ma, admins["ma"], ticket_id, timeout=90)
    assert (
        stub(sn, "tickets")
        .TrackByCode(tickets_pb2.TrackByCodeRequest(tracking_code=delivery.result), timeout=10)
        .ticket_id
    )
    eventually(
        lambda: metric(ma, "federation", "citizenoffice_federation_member_up", member="sn") == 1.0 or None,
        timeout=30,
        what="sn answering again",
    )

    def fresh():
        reply = stub(ma, "federation").FederationFigures(pb.FederationFiguresRequest(instance_id="sn"), timeout=60)
        entry = reply.instances[0]
        return entry if not entry.stale and entry.figures.achievements.activities_total == 2 else None

    eventually(fresh, timeout=60, what="sn's figures pulled again on its return")
    # The request it received since counts in its figures as soon as they are asked for again.
    [result] = ma_fed.PullFigures(pb.PullRequest(instance_id="sn"), timeout=120).results
    assert result.ok
    entry = fresh()
    assert_matches(sn, entry.figures)
    assert metric(ma, "federation", "citizenoffice_federation_member_lag_seconds", member="sn") < 30


# --- 6. a replayed message, a revoked member ----------------------------------------------------------------


def last_request_from(stack, sender_kind: str) -> pb.SignedEnvelope:
    """The newest signed request of `sender_kind` the instance's federation port received."""
    newest = None
    for received in federation_pair.captured(stack):
        for message in received.messages:
            try:
                signed = pb.SignedEnvelope.FromString(message)
                body = pb.Body.FromString(signed.body)
            except Exception:
                continue
            if (
                body.kind == sender_kind
                and not body.in_reply_to
                and (newest is None or body.sent_at.ToDatetime() > newest[0])
            ):
                newest = (body.sent_at.ToDatetime(), signed)
    assert newest is not None, f"no {sender_kind} in the capture"
    return newest[1]


def test_a_replayed_message_is_refused_and_logged(ma, sn, admins, state):
    stub(ma, "federation", admins["ma"]).PullFigures(pb.PullRequest(instance_id="sn"), timeout=120)
    replayed = last_request_from(sn, "figures.pull")
    # Sent again by whoever holds ma's TLS key (here: this test, with ma's own keys).
    channel, peer = federation_pair.peer_stub(federation_pair.own_keys(ma), sn, state["sn_identity"])
    with channel:
        assert refused(lambda: peer.Exchange(replayed, timeout=30)) == "REPLAYED"
        unsigned = pb.SignedEnvelope(body=replayed.body)
        assert refused(lambda: peer.Exchange(unsigned, timeout=30)) == "UNSIGNED"
    with federation_pair.engine_of(sn, "federation").connect() as conn:
        row = conn.execute(
            sa.text("select outcome, reason, digest from message_log where message_id = :m order by seq"),
            {"m": pb.Body.FromString(replayed.body).message_id},
        ).all()
    digest = envelope.digest(replayed.body).hex()
    assert [tuple(r) for r in row] == [("accepted", "", digest), ("refused", "REPLAYED", digest)]


def test_a_revoked_member_is_refused(ma, sn, admins, state):
    ma_fed = stub(ma, "federation", admins["ma"])
    assert refused(lambda: ma_fed.RevokeMember(pb.RevokeRequest(instance_id="sn"), timeout=10)) == "REASON_REQUIRED"
    revoked = ma_fed.RevokeMember(pb.RevokeRequest(instance_id="sn", reason="the partnership ended"), timeout=30)
    assert revoked.status == "revoked"
    sn_fed = stub(sn, "federation", admins["sn"])
    eventually(
        lambda: sn_fed.GetMember(pb.MemberRequest(instance_id="ma"), timeout=10).revoked_by_peer or None,
        timeout=30,
        what="sn told of the revocation",
    )
    # sn asks nothing more; a message signed with sn's keys on sn's certificate is refused by ma.
    [result] = sn_fed.PullFigures(pb.PullRequest(instance_id="ma"), timeout=60).results
    assert (result.ok, result.reason) == (False, "MEMBER_NOT_ACTIVE")
    sn_keys = federation_pair.own_keys(sn)
    message = envelope.seal(sn_keys, "sn", "ma", "figures.pull", pb.FiguresRequest().SerializeToString())
    channel, peer = federation_pair.peer_stub(sn_keys, ma, state["ma_identity"])
    with channel:
        assert refused(lambda: peer.Exchange(message, timeout=30)) == "MEMBER_REVOKED"
    page = stub(ma, "federation").FederationFigures(pb.FederationFiguresRequest(), timeout=120)
    assert [i.instance_id for i in page.instances] == ["ma"]
    federation_scope = stub(ma, "registry").AchievementsInFigures(
        registry_pb2.AchievementsRequest(scope="federation"), timeout=30
    )
    assert "sn" not in federation_scope.instances
    revocations = events_of(
        sn.infra["KAFKA_BOOTSTRAP_SERVERS"], "federation.events.v1", lambda e: e.type == "federation.member_revoked"
    )
    assert [e.aggregate_id for e in revocations] == ["ma"]


# --- 7. what each instance received, byte by byte; the message logs ---------------------------------------


def scanned(stack) -> bytes:
    """Every byte the instance's federation port received and every answer it got, as decrypted
    from TLS, and the same with the HTTP/2 headers decompressed (HPACK) and the messages cut out."""
    parts = []
    for received in federation_pair.captured(stack):
        parts.append(received.raw)
        parts.extend(k + b": " + v for k, v in received.headers)
        parts.extend(received.messages)
    return b"\n".join(parts)


def test_personal_data_never_reaches_the_other_instance(ma, sn):
    at_sn, at_ma = scanned(sn), scanned(ma)
    assert len(at_sn) > 10_000 and len(at_ma) > 10_000
    # The scan reads the plaintext: what crossed with consent is there, and sn's directory at ma.
    assert MOVED_TEXT.encode() in at_sn and MOVED_CONTACT.encode() in at_sn
    assert "Dakar-Plateau".encode() in at_ma
    leaked = {m for m in NEVER["ma"] if m.encode() in at_sn} | {m for m in NEVER["sn"] if m.encode() in at_ma}
    assert not leaked
    assert len(NEVER["ma"]) >= 8 and len(NEVER["sn"]) >= 2


def test_both_message_logs_hold_every_exchange_and_an_auditor_reads_them(ma, sn, admins, state):
    auditor = state["auditor"]
    logs = {}
    for name, stack, reader in (("ma", ma, auditor), ("sn", sn, admins["sn"])):
        fed = stub(stack, "federation", reader)
        check = fed.VerifyMessageLog(pb.Empty(), timeout=30)
        assert check.intact and check.entries > 0
        entries, after = [], LOG_START[name]
        while True:
            page = fed.MessageLog(pb.MessageLogRequest(after_seq=after, limit=1000), timeout=30)
            entries += page.entries
            if len(page.entries) < 1000:
                break
            after = page.last_seq
        logs[name] = entries
    # The same through the gateway's JSON, for the auditor; a citizen reads none of it.
    auditor_http = requests.get(
        f"{ma.base_url}/api/v1/federation/log?peer=sn&limit=5",
        headers={"Authorization": f"Bearer {auditor.token}"},
        timeout=30,
    )
    assert auditor_http.status_code == 200 and len(auditor_http.json()["items"]) == 5
    assert auditor_http.json()["items"][0]["peer"] == "sn"
    citizen_http = requests.get(
        f"{ma.base_url}/api/v1/federation/log",
        headers={"Authorization": f"Bearer {state['citizen'].token}"},
        timeout=30,
    )
    assert citizen_http.status_code == 403 and citizen_http.json()["reason"] == "NOT_ALLOWED"
    assert refused(lambda: stub(ma, "federation", state["citizen"]).MessageLog(pb.MessageLogRequest(), timeout=10)) == (
        "NOT_ALLOWED"
    )
    ma_out = {
        (e.message_id, e.digest)
        for e in logs["ma"]
        if e.peer == "sn" and e.direction == "out" and e.outcome == "delivered"
    }
    sn_in = {
        (e.message_id, e.digest)
        for e in logs["sn"]
        if e.peer == "ma" and e.direction == "in" and e.outcome == "accepted"
    }
    # Every request ma delivered to sn is in sn's log under the same id and digest.
    assert ma_out and ma_out <= sn_in
    kinds_out = {e.kind for e in logs["ma"] if e.peer == "sn" and e.direction == "out"}
    assert {"member.approved", "figures.pull", "transfer.request", "transfer.notice", "member.revoked"} <= kinds_out
    assert {"member.join", "figures.pull"} <= {e.kind for e in logs["ma"] if e.peer == "sn" and e.direction == "in"}
    refusals_at_ma = {e.reason for e in logs["ma"] if e.outcome == "refused"}
    refusals_at_sn = {e.reason for e in logs["sn"] if e.outcome == "refused"}
    assert "MEMBER_REVOKED" in refusals_at_ma and {"REPLAYED", "UNSIGNED"} <= refusals_at_sn
    failed = [e for e in logs["ma"] if e.peer == "sn" and e.outcome == "failed"]
    assert failed and {e.reason for e in failed} == {"UNREACHABLE"}
    # The logs say who, what, when and the digest: never what the messages held.
    text = "".join(str(e) for entries in logs.values() for e in entries)
    assert MARK not in text
