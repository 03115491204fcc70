"""Every RPC of every service, straight at its gRPC port, by four callers who may change nothing
there: no token at all (grpcurl from a pod), an expired token signed by the instance's own key,
a citizen, and a clerk of another office (Martil's staff asking about Tetouan).

The RPCs come from the contracts (each service's descriptor), so a new RPC that this table does
not name fails the test until someone says whether it changes anything and who may call it.
Reads are named too: they change nothing, and the public ones are public by design. A change
an allowed caller may make (a citizen filing a request, managing their own consents) is listed
with who is allowed and not called: the refusals are what is asserted, every one of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Callable

import grpc
import jwt
import pytest
import sqlalchemy as sa

from citizenoffice.documents.v1 import documents_pb2, documents_pb2_grpc
from citizenoffice.federation.v1 import federation_pb2, federation_pb2_grpc
from citizenoffice.identity.v1 import identity_pb2, identity_pb2_grpc
from citizenoffice.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from citizenoffice.participation.v1 import participation_pb2, participation_pb2_grpc
from citizenoffice.registry.v1 import registry_pb2, registry_pb2_grpc
from citizenoffice.tickets.v1 import tickets_pb2, tickets_pb2_grpc
from cokit.timestamps import to_timestamp
from identity import keyseal, store as identity_store

from .helpers import jpeg_bytes
from .service_callers import AUTH_METADATA, through_platform
from .test_identity_helpers import offices, post
from .test_registry import reason_of
from .tickets_people import instance_admin, people

CALLERS = ("no_token", "expired", "citizen", "other_clerk")
SIGNED_IN = frozenset({"citizen", "other_clerk"})
REFUSAL_CODES = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}

SERVICES = {
    "identity": (identity_pb2, identity_pb2_grpc.IdentityServiceStub),
    "registry": (registry_pb2, registry_pb2_grpc.RegistryServiceStub),
    "tickets": (tickets_pb2, tickets_pb2_grpc.TicketsServiceStub),
    "documents": (documents_pb2, documents_pb2_grpc.DocumentsServiceStub),
    "notifications": (notifications_pb2, notifications_pb2_grpc.NotificationsServiceStub),
    "participation": (participation_pb2, participation_pb2_grpc.ParticipationServiceStub),
    "federation": (federation_pb2, federation_pb2_grpc.FederationServiceStub),
}

READS = {
    "identity": {"GetTrustState", "ListRoles", "ListSecurityEvents", "ExportMyData", "IntrospectToken"},
    "registry": {
        "GetOffice",
        "ListOffices",
        "GetOfficeProfile",
        "ListActivities",
        "AchievementsInFigures",
        "ListTerritory",
        "GetTerritoryUnit",
        "ListCategories",
        "GetCalendar",
        "WorkingDaysBetween",
        "AddWorkingDays",
        "Export",
    },
    "tickets": {
        "TrackByCode",
        "Get",
        "History",
        "Thread",
        "Search",
        "Stats",
        "ListMine",
        "GetMine",
        "ListPublicRequests",
        "ExportCitizenData",
        "GetTransfer",
    },
    "documents": {
        "GetAttachment",
        "GetDownloadUrl",
        "ListPublished",
        "GetPublished",
        "ExportPublished",
        "ExportCitizenData",
    },
    "notifications": {"ListInbox", "GetPreferences", "ExportCitizenData"},
    "participation": {
        "GetConsultation",
        "ListConsultations",
        "GetResults",
        "GetOfficeFigures",
        "GetProposalRules",
        "GetProposal",
        "ListProposals",
        "SimilarProposals",
        "ExportCitizenData",
    },
    "federation": {
        "GetInstance",
        "ListMembers",
        "GetMember",
        "FederationFigures",
        "ExportFigures",
        "ListDeliveries",
        "ListNotices",
        "MessageLog",
        "VerifyMessageLog",
    },
}


@dataclasses.dataclass(frozen=True)
class Write:
    request: Callable[[dict], object]  # the world -> the request message
    allowed: frozenset[str] = frozenset()  # callers the design lets through (not called)
    stream: bool = False


def w(request, allowed=frozenset(), stream=False) -> Write:
    return Write(request, frozenset(allowed), stream)


ID, R, T, D, N, P = identity_pb2, registry_pb2, tickets_pb2, documents_pb2, notifications_pb2, participation_pb2
ID, R, T, D, N, F = identity_pb2, registry_pb2, tickets_pb2, documents_pb2, notifications_pb2, federation_pb2
TETOUAN = "tetouan"

WRITES: dict[str, dict[str, Write]] = {
    "identity": {
        # The platform's own, for contacts of people without an account and for delivery.
        "UpsertCitizen": w(lambda x: ID.UpsertCitizenRequest(email=f"matrix.{uuid.uuid4().hex[:8]}@example.ma")),
        "GetCitizen": w(lambda x: ID.GetCitizenRequest(citizen_id=x["someone"])),  # personal data: guarded as a change
        # The credential in the request decides; a signed-in caller or the platform may ask.
        "Register": w(lambda x: ID.RegisterRequest(email="not-an-address", password="x"), SIGNED_IN),
        "Verify": w(lambda x: ID.VerifyRequest(login="nobody@example.ma", code="000000"), SIGNED_IN),
        "ResendVerificationCode": w(lambda x: ID.ResendCodeRequest(login="nobody@example.ma"), SIGNED_IN),
        "Login": w(lambda x: ID.LoginRequest(login="nobody@example.ma", password="wrong"), SIGNED_IN),
        "Refresh": w(lambda x: ID.RefreshRequest(refresh_token="not-a-token"), SIGNED_IN),
        "Logout": w(lambda x: ID.LogoutRequest(refresh_token="not-a-token"), SIGNED_IN),
        "RequestPasswordReset": w(lambda x: ID.PasswordResetRequest(login="nobody@example.ma"), SIGNED_IN),
        "ResetPassword": w(
            lambda x: ID.PasswordResetConfirm(
                login="nobody@example.ma", code="000000", new_password="long enough password 1"
            ),
            SIGNED_IN,
        ),
        "RotateSigningKey": w(lambda x: ID.RotateSigningKeyRequest(step="stage")),
        "GrantRole": w(
            lambda x: ID.GrantRoleRequest(
                citizen_id=x["someone"], role="staff", scope=ID.Scope(instance_id="ma", office_id=x["tetouan_id"])
            )
        ),
        "RevokeRole": w(lambda x: ID.RevokeRoleRequest(binding_id=x["tetouan_binding"])),
        "CreateApiKey": w(
            lambda x: ID.CreateApiKeyRequest(
                label="matrix", role="open311_client", scope=ID.Scope(instance_id="ma", office_id=x["tetouan_id"])
            )
        ),
        "RevokeApiKey": w(lambda x: ID.RevokeApiKeyRequest(key_id=x["tetouan_key"])),
        "AuthenticateApiKey": w(lambda x: ID.AuthenticateApiKeyRequest(secret="co_not-a-key")),
        # Their own consents, contact and erasure: a signed-in person's own.
        "RecordConsent": w(lambda x: ID.RecordConsentRequest(purpose="", granted=True), SIGNED_IN),
        "Rectify": w(lambda x: ID.RectifyRequest(email="not-an-address"), SIGNED_IN),
        "EraseMe": w(lambda x: ID.Empty(), SIGNED_IN),
        # A service's credential decides; every caller here brings a wrong one.
        "IssueServiceToken": w(lambda x: ID.ServiceTokenRequest(service="gateway", credential="guessed")),
    },
    "registry": {
        "CreateOffice": w(lambda x: R.CreateOfficeRequest(slug="", commune_code=x["tetouan_commune"])),
        "UpdateOffice": w(lambda x: R.UpdateOfficeRequest(office_id=x["tetouan_id"], status="no-such-status")),
        "ChangePhase": w(lambda x: R.ChangePhaseRequest(office_id=x["tetouan_id"], phase=R.PHASE_UNSPECIFIED)),
        "RecordActivity": w(lambda x: R.RecordActivityRequest(activity=R.Activity(office_id=x["tetouan_id"], kind=""))),
        "ReportMemberFigures": w(lambda x: R.MemberFigures(instance_id="")),
        "RemoveTerritory": w(lambda x: R.RemoveTerritoryRequest(code="no-such-unit")),
        "SetCatalogueEntry": w(
            lambda x: R.SetCatalogueEntryRequest(office_id=x["tetouan_id"], entry=R.CatalogueEntry(code=""))
        ),
        "SetHoliday": w(lambda x: R.SetHolidayRequest(rule=R.HolidayRule(key=""))),
        "DeleteHoliday": w(lambda x: R.DeleteHolidayRequest(key="no-such-holiday")),
        "SetWeekend": w(lambda x: R.SetWeekendRequest(weekend_days=list(range(7)))),
        "Import": w(lambda x: R.ImportRequest(kind="territory", format="csv", content=b"", dry_run=True)),
    },
    "tickets": {
        # Anyone may file, signed in or through the platform.
        "Submit": w(lambda x: T.SubmitRequest(office_id=TETOUAN, kind=T.COMPLAINT, description=""), SIGNED_IN),
        "Transition": w(lambda x: T.TransitionRequest(ticket_id=x["ticket"], action="acknowledge")),
        "EraseRequester": w(lambda x: T.EraseRequesterRequest(ticket_id=x["ticket"], reason="matrix")),
        "RunDeadlines": w(lambda x: T.RunDeadlinesRequest()),
        "Assign": w(lambda x: T.AssignRequest(ticket_id=x["ticket"], department="voirie")),
        "PostMessage": w(lambda x: T.MessageRequest(ticket_id=x["ticket"], body="matrix", internal=True)),
        "Merge": w(lambda x: T.MergeRequest(ticket_id=x["ticket"], into_ticket_id=x["other_ticket"])),
        # A signed-in person follows public requests and signs petitions as themselves.
        "Follow": w(lambda x: T.FollowRequest(ticket_id=x["ticket"]), SIGNED_IN),
        "Sign": w(lambda x: T.SignRequest(ticket_id=x["ticket"]), SIGNED_IN),
        "Rate": w(lambda x: T.RateRequest(ticket_id=x["ticket"], rating=5)),
        "Moderate": w(lambda x: T.ModerateRequest(ticket_id=x["ticket"], reason="matrix")),
        # A move to another instance: offered by the office, answered by the requester, carried
        # by the federation service alone.
        "OfferTransfer": w(lambda x: T.OfferTransferRequest(ticket_id=x["ticket"], to_instance="sn", to_office_id="o")),
        "AnswerTransfer": w(lambda x: T.AnswerTransferRequest(ticket_id=x["ticket"], consent=True)),
        "GetTransferPackage": w(lambda x: T.GetTicketRequest(ticket_id=x["ticket"])),
        "ReceiveTransfer": w(lambda x: T.ReceiveTransferRequest(idempotency_key="matrix", office_id=x["tetouan_id"])),
        "CompleteTransfer": w(lambda x: T.CompleteTransferRequest(ticket_id=x["ticket"], peer_tracking_code="X")),
    },
    "documents": {
        # A citizen's files go with what they file: public, like filing.
        "StoreAttachment": w(
            lambda x: D.StoreAttachmentRequest(office_id=x["tetouan_id"], filename="x.jpg"), SIGNED_IN
        ),
        "StreamAttachment": w(
            lambda x: iter(
                [D.AttachmentChunk(header=D.StoreAttachmentRequest(office_id=x["tetouan_id"], filename="x.jpg"))]
            ),
            SIGNED_IN,
            stream=True,
        ),
        "StartUpload": w(lambda x: D.StartUploadRequest(office_id=x["tetouan_id"], size=0), SIGNED_IN),
        "CompleteUpload": w(lambda x: D.CompleteUploadRequest(upload_id="no-such-upload"), SIGNED_IN),
        "Publish": w(
            lambda x: D.PublishRequest(
                office_id=x["tetouan_id"],
                attachment_id=x["attachment"],
                title="matrix",
                kind=D.BUDGET,
                language="fr",
                document_date="2026-01-15",
            )
        ),
        "EraseCitizenAttachments": w(lambda x: D.EraseCitizenAttachmentsRequest(owner_citizen_id=x["someone"])),
    },
    "notifications": {
        "MarkRead": w(lambda x: N.MarkReadRequest(citizen_id=x["someone"], item_id="no-such-item")),
        "SetPreferences": w(lambda x: N.Preferences(citizen_id=x["someone"])),
        "RunDigests": w(lambda x: N.RunDigestsRequest()),
        "SendOneTimeCode": w(
            lambda x: N.SendOneTimeCodeRequest(
                channel="email", address="victim@example.ma", purpose="verify", code="123456", language="fr"
            )
        ),
        "SendSecurityNotice": w(
            lambda x: N.SendSecurityNoticeRequest(
                channel="email", address="victim@example.ma", purpose="locked", language="fr", minutes=15
            )
        ),
    },
    "participation": {
        # The office's staff run its consultations and moderate its proposals.
        "CreateConsultation": w(lambda x: P.ConsultationDraft(office_id=x["tetouan_id"], title={"fr": "matrice"})),
        "UpdateConsultation": w(lambda x: P.ConsultationDraft(consultation_id=x["consultation"], title={"fr": "m"})),
        "PublishConsultation": w(lambda x: P.ConsultationRef(consultation_id=x["consultation"])),
        "AddResponse": w(lambda x: P.ResponseEntry(consultation_id=x["consultation"], stage="planned")),
        "SetProposalRules": w(lambda x: P.ProposalRules(office_id=x["tetouan_id"], threshold=1, window_days=1)),
        "ModerateProposal": w(lambda x: P.ModerateProposalRequest(proposal_id=x["proposal"], hidden=True, reason="m")),
        "RunClock": w(lambda x: P.RunClockRequest()),
        # Who asked to be told: notifications' own, personal data guarded as a change.
        "ListSubscribers": w(lambda x: P.SubscribersRequest(consultation_id=x["consultation"])),
        # Taking part: anyone signed in (the platform relays those without an account).
        "Answer": w(lambda x: P.AnswerRequest(consultation_id=x["consultation"]), SIGNED_IN),
        "AnswerSurvey": w(lambda x: P.SurveyAnswer(context="request", tracking_code="7K3M-9QX2-B"), SIGNED_IN),
        "PostProposal": w(lambda x: P.ProposalDraft(office_id=x["tetouan_id"], title="m", body="m"), SIGNED_IN),
        "SupportProposal": w(lambda x: P.ProposalRef(proposal_id=x["proposal"]), SIGNED_IN),
    },
    "federation": {
        # The directory: the instance's admins alone.
        "Invite": w(lambda x: F.InviteRequest(instance_id="zz", country="ZZ")),
        "AcceptInvitation": w(lambda x: F.AcceptInvitationRequest(bundle="cofed1.x")),
        "ApproveMember": w(lambda x: F.MemberRequest(instance_id="zz")),
        "RevokeMember": w(lambda x: F.RevokeRequest(instance_id="zz", reason="matrix")),
        "PullFigures": w(lambda x: F.PullRequest()),
        # The office offers a move (tickets checks its staff first), the requester answers.
        "OfferTransfer": w(lambda x: F.OfferTransferRequest(ticket_id=x["ticket"], instance_id="zz", office_id="o")),
        "AnswerTransfer": w(lambda x: F.AnswerTransferRequest(ticket_id=x["ticket"], consent=True)),
    },
}


def rpc_names(service: str) -> set[str]:
    module, stub = SERVICES[service]
    # federation's contract also holds the PeerService of the federation port (mutual TLS,
    # signed envelopes: e2e_tests/test_federation.py and the service's own tests)
    descriptor = module.DESCRIPTOR.services_by_name[stub.__name__.removesuffix("Stub")]
    return {m.name for m in descriptor.methods}


def test_every_rpc_of_every_contract_is_classified():
    for service in SERVICES:
        names = rpc_names(service)
        classified = READS[service] | set(WRITES[service])
        assert not READS[service] & set(WRITES[service]), service
        assert names == classified, (
            service,
            "unclassified:",
            sorted(names - classified),
            "gone:",
            sorted(classified - names),
        )


CASES = [
    (service, rpc, caller)
    for service in SERVICES
    for rpc, write in WRITES[service].items()
    for caller in CALLERS
    if caller not in write.allowed
]


def expired_token(platform, infra, subject: str) -> str:
    """A token of `subject` that expired a minute ago, signed with the instance's active key:
    everything about it is right except the time."""
    engine = sa.create_engine(infra.database_url("identity"), poolclass=sa.pool.NullPool)
    keys = identity_store.signing_keys
    with engine.connect() as conn:
        key = conn.execute(sa.select(keys.c.kid, keys.c.private_pem).where(keys.c.status == "active")).first()
    engine.dispose()
    pem = keyseal.KeySealer(platform.env("identity")["IDENTITY_KEY_SECRET"]).open(key.private_pem, key.kid)
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    claims = {
        "iss": "urn:citizenoffice:ma",
        "aud": "citizenoffice",
        "sub": subject,
        "sid": f"matrix-{uuid.uuid4()}",
        "ins": "ma",
        "kind": "user",
        "roles": [],
        "iat": now - 400,
        "nbf": now - 400,
        "exp": now - 60,
    }
    return jwt.encode(claims, pem, algorithm="EdDSA", headers={"kid": key.kid})


@pytest.fixture(scope="module")
def world(platform, infra, infra_backend):
    """Real targets at Tetouan (an office, a ticket, an attachment, a role binding, an API key)
    and the four callers' metadata."""
    known = offices(platform)
    crew = people(
        platform,
        infra_backend,
        {
            "citizen": None,
            "someone": None,
            "tetouan_clerk": ("staff", {"office": TETOUAN}),
            "martil_clerk": ("staff", {"office": "martil"}),
        },
    )
    admin = instance_admin(platform, infra_backend)
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        relayed = tickets_pb2_grpc.TicketsServiceStub(through_platform(channel, platform))
        tickets = [
            relayed.Submit(
                T.SubmitRequest(
                    office_id=TETOUAN,
                    kind=T.COMPLAINT,
                    category="roads",
                    channel=T.WEB,
                    language="fr",
                    description=f"Nid-de-poule profond devant l'école, demande {n} de la matrice des refus",
                    citizen_id=crew["someone"].citizen_id,
                ),
                timeout=30,
            ).ticket_id
            for n in range(2)
        ]
    with grpc.insecure_channel(platform.grpc_target("documents")) as channel:
        attachment = (
            documents_pb2_grpc.DocumentsServiceStub(through_platform(channel, platform))
            .StoreAttachment(
                D.StoreAttachmentRequest(
                    office_id=known[TETOUAN]["office_id"],
                    filename="matrice.jpg",
                    declared_content_type="image/jpeg",
                    content=jpeg_bytes(b"matrix"),
                ),
                timeout=30,
            )
            .attachment_id
        )
    r = post(
        platform,
        "/api/v1/roles",
        {"citizen_id": crew["someone"].citizen_id, "role": "staff", "scope": {"office": TETOUAN}},
        admin.token,
    )
    assert r.status_code == 201, r.text
    binding = r.json()["binding_id"]
    r = post(
        platform,
        "/api/v1/api-keys",
        {"label": "matrix", "role": "open311_client", "scope": {"office": TETOUAN}},
        admin.token,
    )
    assert r.status_code == 201, r.text
    with grpc.insecure_channel(platform.grpc_target("participation")) as channel:
        part = participation_pb2_grpc.ParticipationServiceStub(channel)
        now = dt.datetime.now(dt.timezone.utc)
        consultation = part.CreateConsultation(
            P.ConsultationDraft(
                office_id=known[TETOUAN]["office_id"],
                title={"fr": "Matrice des refus"},
                opens_at=to_timestamp(now + dt.timedelta(days=1)),
                closes_at=to_timestamp(now + dt.timedelta(days=2)),
                eligibility=P.ANYONE,
                questions=[P.Question(kind=P.FREE_TEXT, prompt={"fr": "Pourquoi ?"})],
            ),
            metadata=crew["tetouan_clerk"].metadata,
            timeout=30,
        ).consultation_id
        proposal = part.PostProposal(
            P.ProposalDraft(office_id=TETOUAN, title="Matrice", body="Une proposition de la matrice des refus"),
            metadata=crew["someone"].metadata,
            timeout=30,
        ).proposal_id
    targets = {
        "tetouan_id": known[TETOUAN]["office_id"],
        "tetouan_commune": known[TETOUAN]["commune_code"],
        "someone": crew["someone"].citizen_id,
        "ticket": tickets[0],
        "other_ticket": tickets[1],
        "attachment": attachment,
        "tetouan_binding": binding,
        "tetouan_key": r.json()["key_id"],
        "consultation": consultation,
        "proposal": proposal,
    }
    expired = expired_token(platform, infra, crew["martil_clerk"].citizen_id)
    metadata = {
        "no_token": [],
        "expired": [(AUTH_METADATA, json.dumps(f"Bearer {expired}"))],
        "citizen": crew["citizen"].metadata,
        "other_clerk": crew["martil_clerk"].metadata,
    }
    return targets, metadata


