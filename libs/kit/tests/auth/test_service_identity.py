"""Service identity: credentials derived from the instance's master secret, a service's own
token kept and renewed, and what a relayed call may do under the one policy."""

from __future__ import annotations

import base64

import pytest
from grpc import StatusCode

from cokit.auth import policy
from cokit.auth.context import caller_from_context
from cokit.auth.service_identity import (
    SERVICE_CONTEXT_KEY,
    ServiceTokens,
    credential_for,
    credential_matches,
    decode_master,
)
from cokit.auth.tokens import Verifier
from cokit.errors import DomainError

from .test_tokens import AUD, ISS, Clock, Identity, keypair, token

MASTER = bytes(range(32))
MA = policy.Scope("ma")


def test_each_service_has_its_own_credential_and_only_the_master_makes_it():
    gateway, tickets = credential_for(MASTER, "gateway"), credential_for(MASTER, "tickets")
    assert gateway != tickets and gateway == credential_for(MASTER, "gateway")
    assert credential_matches(MASTER, "gateway", gateway)
    assert not credential_matches(MASTER, "tickets", gateway)  # another service's credential
    assert not credential_matches(bytes(32), "gateway", gateway)  # another instance's master
    assert not credential_matches(MASTER, "mallory", credential_for(MASTER, "mallory"))  # not a platform service
    assert not credential_matches(MASTER, "gateway", "")


def test_the_master_secret_is_checked_when_read():
    assert decode_master("") == b""
    assert decode_master(base64.b64encode(MASTER).decode()) == MASTER
    with pytest.raises(ValueError):
        decode_master("not base64 !")
    with pytest.raises(ValueError):
        decode_master(base64.b64encode(b"short").decode())


class Fetch:
    def __init__(self, clock, ttl=300):
        self.clock, self.ttl, self.calls, self.fail = clock, ttl, 0, False

    def __call__(self):
        self.calls += 1
        if self.fail:
            raise ConnectionError("identity is down")
        return f"token-{self.calls}", self.ttl


def test_a_service_token_is_kept_renewed_before_it_expires_and_not_asked_for_in_a_loop_when_identity_is_down():
    clock = Clock()
    fetch = Fetch(clock)
    tokens = ServiceTokens(fetch, clock=clock, retry_after=2.0)
    assert tokens.token() == "token-1"
    clock.now += 200
    assert tokens.token() == "token-1" and fetch.calls == 1
    clock.now += 41  # within a minute of expiry: renewed
    assert tokens.token() == "token-2"
    fetch.fail = True
    clock.now += 250  # renewal due, identity down: the valid token still goes
    assert tokens.token() == "token-2"
    calls = fetch.calls
    for _ in range(20):
        tokens.token()
    assert fetch.calls == calls  # no retry within retry_after
    clock.now += 100  # expired and identity still down: nothing rather than a dead token
    assert tokens.token() == ""
    fetch.fail = False
    clock.now += 3
    assert tokens.token() == f"token-{fetch.calls}"


def service_token(key, kid, service="gateway", **claims):
    return token(key, kid, sub=f"service:{service}", kind="service", svc=service, **claims)


@pytest.fixture()
def keys():
    key, jwk = keypair("k1")
    return key, Verifier(ISS, AUD, Identity(jwk), max_age=60)


def test_the_relay_is_named_by_its_verified_token_and_gives_no_roles(keys):
    key, verifier = keys
    caller = caller_from_context({SERVICE_CONTEXT_KEY: f"Bearer {service_token(key, 'k1')}"}, verifier, "ma")
    assert caller.relay == "gateway" and not caller.authenticated and caller.bindings == ()
    user = caller_from_context(
        {
            "authorization": f"Bearer {token(key, 'k1')}",
            SERVICE_CONTEXT_KEY: f"Bearer {service_token(key, 'k1', 'tickets')}",
        },
        verifier,
        "ma",
    )
    assert user.subject == "u1" and user.kind == "user" and user.relay == "tickets"


@pytest.mark.parametrize(
    "data, reason",
    [
        ({"authorization": "Bearer {service}"}, "SERVICE_TOKEN_MISPLACED"),  # a service posing as a person
        ({SERVICE_CONTEXT_KEY: "Bearer {user}"}, "SERVICE_TOKEN_INVALID"),  # a person posing as a service
        ({SERVICE_CONTEXT_KEY: "Bearer {expired}"}, "SERVICE_TOKEN_EXPIRED"),
        ({SERVICE_CONTEXT_KEY: "Bearer {foreign}"}, "SERVICE_TOKEN_UNKNOWN_KEY"),
    ],
)
def test_misplaced_expired_or_foreign_service_tokens_are_refused(keys, data, reason):
    key, verifier = keys
    other, _ = keypair("k2")
    values = {
        "service": service_token(key, "k1"),
        "user": token(key, "k1"),
        "expired": service_token(key, "k1", iat=1000, exp=1060),
        "foreign": service_token(other, "k2"),
    }
    data = {k: v.format(**values) for k, v in data.items()}
    with pytest.raises(DomainError) as err:
        caller_from_context(data, verifier, "ma")
    assert (err.value.code, err.value.reason) == (StatusCode.UNAUTHENTICATED, reason)


def anonymous(relay=""):
    return policy.Caller("", "anonymous", "ma", relay=relay)


def citizen(relay=""):
    return policy.Caller("c1", "user", "ma", relay=relay)


def test_a_public_action_needs_the_platform_or_a_signed_in_caller():
    assert policy.decide(anonymous(), "ticket.submit", MA).reason == "AUTHENTICATION_REQUIRED"
    assert policy.decide(anonymous("gateway"), "ticket.submit", MA).allowed
    assert policy.decide(citizen(), "ticket.submit", MA).allowed


def test_a_service_action_is_the_named_services_own_and_never_a_persons():
    assert policy.decide(anonymous("identity"), "security.send", MA).allowed
    assert not policy.decide(anonymous("gateway"), "security.send", MA).allowed
    assert policy.decide(anonymous(), "security.send", MA).reason == "AUTHENTICATION_REQUIRED"
    # A person's token relayed by the right service: the person's rights apply, not the service's.
    assert policy.decide(citizen("identity"), "security.send", MA).reason == "NOT_ALLOWED"
    assert policy.decide(anonymous("gateway"), "citizen.upsert", MA).allowed
    assert not policy.decide(anonymous("tickets"), "citizen.upsert", MA).allowed


def test_a_relay_alone_changes_nothing_that_needs_a_role():
    for action in ("calendar.manage", "office.manage", "scheduler.run", "registry.import", "role.grant"):
        for service in ("gateway", "tickets", "identity", "notifications"):
            assert not policy.decide(anonymous(service), action, MA).allowed, (action, service)


def test_a_refused_token_is_forgotten_and_the_next_call_fetches_a_new_one():
    clock = Clock()
    fetch = Fetch(clock)
    tokens = ServiceTokens(fetch, clock=clock)
    assert tokens.token() == "token-1"
    tokens.invalidate()
    assert tokens.token() == "token-2" and fetch.calls == 2
