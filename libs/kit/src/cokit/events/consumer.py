"""Kafka consumer entrypoint for nameko services: at-least-once, idempotent, ordered.

    class Notifications:
        name = "notifications"
        db = Database()

        @consume("tickets.events.v1", group="notifications")
        def on_ticket_event(self, event):      # event: ReceivedEvent
            ...

Threading design (why the consumer is not a green thread):
kafka-python 3 runs its network IO loop, which also sends the group
heartbeats, on a ``threading.Thread`` started inside ``KafkaConsumer()``,
and its own modules do ``import threading, socket, selectors``. Under the
runner's eventlet monkey patching those names are eventlet's green versions,
so a consumer created on the service hub would heartbeat from a green thread
that any busy or blocking worker can starve past session.timeout.ms (the
evictions of dpkp/kafka-python 851, 1515, 1687, 1867). Here the consumer is
created on a dedicated real OS thread. Eventlet keeps one hub per OS thread,
so the client's "IO thread" becomes a green thread of that thread's private
hub, isolated from the service's workers. That hub turns whenever the loop
below waits inside a Kafka call (poll/commit wait on green events in it), and
the loop never blocks that thread any other way, so heartbeats keep flowing
while workers run for as long as they need. Partitions with records in the
hands of workers are paused, so poll() keeps being called (no
max.poll.interval expiry) without fetching more. Records cross to the hub and
results come back through bridge.Mailbox (deque + wake-up pipe), so no hub
function is ever called from the Kafka thread. Only that thread touches the
KafkaConsumer (it is not thread safe). Dead letters go through a
ProducerThread, another real OS thread.

Metrics: the counts in ConsumerStats are plain numbers (the hub writes the
record outcomes, the Kafka thread the lag); cokit.metrics reads them when
Prometheus scrapes, through ``metric_samples``. Nothing on the Kafka thread
touches prometheus_client, whose locks are the hub's green locks.
"""

from __future__ import annotations

import datetime as _dt
import logging
import time
from dataclasses import dataclass, field
from typing import Iterable, Optional

import eventlet
from eventlet import event as _event
from google.protobuf.message import Message
from nameko import config as nameko_config
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint

from cokit.db import database_unreachable
from cokit.events import processed as _processed
from cokit.events._engine import EngineSpec, resolve_engine
from cokit.events.bridge import HubCaller, Mailbox, join_os_thread, start_os_thread
from cokit.events.envelope import DeadLetter, Envelope, EnvelopeError, decode, dlq_topic
from cokit.events.producer import ProducerThread, Record

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 500
# How often the Kafka thread measures its lag (from what the last fetches said; no request).
LAG_INTERVAL_SECONDS = 5.0


@dataclass
class ReceivedEvent:
    """What a handler receives."""

    envelope: Envelope
    payload: Optional[Message]
    topic: str
    partition: int
    offset: int
    group: str
    # Set by mark_processed: the marker then commits with the handler's own transaction, and the
    # consumer writes none of its own after the handler.
    marked: bool = False

    @property
    def event_id(self) -> str:
        return self.envelope.event_id

    @property
    def type(self) -> str:
        return self.envelope.type

    def mark_processed(self, conn) -> bool:
        """Mark this event handled in the handler's own transaction.

        Returns False when it already was: the handler can then skip its
        state change, which makes state and marker commit together. A handler
        that marks its event lets that transaction commit when it returns
        normally (it raises to roll back).
        """
        recorded = _processed.mark_processed(conn, self.event_id, self.group)
        self.marked = True
        return recorded


def error_text(exc: BaseException) -> str:
    """Exception type and message only: dead letters carry no stack traces."""
    text = "%s: %s" % (type(exc).__name__, exc)
    return text[:MAX_ERROR_CHARS]