@pytest.fixture(scope="module")
def channels(platform):
    opened = {name: grpc.insecure_channel(platform.grpc_target(name)) for name in SERVICES}
    yield opened
    for channel in opened.values():
        channel.close()


@pytest.mark.parametrize("service, rpc, caller", CASES, ids=[f"{s}.{r}-{c}" for s, r, c in CASES])
def test_the_caller_is_refused(world, channels, service, rpc, caller):
    targets, metadata = world
    write = WRITES[service][rpc]
    stub = SERVICES[service][1](channels[service])
    request = write.request(targets)
    with pytest.raises(grpc.RpcError) as refused:
        getattr(stub, rpc)(request, timeout=30, metadata=metadata[caller])
    error = refused.value
    assert error.code() in REFUSAL_CODES, (error.code(), reason_of(error), error.details())
    assert reason_of(error), "a refusal names its reason"
    if caller in ("no_token", "expired"):
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED, reason_of(error)
    if caller == "expired" and rpc != "IssueServiceToken":  # there the request's credential decides
        assert reason_of(error) == "TOKEN_EXPIRED"


def test_the_matrix_covers_every_write_for_every_caller_it_must_refuse():
    writes = sum(len(w) for w in WRITES.values())
    allowed = sum(len(write.allowed) for ws in WRITES.values() for write in ws.values())
    assert len(CASES) == writes * len(CALLERS) - allowed
    # Every write refuses a bare call and an expired token: nothing is public to an outsider.
    assert all(c in CALLERS for s, r, c in CASES)
    assert {(s, r) for s, r, c in CASES if c == "no_token"} == {(s, r) for s in WRITES for r in WRITES[s]}
