"""Rate limits of the gateway: a token bucket per source address and one per client (the API
key, or the signed-in person), and the source address itself, believed from X-Forwarded-For
only when the direct peer is a trusted proxy.

Plain Python (no nameko, no I/O) so the rules are tested alone. Buckets live in the memory of
one gateway replica: with N replicas behind a balancer a client gets up to N times the limit,
which still stops a runaway script or a scraper.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import math
import threading
import time
from collections import OrderedDict
from typing import Callable, Iterable

IP, CLIENT = "ip", "client"
MAX_BUCKETS = 100_000  # the least recently used are forgotten (a forgotten bucket is full)


def trusted_networks(setting: str) -> tuple:
    """GATEWAY_TRUSTED_PROXIES: addresses or CIDR blocks separated by commas or spaces."""
    networks = []
    for item in setting.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"GATEWAY_TRUSTED_PROXIES: {item!r} is not an address or a CIDR block") from None
    return tuple(networks)


def _address(text: str):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address(peer: str, forwarded_for: str, trusted: Iterable) -> str:
    """The address the request came from. X-Forwarded-For is read right to left (each proxy
    appends the address it saw) and only while the hop that wrote it is trusted: the first
    address written by a trusted proxy that is not itself a trusted proxy is the client.
    From an untrusted peer the header is ignored, so it cannot be used to escape a limit."""
    trusted = tuple(trusted)
    current = _address(peer)
    if current is None:
        return peer or ""

    def is_trusted(address) -> bool:
        return any(address in network for network in trusted)

    hops = [h for h in forwarded_for.split(",") if h.strip()] if forwarded_for else []
    while is_trusted(current) and hops:
        previous = _address(hops.pop())
        if previous is None:  # a damaged header: the last proxy we trust is the source
            break
        current = previous
    return str(current)


def credential_key(secret: str) -> str:
    """A bucket name for an API key that is not the key: the same key always lands in the same
    bucket, and nobody can drain another client's bucket without holding its secret."""
    return "key:" + hashlib.sha256(secret.encode()).hexdigest()[:32]


@dataclasses.dataclass(frozen=True)
class Limit:
    burst: int  # requests allowed at once
    per_minute: float  # tokens put back per minute

    @property
    def enabled(self) -> bool:
        return self.burst > 0 and self.per_minute > 0


@dataclasses.dataclass
class Bucket:
    tokens: float
    at: float


@dataclasses.dataclass(frozen=True)
class Refusal:
    kind: str  # IP or CLIENT: which limit was reached
    retry_after: int  # whole seconds until one request would pass


class RateLimiter:
    """Token buckets by (kind, key). A request passes only when every bucket it names has a
    token, and then takes one from each; a refused request takes nothing."""

    def __init__(
        self, limits: dict[str, Limit], clock: Callable[[], float] = time.monotonic, max_buckets: int = MAX_BUCKETS
    ):
        self.limits = limits
        self.clock = clock
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[tuple[str, str], Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def _bucket(self, kind: str, key: str, now: float) -> Bucket:
        limit = self.limits[kind]
        bucket = self._buckets.get((kind, key))
        if bucket is None:
            bucket = Bucket(float(limit.burst), now)
            self._buckets[(kind, key)] = bucket
            while len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end((kind, key))
            bucket.tokens = min(float(limit.burst), bucket.tokens + (now - bucket.at) * limit.per_minute / 60.0)
            bucket.at = now
        return bucket

    def take(self, keys: dict[str, str]) -> Refusal | None:
        """{kind: key} for each limit that applies (an empty key: that limit does not apply)."""
        now = self.clock()
        with self._lock:
            chosen = [
                (kind, self._bucket(kind, key, now))
                for kind, key in keys.items()
                if key and self.limits.get(kind) and self.limits[kind].enabled
            ]
            for kind, bucket in chosen:
                if bucket.tokens < 1.0:
                    wait = (1.0 - bucket.tokens) * 60.0 / self.limits[kind].per_minute
                    return Refusal(kind, max(1, math.ceil(wait)))
            for _, bucket in chosen:
                bucket.tokens -= 1.0
        return None
