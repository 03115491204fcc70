"""A signed-in citizen's own requests through the gateway, and the caller checked by tickets
itself: the requester reads and answers their thread (never the office's internal notes),
another citizen is refused, a clerk of another office is refused at the tickets level with
their real token, and following, rating and appealing are the requester's (or anyone's, for
a public request) with problem bodies for every refusal."""

from __future__ import annotations

import uuid

import grpc
import pytest
import requests

from citizenoffice.tickets.v1 import tickets_pb2 as pb
from citizenoffice.tickets.v1 import tickets_pb2_grpc

from .test_identity_helpers import get, post
from .test_tickets_workflows import PII_KEY, reason
from .tickets_people import people
from .service_callers import through_platform

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def crew(platform, infra_backend):
    return people(
        platform,
        infra_backend,
        {
            "amina": None,
            "karim": None,
            "tetouan_clerk": ("staff", {"office": "tetouan"}),
            "martil_clerk": ("staff", {"office": "martil"}),
            "officer": ("information_officer", {"commune_of": "tetouan"}),
        },
    )


@pytest.fixture(scope="module")
def stub(platform):
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        yield tickets_pb2_grpc.TicketsServiceStub(through_platform(channel, platform))


def submit(platform, token: str, office: str = "tetouan", **extra) -> dict:
    body = {
        "office": office,
        "kind": "complaint",
        "category": "lighting",
        "language": "fr",
        "description": f"Lampadaire éteint rue des Orangers {uuid.uuid4().hex[:6]}",
        **extra,
    }
    r = requests.post(
        f"{platform.base_url}/api/v1/tickets",
        json=body,
        timeout=30,
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )
    assert r.status_code == 201, r.text
    return r.json()


def assert_problem(response, status: int, *reasons: str):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers
    assert response.json()["reason"] in reasons, response.text


def test_the_requester_reads_and_answers_the_thread_without_internal_notes(platform, stub, crew):
    amina, karim, clerk = crew["amina"], crew["karim"], crew["tetouan_clerk"]
    receipt = submit(platform, amina.token)
    ticket_id = receipt["ticket_id"]
    note = f"note-interne-{uuid.uuid4().hex[:8]}"
    stub.PostMessage(
        pb.MessageRequest(ticket_id=ticket_id, internal=True, body=f"{note}: voir le prestataire"),
        timeout=10,
        metadata=clerk.metadata,
    )
    stub.PostMessage(
        pb.MessageRequest(ticket_id=ticket_id, body="Une équipe passe jeudi."), timeout=10, metadata=clerk.metadata
    )

    mine = get(platform, "/api/v1/me/tickets", amina.token)
    assert mine.status_code == 200, mine.text
    assert ticket_id in [t["ticket_id"] for t in mine.json()["items"]]
    one = get(platform, f"/api/v1/me/tickets/{ticket_id}", amina.token)
    assert one.status_code == 200, one.text
    view = one.json()
    assert view["ticket"]["tracking_code"] == receipt["tracking_code"] and view["ticket"]["kind"] == "complaint"
    assert [m["body"] for m in view["thread"]] == ["Une équipe passe jeudi."]
    assert [m["by"] for m in view["thread"]] == ["staff"]
    assert view["timeline"] and view["timeline"][0]["to_status"] == "submitted"
    assert note not in one.text

    answered = post(platform, f"/api/v1/me/tickets/{ticket_id}/messages", {"body": "Merci, j'y serai."}, amina.token)
    assert answered.status_code == 201, answered.text
    assert answered.json()["by"] == "citizen"
    thread = get(platform, f"/api/v1/me/tickets/{ticket_id}", amina.token).json()["thread"]
    assert [m["body"] for m in thread] == ["Une équipe passe jeudi.", "Merci, j'y serai."]
    # The office sees the whole thread, its note included.
    as_staff = stub.Thread(pb.ThreadRequest(ticket_id=ticket_id), timeout=10, metadata=clerk.metadata)
    assert len(as_staff.messages) == 3 and note in as_staff.messages[0].body

    # Someone else's request: as if it did not exist, and no writing in its thread.
    assert_problem(get(platform, f"/api/v1/me/tickets/{ticket_id}", karim.token), 404, "TICKET_NOT_FOUND")
    assert ticket_id not in [t["ticket_id"] for t in get(platform, "/api/v1/me/tickets", karim.token).json()["items"]]
    assert_problem(
        post(platform, f"/api/v1/me/tickets/{ticket_id}/messages", {"body": "coucou"}, karim.token),
        403,
        "NOT_YOUR_REQUEST",
    )
    # Without a token, or with a broken one.
    assert_problem(get(platform, "/api/v1/me/tickets"), 401, "AUTHENTICATION_REQUIRED")
    assert_problem(get(platform, f"/api/v1/me/tickets/{ticket_id}", "not-a-token"), 401, "TOKEN_MALFORMED")
    assert_problem(
        post(platform, f"/api/v1/me/tickets/{ticket_id}/messages", {"body": ""}, amina.token), 400, "FIELD_REQUIRED"
    )


