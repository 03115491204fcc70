"""Outbox relay: publishes committed outbox rows to Kafka, as a nameko dependency.

Declared once per producing service::

    outbox = OutboxRelay(engine="db")   # topic defaults to <SERVICE_NAME>.events.v1

The relay starts with the container and stops with it; workers get an
``Outbox`` handle whose ``add(conn, ...)`` writes an event in their open
transaction, and ``dead_letter(conn, ...)`` a record of work given up for good
on the service's ``<topic>.dlq``.
"""

from __future__ import annotations

import datetime as _dt
import logging
from typing import Optional

import eventlet
from eventlet import event as _event
from google.protobuf.message import Message
from nameko import config as nameko_config
from nameko.extensions import DependencyProvider

from cokit.events import outbox as _outbox
from cokit.logs import ensure_trace
from cokit.events._engine import EngineSpec, resolve_engine
from cokit.events.bridge import HubCaller
from cokit.events.envelope import DLQ_SUFFIX, DeadLetter, Envelope, build_envelope, dlq_topic, encode, topic_for
from cokit.ids import uuid7
from cokit.events.producer import ProducerThread, Record

log = logging.getLogger(__name__)


class PublishFailed(RuntimeError):
    pass


class Outbox:
    """What a worker sees: builds envelopes for this service and adds them."""

    def __init__(self, topic: str, instance_id: str, trace_id: str = "") -> None:
        self.topic = topic
        self.instance_id = instance_id
        self.trace_id = trace_id

    def envelope(
        self,
        type: str,
        aggregate_id: str,
        payload: Message,
        *,
        office_id: str = "",
        occurred_at: Optional[_dt.datetime] = None,
    ) -> Envelope:
        return build_envelope(
            type,
            aggregate_id,
            payload,
            instance_id=self.instance_id,
            office_id=office_id,
            trace_id=self.trace_id,
            occurred_at=occurred_at,
        )

    def add(
        self,
        conn,
        type: str,
        aggregate_id: str,
        payload: Message,
        *,
        office_id: str = "",
        occurred_at: Optional[_dt.datetime] = None,
        topic: Optional[str] = None,
    ) -> Envelope:
        env = self.envelope(type, aggregate_id, payload, office_id=office_id, occurred_at=occurred_at)
        _outbox.add(conn, topic or self.topic, env)
        return env

    def dead_letter(self, conn, envelope: Envelope, error: str, *, group: str = "") -> DeadLetter:
        """Write to ``<topic>.dlq``, in the open transaction, that the work this event reports
        was given up: a DeadLetter like the consumers' (the event as value, the error), so one
        tool reads every dead-letter topic. ``error`` must hold no personal data.
        """
        letter = DeadLetter(
            topic=self.topic,
            partition=-1,
            offset=-1,
            key=envelope.aggregate_id.encode("utf-8"),
            value=encode(envelope),
            error=error[:500],
            consumer_group=group,
        )
        letter.failed_at.FromDatetime(_dt.datetime.now(_dt.timezone.utc))
        _outbox.add_record(conn, dlq_topic(self.topic), envelope.aggregate_id, letter.SerializeToString(), uuid7())
        return letter


