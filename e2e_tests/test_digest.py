"""The staff daily digest on the real servers: ticket.deadline_near and ticket.overdue of an
office are collected by notifications; the day's digest goes to each staff member the registry
lists for the office, by e-mail through the SMTP server, in the member's language; a second
run the same day sends nothing more.

The session's notifications runs here on its own SMTP server and database (see
test_notifications.own_notifications), with the digest timer slowed to once an hour so that
only RunDigests makes one during the test."""

from __future__ import annotations

import time
import uuid

import grpc
import pytest
import requests
import sqlalchemy as sa

from citizenoffice.notifications.v1 import notifications_pb2 as pb
from citizenoffice.notifications.v1.notifications_pb2_grpc import NotificationsServiceStub
from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from citizenoffice.tickets.v1 import tickets_pb2
from cokit.events.envelope import build_envelope
from google.protobuf.timestamp_pb2 import Timestamp

from .helpers import eventually
from .test_identity_helpers import login, new_email, offices, register
from .test_notifications import TOPIC, own_notifications, produce
from .service_callers import through_platform
from .tickets_people import instance_admin


@pytest.fixture(scope="module")
def own(platform, infra, office):
    # After the office's accounts exist: their verification codes go out through the
    # session's usual notifications and SMTP server, which register() reads.
    with own_notifications(
        platform, infra, "notifications-digest", 20035, NOTIFICATIONS_DIGEST_INTERVAL="3600"
    ) as servers:
        yield servers


@pytest.fixture(scope="module")
def office(platform, infra_backend):
    """A new office of Tetouan's commune whose registry staff are two fresh accounts, one of
    them reading Arabic."""
    staff = {}
    for language in ("fr", "ar"):
        email = new_email(f"digest-{language}")
        citizen_id = register(platform, infra_backend, email)
        if language != "fr":
            token = login(platform, email)["access_token"]
            r = requests.patch(
                f"{platform.base_url}/api/v1/me",
                json={"language": language},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert r.status_code == 200, r.text
        staff[language] = (email, citizen_id)
    commune = offices(platform)["tetouan"]["commune_code"]
    with grpc.insecure_channel(platform.grpc_target("registry")) as channel:
        registry = RegistryServiceStub(through_platform(channel, platform, instance_admin(platform, infra_backend)))
        created = registry.CreateOffice(
            registry_pb2.CreateOfficeRequest(
                slug=f"digest-{uuid.uuid4().hex[:8]}",
                commune_code=commune,
                name=registry_pb2.LocalizedName(fr="Bureau test digest", ar="مكتب تجريبي"),
            ),
            timeout=15,
        )
        registry.UpdateOffice(
            registry_pb2.UpdateOfficeRequest(
                office_id=created.office.office_id,
                replace_staff=True,
                staff=[
                    registry_pb2.StaffMember(account_id=citizen_id, role="agent") for _, citizen_id in staff.values()
                ],
            ),
            timeout=15,
        )
    return {"office_id": created.office.office_id, "staff": staff}


def deadline_event(kind: str, office_id: str, ticket_id: str, due: str):
    due_at = Timestamp()
    due_at.FromJsonString(f"{due}T23:00:00Z")
    payload = tickets_pb2.TicketDeadline(
        ticket_id=ticket_id,
        office_id=office_id,
        kind=tickets_pb2.COMPLAINT,
        status="in_progress",
        due_at=due_at,
        working_days_left=1,
        tracking_code=code_of(ticket_id),
    )
    return build_envelope(kind, ticket_id, payload, instance_id="ma")


def code_of(ticket_id: str) -> str:
    """A stand-in tracking code per ticket of this test (ticket events carry the real one)."""
    return ticket_id[:4].upper() + "-" + ticket_id[4:8].upper()


def entries(own, office_id: str) -> int:
    with own.db().connect() as conn:
        return conn.execute(
            sa.text("select count(*) from digest_entries where office_id = :o"), {"o": office_id}
        ).scalar_one()


def run_digests(platform) -> pb.RunDigestsReply:
    """What the digest timer does next, asked by the instance's operator (made by the office fixture)."""
    with grpc.insecure_channel(platform.grpc_target("notifications")) as channel:
        operator = instance_admin(platform, None)
        return NotificationsServiceStub(channel).RunDigests(
            pb.RunDigestsRequest(), timeout=30, metadata=operator.metadata
        )


def test_each_staff_member_gets_the_offices_digest_once_in_their_language(platform, infra, own, office):
    office_id = office["office_id"]
    late, near, near_then_late = (str(uuid.uuid4()) for _ in range(3))
    events = [
        ("ticket.overdue", late, "2026-11-20"),
        ("ticket.deadline_near", near, "2026-12-02"),
        ("ticket.deadline_near", near_then_late, "2026-11-24"),
        ("ticket.overdue", near_then_late, "2026-11-24"),
    ]
    for kind, ticket_id, due in events:
        produce(infra, TOPIC, ticket_id, deadline_event(kind, office_id, ticket_id, due))
    # a redelivered event is collected once
    replay = deadline_event("ticket.overdue", office_id, late, "2026-11-20")
    produce(infra, TOPIC, late, replay)
    produce(infra, TOPIC, late, replay)
    eventually(lambda: entries(own, office_id) == 5, timeout=60, what="the deadline events collected")
    time.sleep(2)
    assert entries(own, office_id) == 5

    reply = run_digests(platform)
    assert reply.offices >= 1 and reply.deliveries >= 2
    (fr_email, _), (ar_email, _) = office["staff"]["fr"], office["staff"]["ar"]
    for email, language, title in [(fr_email, "fr", "2 en retard, 1 proches"), (ar_email, "ar", "2 متأخرة، 1 قريبة")]:
        mails = eventually(lambda: own.mails_to(email), timeout=60, what=f"the digest to the {language} member")
        assert len(mails) == 1
        mail = mails[0]
        assert mail["Content-Language"] == language and title in mail["Subject"], mail["Subject"]
        body = mail.get_content()
        # two overdue (one was near before), one near; each ticket listed once
        for ticket_id in (late, near, near_then_late):
            assert body.count(code_of(ticket_id)) == 1, ticket_id
        assert "Amina" not in body and "@" not in body

    # the same day again: nothing more, even for an office with new entries taken tomorrow
    produce(infra, TOPIC, near, deadline_event("ticket.overdue", office_id, near, "2026-12-02"))
    eventually(lambda: entries(own, office_id) == 6, timeout=60, what="a later event collected")
    run_digests(platform)
    time.sleep(5)  # several turns of the sender
    assert len(own.mails_to(fr_email)) == 1 and len(own.mails_to(ar_email)) == 1
    with own.db().connect() as conn:
        waiting = conn.execute(
            sa.text("select count(*) from digest_entries where office_id = :o and digest_day is null"), {"o": office_id}
        ).scalar_one()
    assert waiting == 1  # kept for tomorrow's digest
