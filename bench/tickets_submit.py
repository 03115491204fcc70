"""Ticket submissions per second through the gateway, identity, tickets and Kafka, against
raw database inserts plus raw Kafka produces of the same records.

    .venv/bin/python bench/tickets_submit.py [--count 300] [--clients 16] [--no-breakdown] [--profile DIR]

Starts its own set of the six services on PostgreSQL (ports +900, .local/bench-900), posts
`count` complaints to POST /api/v1/tickets from `clients` threads, each sending its next
request when the last one is answered (closed loop), and stops the clock when the last
ticket.submitted envelope has been read back from tickets.events.v1. Baseline, on the same
servers in the same run and with as many threads: one INSERT transaction per record into a
scratch table, then one acknowledged Kafka produce per record. `--clients 1,4,16` measures
both at each concurrency (figures suffixed _c1, _c4, ...).

    name: value unit (ratio R against BASELINE)

and each submission's answer time (POST to its answer) as p50 and p99. Then, unless
--no-breakdown, a table of each hop's p50 and p99: the services' entrypoints (gateway, identity,
registry, tickets; from their latency histograms, interpolated within a bucket), the outbox to
Kafka, Kafka to notifications' inbox and the inbox to the e-mail accepted by the SMTP server
(from notifications' tables, once every e-mail of the run is out); and where a submission's
time went during the platform's run, as
lines starting with '#': each hop's mean server-side latency (the services' own
citizenoffice_entrypoint_latency_seconds histograms, scraped from /metrics before and after),
each service's CPU per submission (process_cpu_seconds_total), how busy the machine was
(/proc/stat), and the event's way out: commit to Kafka (the record's timestamp against the
envelope's occurred_at) and answer to readable (when this process read it, against when its
POST was answered).
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import datetime as dt
import json
import os
import pathlib
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import requests
import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy" / "local"))
from stack import INFRA_ENV, Stack, read_env_file  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from groups import skip_history  # noqa: E402

from citizenoffice.events.v1 import envelope_pb2  # noqa: E402

TOPIC = "tickets.events.v1"
OFFSET = int(os.environ.get("CITIZENOFFICE_BENCH_PORT_OFFSET", "900"))
LATENCY = "citizenoffice_entrypoint_latency_seconds"
# The hops of one submission, in the order they are called: (service, entrypoint method's last part).
HOPS = (
    ("gateway", "submit_ticket"),
    ("identity", "UpsertCitizen"),
    ("registry", "GetOffice"),
    ("registry", "ListCategories"),
    ("tickets", "Submit"),
)


def records(count: int) -> list[dict]:
    run = uuid.uuid4().hex[:6]
    return [
        {
            "office": "tetouan",
            "kind": "complaint",
            "category": "lighting",
            "language": "fr",
            "description": f"Lampadaire {i} en panne rue des Oliviers depuis une semaine ({run})",
            "email": f"bench.{run}.{i}@example.ma",
            "name": "Bench",
        }
        for i in range(count)
    ]


def tap(bootstrap: str) -> KafkaConsumer:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, consumer_timeout_ms=200
    )
    partitions = [TopicPartition(TOPIC, p) for p in (consumer.partitions_for_topic(TOPIC) or {0})]
    consumer.assign(partitions)
    consumer.seek_to_end(*partitions)
    for tp in partitions:
        consumer.position(tp)
    return consumer


def scrape(stack: Stack) -> tuple[dict, dict, dict]:
    """Per (service, method): (calls, seconds) of the ok entrypoint calls, and their latency
    histogram (upper bound -> cumulative count); per service: CPU seconds."""
    calls, cpu, buckets = {}, {}, {}
    for name, service in stack.services.items():
        with urllib.request.urlopen(f"http://127.0.0.1:{service.metrics_port}/metrics", timeout=10) as r:
            text = r.read().decode()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "process_cpu_seconds_total":
                    cpu[name] = sample.value
                elif sample.name in (LATENCY + "_count", LATENCY + "_sum") and sample.labels.get("outcome") == "ok":
                    key = (name, sample.labels["method"].rsplit("/", 1)[-1])
                    n, s = calls.get(key, (0.0, 0.0))
                    calls[key] = (n + sample.value, s) if sample.name.endswith("_count") else (n, s + sample.value)
                elif sample.name == LATENCY + "_bucket" and sample.labels.get("outcome") == "ok":
                    key = (name, sample.labels["method"].rsplit("/", 1)[-1])
                    le = float(sample.labels["le"])
                    histogram = buckets.setdefault(key, {})
                    histogram[le] = histogram.get(le, 0.0) + sample.value
    return calls, cpu, buckets


def histogram_quantile(q: float, before: dict, after: dict) -> float | None:
    """The q-quantile of the calls between two scrapes of a cumulative histogram, interpolated
    within its bucket (as Prometheus' histogram_quantile does)."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    if not counts or counts[-1] <= 0:
        return None
    rank = q * counts[-1]
    lower, below = 0.0, 0.0
    for bound, count in zip(bounds, counts):
        if count >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (rank - below) / max(count - below, 1e-9)
        lower, below = bound, count
    return lower


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def notification_hops(database_url: str, events: dict, timeout: float = 120.0) -> tuple[list, list]:
    """Kafka to inbox and inbox to e-mail (seconds) of the run's ticket.submitted events (event id
    -> the record's Kafka timestamp), read from notifications' tables once every e-mail is out."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    query = sa.text(
        "SELECT i.event_id, i.created_at, d.sent_at, d.state FROM inbox_items i "
        "JOIN deliveries d ON d.event_id = i.event_id AND d.channel = 'email' "
        "WHERE i.event_id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    deadline = time.monotonic() + timeout
    rows = []
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                rows = conn.execute(query, {"ids": list(events)}).all()
            if len(rows) >= len(events) and all(r.state not in ("pending", "sending") for r in rows):
                break
            time.sleep(1.0)
    finally:
        engine.dispose()

    def seconds(value) -> float:
        return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).timestamp()

    to_inbox = [seconds(r.created_at) - events[r.event_id] for r in rows]
    to_mail = [seconds(r.sent_at) - seconds(r.created_at) for r in rows if r.sent_at is not None]
    return to_inbox, to_mail


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class Run:
    def __init__(
        self,
        rate: float,
        count: int,
        before,
        after,
        ticks,
        answered: dict,
        seen: dict,
        relay: list,
        latencies: list,
        events: dict,
    ):
        self.rate, self.count = rate, count
        self.before, self.after, self.ticks = before, after, ticks
        self.answered, self.seen, self.relay = answered, seen, relay
        self.latencies = latencies  # seconds from POST to its answer, per submission
        self.events = events  # event id -> the record's Kafka timestamp (s)
        self.to_inbox: list = []
        self.to_mail: list = []

    def hop_table(self, label: str) -> list[str]:
        """p50 and p99 of each hop: the services' entrypoints (from their latency histograms'
        buckets, interpolated), then the event's way: outbox to Kafka, Kafka to the inbox, the
        inbox to the e-mail accepted by the SMTP server."""
        (calls0, _, buckets0), (calls1, _, buckets1) = self.before, self.after
        lines = [f"# {label}: latency per hop, p50 / p99 (ms)"]
        for service, method in HOPS:
            n = calls1.get((service, method), (0.0, 0.0))[0] - calls0.get((service, method), (0.0, 0.0))[0]
            b0, b1 = buckets0.get((service, method), {}), buckets1.get((service, method), {})
            p50, p99 = histogram_quantile(0.5, b0, b1), histogram_quantile(0.99, b0, b1)
            if n > 0 and p50 is not None:
                lines.append(f"#   {service + ' ' + method:<28} {1000 * p50:8.1f} {1000 * p99:8.1f}   ({n:.0f} calls)")
            else:
                lines.append(f"#   {service + ' ' + method:<28} {'-':>8} {'-':>8}   (no calls: answered from a copy)")
        for name, values in (
            ("outbox to Kafka", self.relay),
            ("Kafka to inbox", self.to_inbox),
            ("inbox to e-mail", self.to_mail),
        ):
            if values:
                lines.append(
                    f"#   {name:<28} {1000 * quantile(values, 0.5):8.1f} {1000 * quantile(values, 0.99):8.1f}"
                    f"   ({len(values)} events)"
                )
            else:
                lines.append(f"#   {name:<28} {'-':>8} {'-':>8}   (not measured)")
        return lines

    def breakdown(self, label: str) -> list[str]:
        (calls0, cpu0, _), (calls1, cpu1, _) = self.before, self.after
        lines = [f"# {label}: mean server-side latency per hop (calls during the run)"]
        for service, method in HOPS:
            n0, s0 = calls0.get((service, method), (0.0, 0.0))
            n1, s1 = calls1.get((service, method), (0.0, 0.0))
            if n1 > n0:
                lines.append(f"#   {service} {method}: {1000 * (s1 - s0) / (n1 - n0):.1f} ms ({n1 - n0:.0f} calls)")
        cpu = {name: cpu1[name] - cpu0.get(name, 0.0) for name in cpu1}
        lines.append(
            f"# {label}: CPU per submission: "
            + ", ".join(
                f"{name} {1000 * seconds / self.count:.1f} ms"
                for name, seconds in sorted(cpu.items(), key=lambda kv: -kv[1])
            )
            + f" (services {1000 * sum(cpu.values()) / self.count:.1f} ms)"
        )
        busy, total = self.ticks
        lines.append(f"# {label}: machine busy {100 * busy / total:.0f}% of {os.cpu_count()} cores during the run")
        delays = sorted(self.seen[t] - self.answered[t] for t in self.answered if t in self.seen)
        if self.relay:
            relay = sorted(self.relay)
            lines.append(
                f"# {label}: event written in the Submit transaction to Kafka (relay) "
                f"p50 {1000 * relay[len(relay) // 2]:.0f} ms, "
                f"p99 {1000 * relay[int(len(relay) * 0.99)]:.0f} ms"
            )
        if delays:
            lines.append(
                f"# {label}: answered to read back from Kafka p50 {1000 * delays[len(delays) // 2]:.0f} ms, "
                f"mean {1000 * statistics.fmean(delays):.0f} ms"
            )
        return lines


def through_platform(stack: Stack, bootstrap: str, bodies: list[dict], clients: int) -> Run:
    consumer = tap(bootstrap)
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=clients, pool_maxsize=clients)
    session.mount("http://", adapter)
    answered: dict[str, float] = {}
    seen: dict[str, tuple[float, float]] = {}  # ticket id -> (read here, commit to Kafka in s)
    events: dict[str, tuple[str, float]] = {}  # ticket id -> (event id, the record's Kafka timestamp)
    latencies: list[float] = []
    posting = threading.Event()

    def post(body):
        sent = time.perf_counter()
        r = session.post(f"{stack.base_url}/api/v1/tickets", json=body, timeout=60)
        r.raise_for_status()
        ticket_id = r.json()["ticket_id"]
        answered[ticket_id] = time.perf_counter()
        latencies.append(answered[ticket_id] - sent)
        return ticket_id

    def read(deadline: float) -> None:
        # Reads while the requests are sent, so each event's arrival time is its own.
        while time.monotonic() < deadline:
            for record in consumer:
                envelope = envelope_pb2.Envelope.FromString(record.value)
                if envelope.type == "ticket.submitted":
                    relayed = record.timestamp / 1000 - envelope.occurred_at.ToMicroseconds() / 1e6
                    seen[envelope.aggregate_id] = (time.perf_counter(), relayed)
                    events[envelope.aggregate_id] = (envelope.event_id, record.timestamp / 1000)
            if not posting.is_set() and all(t in seen for t in list(answered)):
                return

    before = scrape(stack)
    ticks = cpu_ticks()
    posting.set()
    started = time.perf_counter()
    reader = threading.Thread(target=read, args=(time.monotonic() + 300,), daemon=True)
    reader.start()
    try:
        with futures.ThreadPoolExecutor(clients) as pool:
            wanted = list(pool.map(post, bodies))
    finally:
        posting.clear()
    reader.join()
    elapsed = time.perf_counter() - started
    ticks = tuple(now - then for now, then in zip(cpu_ticks(), ticks))
    after = scrape(stack)
    consumer.close()
    missing = [t for t in wanted if t not in seen]
    if missing:
        raise SystemExit(f"{len(missing)} ticket.submitted events never reached Kafka")
    mine = {t: seen[t] for t in wanted}  # the topic is shared: other stacks' events are left out
    return Run(
        len(bodies) / elapsed,
        len(bodies),
        before,
        after,
        ticks,
        {t: answered[t] for t in wanted},
        {t: s for t, (s, _) in mine.items()},
        [relayed for _, relayed in mine.values()],
        latencies,
        dict(events[t] for t in wanted),
    )


def profile(stack: Stack, folder: str, clients: int) -> list:
    """py-spy recording every service's process (sampled, nothing changed in the services)."""
    out = pathlib.Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    spy = ROOT / ".venv" / "bin" / "py-spy"
    spies = [
        subprocess.Popen(
            [str(spy), "record", "--pid", str(stack.pid_of(name)), "--rate", "100", "--format", "raw"]
            + ["--nonblocking", "-o", str(out / f"{name}-c{clients}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name in stack.services
        if stack.pid_of(name)
    ]
    time.sleep(1.0)  # attached before the first request
    return spies


def raw(database_url: str, bootstrap: str, bodies: list[dict], clients: int) -> float:
    engine = sa.create_engine(database_url, pool_size=clients, max_overflow=0)
    table = f"bench_raw_submissions_{OFFSET}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        conn.execute(sa.text(f"CREATE TABLE {table} (id varchar(36) primary key, body text not null)"))

    def insert(body):
        with engine.begin() as conn:
            conn.execute(
                sa.text(f"INSERT INTO {table} VALUES (:id, :body)"), {"id": str(uuid.uuid4()), "body": json.dumps(body)}
            )

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
        conn.execute(sa.text(f"DROP TABLE {table}"))
    engine.dispose()
    return len(bodies) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument(
        "--clients", default="16", help="concurrent clients, or a comma-separated list of them (e.g. 1,4,16)"
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="record each service with py-spy during the measured run (DIR/<service>-c<clients>.txt, "
        "collapsed stacks: flamegraph.pl or speedscope read them)",
    )
    parser.add_argument(
        "--no-breakdown", dest="breakdown", action="store_false", help="print the figures only, not where the time went"
    )
    args = parser.parse_args()
    try:
        levels = [int(c) for c in args.clients.split(",")]
    except ValueError:
        parser.error("--clients is a number or a comma-separated list of numbers")
    if args.count < 1 or not levels or min(levels) < 1:
        parser.error("--count and --clients are at least 1")
    infra = read_env_file(INFRA_ENV)
    state = ROOT / ".local" / f"bench-{OFFSET}"
    smtp_port = 21025 + OFFSET
    stack = Stack(
        state_dir=state,
        port_offset=OFFSET,
        postgres=True,
        infra=infra,
        # one address sends every request: the gateway's rate limits are off (0); the receipts go
        # to an SMTP server of the bench's own, not into the shared one's folder that tests read
        overrides={
            "LOG_LEVEL": "WARNING",
            "KAFKA_GROUP_PREFIX": f"bench-{OFFSET}.",
            "RATE_LIMIT_IP_BURST": "0",
            "RATE_LIMIT_CLIENT_BURST": "0",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
        },
    )
    stack.down()
    shutil.rmtree(state / "mail", ignore_errors=True)
    sink = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "deploy/local/smtp_sink.py")]
        + ["--port", str(smtp_port), "--mail-dir", str(state / "mail")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    skip_history(infra["KAFKA_BOOTSTRAP_SERVERS"], f"bench-{OFFSET}.")
    results = []
    try:
        stack.up()
        bootstrap = infra["KAFKA_BOOTSTRAP_SERVERS"]
        through_platform(stack, bootstrap, records(20), max(levels))  # warm-up
        for clients in levels:
            baseline = raw(infra["DATABASE_URL_TICKETS"], bootstrap, records(args.count), clients)
            spies = profile(stack, args.profile, clients) if args.profile else []
            try:
                run = through_platform(stack, bootstrap, records(args.count), clients)
            finally:
                for spy in spies:
                    spy.send_signal(signal.SIGINT)
                for spy in spies:
                    spy.wait(timeout=60)
            if args.breakdown:
                run.to_inbox, run.to_mail = notification_hops(infra["DATABASE_URL_NOTIFICATIONS"], run.events)
            results.append((clients, baseline, run))
    finally:
        stack.down()
        sink.terminate()
        sink.wait(timeout=15)
    lines = []
    load = os.getloadavg()
    for clients, baseline, run in results:
        suffix = f"_c{clients}" if len(levels) > 1 else ""
        base_name = f"tickets_submit_raw_db_kafka{suffix}"
        print(f"{base_name}: {baseline:.0f} records/s (ratio 1.00 against {base_name})", flush=True)
        print(
            f"tickets_submit_platform{suffix}: {run.rate:.1f} submissions/s "
            f"(ratio {run.rate / baseline:.3f} against {base_name})",
            flush=True,
        )
        print(
            f"tickets_submit_platform_answer{suffix}: p50 {1000 * quantile(run.latencies, 0.5):.0f} ms, "
            f"p99 {1000 * quantile(run.latencies, 0.99):.0f} ms ({clients} clients)",
            flush=True,
        )
        label = f"{clients} client{'s' if clients > 1 else ''}"
        lines += run.hop_table(label) + run.breakdown(label)
    if args.breakdown:
        print("\n".join(lines), flush=True)
    print(f"# load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
