"""Attachments named in a request's messages are checked by tickets with documents: they exist,
and are the author's own (a signed-in citizen's upload is theirs; staff attach what the request's
office holds); anything else is refused with a reason naming the attachment."""

from __future__ import annotations

import uuid

import grpc
import pytest
import requests

from citizenoffice.tickets.v1 import tickets_pb2 as pb
from citizenoffice.tickets.v1 import tickets_pb2_grpc

from .helpers import jpeg_bytes
from .test_identity_helpers import post
from .test_tickets_workflows import reason
from .tickets_people import people


@pytest.fixture(scope="module")
def crew(platform, infra_backend):
    return people(platform, infra_backend, {"amina": None, "karim": None, "clerk": ("staff", {"office": "tetouan"})})


@pytest.fixture(scope="module")
def stub(platform):
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        yield tickets_pb2_grpc.TicketsServiceStub(channel)


def upload(platform, person=None, office: str = "tetouan") -> str:
    headers = {"Authorization": f"Bearer {person.token}"} if person else {}
    r = requests.post(
        f"{platform.base_url}/api/v1/attachments",
        data={"office": office},
        headers=headers,
        files={"file": ("photo.jpg", jpeg_bytes(uuid.uuid4().bytes), "image/jpeg")},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    return r.json()["attachment_id"]


@pytest.fixture(scope="module")
def ticket_id(platform, crew) -> str:
    r = requests.post(
        f"{platform.base_url}/api/v1/tickets",
        timeout=30,
        headers={"Authorization": f"Bearer {crew['amina'].token}"},
        json={
            "office": "tetouan",
            "kind": "complaint",
            "category": "waste",
            "language": "fr",
            "description": f"Dépôt sauvage derrière le marché {uuid.uuid4().hex[:6]}",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["ticket_id"]


def message(platform, ticket_id, person, attachment_ids) -> requests.Response:
    return post(
        platform,
        f"/api/v1/me/tickets/{ticket_id}/messages",
        {"body": "Voici une photo de l'endroit.", "attachment_ids": attachment_ids},
        person.token,
    )


def test_the_requester_attaches_their_own_upload_only(platform, crew, ticket_id):
    amina, karim = crew["amina"], crew["karim"]
    mine = upload(platform, amina)
    sent = message(platform, ticket_id, amina, [mine])
    assert sent.status_code == 201, sent.text
    assert sent.json()["attachment_ids"] == [mine]

    for attachment_id in (upload(platform, karim), upload(platform)):
        refused = message(platform, ticket_id, amina, [mine, attachment_id])
        assert refused.status_code == 403, refused.text
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert refused.json()["reason"] == "ATTACHMENT_NOT_YOURS"
        assert attachment_id in refused.json()["detail"] and mine not in refused.json()["detail"]
    missing = str(uuid.uuid4())
    refused = message(platform, ticket_id, amina, [missing])
    assert refused.status_code == 400 and refused.json()["reason"] == "ATTACHMENT_NOT_FOUND", refused.text
    assert missing in refused.json()["detail"]
    thread = requests.get(
        f"{platform.base_url}/api/v1/me/tickets/{ticket_id}",
        timeout=30,
        headers={"Authorization": f"Bearer {amina.token}"},
    ).json()["thread"]
    assert [m["attachment_ids"] for m in thread] == [[mine]]


def test_staff_attach_files_of_the_requests_office(platform, stub, crew, ticket_id):
    clerk = crew["clerk"]
    here = upload(platform)
    reply = stub.PostMessage(
        pb.MessageRequest(ticket_id=ticket_id, body="Le plan de collecte est joint.", attachment_ids=[here]),
        timeout=30,
        metadata=clerk.metadata,
    )
    assert list(reply.attachment_ids) == [here]
    elsewhere = upload(platform, office="martil")
    with pytest.raises(grpc.RpcError) as err:
        stub.PostMessage(
            pb.MessageRequest(ticket_id=ticket_id, body="Note", internal=True, attachment_ids=[elsewhere]),
            timeout=30,
            metadata=clerk.metadata,
        )
    assert (err.value.code(), reason(err.value)) == (grpc.StatusCode.PERMISSION_DENIED, "ATTACHMENT_OF_ANOTHER_OFFICE")
