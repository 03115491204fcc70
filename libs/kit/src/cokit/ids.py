"""Public identifiers of the platform.

Every public id is a UUIDv7 (RFC 9562): time ordered, so ids sort by creation
time and database indexes on them stay append-mostly.
"""

import os
import threading
import time
import uuid

__all__ = ["uuid7", "uuid7_obj", "uuid7_time_ms"]

# Python 3.11 has no uuid.uuid7. The layout is RFC 9562 section 5.7, with the
# 12 bits of rand_a used as a counter (method 1 of section 6.2) so that ids made
# in the same millisecond by this process still sort in creation order.
_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7_obj() -> uuid.UUID:
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms = now_ms
            # Random start keeps ids of different processes apart while
            # leaving room for many increments in the same millisecond.
            _counter = int.from_bytes(os.urandom(2), "big") & 0x7FF
        else:
            # Same millisecond, or the clock went back: keep ordering by
            # staying on the last timestamp and counting up.
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
        ms, counter = _last_ms, _counter
    rand_b = int.from_bytes(os.urandom(8), "big") & 0x3FFF_FFFF_FFFF_FFFF
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)


def uuid7() -> str:
    """A new UUIDv7 as its canonical 36 character string."""
    return str(uuid7_obj())


def uuid7_time_ms(value) -> int:
    """The Unix time in milliseconds embedded in a UUIDv7."""
    u = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    if u.version != 7:
        raise ValueError("not a UUIDv7: %s" % u)
    return u.int >> 80
