"""Every channel gives a receipt at once and a ticket.submitted event: web (through the
gateway), mobile, Open311, walk-in at the office (staff register it for someone without an
account) and anonymous."""

from __future__ import annotations

import uuid

import grpc
import pytest
import requests
import sqlalchemy as sa

from citizenoffice.tickets.v1 import tickets_pb2 as pb
from citizenoffice.tickets.v1 import tickets_pb2_grpc

from .test_tickets_workflows import EventTap, reason
from .tickets_people import people
from .service_callers import through_platform


@pytest.fixture()
def stub(platform):
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        yield tickets_pb2_grpc.TicketsServiceStub(through_platform(channel, platform))


def base(**changes):
    request = pb.SubmitRequest(
        office_id="tetouan",
        kind=pb.COMPLAINT,
        category="waste",
        language="ar",
        description="حاوية النفايات ممتلئة منذ ثلاثة أيام قرب السوق",
    )
    for key, value in changes.items():
        if key == "requester":
            request.requester.CopyFrom(value)
        else:
            setattr(request, key, value)
    return request


@pytest.fixture(scope="module")
def clerk(platform, infra_backend):
    return people(platform, infra_backend, {"clerk": ("staff", {"office": "tetouan"})})["clerk"]


def test_every_channel_gives_a_receipt_and_an_event(platform, infra, stub, clerk):
    tap = EventTap(infra.kafka_bootstrap)
    try:
        web = requests.post(
            f"{platform.base_url}/api/v1/tickets",
            timeout=30,
            data={
                "office": "tetouan",
                "kind": "complaint",
                "category": "waste",
                "language": "fr",
                "description": "Conteneur plein depuis trois jours",
                "email": f"w{uuid.uuid4().hex[:6]}@example.ma",
                "name": "Youssef",
            },
        )
        assert web.status_code == 201, web.text
        receipts = {
            "web": web.json()["ticket_id"],
            "open311": stub.Submit(base(channel=pb.OPEN311, citizen_id="open311-client-1"), timeout=30).ticket_id,
            "anonymous": stub.Submit(base(channel=pb.MOBILE, citizen_id=""), timeout=30).ticket_id,
            # The registrant is the verified clerk, not whoever the message names.
            "walk_in": stub.Submit(
                base(
                    channel=pb.WALK_IN,
                    registered_by="agent-7",
                    kind=pb.ADMINISTRATIVE_REQUEST,
                    category="civil_status",
                    requester=pb.Requester(name="Fatima", contact="0600000000"),
                ),
                timeout=30,
                metadata=clerk.metadata,
            ).ticket_id,
        }
        for channel, ticket_id in receipts.items():
            [event] = tap.wait_for(ticket_id, "ticket.submitted")
            payload = pb.TicketSubmitted()
            assert event.payload.Unpack(payload)
            expected = {"anonymous": "mobile"}.get(channel, channel)
            assert pb.Channel.Name(payload.channel).lower() == expected
            if channel == "anonymous":
                assert payload.citizen_id == ""
        assert all(b"Fatima" not in raw and b"0600000000" not in raw for raw, _ in tap.seen)
    finally:
        tap.close()
    with sa.create_engine(infra.database_url("tickets"), poolclass=sa.pool.NullPool).connect() as conn:
        walk_in = conn.execute(
            sa.text("select registered_by, status, citizen_id from tickets where ticket_id = :t"),
            {"t": receipts["walk_in"]},
        ).one()
        history = conn.execute(
            sa.text("select actor, actor_role from ticket_history where ticket_id = :t"), {"t": receipts["walk_in"]}
        ).one()
    assert tuple(walk_in) == (clerk.citizen_id, "submitted", "")
    assert tuple(history) == (clerk.citizen_id, "staff")


def test_anonymous_information_request_is_refused(stub):
    with pytest.raises(grpc.RpcError) as err:
        stub.Submit(base(kind=pb.INFORMATION_REQUEST, citizen_id=""), timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "identified" in err.value.details()


def test_walk_in_without_the_clerk_is_refused(stub, clerk):
    with pytest.raises(grpc.RpcError) as err:
        stub.Submit(base(channel=pb.WALK_IN, registered_by="agent-7"), timeout=30)
    assert (err.value.code(), reason(err.value)) == (grpc.StatusCode.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED")
    # Tetouan's clerk does not register requests at Martil's desk.
    with pytest.raises(grpc.RpcError) as err:
        stub.Submit(base(channel=pb.WALK_IN, office_id="martil"), timeout=30, metadata=clerk.metadata)
    assert (err.value.code(), reason(err.value)) == (grpc.StatusCode.PERMISSION_DENIED, "OUTSIDE_YOUR_SCOPE")


def test_walk_in_through_the_gateway_by_signed_in_staff(platform, infra, infra_backend):
    from .test_identity_helpers import login, national_admin, new_email, post, register

    _, admin_token = national_admin(platform, infra_backend)
    email = new_email("guichet")
    clerk_id = register(platform, infra_backend, email)
    granted = post(
        platform,
        "/api/v1/roles",
        {"citizen_id": clerk_id, "role": "staff", "scope": {"office": "tetouan"}},
        token=admin_token,
    )
    assert granted.status_code == 201, granted.text
    clerk = login(platform, email)["access_token"]
    body = {
        "office": "tetouan",
        "kind": "administrative_request",
        "category": "civil_status",
        "language": "ar",
        "description": "طلب مساعدة لاستخراج نسخة من عقد الازدياد",
        "requester": {"name": "Rachid", "contact": "0611111111"},
    }
    assert post(platform, "/api/v1/staff/tickets/walk-in", body).status_code == 401
    tap = EventTap(infra.kafka_bootstrap)
    try:
        response = post(platform, "/api/v1/staff/tickets/walk-in", body, token=clerk)
        assert response.status_code == 201, response.text
        receipt = response.json()
        assert receipt["tracking_code"] and receipt["answer_by"]
        [event] = tap.wait_for(receipt["ticket_id"], "ticket.submitted")
        payload = pb.TicketSubmitted()
        assert event.payload.Unpack(payload) and payload.channel == pb.WALK_IN
        # The clerk takes it; an answer needs its text (the workflow's required field, as a problem body).
        taken = post(
            platform, f"/api/v1/staff/tickets/{receipt['ticket_id']}/transitions", {"action": "take"}, token=clerk
        )
        assert taken.status_code == 200, taken.text
        assert taken.json()["status"] == "in_progress" and "complete" in taken.json()["available_actions"]
        missing = post(
            platform, f"/api/v1/staff/tickets/{receipt['ticket_id']}/transitions", {"action": "complete"}, token=clerk
        )
        assert missing.status_code == 400 and missing.json()["field"] == "answer"
        tap.wait_for(receipt["ticket_id"], "ticket.status_changed")
    finally:
        tap.close()
    with sa.create_engine(infra.database_url("tickets"), poolclass=sa.pool.NullPool).connect() as conn:
        registered_by = conn.execute(
            sa.text("select registered_by from tickets where ticket_id = :t"), {"t": receipt["ticket_id"]}
        ).scalar_one()
    assert registered_by == clerk_id
