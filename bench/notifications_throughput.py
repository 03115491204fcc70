"""Notifications per second from Kafka to SMTP, against plain smtplib sending the same
number of mails to the same SMTP server.

    .venv/bin/python bench/notifications_throughput.py [--count 200] [--sqlite]

Starts identity and notifications (their own ports, folder and consumer group, on PostgreSQL
databases of their own made for the run and dropped after it, as in a cluster; `--sqlite`: on
SQLite files, the embedded default of `make dev`) and an SMTP server of their own; creates the
citizens, then produces `count` ticket.submitted events to tickets.events.v1 and times until
every mail is stored by the SMTP server: the consumer, the inbox and delivery rows, the
sender's identity look-up and the SMTP send. Two baselines send the same number of mails with
smtplib: one connection each (notifications_smtplib_direct), and all on one connection
(notifications_smtplib_one_session).

    name: value unit (ratio R against BASELINE)

Then, as lines starting with '#', where each notification's time went: Kafka to the inbox
(the record's timestamp against the inbox item's), and the inbox to the SMTP server's
acceptance (the delivery's sent_at), p50 and p99.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.message
import os
import pathlib
import shutil
import smtplib
import socket
import subprocess
import sys
import time
import uuid

import grpc
from kafka import KafkaProducer

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy" / "local"))
import stack as stack_module  # noqa: E402

sys.path.insert(0, str(ROOT))
from e2e_tests.service_callers import through_platform  # noqa: E402
from groups import skip_history  # noqa: E402

from citizenoffice.identity.v1 import identity_pb2  # noqa: E402
from citizenoffice.identity.v1.identity_pb2_grpc import IdentityServiceStub  # noqa: E402
from citizenoffice.tickets.v1 import tickets_pb2  # noqa: E402
from cokit.events.envelope import build_envelope, encode  # noqa: E402

OFFSET = int(os.environ.get("BENCH_PORT_OFFSET", "800"))
TOPIC = "tickets.events.v1"
PREFIX = f"bench-{OFFSET}."


def wait_port(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answers on port {port}")


def mail_count(folder: pathlib.Path) -> int:
    return sum(1 for _ in folder.glob("[!.]*.eml"))


def wait_for(folder: pathlib.Path, count: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if mail_count(folder) >= count:
            return time.perf_counter()
        time.sleep(0.05)
    raise SystemExit(f"only {mail_count(folder)} of {count} mails arrived in {timeout:.0f}s")


def baseline_message(i: int) -> email.message.EmailMessage:
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "bench@citizenoffice.local", f"base{i}@example.ma", "تم استلام طلبكم"
    msg.set_content("شكرا لكم. " * 20, charset="utf-8")
    return msg


def baseline(port: int, count: int) -> float:
    """Seconds to send `count` mails, one connection each."""
    started = time.perf_counter()
    for i in range(count):
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(baseline_message(i))
    return time.perf_counter() - started


def baseline_one_session(port: int, count: int) -> float:
    """Seconds to send `count` mails on one connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        for i in range(count):
            smtp.send_message(baseline_message(i))
    return time.perf_counter() - started


def own_databases(infra: dict, names: tuple[str, ...]) -> dict:
    """infra with a PostgreSQL database of the bench's own for each service named."""
    from e2e_tests.helpers import fresh_database

    own = dict(infra)
    for name in names:
        key = f"DATABASE_URL_{name.upper()}"
        own[key] = fresh_database(infra[key], f"{name}_bench_{OFFSET}")
    return own


def drop_own_databases(shared: dict, names: tuple[str, ...]) -> None:
    """Drop what own_databases made, through the shared databases' URLs (`shared`)."""
    from e2e_tests.helpers import drop_database

    for name in names:
        drop_database(shared[f"DATABASE_URL_{name.upper()}"], f"{name}_bench_{OFFSET}")


def percentiles(values: list[float]) -> str:
    values = sorted(values)
    if not values:
        return "none"
    return f"p50 {1000 * values[len(values) // 2]:.0f} ms, p99 {1000 * values[min(len(values) - 1, int(len(values) * 0.99))]:.0f} ms"


