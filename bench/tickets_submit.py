"""Ticket submissions per second through the gateway, identity, tickets and Kafka, against
raw database inserts plus raw Kafka produces of the same records.

    .venv/bin/python bench/tickets_submit.py [--count 300] [--clients 16]

Starts its own set of the six services on PostgreSQL (ports +900, .local/bench-900), posts
`count` complaints to POST /api/v1/tickets from `clients` threads, and stops the clock when
the last ticket.submitted envelope has been read back from tickets.events.v1. Baseline, on
the same servers in the same run and with as many threads: one INSERT transaction per record
into a scratch table, then one acknowledged Kafka produce per record.

    name: value unit (ratio R against BASELINE)
"""
from __future__ import annotations

import argparse
import concurrent.futures as futures
import json
import os
import pathlib
import sys
import time
import uuid

import requests
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy" / "local"))
from stack import INFRA_ENV, Stack, read_env_file  # noqa: E402

from citizenoffice.events.v1 import envelope_pb2  # noqa: E402

TOPIC = "tickets.events.v1"
OFFSET = int(os.environ.get("CITIZENOFFICE_BENCH_PORT_OFFSET", "900"))


def records(count: int) -> list[dict]:
    run = uuid.uuid4().hex[:6]
    return [{"office": "tetouan", "kind": "complaint", "category": "lighting", "language": "fr",
             "description": f"Lampadaire {i} en panne rue des Oliviers depuis une semaine ({run})",
             "email": f"bench.{run}.{i}@example.ma", "name": "Bench"} for i in range(count)]


def tap(bootstrap: str) -> KafkaConsumer:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                             consumer_timeout_ms=500)
    partitions = [TopicPartition(TOPIC, p) for p in (consumer.partitions_for_topic(TOPIC) or {0})]
    consumer.assign(partitions)
    consumer.seek_to_end(*partitions)
    for tp in partitions:
        consumer.position(tp)
    return consumer


def through_platform(stack: Stack, bootstrap: str, bodies: list[dict], clients: int) -> float:
    consumer = tap(bootstrap)
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=clients, pool_maxsize=clients)
    session.mount("http://", adapter)

    def post(body):
        r = session.post(f"{stack.base_url}/api/v1/tickets", json=body, timeout=60)
        r.raise_for_status()
        return r.json()["ticket_id"]

    started = time.perf_counter()
    with futures.ThreadPoolExecutor(clients) as pool:
        wanted = set(pool.map(post, bodies))
    deadline = time.monotonic() + 120
    while wanted and time.monotonic() < deadline:
        for record in consumer:
            envelope = envelope_pb2.Envelope.FromString(record.value)
            if envelope.type == "ticket.submitted":
                wanted.discard(envelope.aggregate_id)
    elapsed = time.perf_counter() - started
    consumer.close()
    if wanted:
        raise SystemExit(f"{len(wanted)} ticket.submitted events never reached Kafka")
    return len(bodies) / elapsed


def raw(database_url: str, bootstrap: str, bodies: list[dict], clients: int) -> float:
    engine = sa.create_engine(database_url, pool_size=clients, max_overflow=0)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS bench_raw_submissions"))
        conn.execute(sa.text("CREATE TABLE bench_raw_submissions (id varchar(36) primary key, body text not null)"))

    def insert(body):
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO bench_raw_submissions VALUES (:id, :body)"),
                         {"id": str(uuid.uuid4()), "body": json.dumps(body)})

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    topic = f"bench.raw.submissions.{uuid.uuid4().hex[:6]}"
    producer.send(topic, b"warm-up").get(timeout=30)

    def produce(body):
        producer.send(topic, key=body["email"].encode(), value=json.dumps(body).encode()).get(timeout=30)

    started = time.perf_counter()
    with futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(insert, bodies))
        list(pool.map(produce, bodies))
    elapsed = time.perf_counter() - started
    producer.close()
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE bench_raw_submissions"))
    engine.dispose()
    return len(bodies) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    infra = read_env_file(INFRA_ENV)
    stack = Stack(state_dir=ROOT / ".local" / f"bench-{OFFSET}", port_offset=OFFSET, postgres=True, infra=infra,
                  # one address sends every request: the gateway's rate limits are off (0)
                  overrides={"LOG_LEVEL": "WARNING", "KAFKA_GROUP_PREFIX": f"bench-{OFFSET}.",
                             "RATE_LIMIT_IP_BURST": "0", "RATE_LIMIT_CLIENT_BURST": "0"})
    stack.down()
    stack.up()
    try:
        bootstrap = infra["KAFKA_BOOTSTRAP_SERVERS"]
        through_platform(stack, bootstrap, records(20), args.clients)   # warm-up
        baseline = raw(infra["DATABASE_URL_TICKETS"], bootstrap, records(args.count), args.clients)
        rate = through_platform(stack, bootstrap, records(args.count), args.clients)
    finally:
        stack.down()
    print(f"tickets_submit_raw_db_kafka: {baseline:.0f} records/s "
          f"(ratio 1.00 against tickets_submit_raw_db_kafka)", flush=True)
    print(f"tickets_submit_platform: {rate:.1f} submissions/s "
          f"(ratio {rate / baseline:.3f} against tickets_submit_raw_db_kafka)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
