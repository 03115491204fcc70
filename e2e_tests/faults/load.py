"""Submissions through the gateway's HTTP API from a small pool of clients, and the counts the
fault tests compare them with: tickets rows and outbox rows in PostgreSQL, raw messages on the
Kafka topic, mail files in the SMTP sink's folder.

Every submission of a run carries `[<run>:<index>]` in its description and its own e-mail
address, so what the servers hold is matched to what each client was told without trusting
the answers: a ticket stored for a submission that was refused shows up too.
"""

from __future__ import annotations

import collections
import dataclasses
import email.parser
import email.policy
import re
import threading
import time
import uuid
from collections.abc import Callable

import requests
import sqlalchemy as sa
from kafka import KafkaConsumer, TopicPartition

from citizenoffice.events.v1 import envelope_pb2

TOPIC = "tickets.events.v1"
# Connect, read: a gateway that hangs shows up as a failed submission, never a stuck test.
TIMEOUT = (3.0, 40.0)
CLIENTS = 8
_TOKEN = re.compile(r"\[([0-9a-z-]+):(\d+)\]")
_CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]\b")


def new_run(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"


@dataclasses.dataclass
class Outcome:
    index: int
    address: str
    started: float  # time.monotonic()
    seconds: float = 0.0
    status: int | None = None  # None: no HTTP answer
    content_type: str = ""
    reason: str = ""
    ticket_id: str = ""
    tracking_code: str = ""
    text: str = ""
    error: str = ""  # what the client got instead of an answer
    attempts: int = 1  # sent again with the same Idempotency-Key after no answer, 502, 503 or 504
    first: str = ""  # what the first attempt got, when it was sent again

    @property
    def accepted(self) -> bool:
        return self.status == 201

    @property
    def told(self) -> bool:
        """Refused with a problem body naming why, and nothing internal in it."""
        return (
            self.status is not None
            and self.status >= 500
            and self.content_type == "application/problem+json"
            and bool(self.reason)
            and "Traceback" not in self.text
            and 'File "' not in self.text
        )

    @property
    def ended(self) -> float:
        return self.started + self.seconds


def submission(run: str, index: int) -> dict:
    return {
        "office": "tetouan",
        "kind": "complaint",
        "category": "lighting",
        "language": "fr",
        "description": f"Lampadaire éteint devant le numéro {index} [{run}:{index}]",
        "email": address(run, index),
        "name": "Essai",
    }


def address(run: str, index: int) -> str:
    return f"{run}.{index}@example.ma"


AGAIN = (502, 503, 504)  # worth sending again: the platform was busy or away, nothing was refused


def submit(
    session: requests.Session, base_url: str, run: str, index: int, retries: int = 0, pause: float = 1.0
) -> Outcome:
    """One submission; with `retries`, sent again with its Idempotency-Key (after `pause`
    seconds) while it gets no answer or a 502, 503 or 504, as a client that must not file twice."""
    started, key = time.monotonic(), f"{run}-{index}-{uuid.uuid4().hex}"
    for attempt in range(retries + 1):
        outcome = _attempt(session, base_url, run, index, key)
        if attempt == 0:
            first = outcome.error[:60] or str(outcome.status)
        if outcome.status is not None and outcome.status not in AGAIN:
            break
        if attempt < retries:
            time.sleep(pause)
    outcome.started, outcome.attempts = started, attempt + 1
    outcome.first = first if attempt else ""
    outcome.seconds = time.monotonic() - started
    return outcome


def _attempt(session: requests.Session, base_url: str, run: str, index: int, key: str) -> Outcome:
    outcome = Outcome(index, address(run, index), time.monotonic())
    try:
        response = session.post(
            f"{base_url}/api/v1/tickets",
            json=submission(run, index),
            headers={"Idempotency-Key": key},
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"[:300]
    else:
        outcome.status = response.status_code
        outcome.content_type = response.headers.get("Content-Type", "")
        outcome.text = response.text[:2000]
        try:
            body = response.json()
        except ValueError:
            body = {}
        if isinstance(body, dict):
            outcome.reason = str(body.get("reason") or "")
            outcome.ticket_id = str(body.get("ticket_id") or "")
            outcome.tracking_code = str(body.get("tracking_code") or "")
    outcome.seconds = time.monotonic() - outcome.started
    return outcome


class Load:
    """Up to `count` submissions of `run` from `clients` threads, at most `rate` per second
    (None: as fast as they answer; time lost to slow answers is not made up in a burst),
    none started after `seconds`. A client told no waits `pause` seconds before its next
    submission, as one honouring a Retry-After would; with `retries`, it first sends the same
    submission again (its Idempotency-Key) while it gets no answer or a 502, 503 or 504.
    `on_outcome` sees each outcome as it arrives, on the client's thread (a test kills a process
    at the moment it wants)."""

    def __init__(
        self,
        base_url: str,
        run: str,
        count: int,
        *,
        clients: int = CLIENTS,
        rate: float | None = None,
        seconds: float = 600.0,
        pause: float = 1.0,
        retries: int = 0,
        on_outcome: Callable[[Outcome], None] | None = None,
        folder=None,
    ) -> None:
        self.base_url, self.run, self.count, self.clients, self.folder = base_url, run, count, clients, folder
        self.rate, self.seconds, self.pause, self.on_outcome = rate, seconds, pause, on_outcome
        self.retries = retries
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._next = 0
        self._slot = 0.0
        self._threads: list[threading.Thread] = []
        self.started = 0.0

    @classmethod
    def on(cls, platform, run: str, count: int, **options) -> "Load":
        """Against the session's gateway, the outcomes kept in its folder (outcomes/<run>.jsonl)."""
        return cls(platform.base_url, run, count, folder=platform.state_dir / "outcomes", **options)

    def start(self) -> "Load":
        self.started = time.monotonic()
        self._threads = [
            threading.Thread(target=self._client, daemon=True, name=f"client-{i}") for i in range(self.clients)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def _take(self) -> int | None:
        with self._lock:
            now = time.monotonic()
            if self._next >= self.count or now - self.started > self.seconds:
                return None
            index, self._next = self._next, self._next + 1
            slot = self._slot = max(self._slot, now)
            if self.rate:
                self._slot += 1 / self.rate
        time.sleep(max(0.0, slot - time.monotonic()))
        return index

    def _client(self) -> None:
        with requests.Session() as session:
            while (index := self._take()) is not None:
                outcome = submit(session, self.base_url, self.run, index, self.retries, self.pause)
                with self._lock:
                    self.outcomes.append(outcome)
                if self.on_outcome is not None:
                    self.on_outcome(outcome)
                if not outcome.accepted:
                    time.sleep(self.pause)

    def wait(self) -> list[Outcome]:
        # Bounded: every request has its timeout and no request starts after `seconds`.
        limit = self.seconds + (self.retries + 1) * (TIMEOUT[0] + TIMEOUT[1] + self.pause) + 30
        for thread in self._threads:
            thread.join(timeout=max(0.0, self.started + limit - time.monotonic()))
        assert not any(t.is_alive() for t in self._threads), "clients still running past every timeout"
        if self.folder is not None:
            self.save(self.folder)
        return sorted(self.outcomes, key=lambda o: o.index)

    def save(self, folder) -> None:
        """Every outcome as a JSON line (times from the start of the load), to read a failure by."""
        import json

        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{self.run}.jsonl", "w") as fh:
            for o in sorted(self.outcomes, key=lambda o: o.started):
                fh.write(
                    json.dumps(
                        {**dataclasses.asdict(o), "started": round(o.started - self.started, 3), "text": o.text[:300]},
                        ensure_ascii=False,
                    )
                    + "\n"
                )

    def answered(self) -> int:
        with self._lock:
            return len(self.outcomes)

    def accepted(self) -> int:
        with self._lock:
            return sum(o.accepted for o in self.outcomes)


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    statuses = collections.Counter(str(o.status or "none") for o in outcomes)
    return {
        "submitted": len(outcomes),
        "accepted": sum(o.accepted for o in outcomes),
        "refused": sum(not o.accepted for o in outcomes),
        "sent_again": sum(o.attempts > 1 for o in outcomes),
        **{f"http_{k}": v for k, v in sorted(statuses.items())},
    }


def untold(outcomes: list[Outcome]) -> list[Outcome]:
    """Submissions neither accepted nor refused with a problem body."""
    return [o for o in outcomes if not o.accepted and not o.told]


# --- what the servers hold -------------------------------------------------------------


def engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def stored(tickets_db: sa.Engine, run: str) -> dict[int, list[str]]:
    """Ticket ids in the tickets database per submission index of `run`."""
    found: dict[int, list[str]] = collections.defaultdict(list)
    with tickets_db.connect() as conn:
        rows = conn.execute(
            sa.text("select ticket_id, description from tickets where description like :p"), {"p": f"%[{run}:%"}
        ).all()
    for ticket_id, description in rows:
        match = _TOKEN.search(description)
        if match and match.group(1) == run:
            found[int(match.group(2))].append(ticket_id)
    return found


def outbox_rows(tickets_db: sa.Engine, ticket_ids) -> collections.Counter:
    with tickets_db.connect() as conn:
        keys = (
            conn.execute(
                sa.text("select key from outbox_events where topic = :t and key = any(:k)"),
                {"t": TOPIC, "k": list(ticket_ids)},
            )
            .scalars()
            .all()
        )
    return collections.Counter(keys)


def unpublished(tickets_db: sa.Engine) -> int:
    with tickets_db.connect() as conn:
        return conn.execute(sa.text("select count(*) from outbox_events where published_at is null")).scalar_one()


@dataclasses.dataclass
class TopicCount:
    """Raw ticket.submitted messages on the topic per ticket id, and the event ids they carry."""

    messages: collections.Counter
    event_ids: dict[str, set[str]]

    def duplicates(self, ticket_ids) -> int:
        return sum(self.messages[t] - 1 for t in ticket_ids if self.messages[t] > 1)

    def missing(self, ticket_ids) -> list[str]:
        return [t for t in ticket_ids if not self.messages[t]]

    def second_events(self, ticket_ids) -> list[str]:
        """Tickets with more than one distinct event: a repeat the consumers could not drop."""
        return [t for t in ticket_ids if len(self.event_ids.get(t, ())) > 1]


def topic_count(bootstrap: str, topic: str = TOPIC) -> TopicCount:
    """Every message on `topic` up to its end now, read from the beginning (no group)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, request_timeout_ms=20_000
    )
    messages, event_ids = collections.Counter(), collections.defaultdict(set)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        deadline = time.monotonic() + 120
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, "reading the topic took more than 120 s"
            for records in consumer.poll(timeout_ms=1000, max_records=2000).values():
                for record in records:
                    envelope = envelope_pb2.Envelope.FromString(record.value)
                    if envelope.type == "ticket.submitted":
                        messages[envelope.aggregate_id] += 1
                        event_ids[envelope.aggregate_id].add(envelope.event_id)
    finally:
        consumer.close()
    return TopicCount(messages, dict(event_ids))


_HEADERS: dict[str, tuple[str, str, str]] = {}  # mail file -> (recipient, tracking code, Message-ID)


def mails(backend, run: str) -> collections.Counter:
    """Messages in the sink's folder per tracking code (read from the subject), among those sent
    to the addresses of `run`, as a mailbox shows them: a delivery sent again after a crash
    between the SMTP answer and its record carries the same Message-ID (one per delivery), so
    receivers keep one. Two deliveries of one receipt still count twice. Only the headers are
    read, each file once."""
    seen: dict[str, set[str]] = collections.defaultdict(set)
    for path in sorted(backend.endpoints.mail_dir.glob("[!.]*.eml")):
        if path.name not in _HEADERS:
            with open(path, "rb") as fh:
                headers = email.parser.BytesHeaderParser(policy=email.policy.default).parse(fh)
            found = _CODE.search(str(headers["Subject"]))
            _HEADERS[path.name] = (
                str(headers["To"]),
                found.group(0) if found else "(no code)",
                str(headers["Message-ID"] or path.name),
            )
        to, code, message_id = _HEADERS[path.name]
        if to.startswith(f"{run}."):
            seen[code].add(message_id)
    return collections.Counter({code: len(ids) for code, ids in seen.items()})


# --- the verdict -----------------------------------------------------------------------


@dataclasses.dataclass
class Tally:
    """What the servers hold for one run's outcomes, read once the platform has settled."""

    outcomes: list[Outcome]
    rows: dict[int, list[str]]
    outbox: collections.Counter
    topic: TopicCount
    receipts: collections.Counter
    unpublished: int

    @property
    def accepted(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.accepted]

    def counts(self) -> dict[str, int]:
        ids = [o.ticket_id for o in self.accepted]
        codes = [o.tracking_code for o in self.accepted]
        return {
            **summary(self.outcomes),
            "stored": sum(len(self.rows.get(o.index, [])) for o in self.accepted),
            "stored_without_receipt": sum(1 for o in self.outcomes if not o.accepted and self.rows.get(o.index)),
            "events": sum(self.topic.messages[t] for t in ids),
            "duplicates": self.topic.duplicates(ids),
            "mails": sum(self.receipts[c] for c in codes),
            "mails_twice": sum(1 for c in codes if self.receipts[c] > 1),
            "mails_missing": sum(1 for c in codes if not self.receipts[c]),
            "unpublished_left": self.unpublished,
            "slowest_answer_s": round(max((o.seconds for o in self.outcomes), default=0.0), 1),
        }

    def check(self, *, duplicates: bool = False) -> None:
        """Every accepted submission stored once, its event in the outbox once and on the topic
        (exactly once unless `duplicates`: then repeats must carry the first's event id), and
        exactly one receipt e-mail; every refused one told so with a problem body."""
        assert not untold(self.outcomes), [(o.status, o.error, o.text[:200]) for o in untold(self.outcomes)[:5]]
        ids = [o.ticket_id for o in self.accepted]
        assert self.unpublished == 0, f"{self.unpublished} events still in the outbox"
        for o in self.accepted:
            assert self.rows.get(o.index) == [o.ticket_id], (o.index, o.ticket_id, self.rows.get(o.index))
            assert self.outbox[o.ticket_id] == 1, (o.ticket_id, self.outbox[o.ticket_id])
        assert not self.topic.missing(ids), f"{len(self.topic.missing(ids))} events never reached the topic"
        assert not self.topic.second_events(ids), self.topic.second_events(ids)[:5]
        if not duplicates:
            assert self.topic.duplicates(ids) == 0, f"{self.topic.duplicates(ids)} events published twice"
        wrong = {
            o.tracking_code: self.receipts[o.tracking_code]
            for o in self.accepted
            if self.receipts[o.tracking_code] != 1
        }
        assert not wrong, f"receipt e-mails per tracking code, where not 1: {dict(list(wrong.items())[:10])}"


def settle(infra, backend, run: str, outcomes: list[Outcome], timeout: float = 180.0) -> Tally:
    """Waits until the relay has published everything and each accepted submission's receipt
    e-mail has arrived, for `timeout` at most (what is still missing then is counted and
    fails `check`), then reads what the servers hold."""
    db = engine(infra.database_url("tickets"))
    codes = {o.tracking_code for o in outcomes if o.accepted}
    deadline = time.monotonic() + timeout
    while unpublished(db) and time.monotonic() < deadline:
        time.sleep(0.5)
    while not all(mails(backend, run)[c] for c in codes) and time.monotonic() < deadline:
        time.sleep(2.0)
    time.sleep(3)  # a second copy would be sent within the next send cycle (1 s)
    ids = [o.ticket_id for o in outcomes if o.accepted]
    return Tally(
        outcomes,
        stored(db, run),
        outbox_rows(db, ids),
        topic_count(infra.kafka_bootstrap),
        mails(backend, run),
        unpublished(db),
    )
