"""The envelope's checks, each with its reason: what a forged, altered, stale or misdirected
message is told."""

from __future__ import annotations

import datetime as dt

import pytest

from citizenoffice.federation.v1 import federation_pb2 as pb
from cokit.refusals import Refusal
from federation import envelope, keys

NOW = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def ma():
    return keys.generate("ma", "https://127.0.0.1:50443")


@pytest.fixture(scope="module")
def sn():
    return keys.generate("sn", "https://127.0.0.1:51243")


def sealed(ma, **kwargs):
    return envelope.seal(ma, "ma", "sn", "figures.pull", b"payload", now=NOW, **kwargs)


def reason(call) -> str:
    with pytest.raises(Refusal) as caught:
        call()
    return caught.value.reason


def test_a_sealed_message_opens_and_verifies_with_the_senders_key(ma):
    message = sealed(ma)
    opened = envelope.open_envelope(message.SerializeToString())
    envelope.check_addressed(opened, "sn", NOW + dt.timedelta(seconds=30), 300)
    envelope.verify(opened, ma.signing_public_key)
    assert opened.body.kind == "figures.pull" and opened.body.payload == b"payload"
    assert opened.digest_hex == envelope.digest(message.body).hex()
    assert len(opened.body.nonce) == 16 and opened.body.message_id


def test_each_message_has_its_own_id_and_nonce(ma):
    first, second = (pb.Body.FromString(sealed(ma).body) for _ in range(2))
    assert first.message_id != second.message_id and first.nonce != second.nonce


def test_an_altered_body_does_not_verify(ma):
    message = sealed(ma)
    body = pb.Body.FromString(message.body)
    body.payload = b"other payload"
    message.body = body.SerializeToString()
    opened = envelope.open_envelope(message.SerializeToString())
    assert reason(lambda: envelope.verify(opened, ma.signing_public_key)) == "BAD_SIGNATURE"


def test_a_signature_by_another_key_is_refused(ma, sn):
    opened = envelope.open_envelope(sealed(ma).SerializeToString())
    assert reason(lambda: envelope.verify(opened, sn.signing_public_key)) == "KEY_MISMATCH"
    forged = sealed(ma)
    forged.signature = sn.sign(envelope.digest(forged.body))
    opened = envelope.open_envelope(forged.SerializeToString())
    assert reason(lambda: envelope.verify(opened, ma.signing_public_key)) == "BAD_SIGNATURE"


def test_unsigned_and_malformed_messages_are_refused(ma):
    unsigned = sealed(ma)
    unsigned.ClearField("signature")
    assert reason(lambda: envelope.open_envelope(unsigned.SerializeToString())) == "UNSIGNED"
    assert reason(lambda: envelope.open_envelope(b"\xff\xff not a message")) == "MALFORMED"
    no_nonce = sealed(ma, nonce=b"")
    assert reason(lambda: envelope.open_envelope(no_nonce.SerializeToString())) == "MALFORMED"


def test_the_time_window_and_the_recipient(ma):
    opened = envelope.open_envelope(sealed(ma).SerializeToString())
    assert reason(lambda: envelope.check_addressed(opened, "sn", NOW + dt.timedelta(seconds=301), 300)) == "EXPIRED"
    assert (
        reason(lambda: envelope.check_addressed(opened, "sn", NOW - dt.timedelta(seconds=301), 300))
        == "FROM_THE_FUTURE"
    )
    assert reason(lambda: envelope.check_addressed(opened, "ci", NOW, 300)) == "WRONG_RECIPIENT"
    envelope.check_addressed(opened, "sn", NOW + dt.timedelta(seconds=299), 300)