def test_a_clerk_of_another_office_is_refused_by_tickets(platform, stub, crew):
    tetouan = submit(platform, crew["amina"].token)["ticket_id"]
    martil = submit(platform, crew["karim"].token, office="martil")["ticket_id"]
    for clerk, ticket_id in ((crew["martil_clerk"], tetouan), (crew["tetouan_clerk"], martil)):
        with pytest.raises(grpc.RpcError) as err:
            stub.Transition(
                pb.TransitionRequest(ticket_id=ticket_id, action="acknowledge"), timeout=10, metadata=clerk.metadata
            )
        assert (err.value.code(), reason(err.value)) == (grpc.StatusCode.PERMISSION_DENIED, "OUTSIDE_YOUR_SCOPE")
        # An actor field naming a role is not believed.
        with pytest.raises(grpc.RpcError) as err:
            stub.Transition(
                pb.TransitionRequest(
                    ticket_id=ticket_id, action="acknowledge", actor=pb.Actor(id=clerk.citizen_id, role="commune_admin")
                ),
                timeout=10,
                metadata=clerk.metadata,
            )
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as err:
            stub.PostMessage(
                pb.MessageRequest(ticket_id=ticket_id, internal=True, body="note"), timeout=10, metadata=clerk.metadata
            )
        assert reason(err.value) == "OUTSIDE_YOUR_SCOPE"
    # Nothing moved; the office's own clerk may.
    assert stub.Get(pb.GetTicketRequest(ticket_id=tetouan), timeout=10).status == "submitted"
    done = stub.Transition(
        pb.TransitionRequest(ticket_id=tetouan, action="acknowledge"),
        timeout=10,
        metadata=crew["tetouan_clerk"].metadata,
    )
    assert done.status == "acknowledged"
    # A forged token is refused before anything else.
    with pytest.raises(grpc.RpcError) as err:
        stub.Transition(
            pb.TransitionRequest(ticket_id=tetouan, action="start"),
            timeout=10,
            metadata=[("x-nameko-authorization", '"Bearer eyJhbGciOiJFZERTQSJ9.e30.c2ln"')],
        )
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_follow_rate_and_appeal_through_the_gateway(platform, stub, crew):
    amina, karim, clerk = crew["amina"], crew["karim"], crew["tetouan_clerk"]
    public = stub.Submit(
        pb.SubmitRequest(
            office_id="tetouan",
            kind=pb.COMPLAINT,
            category="roads",
            channel=pb.MOBILE,
            language="fr",
            description="Trou dangereux au carrefour du marché",
            public=True,
        ),
        timeout=30,
        metadata=amina.metadata,
    ).ticket_id
    private = submit(platform, amina.token)["ticket_id"]
    followed = post(platform, f"/api/v1/tickets/{public}/follow", {"me_too": True}, karim.token)
    assert followed.status_code == 200, followed.text
    assert followed.json()["me_too"] >= 1
    assert_problem(post(platform, f"/api/v1/tickets/{private}/follow", {}, karim.token), 404, "TICKET_NOT_FOUND")
    assert_problem(post(platform, f"/api/v1/tickets/{public}/follow", {}), 401, "AUTHENTICATION_REQUIRED")

    for action, extra in (("acknowledge", {}), ("start", {}), ("answer", {"answer": "Réparé", "outcome": "positive"})):
        r = post(platform, f"/api/v1/staff/tickets/{private}/transitions", {"action": action, **extra}, clerk.token)
        assert r.status_code == 200, r.text
    assert_problem(
        post(platform, f"/api/v1/me/tickets/{private}/rating", {"rating": 5}, karim.token), 403, "NOT_YOUR_REQUEST"
    )
    assert_problem(
        post(platform, f"/api/v1/me/tickets/{private}/rating", {"rating": 9}, amina.token), 400, "RATING_OUT_OF_RANGE"
    )
    rated = post(platform, f"/api/v1/me/tickets/{private}/rating", {"rating": 5, "comment": "rapide"}, amina.token)
    assert rated.status_code == 200, rated.text
    assert rated.json()["rating"] == 5


def test_the_requester_appeals_a_refused_information_request(platform, stub, crew):
    if platform.overrides.get("TICKETS_PII_KEY") != PII_KEY:  # information requests need the sealing key
        platform.overrides["TICKETS_PII_KEY"] = PII_KEY
        platform.stop("tickets")
        platform.start("tickets")
        platform.wait_ready("tickets")
    amina, karim = crew["amina"], crew["karim"]
    receipt = stub.Submit(
        pb.SubmitRequest(
            office_id="tetouan",
            kind=pb.INFORMATION_REQUEST,
            category="urbanism",
            channel=pb.WEB,
            language="fr",
            description="Copie du plan d'aménagement du quartier et de ses annexes.",
            requester=pb.Requester(
                name="Amina",
                address="12 rue des Oliviers",
                id_kind="cin",
                id_number="AB654321",
                contact="amina@example.ma",
                preferred_format="electronic",
            ),
        ),
        timeout=30,
        metadata=amina.metadata,
    )  # a signed-in citizen files for themselves
    refused = stub.Transition(
        pb.TransitionRequest(
            ticket_id=receipt.ticket_id,
            action="refuse",
            exception_code="private_life",
            reason="données personnelles de tiers",
            remedies="recours auprès du président",
        ),
        timeout=10,
        metadata=crew["officer"].metadata,
    )
    assert refused.status == "refused"
    path = f"/api/v1/me/tickets/{receipt.ticket_id}/appeal"
    assert_problem(post(platform, path, {"reason": "je conteste"}, karim.token), 403, "NOT_YOUR_REQUEST")
    assert_problem(post(platform, path, {}, amina.token), 400, "FIELD_REQUIRED")
    appealed = post(platform, path, {"reason": "l'occultation suffisait"}, amina.token)
    assert appealed.status_code == 200, appealed.text
    assert appealed.json()["status"] == "appealed" and appealed.json()["kind"] == "information_request"
    timeline = get(platform, f"/api/v1/me/tickets/{receipt.ticket_id}", amina.token).json()["timeline"]
    assert [(e["action"], e["by"]) for e in timeline][-2:] == [("refuse", "information_officer"), ("appeal", "citizen")]
