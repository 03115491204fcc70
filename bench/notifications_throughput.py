"""Notifications per second from Kafka to SMTP, against plain smtplib sending the same
number of mails to the same SMTP server.

    .venv/bin/python bench/notifications_throughput.py [--count 200]

Starts identity and notifications (SQLite, their own ports, folder and consumer group) and
an SMTP server of their own; creates the citizens, then produces `count` ticket.submitted
events to tickets.events.v1 and times until every mail is stored by the SMTP server: the
consumer, the inbox and delivery rows, the sender's identity look-up and the SMTP send.
The baseline sends the same number of mails with smtplib, one connection each as the
service does.

    name: value unit (ratio R against BASELINE)
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
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy" / "local"))
import stack as stack_module  # noqa: E402

sys.path.insert(0, str(ROOT))
from e2e_tests.service_callers import through_platform  # noqa: E402

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


def skip_history(bootstrap: str) -> None:
    """Start the bench's group at the end of the topic, not at its whole history."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=PREFIX + "notifications", enable_auto_commit=False)
    try:
        partitions = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC) or ()]
        ends = consumer.end_offsets(partitions)
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in ends.items()})
    finally:
        consumer.close()


def wait_for(folder: pathlib.Path, count: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if mail_count(folder) >= count:
            return time.perf_counter()
        time.sleep(0.05)
    raise SystemExit(f"only {mail_count(folder)} of {count} mails arrived in {timeout:.0f}s")


def baseline(port: int, count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        msg = email.message.EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "bench@citizenoffice.local", f"base{i}@example.ma", "تم استلام طلبكم"
        msg.set_content("شكرا لكم. " * 20, charset="utf-8")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(msg)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    state = ROOT / ".local" / f"bench-{OFFSET}"
    shutil.rmtree(state, ignore_errors=True)
    mail_dir, base_dir = state / "mail", state / "mail-baseline"
    infra = stack_module.read_env_file(stack_module.INFRA_ENV)
    smtp_port = 21025 + OFFSET
    stack = stack_module.Stack(
        state_dir=state,
        port_offset=OFFSET,
        postgres=False,
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

        skip_history(infra["KAFKA_BOOTSTRAP_SERVERS"])
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
            producer.send(TOPIC, key=ticket_id.encode(), value=encode(envelope))
        producer.flush()
        producer.close()
        finished = wait_for(mail_dir, args.count, timeout=300)
        seconds = finished - started
    finally:
        for name in ("notifications", "identity"):
            stack.stop(name)
        for process in (sink, base_sink):
            if process is not None:
                process.terminate()
                process.wait(timeout=15)
    base_rate, rate = args.count / base_seconds, args.count / seconds
    print(f"notifications_smtplib_direct: {base_rate:.1f} mails/s (ratio 1.00 against notifications_smtplib_direct)")
    print(
        f"notifications_kafka_to_smtp: {rate:.1f} notifications/s (ratio {rate / base_rate:.2f} against "
        f"notifications_smtplib_direct)"
    )


if __name__ == "__main__":
    main()
