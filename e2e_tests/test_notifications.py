"""Notifications on the real servers: Kafka in, SMTP, SMS and the inbox out, exactly once
per event, recipient and channel whatever Kafka redelivers or however long the mail
server is away.

This module gives the session's notifications service its own SMTP server, SMS provider
and PostgreSQL database, restored at the end: stopping a mail server shared with the
other sessions on the machine would disturb them (and they restart it when they start),
and their notifications services would otherwise claim deliveries from the same table.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email
import email.policy
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time
import uuid

import grpc
import pytest
import requests
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from citizenoffice.events.v1 import envelope_pb2
from citizenoffice.notifications.v1 import notifications_pb2 as pb
from citizenoffice.notifications.v1.notifications_pb2_grpc import NotificationsServiceStub
from citizenoffice.tickets.v1 import tickets_pb2
from cokit.events.envelope import build_envelope, encode

from .helpers import eventually, fresh_database
from .service_callers import through_platform

TOPIC = "tickets.events.v1"
OFFSET = int(os.environ.get("CITIZENOFFICE_E2E_PORT_OFFSET", "100"))
GROUP = f"e2e-{OFFSET}.notifications"
ROOT = pathlib.Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
SMS_KEY = "e2e-sms-key"


def _wait_port(port: int, open_: bool = True, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if open_:
                return
        except OSError:
            if not open_:
                return
        time.sleep(0.1)
    raise AssertionError(f"port {port} did not {'open' if open_ else 'close'}")


def _port_free(port: int) -> None:
    """Another process on the port (left by an interrupted session) would take this test's mail
    and outlive its stop: said at once, not as a port that never closes."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return
    raise AssertionError(f"port {port} is already taken by another process (an interrupted session's?)")


