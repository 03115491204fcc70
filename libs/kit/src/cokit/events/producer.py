"""A KafkaProducer owned by one real OS thread, driven from the service hub.

kafka-python starts its IO loop with ``threading.Thread``; under eventlet's
monkey patching that becomes a green thread of whichever hub creates the
client. Creating the producer on its own OS thread gives it a private hub, so
busy or blocking service workers cannot stall acknowledgements, and the
client's internal locks are never contended across hubs.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Optional, Sequence

from eventlet import event as _event

from cokit.events.bridge import HubCaller, Mailbox, join_os_thread, start_os_thread

log = logging.getLogger(__name__)

DEFAULT_PRODUCER_OPTIONS = dict(
    acks="all",
    enable_idempotence=True,
    retries=2**31 - 1,
    # Idempotence keeps per-partition order with up to 5 requests in flight.
    max_in_flight_requests_per_connection=5,
    linger_ms=5,
    request_timeout_ms=10_000,
    # How long a record may wait for a broker that is down before its send
    # fails and the outbox relay takes over retrying it.
    delivery_timeout_ms=60_000,
    max_block_ms=5_000,
    bootstrap_timeout_ms=5_000,
    reconnect_backoff_max_ms=2_000,
)


@dataclass(frozen=True)
class Record:
    topic: str
    key: Optional[bytes]
    value: bytes


class ProducerStopped(RuntimeError):
    pass


class _Job:
    __slots__ = ("fn", "done")

    def __init__(self, fn, done):
        self.fn = fn
        self.done = done


class ProducerThread:
    """Start on the hub, ``publish`` from green threads, ``stop`` on the hub."""

    def __init__(self, hub: HubCaller, name: str = "cokit-producer", **options) -> None:
        self._hub = hub
        self._name = name
        self._options = dict(DEFAULT_PRODUCER_OPTIONS)
        self._options.update(options)
        self._jobs = Mailbox()
        self._stopping = False
        self._thread = None

    def start(self) -> None:
        self._thread = start_os_thread(self._run, self._name)

    def publish(self, records: Sequence[Record]) -> list[Optional[BaseException]]:
        """Send in order and wait for the broker; one error (or None) per record.

        Call from a green thread of the service hub; only that green thread waits.
        """
        if self._stopping:
            raise ProducerStopped("producer is stopping")
        done = _event.Event()
        records = list(records)
        self._jobs.put(_Job(lambda producer: self._send_all(producer, records), done))
        return done.wait()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping = True
        self._jobs.put(None)
        if self._thread is not None:
            join_os_thread(self._thread, timeout)

    # --- on the producer's own OS thread ---------------------------------

    def _run(self) -> None:
        from kafka import KafkaProducer

        producer = None
        try:
            while not self._stopping:
                # Waiting in this thread's hub lets the client's IO loop run.
                self._jobs.wait(0.5)
                for job in self._jobs.take_all():
                    if job is None:
                        continue
                    if producer is None:
                        try:
                            producer = KafkaProducer(**self._options)
                        except Exception as exc:
                            self._hub.resolve(job.done, exc=exc)
                            continue
                    try:
                        results = job.fn(producer)
                    except Exception as exc:
                        results, failed = exc, True
                    else:
                        failed = any(r is not None for r in results)
                    if failed:
                        # After records expired while the broker was away, kafka-python's
                        # idempotent producer was seen never to send again (flush waiting
                        # forever once the broker was back): a new client starts clean, and
                        # the caller sends the failed records again anyway.
                        self._discard(producer)
                        producer = None
                    if isinstance(results, Exception):
                        self._hub.resolve(job.done, exc=results)
                    else:
                        self._hub.resolve(job.done, results)
        finally:
            for job in self._jobs.take_all():
                if job is not None:
                    self._hub.resolve(job.done, exc=ProducerStopped("producer stopped"))
            if producer is not None:
                self._discard(producer, timeout=5)
            self._jobs.close()

    @staticmethod
    def _discard(producer, timeout: float = 0) -> None:
        try:
            producer.close(timeout=timeout)
        except Exception:
            log.warning("closing the Kafka producer failed", exc_info=True)

    def _send_all(self, producer, records: list[Record]) -> list[Optional[BaseException]]:
        from kafka.errors import KafkaTimeoutError

        futures = []
        send_error: Optional[BaseException] = None
        for rec in records:
            try:
                futures.append(producer.send(rec.topic, key=rec.key, value=rec.value))
            except Exception as exc:
                # Later records must not overtake this one: stop here.
                send_error = exc
                break
        # Wait for every sent record to be acknowledged or to fail for good
        # (delivery_timeout_ms); giving up earlier would let the client deliver
        # it later while the caller sends it again. A client still holding records
        # well past that is stuck: they count as failed and the client is replaced.
        patience = (
            time.monotonic() + (self._options["delivery_timeout_ms"] + self._options["request_timeout_ms"]) / 1000
        )
        while futures:
            try:
                producer.flush(timeout=1.0)
                break
            except KafkaTimeoutError:
                if self._stopping or time.monotonic() > patience:
                    break
        results: list[Optional[BaseException]] = []
        for fut in futures:
            if fut.is_done and fut.exception is None:
                results.append(None)
            else:
                results.append(
                    fut.exception
                    or ProducerStopped("not acknowledged before stop" if self._stopping else "not acknowledged in time")
                )
        missing = len(records) - len(results)
        results.extend([send_error or ProducerStopped("not sent")] * missing)
        return results