def hops(database_url: str, produced: dict[str, float]) -> list[str]:
    """Kafka to inbox and inbox to SMTP for the bench's events (event id -> Kafka timestamp)."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT i.event_id, i.created_at, d.sent_at FROM inbox_items i "
                "JOIN deliveries d ON d.event_id = i.event_id AND d.channel = 'email'"
            )
        ).all()
    engine.dispose()

    def seconds(value) -> float:
        value = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).timestamp()

    mine = [r for r in rows if r.event_id in produced and r.sent_at is not None]
    to_inbox = [seconds(r.created_at) - produced[r.event_id] for r in mine]
    to_mail = [seconds(r.sent_at) - seconds(r.created_at) for r in mine]
    return [
        f"# Kafka to inbox: {percentiles(to_inbox)} ({len(mine)} notifications)",
        f"# inbox to e-mail accepted by the SMTP server: {percentiles(to_mail)}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true", help="run the services on SQLite files instead")
    args = parser.parse_args()
    state = ROOT / ".local" / f"bench-{OFFSET}"
    shutil.rmtree(state, ignore_errors=True)
    mail_dir, base_dir = state / "mail", state / "mail-baseline"
    shared = infra = stack_module.read_env_file(stack_module.INFRA_ENV)
    services = ("identity", "notifications")
    if not args.sqlite:
        infra = own_databases(shared, services)
    smtp_port = 21025 + OFFSET
    stack = stack_module.Stack(
        state_dir=state,
        port_offset=OFFSET,
        postgres=not args.sqlite,
        infra=infra,
        overrides={
            "LOG_LEVEL": "WARNING",
            "KAFKA_GROUP_PREFIX": PREFIX,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
        },
    )
    sink = base_sink = None
    try:
        base_sink = subprocess.Popen(
            [
                str(stack_module.PYTHON),
                str(ROOT / "deploy/local/smtp_sink.py"),
                "--port",
                str(smtp_port + 1),
                "--mail-dir",
                str(base_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        sink = subprocess.Popen(
            [
                str(stack_module.PYTHON),
                str(ROOT / "deploy/local/smtp_sink.py"),
                "--port",
                str(smtp_port),
                "--mail-dir",
                str(mail_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(smtp_port)
        wait_port(smtp_port + 1)
        base_seconds = baseline(smtp_port + 1, args.count)
        session_seconds = baseline_one_session(smtp_port + 1, args.count)

        skip_history(infra["KAFKA_BOOTSTRAP_SERVERS"], PREFIX)
        for name in ("identity", "notifications"):
            stack.migrate(name)
            stack.start(name)
        for name in ("identity", "notifications"):
            stack.wait_ready(name)
        with grpc.insecure_channel(stack.grpc_target("identity")) as channel:
            identity = IdentityServiceStub(through_platform(channel, stack))
            citizens = [
                identity.UpsertCitizen(
                    identity_pb2.UpsertCitizenRequest(
                        email=f"bench.{uuid.uuid4().hex[:10]}@example.ma", display_name="Bench", language="ar"
                    ),
                    timeout=10,
                ).citizen_id
                for _ in range(args.count)
            ]
        time.sleep(3)  # the consumer has joined its group and the sender's timer runs
        now = dt.datetime.now(dt.timezone.utc)
        producer = KafkaProducer(bootstrap_servers=infra["KAFKA_BOOTSTRAP_SERVERS"], acks="all", linger_ms=5)
        sent = []
        started = time.perf_counter()
        for citizen_id in citizens:
            ticket_id = str(uuid.uuid4())
            payload = tickets_pb2.TicketSubmitted(
                ticket_id=ticket_id,
                tracking_code="BNCH-0000-0",
                office_id="bench-office",
                kind=tickets_pb2.COMPLAINT,
                category="lighting",
                citizen_id=citizen_id,
                language="ar",
            )
            payload.acknowledge_by.FromDatetime(now + dt.timedelta(days=15))
            payload.answer_by.FromDatetime(now + dt.timedelta(days=60))
            envelope = build_envelope("ticket.submitted", ticket_id, payload, instance_id="bench")
            sent.append((envelope.event_id, producer.send(TOPIC, key=ticket_id.encode(), value=encode(envelope))))
        producer.flush()
        produced = {event_id: future.get(timeout=30).timestamp / 1000 for event_id, future in sent}
        producer.close()
        finished = wait_for(mail_dir, args.count, timeout=300)
        seconds = finished - started
        breakdown = [] if args.sqlite else hops(infra["DATABASE_URL_NOTIFICATIONS"], produced)
    finally:
        for name in ("notifications", "identity"):
            stack.stop(name)
        for process in (sink, base_sink):
            if process is not None:
                process.terminate()
                process.wait(timeout=15)
        if not args.sqlite:
            drop_own_databases(shared, services)
    base_rate, session_rate, rate = args.count / base_seconds, args.count / session_seconds, args.count / seconds
    print(f"notifications_smtplib_direct: {base_rate:.1f} mails/s (ratio 1.00 against notifications_smtplib_direct)")
    print(
        f"notifications_smtplib_one_session: {session_rate:.1f} mails/s "
        f"(ratio {session_rate / base_rate:.2f} against notifications_smtplib_direct)"
    )
    print(
        f"notifications_kafka_to_smtp: {rate:.1f} notifications/s (ratio {rate / base_rate:.2f} against "
        f"notifications_smtplib_direct, {rate / session_rate:.2f} against notifications_smtplib_one_session)"
    )
    print("\n".join(breakdown))


if __name__ == "__main__":
    main()