@dataclasses.dataclass
class OwnServers:
    state: pathlib.Path
    smtp_port: int
    sms_port: int
    database_url: str
    smtp: subprocess.Popen | None = None
    sms: subprocess.Popen | None = None

    @property
    def mail_dir(self) -> pathlib.Path:
        return self.state / "mail"

    @property
    def sms_url(self) -> str:
        return f"http://127.0.0.1:{self.sms_port}"

    def start_smtp(self) -> None:
        _port_free(self.smtp_port)
        self.smtp = subprocess.Popen(
            [
                str(PYTHON),
                str(ROOT / "deploy/local/smtp_sink.py"),
                "--port",
                str(self.smtp_port),
                "--mail-dir",
                str(self.mail_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.smtp_port)

    def stop_smtp(self) -> None:
        if self.smtp is not None:
            self.smtp.send_signal(signal.SIGTERM)
            self.smtp.wait(timeout=15)
            self.smtp = None
        _wait_port(self.smtp_port, open_=False)

    def start_sms(self) -> None:
        _port_free(self.sms_port)
        self.sms = subprocess.Popen(
            [
                str(PYTHON),
                str(ROOT / "deploy/local/sms_provider.py"),
                "--port",
                str(self.sms_port),
                "--dir",
                str(self.state / "sms"),
                "--api-key",
                SMS_KEY,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.sms_port)

    def messages(self) -> list:
        found = []
        for path in sorted(self.mail_dir.glob("[!.]*.eml")):
            with open(path, "rb") as fh:
                found.append(email.message_from_binary_file(fh, policy=email.policy.default))
        return found

    def mails_to(self, address: str) -> list:
        return [m for m in self.messages() if m["To"] == address]

    def sms_to(self, phone: str) -> list[dict]:
        return [m for m in requests.get(f"{self.sms_url}/v1/messages", timeout=10).json() if m["to"] == phone]

    def db(self) -> sa.Engine:
        return sa.create_engine(self.database_url, poolclass=sa.pool.NullPool)


@contextlib.contextmanager
def own_notifications(platform, infra, name: str, first_port: int, **overrides: str):
    """The session's notifications service restarted on its own SMTP server (first_port +
    OFFSET), SMS provider (the next port) and database, with `overrides` of its settings;
    the shared setup is restored afterwards."""
    state = ROOT / ".local" / f"e2e-{OFFSET}" / name
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    database_url = fresh_database(infra.database_url("notifications"), f"{name.replace('-', '_')}_e2e_{OFFSET}")
    servers = OwnServers(state, first_port + OFFSET, first_port + 1 + OFFSET, database_url)
    servers.start_smtp()
    servers.start_sms()
    saved = dict(platform.overrides)
    platform.overrides.update(
        {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(servers.smtp_port),
            "DATABASE_URL": servers.database_url,
            "SMS_PROVIDER_URL": servers.sms_url,
            "SMS_API_KEY": SMS_KEY,
            **overrides,
        }
    )
    try:
        platform.stop("notifications")
        platform.migrate("notifications")
        platform.start("notifications")
        platform.wait_ready("notifications")
        yield servers
    finally:
        platform.overrides.clear()
        platform.overrides.update(saved)
        try:
            platform.stop("notifications")
            platform.start("notifications")
            platform.wait_ready("notifications")
        finally:
            # Even when the shared notifications does not come back, these servers go.
            servers.stop_smtp()
            if servers.sms is not None:
                servers.sms.terminate()
                servers.sms.wait(timeout=15)


@pytest.fixture(scope="module")
def own(platform, infra):
    with own_notifications(platform, infra, "notifications-own", 20025) as servers:
        yield servers


def submit(platform, email: str, language: str = "ar", phone: str = ""):
    response = requests.post(
        f"{platform.base_url}/api/v1/tickets",
        data={
            "office": "tetouan",
            "kind": "complaint",
            "category": "lighting",
            "language": language,
            "description": "عمود الإنارة معطل قرب المدرسة منذ أسبوع",
            "email": email,
            "name": "Amina",
            "phone": phone,
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


def citizen_id_of(infra, email: str) -> str:
    engine = sa.create_engine(infra.database_url("identity"), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        return conn.execute(sa.text("select citizen_id from citizens where email = :e"), {"e": email}).scalar_one()


def inbox(own: OwnServers, citizen_id: str) -> pb.Inbox:
    """The inbox as this module's notifications database holds it (the person has no account,
    so no token to ask ListInbox with; the HTTP inbox is tested in test_inbox.py)."""
    with own.db().connect() as conn:
        rows = conn.execute(
            sa.text(
                "select item_id, kind, language, read from inbox_items where citizen_id = :c "
                "order by created_at desc, item_id desc"
            ),
            {"c": citizen_id},
        ).all()
    return pb.Inbox(
        items=[pb.InboxItem(item_id=r.item_id, kind=r.kind, language=r.language, read=r.read) for r in rows],
        unread=sum(1 for r in rows if not r.read),
    )


def find_event(infra, ticket_id: str):
    consumer = KafkaConsumer(
        TOPIC,
        bootstrap_servers=infra.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=15000,
    )
    try:
        for record in consumer:
            if envelope_pb2.Envelope.FromString(record.value).aggregate_id == ticket_id:
                return record
    finally:
        consumer.close()
    raise AssertionError(f"no event of ticket {ticket_id} on {TOPIC}")


def committed(infra, partition: int) -> int:
    """The notifications group's committed offset (read without joining the group)."""
    reader = KafkaConsumer(bootstrap_servers=infra.kafka_bootstrap, group_id=GROUP, enable_auto_commit=False)
    try:
        return reader.committed(TopicPartition(TOPIC, partition)) or -1
    finally:
        reader.close()


def test_an_arabic_citizen_gets_one_arabic_mail_and_one_inbox_item_whatever_kafka_replays(platform, infra, own):
    email = f"replay.{uuid.uuid4().hex[:8]}@example.ma"
    receipt = submit(platform, email, language="ar")
    mails = eventually(lambda: own.mails_to(email), timeout=60, what=f"an e-mail to {email}")
    assert len(mails) == 1
    mail = mails[0]
    assert mail["Content-Language"] == "ar" and receipt["tracking_code"] in mail["Subject"]
    assert "تم استلام" in mail["Subject"] and "رمز التتبع" in mail.get_content()
    citizen_id = citizen_id_of(infra, email)
    first = inbox(own, citizen_id)
    assert [(i.kind, i.language) for i in first.items] == [("ticket.submitted", "ar")] and first.unread == 1

    # Kafka redelivers the very same event three times
    record = find_event(infra, receipt["ticket_id"])
    producer = KafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    try:
        sent = [producer.send(TOPIC, key=record.key, value=record.value).get(timeout=15) for _ in range(3)]
    finally:
        producer.close()
    assert {m.partition for m in sent} == {record.partition}
    last = max(m.offset for m in sent)
    eventually(
        lambda: committed(infra, record.partition) > last,
        timeout=60,
        what="the notifications consumer to handle the replays",
    )
    time.sleep(3)  # several turns of the sender
    assert len(own.mails_to(email)) == 1
    again = inbox(own, citizen_id)
    assert len(again.items) == 1 and again.unread == 1


def test_mails_wait_for_the_smtp_server_and_arrive_once(platform, own):
    run = uuid.uuid4().hex[:8]
    addresses = [f"smtp.down.{run}.{i}@example.ma" for i in range(5)]
    codes = {}
    own.stop_smtp()
    try:
        for address in addresses:
            codes[address] = submit(platform, address, language="fr")["tracking_code"]
        with own.db().connect() as conn:
            eventually(
                lambda: (
                    conn.execute(
                        sa.text(
                            "select count(*) from deliveries where channel = 'email' and attempts >= 2 and state = 'pending'"
                            " and last_error <> ''"
                        )
                    ).scalar_one()
                    >= len(addresses)
                ),
                timeout=60,
                what="failed attempts while the mail server is away",
            )
        assert not any(own.mails_to(a) for a in addresses)
    finally:
        own.start_smtp()
    for address in addresses:
        eventually(lambda: own.mails_to(address), timeout=120, what=f"an e-mail to {address}")
    time.sleep(3)
    for address in addresses:
        mails = own.mails_to(address)
        assert len(mails) == 1, f"{address} got {len(mails)} e-mails"
        assert codes[address] in mails[0]["Subject"] and mails[0]["Content-Language"] == "fr"


def citizen_phone() -> str:
    return "+2126" + str(uuid.uuid4().int)[:8]


def test_an_sms_reaches_the_provider_once_even_when_it_fails_at_first(platform, infra, own):
    phone, address = citizen_phone(), f"sms.{uuid.uuid4().hex[:8]}@example.ma"
    requests.post(f"{own.sms_url}/control", json={"fail_next": 2}, timeout=5)
    receipt = submit(platform, address, language="ar", phone=phone)
    messages = eventually(lambda: own.sms_to(phone), timeout=60, what=f"an SMS to {phone}")
    assert len(messages) == 1 and receipt["tracking_code"] in messages[0]["text"] and "تم استلام" in messages[0]["text"]
    eventually(lambda: own.mails_to(address), timeout=60, what="the e-mail as well")
    with own.db().connect() as conn:
        row = conn.execute(
            sa.text("select state, attempts from deliveries where channel = 'sms' and delivery_id = :d"),
            {"d": messages[0]["reference"]},
        ).one()
    assert row.state == "sent" and row.attempts == 3
    time.sleep(2)
    assert len(own.sms_to(phone)) == 1


def test_opt_out_and_quiet_hours_are_honoured(platform, infra, own):
    phone, address = citizen_phone(), f"prefs.{uuid.uuid4().hex[:8]}@example.ma"
    submit(platform, address, language="fr", phone=phone)
    eventually(lambda: own.sms_to(phone), timeout=60, what="the first SMS")
    citizen_id = citizen_id_of(infra, address)
    with grpc.insecure_channel(platform.grpc_target("notifications")) as channel:
        stub = NotificationsServiceStub(through_platform(channel, platform))
        stub.SetPreferences(
            pb.Preferences(citizen_id=citizen_id, opt_outs=[pb.OptOut(channel="sms", kind="*")]), timeout=10
        )
        second = submit(platform, address, language="fr", phone=phone)["tracking_code"]
        eventually(
            lambda: [m for m in own.mails_to(address) if second in m["Subject"]],
            timeout=60,
            what="the e-mail of the second request",
        )
        time.sleep(2)
        assert len(own.sms_to(phone)) == 1  # no SMS for the second request

        now = time.gmtime()
        start, end = f"{(now.tm_hour - 1) % 24:02d}:00", f"{(now.tm_hour + 2) % 24:02d}:00"
        prefs = stub.SetPreferences(
            pb.Preferences(citizen_id=citizen_id, quiet_hours=pb.QuietHours(start=start, end=end, timezone="UTC")),
            timeout=10,
        )
        assert not prefs.opt_outs and prefs.quiet_hours.start == start
        third = submit(platform, address, language="fr", phone=phone)["tracking_code"]
        eventually(
            lambda: [m for m in own.mails_to(address) if third in m["Subject"]],
            timeout=60,
            what="the e-mail of the third request, not held by quiet hours",
        )
        with own.db().connect() as conn:
            held = eventually(
                lambda: conn.execute(
                    sa.text(
                        "select state, attempts, next_attempt_at from deliveries where channel = 'sms' and citizen_id = :c"
                        " and state = 'pending'"
                    ),
                    {"c": citizen_id},
                ).all(),
                timeout=60,
                what="the held SMS",
            )
        assert held[0].attempts == 0 and held[0].next_attempt_at.hour == (now.tm_hour + 2) % 24
        assert len(own.sms_to(phone)) == 1

        with pytest.raises(grpc.RpcError) as err:
            stub.SetPreferences(pb.Preferences(citizen_id=citizen_id, opt_outs=[pb.OptOut(channel="fax")]), timeout=10)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def produce(infra, topic: str, key: str, envelope) -> None:
    producer = KafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    try:
        producer.send(topic, key=key.encode(), value=encode(envelope)).get(timeout=15)
    finally:
        producer.close()


def test_a_decision_reaches_the_citizen_in_their_language(platform, infra, own):
    address = f"decision.{uuid.uuid4().hex[:8]}@example.ma"
    receipt = submit(platform, address, language="fr")
    eventually(lambda: own.mails_to(address), timeout=60, what="the receipt")
    citizen_id = citizen_id_of(infra, address)
    answered = tickets_pb2.TicketTransitioned(
        ticket_id=receipt["ticket_id"],
        tracking_code=receipt["tracking_code"],
        action="answer",
        from_status="in_progress",
        to_status="answered",
        citizen_id=citizen_id,
    )
    produce(
        infra,
        TOPIC,
        receipt["ticket_id"],
        build_envelope("ticket.answered", receipt["ticket_id"], answered, instance_id="ma"),
    )
    mails = eventually(
        lambda: [m for m in own.mails_to(address) if "Répondue" in m["Subject"]],
        timeout=60,
        what="the decision by e-mail",
    )
    assert receipt["tracking_code"] in mails[0]["Subject"] and mails[0]["Content-Language"] == "fr"
    assert [i.kind for i in inbox(own, citizen_id).items] == ["ticket.status_changed", "ticket.submitted"]
