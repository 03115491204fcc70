"""Every replica reads every event of a topic: for copies kept in memory that each process must
drop when their source changes (the registry's offices, catalogues and calendar).

    registry_changes = Broadcast(topic_for("registry"), on_events, on_reset)

A consumer group would hand each event to one replica only, so this reader joins none: it
assigns itself every partition of the topic, starts at their end and commits nothing. It keeps
no state in Kafka, so a restarted or new replica leaves nothing behind. ``on_events(envelopes)``
runs on the service hub with the envelopes as they come (undecodable records are passed over);
``on_reset()`` runs on the hub once the reader holds its position, and again after it had to
start over, since a change made before that may have been missed: the copies are dropped whole.
The copies still keep a time to live of their own, the net under a reader that cannot reach
Kafka at all.

Like the consumer entrypoint (consumer.py), the Kafka client lives on a real OS thread with its
own hub and hands its results to the service hub through bridge.HubCaller.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Sequence

import eventlet
from nameko import config as nameko_config
from nameko.extensions import DependencyProvider

from cokit.events.bridge import HubCaller, join_os_thread, start_os_thread
from cokit.events.envelope import Envelope, EnvelopeError, decode

log = logging.getLogger(__name__)

POLL_MS = 500
# A topic that does not exist yet (a first deployment, before its producer wrote anything) is
# looked for again this often.
TOPIC_RETRY_SECONDS = 2.0


class Broadcast(DependencyProvider):
    def __init__(
        self,
        topic: str,
        on_events: Callable[[Sequence[Envelope]], None],
        on_reset: Callable[[], None],
        **consumer_options,
    ) -> None:
        self.topic = topic
        self.on_events = on_events
        self.on_reset = on_reset
        self.consumer_options = consumer_options
        # Observable by tests.
        self.received = 0
        self.resets = 0

    def setup(self) -> None:
        self.bootstrap = nameko_config.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        self.service_name = nameko_config.get("SERVICE_NAME") or self.container.service_name
        self._stopping = False
        self._thread = None

    def start(self) -> None:
        self._hub = HubCaller()
        self.container.spawn_managed_thread(self._hub.run, identifier="broadcast-hub")
        self._thread = start_os_thread(self._run, "broadcast-%s-%s" % (self.service_name, self.topic))

    def stop(self) -> None:
        self._stopping = True
        if self._thread is not None:
            join_os_thread(self._thread, 5.0)
        hub = getattr(self, "_hub", None)
        if hub is not None:
            hub.stop()

    def kill(self) -> None:
        self.stop()

    def get_dependency(self, worker_ctx):
        return self

    # --- on the service hub ---------------------------------------------------

    def _deliver(self, envelopes: list) -> None:
        self.received += len(envelopes)
        self.on_events(envelopes)

    def _reset(self) -> None:
        self.resets += 1
        self.on_reset()

    # --- the Kafka thread -------------------------------------------------------

    def _idle(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < end:
            eventlet.sleep(0.05)

    def _run(self) -> None:
        backoff = 0.5
        while not self._stopping:
            consumer = None
            try:
                consumer = self._connect()
                if consumer is None:
                    return
                backoff = 0.5
                self._read(consumer)
            except Exception as exc:
                log.warning("broadcast reader of %s: %s: %s; starting over", self.topic, type(exc).__name__, exc)
                self._idle(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                if consumer is not None:
                    try:
                        consumer.close(autocommit=False, timeout_ms=2_000)
                    except Exception:
                        log.debug("closing the broadcast reader failed", exc_info=True)

    def _connect(self):
        from kafka import KafkaConsumer, TopicPartition

        options = dict(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            client_id="%s-broadcast" % self.service_name,
            bootstrap_timeout_ms=5_000,
            reconnect_backoff_max_ms=2_000,
            # A quiet topic (the registry's changes are rare) is asked for records every few
            # seconds rather than twice a second; a record still comes back as soon as it is written.
            fetch_max_wait_ms=4_000,
        )
        options.update(self.consumer_options)
        consumer = KafkaConsumer(**options)
        partitions = consumer.partitions_for_topic(self.topic)
        while not partitions:
            if self._stopping:
                consumer.close(autocommit=False)
                return None
            self._idle(TOPIC_RETRY_SECONDS)
            partitions = consumer.partitions_for_topic(self.topic)
        assigned = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_end(*assigned)
        for tp in assigned:
            consumer.position(tp)  # resolves the end now, so nothing after this is missed
        self._hub.call_soon(self._reset)
        return consumer

    def _read(self, consumer) -> None:
        while not self._stopping:
            batches = consumer.poll(timeout_ms=POLL_MS)
            envelopes = []
            for records in batches.values():
                for record in records:
                    try:
                        envelopes.append(decode(record.value).envelope)
                    except EnvelopeError:
                        continue
            if envelopes:
                self._hub.call_soon(self._deliver, envelopes)
