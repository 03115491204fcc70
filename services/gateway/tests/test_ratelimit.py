"""The gateway's token buckets and the source address they count against."""

from __future__ import annotations

import pytest

from gateway.ratelimit import CLIENT, IP, Limit, RateLimiter, client_address, credential_key, trusted_networks


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(ip=Limit(3, 60), client=Limit(2, 6), **kwargs):
    clock = Clock()
    return RateLimiter({IP: ip, CLIENT: client}, clock=clock, **kwargs), clock


def test_a_burst_passes_then_the_next_request_waits_for_a_token():
    limits, clock = limiter()
    assert [limits.take({IP: "10.0.0.1"}) for _ in range(3)] == [None, None, None]
    refused = limits.take({IP: "10.0.0.1"})
    assert refused.kind == IP and refused.retry_after == 1  # 60 a minute: one a second
    clock.now += 0.5
    assert limits.take({IP: "10.0.0.1"}) is not None
    clock.now += 0.5
    assert limits.take({IP: "10.0.0.1"}) is None
    assert limits.take({IP: "10.0.0.1"}) is not None


def test_tokens_come_back_no_further_than_the_burst():
    limits, clock = limiter()
    for _ in range(3):
        limits.take({IP: "10.0.0.1"})
    clock.now += 3600
    assert [limits.take({IP: "10.0.0.1"}) is None for _ in range(4)] == [True, True, True, False]


def test_retry_after_counts_whole_seconds_up_to_the_next_token():
    limits, clock = limiter()
    for _ in range(2):
        assert limits.take({IP: "10.0.0.1", CLIENT: "key:a"}) is None
    refused = limits.take({IP: "10.0.0.1", CLIENT: "key:a"})
    assert refused.kind == CLIENT and refused.retry_after == 10  # 6 a minute
    clock.now += 9.5
    assert limits.take({IP: "10.0.0.1", CLIENT: "key:a"}).retry_after == 1


def test_each_address_and_each_client_has_its_own_bucket():
    limits, _ = limiter(ip=Limit(5, 60))
    assert limits.take({IP: "10.0.0.1", CLIENT: "key:a"}) is None
    assert limits.take({IP: "10.0.0.1", CLIENT: "key:a"}) is None
    assert limits.take({IP: "10.0.0.1", CLIENT: "key:a"}).kind == CLIENT
    assert limits.take({IP: "10.0.0.1", CLIENT: "key:b"}) is None  # another key, same address
    assert limits.take({IP: "10.0.0.2", CLIENT: ""}) is None  # no client: the address alone


def test_a_refused_request_takes_no_token_from_the_other_bucket():
    limits, _ = limiter(ip=Limit(3, 60))
    for _ in range(2):
        limits.take({IP: "10.0.0.1", CLIENT: "key:a"})
    for _ in range(5):
        assert limits.take({IP: "10.0.0.1", CLIENT: "key:a"}).kind == CLIENT
    assert limits.take({IP: "10.0.0.1"}) is None  # the address still had one token left
    assert limits.take({IP: "10.0.0.1"}).kind == IP


def test_a_limit_set_to_zero_is_off():
    limits, _ = limiter(ip=Limit(0, 0))
    assert all(limits.take({IP: "10.0.0.1"}) is None for _ in range(100))


def test_the_least_recently_used_buckets_are_forgotten():
    limits, _ = limiter(max_buckets=2)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        limits.take({IP: address})
    assert len(limits._buckets) == 2 and (IP, "10.0.0.1") not in limits._buckets


def test_a_credential_names_its_bucket_without_revealing_itself():
    key = credential_key("cok_0190_secret")
    assert key == credential_key("cok_0190_secret") != credential_key("cok_0190_other")
    assert "secret" not in key


PROXIES = trusted_networks("10.1.0.0/16, 192.168.5.7 fd00::/8")


@pytest.mark.parametrize(
    "peer, forwarded, expected",
    [
        ("203.0.113.9", "", "203.0.113.9"),
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # an untrusted peer's header is ignored
        ("10.1.2.3", "198.51.100.1", "198.51.100.1"),  # a trusted proxy's is believed
        ("10.1.2.3", "1.2.3.4, 198.51.100.1", "198.51.100.1"),  # the left part can be forged: not read
        ("10.1.2.3", "1.2.3.4, 198.51.100.1, 192.168.5.7", "198.51.100.1"),  # through two trusted proxies
        ("10.1.2.3", "10.1.9.9", "10.1.9.9"),  # only proxies: the farthest one
        ("10.1.2.3", "not-an-address", "10.1.2.3"),  # damaged: the proxy itself
        ("10.1.2.3", "198.51.100.1:4711", "198.51.100.1"),
        ("fd00::1", "[2001:db8::5]:443", "2001:db8::5"),
        ("", "198.51.100.1", ""),
    ],
)
def test_the_source_address(peer, forwarded, expected):
    assert client_address(peer, forwarded, PROXIES) == expected


def test_trusted_proxies_must_be_addresses_or_blocks():
    assert trusted_networks("") == ()
    with pytest.raises(ValueError, match="GATEWAY_TRUSTED_PROXIES"):
        trusted_networks("10.0.0.0/8, proxy.local")