@dataclass
class ConsumerStats:
    """Counters for tests and metrics; written by the hub and the Kafka thread."""

    assigned: frozenset = frozenset()
    assignments: int = 0
    revocations: int = 0
    lost: int = 0
    records: int = 0
    handled: int = 0
    duplicates: int = 0
    skipped: int = 0  # of a type the handler does not act on (``types``)
    retries: int = 0
    dead_lettered: int = 0
    restarts: int = 0
    commits: int = 0
    committed: dict = field(default_factory=dict)
    # (topic, partition) -> records behind the end of the partition, replaced whole by the
    # Kafka thread at each measure; empty until the first one.
    lag: dict = field(default_factory=dict)


class _Stop(Exception):
    pass


def _group_settled(consumer) -> bool:
    """Whether the consumer is a stable member of its group (kafka-python's own view).

    A member that stays out of the stable state (evicted, or a join that never completes)
    receives nothing while its poll loop turns normally: the watchdog counts that as no
    progress. Without this kafka-python state, only a loop that stops turning counts.
    """
    stable = getattr(getattr(consumer, "_coordinator", None), "stable", None)
    return stable() if callable(stable) else True


def _return_parked_records(consumer) -> None:
    """Work around a fetcher state in kafka-python 3.0.12 that stops a partition for good.

    The fetcher sets aside the records it already fetched for a paused partition and gives
    them back after resume() only when no other partition's records are "next in line".
    But a fully read set of records stays next in line (empty, yet not cleared) until a new
    fetch replaces it, and a partition with records set aside is never fetched again: so a
    resumed partition could wait forever while the others flowed. Clearing the empty slot
    lets the next poll give the set-aside records back. Touches private attributes, hence
    the getattr guards: on a kafka-python without this state it does nothing.
    """
    fetcher = getattr(consumer, "_fetcher", None)
    in_line = getattr(fetcher, "_next_partition_records", None)
    if in_line is not None and not in_line and getattr(fetcher, "_paused_partition_records", None):
        fetcher._next_partition_records = None


def _known_position(consumer, tp) -> Optional[int]:
    """The next offset the consumer would fetch, as far as it already knows it (no request)."""
    state = getattr(getattr(consumer, "_subscription", None), "assignment", {}).get(tp)
    position = getattr(state, "position", None)
    offset = getattr(position, "offset", position)
    return offset if isinstance(offset, int) else None


