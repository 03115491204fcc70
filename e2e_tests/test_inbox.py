"""The in-app inbox over HTTP: a signed-in person reads their own items only, in pages, in
their language, and marks them read; every refusal is a problem body. Notifications verifies
the forwarded token itself: a call naming someone else's inbox is refused at the gRPC level."""

from __future__ import annotations

import uuid

import grpc
import pytest
import requests
import sqlalchemy as sa

from citizenoffice.notifications.v1 import notifications_pb2 as pb
from citizenoffice.notifications.v1.notifications_pb2_grpc import NotificationsServiceStub

from .helpers import eventually
from .test_identity_helpers import get, post
from .tickets_people import people

PROBLEM = "application/problem+json"
RECEIPTS = 3


@pytest.fixture(scope="module")
def crew(platform, infra_backend):
    return people(platform, infra_backend, {"amina": None, "karim": None})


@pytest.fixture(scope="module")
def amina_inbox(platform, crew):
    """Amina (a French-speaking account) files three requests; each receipt reaches her inbox."""
    amina = crew["amina"]
    codes = set()
    for _ in range(RECEIPTS):
        r = requests.post(
            f"{platform.base_url}/api/v1/tickets",
            json={
                "office": "tetouan",
                "kind": "complaint",
                "category": "lighting",
                "language": "fr",
                "description": f"Lampadaire éteint rue des Orangers {uuid.uuid4().hex[:6]}",
            },
            headers={"Authorization": f"Bearer {amina.token}"},
            timeout=30,
        )
        assert r.status_code == 201, r.text
        codes.add(r.json()["tracking_code"])

    def all_there():
        r = get(platform, "/api/v1/me/notifications", amina.token, page_size=100)
        assert r.status_code == 200, r.text
        found = [i for i in r.json()["items"] if any(c in i["subject"] for c in codes)]
        return found if len(found) == RECEIPTS else None

    return {"codes": codes, "items": eventually(all_there, timeout=60, what="three receipts in the inbox")}


def assert_problem(response, status: int, reason: str):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers
    assert response.json()["reason"] == reason, response.text


