"""Logs from a real OS thread and from green threads at once, in a monkey-patched process,
as a service does when its Kafka clients (OS threads) and its workers both log. Exits 0
when every line was written and no thread failed."""

import eventlet

eventlet.monkey_patch()

import logging  # noqa: E402
import sys  # noqa: E402

from eventlet import patcher  # noqa: E402

from cokit import logs  # noqa: E402

LINES = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
logs.configure("t", "INFO", "json")
log = logging.getLogger("two-threads")
failures = []


def from_os_thread():
    try:
        for i in range(LINES):
            log.info("os thread %d", i)
    except BaseException as exc:  # noqa: BLE001
        failures.append(repr(exc))


def from_green_thread(n):
    for i in range(LINES // 4):
        log.info("green %d %d", n, i)
        eventlet.sleep(0)


thread = patcher.original("threading").Thread(target=from_os_thread)
thread.start()
for green in [eventlet.spawn(from_green_thread, n) for n in range(4)]:
    green.wait()
while thread.is_alive():
    eventlet.sleep(0.01)
print(f"failures={failures}", file=sys.stderr)
sys.exit(1 if failures else 0)
