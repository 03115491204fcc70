"""Hand-off between the service's eventlet hub and real OS threads.

The Kafka clients live on real OS threads (see consumer.py for why). Nothing
here ever calls a hub function from a foreign thread: each side only appends
to a deque and writes one byte to a non-blocking pipe; the receiving side
waits for that byte with ``trampoline`` in *its own* thread's hub. Eventlet
keeps one hub per OS thread, so a waiter on the service thread parks a green
thread, and a waiter on a Kafka thread parks that thread's private hub, which
keeps running the Kafka client's own green IO loop meanwhile.
"""

from __future__ import annotations

import collections
import errno
from typing import Any, Callable

from eventlet import event as _event
from eventlet import hubs as _hubs
from eventlet import patcher as _patcher
from eventlet.timeout import Timeout

# The monkey-patched os.read/os.write would route through the *calling*
# thread's hub; the plain syscalls on a non-blocking pipe are what we want.
_os = _patcher.original("os")
_threading = _patcher.original("threading")


class Mailbox:
    """A multi-producer, single-receiver queue that works across OS threads."""

    def __init__(self) -> None:
        self._items: collections.deque = collections.deque()
        self._r, self._w = _os.pipe()
        _os.set_blocking(self._r, False)
        _os.set_blocking(self._w, False)
        self._closed = False

    def put(self, item: Any) -> None:
        """Safe from any thread, never blocks."""
        self._items.append(item)
        if self._closed:
            return
        try:
            _os.write(self._w, b"\0")
        except OSError as exc:
            # A full pipe already holds a pending wake-up; a closed one means
            # the receiver is gone.
            if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBADF):
                raise

    def wait(self, timeout: float | None = None) -> None:
        """Park the current green thread until an item arrives or timeout."""
        if self._items or self._closed:
            return
        try:
            _hubs.trampoline(self._r, read=True, timeout=timeout)
        except Timeout:
            pass

    def take_all(self) -> list:
        # Drain the pipe before popping: an item put after the pop leaves a
        # byte behind, so it can only cause a spurious wake-up, never a lost one.
        try:
            while _os.read(self._r, 4096):
                pass
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBADF):
                raise
        items = []
        while True:
            try:
                items.append(self._items.popleft())
            except IndexError:
                return items

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for fd in (self._r, self._w):
            try:
                _os.close(fd)
            except OSError:
                pass


class HubCaller:
    """Runs callables on the service hub on behalf of OS threads.

    ``run`` is the body of one green thread on the hub (nameko's
    spawn_managed_thread); OS threads call ``call_soon`` and ``future``.
    """

    def __init__(self) -> None:
        self._mailbox = Mailbox()
        self._running = True

    def call_soon(self, fn: Callable, *args) -> None:
        self._mailbox.put((fn, args))

    def resolve(self, ev: _event.Event, value=None, exc: BaseException | None = None) -> None:
        """Complete an eventlet Event from an OS thread."""
        if exc is not None:
            self.call_soon(ev.send_exception, exc)
        else:
            self.call_soon(ev.send, value)

    def run(self) -> None:
        while self._running:
            self._mailbox.wait(1.0)
            for fn, args in self._mailbox.take_all():
                try:
                    fn(*args)
                except Exception:  # pragma: no cover - a callback bug must not stop delivery
                    import logging

                    logging.getLogger(__name__).exception("hub callback failed")

    def stop(self) -> None:
        self._running = False
        self._mailbox.put((lambda: None, ()))

    def close(self) -> None:
        self._mailbox.close()


def start_os_thread(target: Callable[[], None], name: str):
    """A real OS thread (even when threading is monkey patched)."""
    t = _threading.Thread(target=target, name=name, daemon=True)
    t.start()
    return t


def join_os_thread(thread, timeout: float) -> bool:
    """Wait for an OS thread from the hub without blocking other green threads."""
    import eventlet

    deadline = timeout
    step = 0.02
    while thread.is_alive() and deadline > 0:
        eventlet.sleep(step)
        deadline -= step
    return not thread.is_alive()
