"""Erasure and export (Law 09-08) on the real services: identity forgets the person, ends every
session and announces user.erased on Kafka; tickets, documents and notifications act on it
(requests anonymised, files removed from the bucket, inbox and preferences deleted) while the
statistics' counts stay; no event about the person ever carried a password or a contact.
Before that, "my data" gathers what every service holds, and names a service that is down.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid

import grpc
import requests
import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer
from minio import Minio
from minio.error import S3Error

from citizenoffice.events.v1 import envelope_pb2
from citizenoffice.notifications.v1 import notifications_pb2 as notifications_pb
from citizenoffice.notifications.v1.notifications_pb2_grpc import NotificationsServiceStub
from citizenoffice.tickets.v1 import tickets_pb2 as tickets_pb
from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub

from .helpers import eventually, jpeg_bytes
from .tickets_people import AUTH_METADATA
from .test_identity_helpers import PASSWORD, get, login, new_email, post, register
from .service_callers import through_platform

# The servers' databases are shared by every e2e session: this run's place and words are its own.
LATITUDE, LONGITUDE = round(35.55 + random.random() / 20, 6), round(-5.39 + random.random() / 20, 6)


def engine(infra, service):
    return sa.create_engine(infra.database_url(service), poolclass=sa.pool.NullPool)


def identity_events(infra, citizen_id: str) -> list:
    consumer = KafkaConsumer(
        "identity.events.v1",
        bootstrap_servers=infra.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=5000,
    )
    try:
        return [envelope_pb2.Envelope.FromString(r.value) for r in consumer if r.key == citizen_id.encode()]
    finally:
        consumer.close()


def stats(platform, office_id: str, category: str):
    """The office's figures for this run's own category (other sessions file requests at the same office)."""
    today = dt.date.today()
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        reply = TicketsServiceStub(channel).Stats(
            tickets_pb.StatsRequest(
                office_id=office_id,
                from_date=str(today - dt.timedelta(days=2)),
                to_date=str(today + dt.timedelta(days=2)),
            ),
            timeout=30,
        )
    return reply.by_category.get(category, 0), reply.total


def inbox(infra, citizen_id: str):
    """The person's inbox items as notifications' database holds them (after erasure there is
    no account left to ask with its token)."""
    with engine(infra, "notifications").connect() as conn:
        return conn.execute(sa.text("select item_id from inbox_items where citizen_id = :c"), {"c": citizen_id}).all()


def deliveries(infra, citizen_id: str) -> dict:
    with engine(infra, "notifications").connect() as conn:
        return {
            r.delivery_id: r
            for r in conn.execute(
                sa.text("select delivery_id, channel, kind, state, fields from deliveries where citizen_id = :c"),
                {"c": citizen_id},
            )
        }


@pytest.fixture(scope="module")
def erased(platform, infra_backend, infra):
    """A citizen with a request (text, place, photo, a message in the thread), an inbox item and
    preferences, who then asks for their data and for erasure."""
    email = new_email("erase")
    marker = uuid.uuid4().hex[:12]
    citizen_id = register(platform, infra_backend, email)
    pair = login(platform, email)
    offices = requests.get(f"{platform.base_url}/api/v1/offices", timeout=10).json()["items"]
    office_id = next(o["office_id"] for o in offices if o["slug"] == "tetouan")
    category = f"erasure-{uuid.uuid4().hex[:8]}"  # not personal: it stays, and keeps the figures apart
    data = {
        "office": "tetouan",
        "kind": "complaint",
        "category": category,
        "email": email,
        "name": f"Nadia {marker}",
        "language": "fr",
        "latitude": str(LATITUDE),
        "longitude": str(LONGITUDE),
        "address": f"12 rue des Oliviers {marker}",
        "description": f"Fuite d'eau devant le numéro 12 de la rue des Oliviers {marker}",
    }
    submitted = requests.post(
        f"{platform.base_url}/api/v1/tickets",
        data=data,
        timeout=60,
        files={"photo": ("maison.jpg", jpeg_bytes(marker.encode()), "image/jpeg")},
    )
    assert submitted.status_code == 201, submitted.text
    ticket_id = submitted.json()["ticket_id"]
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:  # as the gateway forwards the token
        TicketsServiceStub(channel).PostMessage(
            tickets_pb.MessageRequest(ticket_id=ticket_id, body=f"J'habite au 12, appelez-moi {marker}"),
            timeout=30,
            metadata=[(AUTH_METADATA, json.dumps(f"Bearer {pair['access_token']}"))],
        )
    with grpc.insecure_channel(platform.grpc_target("notifications")) as channel:
        NotificationsServiceStub(through_platform(channel, platform)).SetPreferences(
            notifications_pb.Preferences(
                citizen_id=citizen_id,
                opt_outs=[notifications_pb.OptOut(channel="sms", kind="*")],
                quiet_hours=notifications_pb.QuietHours(start="22:00", end="07:00", timezone="Africa/Casablanca"),
            ),
            timeout=10,
        )
    eventually(lambda: inbox(infra, citizen_id), timeout=60, what="the receipt in the inbox")
    with engine(infra, "documents").connect() as conn:
        objects = [
            k
            for row in conn.execute(
                sa.text("select object_key, thumbnail_key from attachments where owner_citizen_id = :c"),
                {"c": citizen_id},
            ).all()
            for k in row
            if k
        ]
    assert objects, "the photo was stored"
    # The rows as they were: the databases are shared with other e2e sessions, whose
    # notifications services (on their own consumer groups) may still write about this person.
    before = {
        "stats": stats(platform, office_id, category),
        "deliveries": deliveries(infra, citizen_id),
        "inbox": [i.item_id for i in inbox(infra, citizen_id)],
    }
    exported = get(platform, "/api/v1/me/data", pair["access_token"])
    assert exported.status_code == 200, exported.text
    # The export's links to the files work (until the erasure below removes the files).
    links = [
        requests.get(a["download_url"], timeout=30).status_code
        for a in exported.json().get("documents", {}).get("attachments", [])
    ]
    r = requests.delete(
        f"{platform.base_url}/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"}, timeout=30
    )
    assert r.status_code == 200 and r.json()["status"] == "erased", r.text
    return {
        "email": email,
        "citizen_id": citizen_id,
        "pair": pair,
        "ticket_id": ticket_id,
        "marker": marker,
        "office_id": office_id,
        "category": category,
        "objects": objects,
        "before": before,
        "export": exported.json(),
        "links": links,
    }


def test_identity_keeps_no_personal_field(infra, erased):
    with engine(infra, "identity").connect() as conn:
        person = conn.execute(
            sa.text("select email, phone, display_name from citizens where citizen_id = :c"),
            {"c": erased["citizen_id"]},
        ).first()
        account = conn.execute(
            sa.text("select password_hash, status from accounts where citizen_id = :c"), {"c": erased["citizen_id"]}
        ).first()
        codes = conn.execute(
            sa.text("select count(*) from one_time_codes where citizen_id = :c"), {"c": erased["citizen_id"]}
        ).scalar()
        open_sessions = conn.execute(
            sa.text("select count(*) from sessions where citizen_id = :c and revoked_at is null"),
            {"c": erased["citizen_id"]},
        ).scalar()
        anywhere = conn.execute(
            sa.text("select count(*) from citizens where email = :e"), {"e": erased["email"]}
        ).scalar()
    assert tuple(person) == (None, None, "")
    assert account.password_hash is None and account.status == "erased"
    assert codes == 0 and open_sessions == 0 and anywhere == 0


def test_the_erased_person_can_no_longer_sign_in_or_use_a_token(platform, erased):
    r = post(platform, "/api/v1/auth/login", {"login": erased["email"], "password": PASSWORD})
    assert r.status_code == 401, r.text
    r = post(platform, "/api/v1/auth/refresh", {"refresh_token": erased["pair"]["refresh_token"]})
    assert r.status_code == 401, r.text
    eventually(
        lambda: get(platform, "/api/v1/me/data", erased["pair"]["access_token"]).status_code == 401,
        timeout=10,
        what="session ended",
    )


def test_user_erased_is_announced_and_no_event_carried_personal_data(infra, erased):
    events = eventually(
        lambda: (lambda found: found if "user.erased" in {e.type for e in found} else None)(
            identity_events(infra, erased["citizen_id"])
        ),
        timeout=30,
        what="user.erased",
    )
    assert {"user.registered", "user.verified", "user.erased"} <= {e.type for e in events}
    for envelope in events:
        raw = envelope.SerializeToString()
        assert erased["email"].encode() not in raw and PASSWORD.encode() not in raw


def test_my_data_holds_what_every_service_keeps(erased):
    data = erased["export"]
    assert data["complete"] is True and data["unavailable"] == []
    assert data["identity"]["contact"]["email"] == erased["email"]
    (request,) = data["tickets"]["requests"]
    assert request["ticket_id"] == erased["ticket_id"] and erased["marker"] in request["description"]
    assert (request["latitude"], request["longitude"]) == (LATITUDE, LONGITUDE)
    assert [m["author"] for m in request["thread"]] == ["me"]
    (photo,) = data["documents"]["attachments"]
    assert photo["content_type"] == "image/jpeg" and len(photo["sha256"]) == 64 and photo["download_url"]
    assert erased["links"] == [200]
    notes = data["notifications"]
    assert notes["inbox"] and notes["opt_outs"] == [{"channel": "sms", "kind": "*"}]
    assert notes["quiet_hours"]["timezone"] == "Africa/Casablanca"


def every_row(infra, service: str):
    """Every row of every table of the service's database, as text."""
    with engine(infra, service).connect() as conn:
        names = sa.inspect(conn).get_table_names()
        for name in names:
            for row in conn.execute(sa.text(f'select * from "{name}"')).all():
                yield name, " | ".join(repr(v) for v in row)