def test_my_inbox_comes_in_pages_in_my_language(platform, crew, amina_inbox):
    amina = crew["amina"]
    for item in amina_inbox["items"]:
        assert item["kind"] == "ticket.submitted" and item["language"] == "fr" and not item["read"]
        assert item["subject"].startswith("Votre demande") and "Code de suivi" in item["body"]
    seen, token, pages = [], "", 0
    while True:
        params = {"page_size": 2, **({"page_token": token} if token else {})}
        page = get(platform, "/api/v1/me/notifications", amina.token, **params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2 and body["unread"] >= RECEIPTS
        seen += [i["item_id"] for i in body["items"]]
        pages += 1
        token = body["next_page_token"]
        if not token:
            break
    assert pages == 2 and len(seen) == len(set(seen)) == RECEIPTS
    assert [i["item_id"] for i in amina_inbox["items"]] == seen  # newest first, no item twice


def test_the_inbox_can_be_asked_in_another_language(platform, crew, infra, amina_inbox):
    r = get(platform, "/api/v1/me/notifications", crew["amina"].token, lang="en", page_size=100)
    assert r.status_code == 200, r.text
    mine = {i["item_id"]: i for i in r.json()["items"]}
    # Items written by this release keep their fields and are rendered again; an item an older
    # notifications service wrote (sessions share the database) stays as it was written.
    engine = sa.create_engine(infra.database_url("notifications"), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        kept = set(
            conn.execute(
                sa.text("select item_id from inbox_items where citizen_id = :c and fields is not null"),
                {"c": crew["amina"].citizen_id},
            ).scalars()
        )
    for item_id, item in mine.items():
        if item_id in kept:
            assert item["language"] == "en" and item["subject"].startswith("Your request"), item
        else:
            assert item["language"] == "fr" and item["subject"].startswith("Votre demande"), item


def test_i_mark_my_items_read_and_nobody_else_can(platform, crew, amina_inbox):
    amina, karim = crew["amina"], crew["karim"]
    item_id = amina_inbox["items"][0]["item_id"]
    before = get(platform, "/api/v1/me/notifications", amina.token).json()["unread"]

    assert_problem(
        post(platform, f"/api/v1/me/notifications/{item_id}/read", {}, karim.token), 404, "INBOX_ITEM_NOT_FOUND"
    )
    assert_problem(post(platform, f"/api/v1/me/notifications/{item_id}/read"), 401, "AUTHENTICATION_REQUIRED")
    marked = post(platform, f"/api/v1/me/notifications/{item_id}/read", {}, amina.token)
    assert marked.status_code == 200, marked.text
    assert marked.json() == {"item_id": item_id, "read": True, "changed": True}
    again = post(platform, f"/api/v1/me/notifications/{item_id}/read", {}, amina.token)
    assert again.status_code == 200 and again.json()["changed"] is False
    after = get(platform, "/api/v1/me/notifications", amina.token, page_size=100).json()
    assert after["unread"] == before - 1
    assert next(i for i in after["items"] if i["item_id"] == item_id)["read"] is True

    theirs = get(platform, "/api/v1/me/notifications", karim.token, page_size=100)
    assert theirs.status_code == 200 and not {i["item_id"] for i in theirs.json()["items"]} & set(
        i["item_id"] for i in amina_inbox["items"]
    )


def test_bad_requests_get_problem_bodies(platform, crew):
    token = crew["amina"].token
    assert_problem(get(platform, "/api/v1/me/notifications"), 401, "AUTHENTICATION_REQUIRED")
    assert_problem(get(platform, "/api/v1/me/notifications", "not.a.token"), 401, "TOKEN_MALFORMED")
    assert_problem(get(platform, "/api/v1/me/notifications", token, page_size="0"), 400, "PAGE_SIZE_INVALID")
    assert_problem(get(platform, "/api/v1/me/notifications", token, page_token="@@"), 400, "PAGE_TOKEN_INVALID")
    assert_problem(get(platform, "/api/v1/me/notifications", token, lang="de"), 400, "LANGUAGE_UNSUPPORTED")


def test_notifications_decides_from_the_token_not_from_the_message(platform, crew, amina_inbox):
    amina, karim = crew["amina"], crew["karim"]
    with grpc.insecure_channel(platform.grpc_target("notifications")) as channel:
        stub = NotificationsServiceStub(channel)
        for metadata, code in [
            ([], grpc.StatusCode.UNAUTHENTICATED),
            (karim.metadata, grpc.StatusCode.PERMISSION_DENIED),
        ]:
            for call, request in [
                (stub.ListInbox, pb.ListInboxRequest(citizen_id=amina.citizen_id)),
                (stub.ExportCitizenData, pb.ExportCitizenDataRequest(citizen_id=amina.citizen_id)),
                (
                    stub.MarkRead,
                    pb.MarkReadRequest(citizen_id=amina.citizen_id, item_id=amina_inbox["items"][0]["item_id"]),
                ),
            ]:
                with pytest.raises(grpc.RpcError) as err:
                    call(request, metadata=metadata, timeout=10)
                assert err.value.code() == code, (call, metadata)
        mine = stub.ListInbox(pb.ListInboxRequest(page_size=100), metadata=amina.metadata, timeout=10)
    assert {i["item_id"] for i in amina_inbox["items"]} <= {i.item_id for i in mine.items}


def test_my_data_gathers_my_inbox_and_attachments(platform, crew, amina_inbox):
    r = get(platform, "/api/v1/me/data", crew["amina"].token)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["complete"] is True, data["unavailable"]
    subjects = [i["subject"] for i in data["notifications"]["inbox"]]
    assert all(any(code in s for s in subjects) for code in amina_inbox["codes"])
    assert "attachments" in data["documents"]