class OutboxRelay(DependencyProvider):
    def __init__(
        self,
        engine: EngineSpec = "db",
        topic: Optional[str] = None,
        *,
        batch_size: int = 200,
        poll_interval: float = 1.0,
        max_backoff: float = 10.0,
        producer_options: Optional[dict] = None,
        gather: float = 0.01,
    ) -> None:
        self.engine_spec = engine
        self.topic = topic
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        # Woken by a commit, the relay waits this long before reading the outbox, so the commits
        # of a burst go out as one batch (one transaction and one acknowledged produce) rather
        # than one each; it also lets the waking commit become visible before the read.
        self.gather = gather
        self.max_backoff = max_backoff
        self.producer_options = producer_options or {}
        # Rows Kafka acknowledged whose marking as published did not commit (the database went
        # away meanwhile): marked before anything else once it is back, never sent again by
        # this relay. Only a relay that dies in that moment sends a batch twice.
        self._acknowledged: set[int] = set()
        # Observable by tests and metrics.
        self.published = 0
        self.failures = 0
        self.dead_letters: dict[str, int] = {}  # dead-letter topic -> records published

    def setup(self) -> None:
        self.bootstrap = nameko_config.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        self.service_name = nameko_config.get("SERVICE_NAME") or self.container.service_name
        self.instance_id = nameko_config.get("INSTANCE_ID", "")
        if not self.instance_id:
            raise RuntimeError("INSTANCE_ID is not configured")
        if self.topic is None:
            self.topic = topic_for(self.service_name)
        self._running = False
        self._wake = _event.Event()
        self._loop_gt = None
        self._remove_hook = None

    def start(self) -> None:
        self._hub = HubCaller()
        self.container.spawn_managed_thread(self._hub.run, identifier="outbox-relay-hub")
        opts = dict(bootstrap_servers=self.bootstrap, client_id="%s-%s-outbox" % (self.service_name, self.instance_id))
        opts.update(self.producer_options)
        self._producer = ProducerThread(self._hub, name="%s-outbox-producer" % self.service_name, **opts)
        self._producer.start()
        self._running = True
        self._loop_gt = self.container.spawn_managed_thread(self._loop, identifier="outbox-relay")

    def stop(self) -> None:
        self._running = False
        self.notify()
        if self._loop_gt is not None:
            self._loop_gt.wait()
        self._shutdown()

    def kill(self) -> None:
        self._running = False
        self.notify()
        if self._loop_gt is not None:
            self._loop_gt.kill()
        self._shutdown()

    def _shutdown(self) -> None:
        if self._remove_hook is not None:
            self._remove_hook()
            self._remove_hook = None
        producer = getattr(self, "_producer", None)
        if producer is not None:
            producer.stop()
        hub = getattr(self, "_hub", None)
        if hub is not None:
            hub.stop()

    def get_dependency(self, worker_ctx) -> Outbox:
        trace_id = ensure_trace(worker_ctx)
        return Outbox(self.topic, self.instance_id, trace_id)

    def notify(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    def metric_samples(self):
        """Dead letters this relay published, for cokit.metrics (read at scrape time)."""
        from cokit.metrics import dead_letters

        yield dead_letters(dlq_topic(self.topic), self.dead_letters.get(dlq_topic(self.topic), 0))
        for topic, count in list(self.dead_letters.items()):
            if topic != dlq_topic(self.topic):
                yield dead_letters(topic, count)

    # --- the relay loop (a green thread on the service hub) ---------------

    def _loop(self) -> None:
        engine = resolve_engine(self.container, self.engine_spec)
        self._remove_hook = _outbox.on_commit_of(engine, self.notify)
        backoff = 0.0
        while self._running:
            woken = self._wake.ready()
            if woken:
                self._wake.reset()
                if self.gather > 0:
                    eventlet.sleep(self.gather)
            try:
                sent = self.relay_once(engine)
            except Exception as exc:
                self.failures += 1
                backoff = min(max(backoff * 2, 0.25), self.max_backoff)
                log.warning("outbox relay: %s: %s; retrying in %.2fs", type(exc).__name__, exc, backoff)
                self._sleep(backoff)
                continue
            backoff = 0.0
            if sent:
                continue
            if woken:
                # The wake-up fires just before the committing transaction is
                # durable; look once more before falling back to polling.
                self._sleep(0.05)
                try:
                    if self.relay_once(engine):
                        continue
                except Exception:
                    continue
            self._sleep(self.poll_interval)

    def _sleep(self, seconds: float) -> None:
        if not self._running:
            return
        with eventlet.Timeout(seconds, False):
            self._wake.wait()

    def relay_once(self, engine) -> int:
        """Publish one batch; the number of rows published (0 when none)."""
        if self._acknowledged:
            with engine.begin() as conn:
                _outbox.mark_published(conn, sorted(self._acknowledged))
            self._acknowledged.clear()
        if engine.dialect.name == "postgresql":
            # Row locks held while publishing keep other replicas off this batch.
            with engine.begin() as conn:
                rows = _outbox.fetch_unpublished(conn, self.batch_size)
                if not rows:
                    return 0
                done, error = self._publish(rows)
                acknowledged = [r.seq for r in rows[:done]]
                self._acknowledged.update(acknowledged)  # until the marking commits
                _outbox.mark_published(conn, acknowledged)
        else:
            with engine.connect() as conn:
                rows = _outbox.fetch_unpublished(conn, self.batch_size)
            if not rows:
                return 0
            done, error = self._publish(rows)
            acknowledged = [r.seq for r in rows[:done]]
            if done:
                self._acknowledged.update(acknowledged)
                with engine.begin() as conn:
                    _outbox.mark_published(conn, acknowledged)
        self._acknowledged.difference_update(acknowledged)
        self.published += done
        for row in rows[:done]:
            if row.topic.endswith(DLQ_SUFFIX):
                self.dead_letters[row.topic] = self.dead_letters.get(row.topic, 0) + 1
        if error is not None:
            raise PublishFailed("%s: %s" % (type(error).__name__, error))
        return done

    def _publish(self, rows) -> tuple[int, Optional[BaseException]]:
        results = self._producer.publish([Record(r.topic, r.key.encode("utf-8"), r.value) for r in rows])
        # Only the acknowledged prefix counts: a later row that went through
        # after an earlier failure is sent again after it, so the first
        # delivery of every event stays in seq order (consumers drop the repeat).
        for i, err in enumerate(results):
            if err is not None:
                return i, err
        return len(rows), None