def test_other_services_forget_the_person_and_keep_their_counts(platform, infra, erased):
    def anonymised():
        with engine(infra, "tickets").connect() as conn:
            return conn.execute(
                sa.text("select anonymised_at from tickets where ticket_id = :t"), {"t": erased["ticket_id"]}
            ).scalar()

    def documents_left():
        with engine(infra, "documents").connect() as conn:
            return conn.execute(
                sa.text("select count(*) from attachments where owner_citizen_id = :c"), {"c": erased["citizen_id"]}
            ).scalar()

    def notifications_forgot():
        with engine(infra, "notifications").connect() as conn:
            return conn.execute(
                sa.text("select count(*) from erased_citizens where citizen_id = :c"), {"c": erased["citizen_id"]}
            ).scalar()

    eventually(anonymised, timeout=60, what="the request anonymised")
    eventually(lambda: documents_left() == 0, timeout=60, what="the attachments erased")
    eventually(notifications_forgot, timeout=60, what="notifications told of the erasure")

    # The marker is in the name, the text, the address and the message; the place is this run's own.
    personal = [erased["email"], erased["marker"], str(LATITUDE), str(LONGITUDE)]
    for service in ("tickets", "documents", "notifications"):
        for table, row in every_row(infra, service):
            for value in personal:
                assert value not in row, f"{value!r} is still in {service}.{table}"

    s3 = Minio(
        infra.s3_endpoint.split("://", 1)[1],
        access_key=infra.s3_access_key,
        secret_key=infra.s3_secret_key,
        secure=False,
        region=infra.s3_region,
    )
    for key in erased["objects"]:
        with pytest.raises(S3Error) as missing:
            s3.stat_object(infra.s3_bucket, key)
        assert missing.value.code in ("NoSuchKey", "NoSuchObject")

    assert not {i.item_id for i in inbox(infra, erased["citizen_id"])} & set(erased["before"]["inbox"])
    with engine(infra, "tickets").connect() as conn:
        ticket = (
            conn.execute(sa.text("select * from tickets where ticket_id = :t"), {"t": erased["ticket_id"]})
            .mappings()
            .one()
        )
    assert (ticket["citizen_id"], ticket["description"], ticket["address"]) == ("", "", "")
    assert (ticket["latitude"], ticket["longitude"]) == (round(LATITUDE, 2), round(LONGITUDE, 2))
    assert (ticket["kind"], ticket["category"], ticket["office_id"]) == (
        "complaint",
        erased["category"],
        erased["office_id"],
    )
    category_count, total = stats(platform, erased["office_id"], erased["category"])
    assert category_count == erased["before"]["stats"][0] == 1 and total >= erased["before"]["stats"][1]
    kept = deliveries(infra, erased["citizen_id"])
    for delivery_id, row in erased["before"]["deliveries"].items():  # still counted, without their fields
        assert (kept[delivery_id].channel, kept[delivery_id].kind, kept[delivery_id].fields) == (
            row.channel,
            row.kind,
            "{}",
        )
        assert kept[delivery_id].state != "pending"  # sent before, or cancelled


def test_a_service_that_is_down_leaves_a_partial_export_naming_it(platform, infra_backend):
    email = new_email("export")
    register(platform, infra_backend, email)
    token = login(platform, email)["access_token"]
    platform.stop("notifications")
    try:
        r = get(platform, "/api/v1/me/data", token)
    finally:
        platform.start("notifications")
        platform.wait_ready("notifications")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["complete"] is False
    assert [u["service"] for u in data["unavailable"]] == ["notifications"]
    assert data["unavailable"][0]["code"] == "UNAVAILABLE"
    assert "notifications" not in data
    assert data["identity"]["contact"]["email"] == email
    assert data["tickets"] == {"requests": [], "follows": [], "signatures": []}
    assert data["documents"] == {"attachments": []}
