"""The transitions a requester makes on their own request, through /api/v1/me/tickets/{id}/...:
close (confirm the answer), reopen within the window after closure, resume an administrative
request; refused with a problem body for someone else's request, outside the window, from the
wrong status or for a request type without that step."""

from __future__ import annotations

import uuid

import grpc
import pytest
import requests
import sqlalchemy as sa

from citizenoffice.tickets.v1 import tickets_pb2 as pb
from citizenoffice.tickets.v1 import tickets_pb2_grpc

from .test_identity_helpers import post
from .tickets_people import people
from .service_callers import through_platform

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def crew(platform, infra_backend):
    return people(platform, infra_backend, {"amina": None, "karim": None, "clerk": ("staff", {"office": "tetouan"})})


@pytest.fixture(scope="module")
def stub(platform):
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        yield tickets_pb2_grpc.TicketsServiceStub(through_platform(channel, platform))


def assert_problem(response, status: int, reason: str):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers
    assert response.json()["reason"] == reason, response.text


def answered_complaint(platform, stub, crew) -> str:
    r = requests.post(
        f"{platform.base_url}/api/v1/tickets",
        timeout=30,
        headers={"Authorization": f"Bearer {crew['amina'].token}"},
        json={
            "office": "tetouan",
            "kind": "complaint",
            "category": "roads",
            "language": "fr",
            "description": f"Nid-de-poule avenue Hassan II {uuid.uuid4().hex[:6]}",
        },
    )
    assert r.status_code == 201, r.text
    ticket_id = r.json()["ticket_id"]
    for action, extra in (
        ("acknowledge", {}),
        ("start", {}),
        ("answer", {"answer": "Réparé vendredi.", "outcome": "positive"}),
    ):
        stub.Transition(
            pb.TransitionRequest(ticket_id=ticket_id, action=action, **extra),
            timeout=30,
            metadata=crew["clerk"].metadata,
        )
    return ticket_id


def me(platform, ticket_id: str, step: str, person, body=None) -> requests.Response:
    return post(platform, f"/api/v1/me/tickets/{ticket_id}/{step}", body or {}, person.token if person else "")


def test_the_requester_closes_then_reopens_their_complaint(platform, stub, crew):
    amina, karim = crew["amina"], crew["karim"]
    ticket_id = answered_complaint(platform, stub, crew)
    assert_problem(me(platform, ticket_id, "reopen", amina, {"reason": "Toujours là"}), 409, "TRANSITION_NOT_ALLOWED")
    assert_problem(me(platform, ticket_id, "close", None), 401, "AUTHENTICATION_REQUIRED")
    assert_problem(me(platform, ticket_id, "close", karim), 403, "NOT_YOUR_REQUEST")

    closed = me(platform, ticket_id, "close", amina)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["available_actions"] == ["reopen"]
    assert_problem(me(platform, ticket_id, "reopen", amina), 400, "FIELD_REQUIRED")
    assert_problem(me(platform, ticket_id, "reopen", karim, {"reason": "Moi aussi"}), 403, "NOT_YOUR_REQUEST")
    reopened = me(platform, ticket_id, "reopen", amina, {"reason": "Le trou est revenu après la pluie"})
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "reopened"
    timeline = requests.get(
        f"{platform.base_url}/api/v1/me/tickets/{ticket_id}",
        timeout=30,
        headers={"Authorization": f"Bearer {amina.token}"},
    ).json()["timeline"]
    assert [(e["action"], e["by"]) for e in timeline[-2:]] == [("close", "citizen"), ("reopen", "citizen")]


def test_reopening_after_the_window_is_refused(platform, infra, stub, crew):
    amina = crew["amina"]
    ticket_id = answered_complaint(platform, stub, crew)
    assert me(platform, ticket_id, "close", amina).status_code == 200
    with sa.create_engine(infra.database_url("tickets"), poolclass=sa.pool.NullPool).begin() as conn:
        conn.execute(
            sa.text("update tickets set closed_at = closed_at - interval '31 days' where ticket_id = :t"),
            {"t": ticket_id},
        )
    assert_problem(me(platform, ticket_id, "reopen", amina, {"reason": "Toujours là"}), 409, "REOPEN_WINDOW_CLOSED")


def test_steps_a_request_type_does_not_have_or_a_citizen_may_not_take(platform, stub, crew):
    amina = crew["amina"]
    ticket_id = answered_complaint(platform, stub, crew)
    assert_problem(me(platform, ticket_id, "admissibility-check", amina), 400, "ACTION_UNKNOWN")
    assert_problem(me(platform, ticket_id, "resume", amina), 400, "ACTION_UNKNOWN")
    observation = stub.Submit(
        pb.SubmitRequest(
            office_id="tetouan",
            kind=pb.OBSERVATION,
            category="general",
            language="fr",
            channel=pb.WEB,
            description="Les horaires affichés ne sont pas à jour",
        ),
        timeout=30,
        metadata=amina.metadata,
    ).ticket_id
    stub.Transition(
        pb.TransitionRequest(ticket_id=observation, action="acknowledge"), timeout=30, metadata=crew["clerk"].metadata
    )
    assert_problem(me(platform, observation, "close", amina), 403, "ACTOR_NOT_ALLOWED")


def test_the_requester_resumes_an_administrative_request_the_office_paused(platform, stub, crew):
    amina, clerk = crew["amina"], crew["clerk"]
    ticket_id = stub.Submit(
        pb.SubmitRequest(
            office_id="tetouan",
            kind=pb.ADMINISTRATIVE_REQUEST,
            category="civil_status",
            language="fr",
            channel=pb.WEB,
            description="Aide pour un extrait d'acte de naissance",
        ),
        timeout=30,
        metadata=amina.metadata,
    ).ticket_id
    assert_problem(me(platform, ticket_id, "resume", amina), 409, "TRANSITION_NOT_ALLOWED")
    stub.Transition(pb.TransitionRequest(ticket_id=ticket_id, action="take"), timeout=30, metadata=clerk.metadata)
    stub.Transition(
        pb.TransitionRequest(ticket_id=ticket_id, action="ask_citizen", message="Copie de la CIN ?"),
        timeout=30,
        metadata=clerk.metadata,
    )
    assert_problem(me(platform, ticket_id, "resume", crew["karim"]), 403, "NOT_YOUR_REQUEST")
    resumed = me(platform, ticket_id, "resume", amina)
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "in_progress" and resumed.json()["kind"] == "administrative_request"
