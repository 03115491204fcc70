"""Erasure of a walk-in requester (someone without an account, registered at the desk), asked at
the office, through the gateway on the real services: the office's manager erases the person's
data from that request; the request, its steps and the figures stay; an audit entry and a
ticket.requester_erased event record who did it (never what was erased); a clerk, another
office's manager and a request that belongs to an account are refused with a problem body."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from citizenoffice.tickets.v1 import tickets_pb2 as pb

from .test_identity_helpers import offices, post
from .test_tickets_workflows import EventTap
from .tickets_people import people


def test_the_manager_erases_a_walk_in_requesters_data_with_an_audit_trail(platform, infra, infra_backend):
    staff = people(
        platform,
        infra_backend,
        {
            "clerk": ("staff", {"office": "tetouan"}),
            "manager": ("office_manager", {"office": "tetouan"}),
            "other_manager": ("office_manager", {"office": "martil"}),
            "citizen": None,
        },
    )
    marker = uuid.uuid4().hex[:10]
    # An information request (Law 31-13): the one kind that keeps the requester's ID number, sealed.
    body = {
        "office": "tetouan",
        "kind": "information_request",
        "category": "urbanism",
        "language": "fr",
        "description": f"Copie du plan d'aménagement du quartier {marker}",
        "requester": {
            "name": f"Rachid {marker}",
            "address": f"4 rue des Orangers {marker}",
            "contact": "0612345678",
            "id_kind": "cin",
            "id_number": "AB123456",
        },
    }
    registered = post(platform, "/api/v1/staff/tickets/walk-in", body, token=staff["clerk"].token)
    assert registered.status_code == 201, registered.text
    ticket_id = registered.json()["ticket_id"]
    path = f"/api/v1/staff/tickets/{ticket_id}/requester-erasure"
    tickets_db = sa.create_engine(infra.database_url("tickets"), poolclass=sa.pool.NullPool)

    # Who may not: nobody signed in, the clerk, Martil's manager; and a reason is required.
    assert post(platform, path, {"reason": "x"}).status_code == 401
    for who, reason in (("clerk", "ACTOR_NOT_ALLOWED"), ("other_manager", "OUTSIDE_YOUR_SCOPE")):
        refused = post(platform, path, {"reason": "asked at the desk"}, token=staff[who].token)
        assert refused.status_code == 403 and refused.json()["reason"] == reason, refused.text
    missing = post(platform, path, {"reason": "  "}, token=staff["manager"].token)
    assert missing.status_code == 400 and missing.json()["field"] == "reason", missing.text
    with tickets_db.connect() as conn:
        before = conn.execute(
            sa.text("select requester_name, id_number_sealed, status from tickets where ticket_id = :t"),
            {"t": ticket_id},
        ).one()
    assert before.requester_name == f"Rachid {marker}" and before.id_number_sealed is not None

    tap = EventTap(infra.kafka_bootstrap)
    try:
        erased = post(platform, path, {"reason": "asked at the desk"}, token=staff["manager"].token)
        assert erased.status_code == 200, erased.text
        assert erased.json()["status"] == before.status and erased.json()["ticket_id"] == ticket_id
        [event] = tap.wait_for(ticket_id, "ticket.requester_erased")
        change = pb.TicketChanged()
        assert event.payload.Unpack(change) and change.actor_role == "office_manager"
        assert all(marker.encode() not in raw and b"0612345678" not in raw for raw, _ in tap.seen)
        again = post(platform, path, {"reason": "asked twice"}, token=staff["manager"].token)
        assert again.status_code == 200, again.text
    finally:
        tap.close()

    with tickets_db.connect() as conn:
        row = conn.execute(sa.text("select * from tickets where ticket_id = :t"), {"t": ticket_id}).mappings().one()
        history = conn.execute(
            sa.text("select action, actor, actor_role, details from ticket_history where ticket_id = :t order by id"),
            {"t": ticket_id},
        ).all()
        everywhere = " ".join(
            str(v)
            for table in ("tickets", "ticket_history", "ticket_messages")
            for r in conn.execute(sa.text(f"select * from {table} where ticket_id = :t"), {"t": ticket_id})
            for v in r
        )
    assert (row["requester_name"], row["requester_address"], row["requester_contact"], row["description"]) == ("",) * 4
    assert row["id_number_sealed"] is None and row["anonymised_at"] is not None
    assert (row["kind"], row["category"], row["office_id"], row["tracking_code"]) == (
        "information_request",
        "urbanism",
        offices(platform)["tetouan"]["office_id"],
        registered.json()["tracking_code"],
    )
    assert marker not in everywhere and "0612345678" not in everywhere
    assert [h[:3] for h in history] == [
        ("submit", staff["clerk"].citizen_id, "staff"),
        ("requester_erased", staff["manager"].citizen_id, "office_manager"),
    ]

    # A request of an account is erased by its owner (DELETE /api/v1/me), not at the desk.
    submitted = post(
        platform,
        "/api/v1/tickets",
        {
            "office": "tetouan",
            "kind": "complaint",
            "category": "lighting",
            "language": "fr",
            "description": "Lampadaire en panne rue 9",
        },
        token=staff["citizen"].token,
    )
    assert submitted.status_code == 201, submitted.text
    with tickets_db.connect() as conn:
        owner = conn.execute(
            sa.text("select citizen_id from tickets where ticket_id = :t"), {"t": submitted.json()["ticket_id"]}
        ).scalar_one()
    assert owner == staff["citizen"].citizen_id
    refused = post(
        platform,
        f"/api/v1/staff/tickets/{submitted.json()['ticket_id']}/requester-erasure",
        {"reason": "asked at the desk"},
        token=staff["manager"].token,
    )
    assert refused.status_code == 409 and refused.json()["reason"] == "REQUESTER_HAS_ACCOUNT", refused.text
