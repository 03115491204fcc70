"""Request types, their workflows and legal deadlines on the real servers.

Two tickets replicas share one PostgreSQL database: the platform's own and a second
process started here. Deadlines come from the registry's working-day calendar; time is
moved forward by writing the deadline back in the database, the one thing a test cannot
wait for.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import grpc
import pytest
import sqlalchemy as sa
from google.rpc.status_pb2 import Status
from kafka import KafkaConsumer, TopicPartition

from citizenoffice.events.v1 import envelope_pb2
from citizenoffice.registry.v1 import registry_pb2, registry_pb2_grpc
from citizenoffice.tickets.v1 import tickets_pb2 as pb
from citizenoffice.tickets.v1 import tickets_pb2_grpc

from .helpers import eventually
from .service_callers import through_platform
from .tickets_people import instance_admin, people

ROOT = Path(__file__).resolve().parents[1]
PII_KEY = base64.b64encode(b"e2e-tickets-pii-key-32-bytes!!!!").decode()
ZONE = ZoneInfo("Africa/Casablanca")
TOPIC = "tickets.events.v1"


def reason(error: grpc.RpcError) -> str:
    from cokit.errors import error_info

    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            info = error_info(Status.FromString(value))
            return info.reason if info else ""
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EventTap:
    """Reads tickets.events.v1 from where it ended when the tap was opened."""

    def __init__(self, bootstrap: str):
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, consumer_timeout_ms=2000
        )
        partitions = [TopicPartition(TOPIC, p) for p in (self.consumer.partitions_for_topic(TOPIC) or {0})]
        self.consumer.assign(partitions)
        self.consumer.seek_to_end(*partitions)
        for tp in partitions:
            self.consumer.position(tp)
        self.seen: list[tuple[bytes, envelope_pb2.Envelope]] = []

    def drain(self):
        for record in self.consumer:
            self.seen.append((record.value, envelope_pb2.Envelope.FromString(record.value)))
        return self.seen

    def of(self, ticket_id: str, type: str | None = None):
        return [e for _, e in self.seen if e.aggregate_id == ticket_id and (type is None or e.type == type)]

    def wait_for(self, ticket_id: str, type: str, timeout: float = 60):
        def probe():
            self.drain()
            return self.of(ticket_id, type)

        return eventually(probe, timeout=timeout, what=f"{type} of {ticket_id}")

    def close(self):
        self.consumer.close()


@pytest.fixture(scope="module")
def operator(platform, infra_backend):
    """The instance's national admin: registry changes and scheduler runs are asked by them."""
    return instance_admin(platform, infra_backend)


@dataclasses.dataclass(frozen=True)
class Holiday:
    day: dt.date  # the test's holiday, a few working days ahead
    entered_on: dt.date  # the local date it was entered
    without: dt.date  # the registry's 20-working-day deadline from that date before it was entered


@pytest.fixture(scope="module")
def holiday(platform, operator):
    """A holiday a few days ahead, entered in the registry before the tickets replicas start:
    they keep the calendar for ten minutes (cokit.calendar), as they would in production.
    The deadline the registry gave just before is kept, so the test compares against the
    instance's real calendar (its own holidays, and any other run's) rather than weekends alone."""
    with grpc.insecure_channel(platform.grpc_target("registry")) as channel:
        registry = registry_pb2_grpc.RegistryServiceStub(through_platform(channel, platform, operator))
        today = dt.datetime.now(ZONE).date()
        day = today + dt.timedelta(days=3)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        without = registry_says(registry, today, 20)
        key = f"e2e-tickets-{uuid.uuid4().hex[:8]}"
        registry.SetHoliday(
            registry_pb2.SetHolidayRequest(
                rule=registry_pb2.HolidayRule(
                    key=key, name_fr="Jour férié de test", date=day.isoformat(), religious=True, confirmed=True
                )
            ),
            timeout=10,
        )
        try:
            yield Holiday(day, today, without)
        finally:
            registry.DeleteHoliday(registry_pb2.DeleteHolidayRequest(key=key), timeout=10)