class _Generation:
    """One Kafka consumer and its OS thread; replaced whole when it stops making progress."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.results = Mailbox()  # hub -> Kafka thread: finished batches
        self.done = _event.Event()
        self.thread = None
        self.progress = time.monotonic()  # written by its Kafka thread, read by the watchdog
        # partition -> this consumer's last commit since the partition was assigned
        self.lag_base: dict = {}


class KafkaConsumerEntrypoint(Entrypoint):
    def __init__(
        self,
        topic: str,
        group: str,
        *,
        engine: EngineSpec = "db",
        max_attempts: int = 3,
        retry_backoff: float = 0.5,
        max_retry_backoff: float = 10.0,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: Optional[int] = None,
        max_poll_records: int = 100,
        auto_offset_reset: str = "earliest",
        stop_timeout: float = 30.0,
        consumer_options: Optional[dict] = None,
        stuck_after: Optional[float] = None,
        types: Optional[Iterable[str]] = None,
        lanes: int = 1,
        **kwargs,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if lanes < 1:
            raise ValueError("lanes must be at least 1")
        # Records of one partition with different keys (aggregates) handled side by side, up to
        # this many at once; one key's records always one after the other, in offset order.
        self.lanes = lanes
        self.topic = topic
        # The event types the handler acts on (None: all). Others are passed over on the Kafka
        # side: no worker, no processed-event record, their offsets committed with the rest.
        self.types = None if types is None else frozenset((types,) if isinstance(types, str) else types)
        self.group = self.declared_group = group
        self.engine_spec = engine
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.max_retry_backoff = max_retry_backoff
        self.session_timeout_ms = session_timeout_ms
        self.heartbeat_interval_ms = heartbeat_interval_ms or max(session_timeout_ms // 3, 100)
        self.max_poll_records = max_poll_records
        self.auto_offset_reset = auto_offset_reset
        self.stop_timeout = stop_timeout
        self.consumer_options = consumer_options or {}
        # A poll loop turns at least every 200 ms and a rebalance settles in seconds; a
        # consumer stuck inside kafka-python's poll, or out of its group, for three session
        # timeouts is replaced (its member was evicted long ago).
        self.stuck_after = stuck_after or max(3 * session_timeout_ms / 1000, 30.0)
        super().__init__(**kwargs)

    # --- nameko lifecycle (service hub) -----------------------------------

    def setup(self) -> None:
        self.bootstrap = nameko_config.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        self.service_name = nameko_config.get("SERVICE_NAME") or self.container.service_name
        self.instance_id = nameko_config.get("INSTANCE_ID", "")
        # Two stacks sharing one broker (development beside an e2e session) each need their
        # own group, or they would split the partitions and each miss half the events.
        self.group = nameko_config.get("KAFKA_GROUP_PREFIX", "") + self.declared_group
        self.stats = ConsumerStats()
        self._stopping = False
        self._gen = None
        self._engine = None

    def start(self) -> None:
        self._engine = resolve_engine(self.container, self.engine_spec)
        self._hub = HubCaller()
        self.container.spawn_managed_thread(self._hub.run, identifier="kafka-consumer-hub")
        self._dlq = ProducerThread(
            self._hub,
            name="%s-%s-dlq" % (self.service_name, self.group),
            bootstrap_servers=self.bootstrap,
            client_id="%s-%s-dlq" % (self.service_name, self.instance_id or "x"),
        )
        self._dlq.start()
        self._start_generation(0)
        self.container.spawn_managed_thread(self._watch, identifier="kafka-consumer-watchdog")

    def _start_generation(self, number: int) -> None:
        gen = _Generation(number)
        self._gen = gen
        gen.thread = start_os_thread(
            lambda: self._run(gen), "kafka-consumer-%s-%s-%d" % (self.group, self.topic, number)
        )

    def _watch(self) -> None:
        # kafka-python 3.0.12 can leave a consumer after a rebalance at an unlucky moment
        # either waiting for good inside poll() or polling outside its group with no
        # heartbeat (the broker evicts the member, which never rejoins). Nothing can
        # interrupt it, so a new consumer takes over; the stuck thread ends on its own if its
        # poll ever returns. Handlers are idempotent on the event id, so records the old one
        # had in hand are handled once.
        while not self._stopping:
            eventlet.sleep(0.2)
            gen = self._gen
            if self._stopping or gen is None:
                return
            stalled = time.monotonic() - gen.progress
            if stalled > self.stuck_after:
                self.stats.restarts += 1
                log.warning(
                    "Kafka consumer %s/%s made no progress for %.0f s; starting a new one",
                    self.group,
                    self.topic,
                    stalled,
                )
                self._start_generation(gen.number + 1)

    def stop(self) -> None:
        # Workers finish the record in hand; its batch reports what was done,
        # the Kafka thread commits that and leaves the group.
        self._stopping = True
        gen = self._gen
        if gen is not None:
            with eventlet.Timeout(self.stop_timeout, False):
                gen.done.wait()
            join_os_thread(gen.thread, 5.0)
        self._shutdown()

    def kill(self) -> None:
        self._stopping = True
        if self._gen is not None:
            join_os_thread(self._gen.thread, 5.0)
        self._shutdown()

    def _current(self, gen: _Generation) -> bool:
        return not self._stopping and gen is self._gen

    def _shutdown(self) -> None:
        dlq = getattr(self, "_dlq", None)
        if dlq is not None:
            dlq.stop(timeout=5.0)
        hub = getattr(self, "_hub", None)
        if hub is not None:
            hub.stop()

    # --- the Kafka thread -------------------------------------------------

    def _consumer_config(self) -> dict:
        cfg = dict(
            bootstrap_servers=self.bootstrap,
            group_id=self.group,
            client_id="%s-%s-%s" % (self.service_name, self.instance_id or "x", self.group),
            enable_auto_commit=False,
            auto_offset_reset=self.auto_offset_reset,
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=self.heartbeat_interval_ms,
            max_poll_records=self.max_poll_records,
            bootstrap_timeout_ms=5_000,
            reconnect_backoff_max_ms=2_000,
            # A consumer that joins before its topic exists gets no partitions, and only a
            # metadata refresh shows it the topic (default: every 5 minutes). A first
            # deployment, where producers create topics as they go, would sit idle that long.
            metadata_max_age_ms=5_000,
        )
        cfg.update(self.consumer_options)
        return cfg

    def _run(self, gen: _Generation) -> None:
        consumer = None
        try:
            consumer = self._connect(gen)
            if consumer is not None:
                self._consume(consumer, gen)
        except Exception:
            log.exception("Kafka consumer %s/%s crashed", self.group, self.topic)
        finally:
            if consumer is not None:
                try:
                    # Leaves the group so the partitions move at once.
                    consumer.close(autocommit=False, timeout_ms=5_000)
                except Exception:
                    log.warning("closing the Kafka consumer failed", exc_info=True)
            gen.results.close()
            self._hub.resolve(gen.done, True)

    def _connect(self, gen: _Generation):
        from kafka import KafkaConsumer
        from kafka.consumer.subscription_state import ConsumerRebalanceListener

        stats = self.stats
        lag_base = gen.lag_base

        class Listener(ConsumerRebalanceListener):
            # Runs on the client's IO loop in the Kafka thread: bookkeeping only.
            def on_partitions_revoked(self, revoked):
                if revoked:
                    stats.revocations += 1
                stats.assigned = frozenset()
                lag_base.clear()

            def on_partitions_lost(self, lost):
                # Evicted from the group (session expired): the failure the
                # real-thread design exists to prevent.
                if lost:
                    stats.lost += 1
                stats.assigned = frozenset()
                lag_base.clear()

            def on_partitions_assigned(self, assigned):
                stats.assignments += 1
                stats.assigned = frozenset(assigned)

        backoff = 0.5
        while self._current(gen):
            gen.progress = time.monotonic()
            try:
                consumer = KafkaConsumer(**self._consumer_config())
                consumer.subscribe([self.topic], listener=Listener())
                return consumer
            except Exception as exc:
                log.warning("Kafka consumer %s: cannot connect (%s), retrying", self.group, exc)
                self._idle(backoff, gen)
                backoff = min(backoff * 2, 10.0)
        return None

    def _idle(self, seconds: float, gen: _Generation) -> None:
        # Sleep in this thread's hub (time.sleep is green here), in short steps
        # so stop is noticed.
        end = time.monotonic() + seconds
        while self._current(gen) and time.monotonic() < end:
            gen.progress = time.monotonic()
            eventlet.sleep(0.05)

    def _consume(self, consumer, gen: _Generation) -> None:
        from kafka.structs import OffsetAndMetadata

        inflight: dict = {}

        def finish_batches() -> None:
            if not _group_settled(consumer):
                # A commit sent while the group rebalances is refused, and kafka-python
                # was seen never to settle after one (no heartbeat, evicted): keep the
                # results until poll() has completed the rebalance.
                return
            for tp, next_offset in gen.results.take_all():
                inflight.pop(tp, None)
                assigned = consumer.assignment()
                if next_offset is not None and tp in assigned:
                    try:
                        consumer.commit({tp: OffsetAndMetadata(next_offset, "", -1)})
                        self.stats.commits += 1
                        self.stats.committed[(tp.topic, tp.partition)] = next_offset
                        gen.lag_base[tp] = next_offset
                    except Exception as exc:
                        # Lost the partition meanwhile: its new owner gets the
                        # records again and skips the ones marked processed.
                        log.warning("commit of %s@%s failed: %s", tp, next_offset, exc)
                if tp in assigned and not self._stopping:
                    consumer.resume(tp)
            _return_parked_records(consumer)

        next_lag = time.monotonic()
        while self._current(gen):
            if _group_settled(consumer):
                gen.progress = time.monotonic()
            finish_batches()
            if time.monotonic() >= next_lag:
                self._measure_lag(consumer, inflight, gen.lag_base)
                next_lag = time.monotonic() + LAG_INTERVAL_SECONDS
            assigned = consumer.assignment()
            for tp in inflight:
                # A rebalance that hands a partition back clears its pause.
                if tp in assigned and tp not in consumer.paused():
                    consumer.pause(tp)
            batches = consumer.poll(timeout_ms=20 if inflight else 200, max_records=self.max_poll_records)
            for tp, records in batches.items():
                if not records:
                    continue
                if tp in inflight:
                    # Never two batches of one partition at once: fetch again later.
                    consumer.seek(tp, records[0].offset)
                    consumer.pause(tp)
                    continue
                consumer.pause(tp)
                inflight[tp] = records[0].offset  # where the group's progress stands meanwhile
                self.stats.records += len(records)
                self._hub.call_soon(self._start_batch, tp, records, gen)

        if gen is not self._gen:
            # Replaced while stuck: the member was evicted, its commits would be refused.
            return
        # Stopping: fetch nothing more, keep the session alive until workers
        # report, and commit what they finished.
        deadline = time.monotonic() + self.stop_timeout
        while inflight and time.monotonic() < deadline:
            assigned = consumer.assignment()
            if assigned:
                consumer.pause(*assigned)
            consumer.poll(timeout_ms=20)
            finish_batches()

    def _measure_lag(self, consumer, inflight: dict, lag_base: dict) -> None:
        """Records between the group's progress and the end of each assigned partition.

        The end is the high watermark the broker sent with the last fetch of the partition
        (no request of its own: asking the broker for end offsets, or calling position(),
        from this loop stalled paused partitions). The progress is the first offset of the
        batch in the workers' hands, or else this consumer's last commit since the assignment,
        or else the position it knows (nothing in hand: the committed offset).
        """
        lag = {}
        for tp in consumer.assignment():
            base = inflight.get(tp)
            if base is None:
                base = lag_base.get(tp)
            if base is None:
                base = _known_position(consumer, tp)
            end = consumer.highwater(tp)
            if base is not None and end is not None:
                lag[(tp.topic, tp.partition)] = max(end - base, 0)
        self.stats.lag = lag

    def metric_samples(self):
        """The consumer's counts for cokit.metrics, read at scrape time on the hub."""
        from cokit.metrics import Sample, dead_letters

        stats, labels = self.stats, {"group": self.group, "topic": self.topic}
        yield Sample(
            "citizenoffice_kafka_consumer_handled",
            "counter",
            "Kafka records handled by the consumer (duplicates not counted).",
            labels,
            stats.handled,
        )
        yield Sample(
            "citizenoffice_kafka_consumer_retries",
            "counter",
            "Failed attempts at a Kafka record that were tried again.",
            labels,
            stats.retries,
        )
        yield Sample(
            "citizenoffice_kafka_consumer_dead_lettered",
            "counter",
            "Kafka records the consumer gave up on and wrote to <topic>.dlq.",
            labels,
            stats.dead_lettered,
        )
        lag = stats.lag
        yield Sample(
            "citizenoffice_kafka_consumer_lag",
            "gauge",
            "Records not yet handled on the consumer's partitions (end offset minus the committed offset, summed).",
            labels,
            sum(lag.values()) if lag else None,
        )
        yield dead_letters(dlq_topic(self.topic), stats.dead_lettered)

    # --- on the service hub -----------------------------------------------

    def _start_batch(self, tp, records, gen: _Generation) -> None:
        self.container.spawn_managed_thread(
            lambda: self._process_batch(tp, records, gen), identifier="kafka-batch-%s" % (tp,)
        )

    def _process_batch(self, tp, records, gen: _Generation) -> None:
        done: set[int] = set()

        def run_lane(lane) -> None:
            try:
                for rec in lane:
                    if not self._current(gen):
                        return
                    self._handle_record(rec)
                    done.add(rec.offset)
            except _Stop:
                pass
            except Exception:
                log.exception("batch of %s stopped", tp)

        try:
            lanes = _lanes(records) if self.lanes > 1 else [records]
            if len(lanes) == 1:
                run_lane(lanes[0])
            else:
                pool = eventlet.GreenPool(self.lanes)
                for lane in lanes:
                    pool.spawn_n(run_lane, lane)
                pool.waitall()
        finally:
            # The group's progress: up to the first record not handled, whatever came after it.
            next_offset = None
            for rec in records:
                if rec.offset not in done:
                    break
                next_offset = rec.offset + 1
            gen.results.put((tp, next_offset))

    def _handle_record(self, rec) -> None:
        try:
            decoded = decode(rec.value)
        except EnvelopeError as exc:
            self._dead_letter(rec, exc)
            return
        env = decoded.envelope
        if self.types is not None and env.type not in self.types:
            self.stats.skipped += 1
            return
        if self._retrying(lambda: _processed.is_processed_in(self._engine, env.event_id, self.group)):
            self.stats.duplicates += 1
            return
        event = ReceivedEvent(env, decoded.payload, rec.topic, rec.partition, rec.offset, self.group)
        attempt = 0
        while True:
            attempt += 1
            event.marked = False  # a failed attempt's marker rolled back with its transaction
            exc = self._run_worker(event)
            if exc is None:
                try:
                    if not event.marked:
                        _processed.mark_processed_in(self._engine, env.event_id, self.group)
                    self.stats.handled += 1
                    return
                except Exception as mark_exc:
                    exc = mark_exc
            if database_unreachable(exc):
                # Not the record's fault: it is handled once the database is back, however long
                # that takes, and its offset waits (a dead letter here would lose the event).
                log.warning(
                    "consumer %s: database unreachable; %s@%s kept, retrying", self.group, rec.topic, rec.offset
                )
            elif attempt >= self.max_attempts:
                self._dead_letter(rec, exc)
                return
            self.stats.retries += 1
            self._pause(min(self.retry_backoff * 2 ** (attempt - 1), self.max_retry_backoff))

    def _run_worker(self, event: ReceivedEvent) -> Optional[BaseException]:
        done = _event.Event()

        def handle_result(worker_ctx, result, exc_info):
            done.send(exc_info[1] if exc_info else None)
            return result, exc_info

        context = {"trace_id": event.envelope.trace_id} if event.envelope.trace_id else {}
        try:
            self.container.spawn_worker(self, (event,), {}, context_data=context, handle_result=handle_result)
        except ContainerBeingKilled:
            raise _Stop()
        return done.wait()

    def _dead_letter(self, rec, exc: BaseException) -> None:
        letter = DeadLetter(
            topic=rec.topic,
            partition=rec.partition,
            offset=rec.offset,
            key=rec.key or b"",
            value=rec.value or b"",
            error=error_text(exc),
            consumer_group=self.group,
        )
        letter.failed_at.FromDatetime(_dt.datetime.now(_dt.timezone.utc))
        record = Record(dlq_topic(rec.topic), rec.key, letter.SerializeToString())
        backoff = self.retry_backoff
        while True:
            try:
                err = self._dlq.publish([record])[0]
            except Exception as e:
                err = e
            if err is None:
                self.stats.dead_lettered += 1
                log.warning("dead-lettered %s[%s]@%s: %s", rec.topic, rec.partition, rec.offset, letter.error)
                return
            # Without the dead letter stored the offset must not move on.
            log.warning("dead letter for %s@%s not stored (%s); retrying", rec.topic, rec.offset, err)
            self._pause(backoff)
            backoff = min(backoff * 2, self.max_retry_backoff)

    def _retrying(self, fn):
        backoff = self.retry_backoff
        while True:
            try:
                return fn()
            except Exception as exc:
                log.warning("consumer %s: %s; retrying", self.group, error_text(exc))
                self._pause(backoff)
                backoff = min(backoff * 2, self.max_retry_backoff)

    def _pause(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self._stopping:
                raise _Stop()
            eventlet.sleep(min(0.05, end - time.monotonic()))


def _lanes(records) -> list[list]:
    """The records of a batch by key, each key's in offset order (records without a key: one lane)."""
    lanes: dict = {}
    for rec in records:
        lanes.setdefault(rec.key, []).append(rec)
    return list(lanes.values())


consume = KafkaConsumerEntrypoint.decorator
