"""JSON logs, one object per line, carrying the trace id of the call or event being handled.

The trace id travels in nameko's context data: over gRPC as x-nameko-trace_id metadata
(nameko-grpc copies context data both ways), over Kafka in the Envelope. TraceContext is
a dependency provider that makes sure every worker has one and exposes it to log records.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid

import eventlet.patcher
from nameko.extensions import DependencyProvider

from cokit.refusals import Refusal

TRACE_KEY = "trace_id"
_current_trace: contextvars.ContextVar[str] = contextvars.ContextVar("trace_id", default="")
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def current_trace_id() -> str:
    return _current_trace.get()


def set_trace_id(trace_id: str) -> contextvars.Token:
    return _current_trace.set(trace_id)


def new_trace_id() -> str:
    return uuid.uuid4().hex


def describe_exception(exc_type, exc, tb) -> dict:
    """What a log may say about an exception: its type and where it was raised.

    Not its message: a driver's message can quote the row it refused (an e-mail address,
    a national ID number). Our own refusals' messages are written for citizens and hold
    no personal data, so they are kept.
    """
    described = {"error": exc_type.__name__ if exc_type else "Exception"}
    if isinstance(exc, Refusal):
        described["error"] += f": {exc}"
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        described["where"] = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
    return described


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        trace = getattr(record, TRACE_KEY, "") or current_trace_id()
        if trace:
            entry[TRACE_KEY] = trace
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key != TRACE_KEY and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool)) else str(value)
        if record.exc_info:
            entry.update(describe_exception(*record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class WorkerErrorFilter(logging.Filter):
    """nameko logs "error handling worker <ctx>: <exception text>"; the text can quote
    personal data, so the line keeps the worker and the exception is described by
    describe_exception (type and place) instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.exc_info
            and isinstance(record.args, tuple)
            and len(record.args) == 2
            and str(record.msg).endswith("error handling worker %s: %s")
        ):
            record.msg = str(record.msg)[: -len(": %s")]
            record.args = record.args[:1]
        return True


def _os_thread_safe_locks(handler: logging.Handler) -> None:
    """Kafka clients log from real OS threads (cokit.events) while workers log from green
    threads. Under monkey patching a handler's lock is a green lock, and one contended
    across two OS threads fails with "Cannot switch to a different thread" inside the
    hub. A real lock is safe here: nothing yields while holding it (the write is a plain
    blocking write), so a green thread waits at most one line's write."""
    original = eventlet.patcher.original("threading")
    handler.lock = original.RLock()
    logging._lock = original.RLock()  # guards the logger tree; taken from both sides too


def configure(service: str, level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stdout)
    _os_thread_safe_locks(handler)
    handler.addFilter(WorkerErrorFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("kafka", "nameko_grpc", "h2", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def ensure_trace(worker_ctx) -> str:
    """The worker's trace id: the caller's when it sent one, a new one otherwise.

    nameko injects dependencies in no fixed order and before worker_setup, so every
    provider that passes the trace on (clients, the outbox) asks through here.
    """
    trace = worker_ctx.context_data.get(TRACE_KEY)
    if not isinstance(trace, str) or not trace:
        trace = new_trace_id()
        worker_ctx.context_data[TRACE_KEY] = trace
    return trace


class TraceContext(DependencyProvider):
    """Puts the worker's trace id on its log records; workers get the id itself."""

    def worker_setup(self, worker_ctx):
        set_trace_id(ensure_trace(worker_ctx))

    def worker_teardown(self, worker_ctx):
        set_trace_id("")

    def get_dependency(self, worker_ctx):
        return ensure_trace(worker_ctx)