@pytest.fixture(scope="module")
def replicas(platform, holiday):
    """Two tickets replicas with the PII key: the platform's (restarted with it) and a second one."""
    platform.overrides["TICKETS_PII_KEY"] = PII_KEY
    platform.stop("tickets")
    platform.start("tickets")
    platform.wait_ready("tickets")
    env = platform.env("tickets")
    port = free_port()
    env.update(GRPC_PORT=str(port), METRICS_PORT=str(free_port()), TICKETS_SCHEDULER_INTERVAL="1")
    log = open(platform.logs / "tickets-replica-b.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cokit.run", "tickets"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    target_b = f"127.0.0.1:{port}"
    try:

        def ready():
            with grpc.insecure_channel(target_b) as channel:
                try:
                    grpc.channel_ready_future(channel).result(timeout=1)
                    return True
                except grpc.FutureTimeoutError:
                    return proc.poll() is not None and pytest.fail("replica B exited; see tickets-replica-b.log")

        eventually(ready, timeout=60, what="tickets replica B")
        channels = [grpc.insecure_channel(platform.grpc_target("tickets")), grpc.insecure_channel(target_b)]
        # Submissions come relayed by the gateway, as from a person without an account.
        yield [tickets_pb2_grpc.TicketsServiceStub(through_platform(c, platform)) for c in channels]
        for c in channels:
            c.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def crew(platform, infra_backend):
    """Real accounts: Tetouan's information officer (bound to the commune) and clerk, and citizens."""
    return people(
        platform,
        infra_backend,
        {
            "officer": ("information_officer", {"commune_of": "tetouan"}),
            "clerk": ("staff", {"office": "tetouan"}),
            "requester": None,
            "someone_else": None,
        },
    )


@pytest.fixture()
def tap(infra):
    t = EventTap(infra.kafka_bootstrap)
    yield t
    t.close()


@pytest.fixture(scope="module")
def registry(platform):
    with grpc.insecure_channel(platform.grpc_target("registry")) as channel:
        yield registry_pb2_grpc.RegistryServiceStub(channel)


def db(infra) -> sa.Engine:
    return sa.create_engine(infra.database_url("tickets"), poolclass=sa.pool.NullPool)


def information_request(stub, citizen_id: str = "", **changes):
    request = pb.SubmitRequest(
        office_id="tetouan",
        kind=pb.INFORMATION_REQUEST,
        category="urbanism",
        description="Copie de l'arrêté d'alignement de la rue 12 et du plan annexé.",
        citizen_id=citizen_id or f"citizen-{uuid.uuid4().hex[:8]}",
        channel=pb.WEB,
        language="fr",
        requester=pb.Requester(
            name="Amina Test",
            address="12 rue des Oliviers",
            id_kind="cin",
            id_number="AB123456",
            contact="amina@example.ma",
            preferred_format="electronic",
        ),
    )
    for key, value in changes.items():
        setattr(request, key, value)
    return stub.Submit(request, timeout=30)


def last_day(answer_by) -> dt.date:
    return (answer_by.ToDatetime(tzinfo=dt.timezone.utc) - dt.timedelta(seconds=1)).astimezone(ZONE).date()


def receipt_day(submitted_at) -> dt.date:
    return submitted_at.ToDatetime(tzinfo=dt.timezone.utc).astimezone(ZONE).date()


def registry_says(registry, start: dt.date, days: int) -> dt.date:
    reply = registry.AddWorkingDays(
        registry_pb2.AddWorkingDaysRequest(from_date=start.isoformat(), days=days), timeout=10
    )
    return dt.date.fromisoformat(reply.date)


def test_information_request_deadlines_follow_the_registry_calendar(replicas, registry, holiday, infra, tap, crew):
    a, b = replicas
    receipt = information_request(b)
    day = receipt_day(receipt.submitted_at)
    expected = registry_says(registry, day, 20)
    assert last_day(receipt.answer_by) == expected
    if day == holiday.entered_on:
        # The holiday inside the window pushed the registry's deadline by exactly one working day.
        assert holiday.day <= holiday.without
        assert expected == registry_says(registry, holiday.without, 1)
    assert receipt.status == "received" and receipt.kind == pb.INFORMATION_REQUEST
    assert last_day(information_request(a).answer_by) == expected  # the other replica agrees

    urgent = information_request(b, urgent=True, urgency_reason="logement menacé d'effondrement")
    assert last_day(urgent.answer_by) == registry_says(registry, receipt_day(urgent.submitted_at), 3)

    # Extended once, with its reason, before the deadline: 20 more working days.
    # A clerk may not extend an information request; the commune's information officer may.
    with pytest.raises(grpc.RpcError) as err:
        b.Transition(
            pb.TransitionRequest(ticket_id=receipt.ticket_id, action="extend", reason="x"),
            timeout=10,
            metadata=crew["clerk"].metadata,
        )
    assert (err.value.code(), reason(err.value)) == (grpc.StatusCode.PERMISSION_DENIED, "ACTOR_NOT_ALLOWED")
    extended = b.Transition(
        pb.TransitionRequest(
            ticket_id=receipt.ticket_id, action="extend", reason="documents aux archives provinciales"
        ),
        timeout=10,
        metadata=crew["officer"].metadata,
    )
    assert extended.status == "extended" and extended.extended
    assert last_day(extended.answer_by) == registry_says(registry, expected, 20)
    with pytest.raises(grpc.RpcError) as err:
        a.Transition(
            pb.TransitionRequest(ticket_id=receipt.ticket_id, action="extend", reason="encore"),
            timeout=10,
            metadata=crew["officer"].metadata,
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert reason(err.value) == "TRANSITION_NOT_ALLOWED"  # an extended request is no longer "received"

    # The ID number is sealed at rest and appears in no event.
    with db(infra).connect() as conn:
        sealed = conn.execute(
            sa.text("select id_number_sealed from tickets where ticket_id = :t"), {"t": receipt.ticket_id}
        ).scalar_one()
    assert sealed and b"AB123456" not in bytes(sealed)
    tap.wait_for(receipt.ticket_id, "ticket.extended")
    assert all(b"AB123456" not in raw and b"Amina" not in raw for raw, _ in tap.seen)


def test_implicit_refusal_fires_exactly_once_with_two_replicas(replicas, infra, tap, crew, operator):
    a, b = replicas
    receipts = [information_request(b, citizen_id=crew["requester"].citizen_id) for _ in range(3)]
    ids = [r.ticket_id for r in receipts]
    # Silence until the deadline: move the deadline into the past.
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    with db(infra).begin() as conn:
        conn.execute(
            sa.text("update tickets set answer_by = :p, due_at = :p where ticket_id in :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"p": past, "ids": ids},
        )
    # Both replicas' timers run (B every second) and both are also asked at once, repeatedly.
    errors = []

    def hammer(stub):
        try:
            for _ in range(5):
                stub.RunDeadlines(pb.RunDeadlinesRequest(), timeout=30, metadata=operator.metadata)
        except grpc.RpcError as error:  # noqa: PERF203
            errors.append(error)

    threads = [threading.Thread(target=hammer, args=(s,)) for s in (a, b, a, b)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors, errors
    for ticket_id in ids:
        assert a.Get(pb.GetTicketRequest(ticket_id=ticket_id), timeout=10).status == "implicitly_refused"
        history = b.History(pb.GetTicketRequest(ticket_id=ticket_id), timeout=10).entries
        assert [e.action for e in history].count("refuse_implicitly") == 1
        assert history[-1].actor_role == "system"
        tap.wait_for(ticket_id, "ticket.implicitly_refused")
    time.sleep(3)  # let any duplicate that a second replica might have written reach Kafka
    tap.drain()
    for ticket_id in ids:
        events = tap.of(ticket_id, "ticket.implicitly_refused")
        assert len(events) == 1, f"{len(events)} implicit refusals for {ticket_id}"
        payload = pb.TicketTransitioned()
        assert events[0].payload.Unpack(payload)
        assert (payload.from_status, payload.to_status, payload.actor_role) == (
            "received",
            "implicitly_refused",
            "system",
        )
    # The appeal opens: the requester may appeal, nobody else.
    status = a.Get(pb.GetTicketRequest(ticket_id=ids[0]), timeout=10)
    assert "appeal" in status.available_actions
    with pytest.raises(grpc.RpcError) as err:
        a.Transition(
            pb.TransitionRequest(ticket_id=ids[0], action="appeal", reason="silence"),
            timeout=10,
            metadata=crew["someone_else"].metadata,
        )
    assert (err.value.code(), reason(err.value)) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_YOUR_REQUEST")
    # Naming the requester in the (ignored) actor field changes nothing.
    with pytest.raises(grpc.RpcError) as err:
        a.Transition(
            pb.TransitionRequest(
                ticket_id=ids[0],
                action="appeal",
                reason="silence",
                actor=pb.Actor(id=crew["requester"].citizen_id, role="citizen"),
            ),
            timeout=10,
            metadata=crew["someone_else"].metadata,
        )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    appealed = a.Transition(
        pb.TransitionRequest(ticket_id=ids[0], action="appeal", reason="aucune réponse"),
        timeout=10,
        metadata=crew["requester"].metadata,
    )
    assert appealed.status == "appealed"


def test_complaint_walks_its_workflow_with_an_event_per_transition(replicas, tap, crew):
    a, b = replicas
    requester = crew["requester"]
    receipt = a.Submit(
        pb.SubmitRequest(
            office_id="tetouan",
            kind=pb.COMPLAINT,
            category="roads",
            description="Nid de poule dangereux devant le marché central.",
            citizen_id=requester.citizen_id,
            channel=pb.MOBILE,
            language="fr",
        ),
        timeout=30,
    )
    staff = crew["clerk"].metadata
    with pytest.raises(grpc.RpcError) as err:
        a.Transition(
            pb.TransitionRequest(ticket_id=receipt.ticket_id, action="answer", answer="fait", outcome="positive"),
            timeout=10,
            metadata=staff,
        )
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    steps = [
        ("acknowledge", {}),
        ("start", {}),
        ("answer", {"answer": "Réparé le 3 mars.", "outcome": "positive"}),
        ("close", {}),
    ]
    stubs = [a, b, a, b]
    for (action, fields), stub in zip(steps, stubs):
        stub.Transition(
            pb.TransitionRequest(ticket_id=receipt.ticket_id, action=action, **fields), timeout=10, metadata=staff
        )
    with pytest.raises(grpc.RpcError) as err:
        a.Transition(
            pb.TransitionRequest(ticket_id=receipt.ticket_id, action="reopen", reason="revenu"),
            timeout=10,
            metadata=crew["someone_else"].metadata,
        )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    reopened = a.Transition(
        pb.TransitionRequest(ticket_id=receipt.ticket_id, action="reopen", reason="le trou est revenu"),
        timeout=10,
        metadata=requester.metadata,
    )
    assert reopened.status == "reopened"
    for type in (
        "ticket.submitted",
        "ticket.acknowledged",
        "ticket.status_changed",
        "ticket.answered",
        "ticket.closed",
    ):
        tap.wait_for(receipt.ticket_id, type)
    eventually(lambda: tap.drain() and len(tap.of(receipt.ticket_id)) == 6, timeout=60, what="six events")
    others = crew["someone_else"].citizen_id.encode()
    assert all(b"R\xc3\xa9par\xc3\xa9" not in raw and others not in raw for raw, _ in tap.seen)


def test_deadline_near_and_overdue_are_raised_once_across_replicas(replicas, infra, tap, crew, operator):
    a, b = replicas
    staff = crew["clerk"].metadata
    tickets = []
    for _ in range(2):
        receipt = a.Submit(
            pb.SubmitRequest(
                office_id="tetouan",
                kind=pb.COMPLAINT,
                category="water",
                description="Fuite d'eau sur la conduite principale du quartier",
                citizen_id="c-deadlines",
                channel=pb.WEB,
                language="fr",
            ),
            timeout=30,
        )
        a.Transition(
            pb.TransitionRequest(ticket_id=receipt.ticket_id, action="acknowledge"), timeout=10, metadata=staff
        )
        tickets.append(receipt.ticket_id)
    late, soon = tickets
    now = dt.datetime.now(dt.timezone.utc)
    with db(infra).begin() as conn:
        update = sa.text("update tickets set answer_by = :d, due_at = :d where ticket_id = :t")
        conn.execute(update, {"d": now - dt.timedelta(minutes=5), "t": late})
        # Due at the end of today, local time (deadlines end at local midnight): its last day is
        # today whatever the hour the test runs (two hours ahead crossed midnight late in the evening).
        local = now.astimezone(ZONE)
        tonight = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        conn.execute(update, {"d": tonight.astimezone(dt.timezone.utc), "t": soon})
    threads = [
        threading.Thread(
            target=lambda s=s: [
                s.RunDeadlines(pb.RunDeadlinesRequest(), timeout=30, metadata=operator.metadata) for _ in range(3)
            ]
        )
        for s in (a, b, a, b)
    ]
    [t.start() for t in threads]
    [t.join() for t in threads]
    tap.wait_for(late, "ticket.overdue")
    tap.wait_for(soon, "ticket.deadline_near")
    time.sleep(3)
    tap.drain()
    assert len(tap.of(late, "ticket.overdue")) == 1
    assert len(tap.of(soon, "ticket.deadline_near")) == 1
    assert tap.of(late, "ticket.deadline_near") == [] and tap.of(soon, "ticket.overdue") == []
    payload = pb.TicketDeadline()
    assert tap.of(soon, "ticket.deadline_near")[0].payload.Unpack(payload)
    assert payload.status == "acknowledged" and payload.working_days_left == 0
    # Overdue is not a status: the complaint can still be answered.
    assert a.Get(pb.GetTicketRequest(ticket_id=late), timeout=10).status == "acknowledged"
