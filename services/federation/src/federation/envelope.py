"""The signed, time-stamped envelope every message between instances travels in.

The sender serializes a Body (message id, sender, recipient, time, a random nonce, the kind and
its payload) and signs the digest of those bytes; the receiver checks the signature over the
bytes exactly as they arrived and only then parses them, so the byte order protobuf leaves open
never matters: what is signed, logged and verified is one byte string. The digest is what both
message logs keep:

    digest    = SHA-256("citizenoffice-federation-v1" || 0x00 || body)
    signature = Ed25519(sender's signing key, digest)

Each check refuses with a reason of its own (cokit.refusals), which the peer reads from the
status: UNSIGNED, MALFORMED, WRONG_RECIPIENT, EXPIRED, FROM_THE_FUTURE, KEY_MISMATCH,
BAD_SIGNATURE. Whether the sender is a member and the nonce is new are the directory's and the
store's questions (UNKNOWN_MEMBER, MEMBER_REVOKED, REPLAYED).

Plain Python: protobuf and cryptography, no transport.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os

from cryptography.exceptions import InvalidSignature
from google.protobuf.message import DecodeError

from citizenoffice.federation.v1 import federation_pb2 as pb
from cokit.ids import uuid7
from cokit.refusals import invalid_argument, unauthenticated

from . import keys as keys_mod

DOMAIN = b"citizenoffice-federation-v1\x00"
NONCE_BYTES = 16
DEFAULT_WINDOW_SECONDS = 300.0


def digest(body: bytes) -> bytes:
    return hashlib.sha256(DOMAIN + body).digest()


@dataclasses.dataclass(frozen=True)
class Opened:
    """A message whose envelope holds together (signature not checked yet: see `verify`)."""

    signed: pb.SignedEnvelope
    body: pb.Body
    raw: bytes

    @property
    def digest_hex(self) -> str:
        return digest(self.signed.body).hex()

    @property
    def sent_at(self) -> dt.datetime:
        return self.body.sent_at.ToDatetime(tzinfo=dt.timezone.utc)


def seal(
    keys: keys_mod.InstanceKeys,
    sender: str,
    recipient: str,
    kind: str,
    payload: bytes,
    *,
    in_reply_to: str = "",
    now: dt.datetime | None = None,
    nonce: bytes | None = None,
) -> pb.SignedEnvelope:
    """A new message: its own id and nonce, stamped now, signed."""
    body = pb.Body(
        message_id=uuid7(),
        sender=sender,
        recipient=recipient,
        nonce=nonce if nonce is not None else os.urandom(NONCE_BYTES),
        kind=kind,
        in_reply_to=in_reply_to,
        payload=payload,
    )
    body.sent_at.FromDatetime(now or dt.datetime.now(dt.timezone.utc))
    raw = body.SerializeToString(deterministic=True)
    return pb.SignedEnvelope(body=raw, signature=keys.sign(digest(raw)), key_id=keys.signing_key_id)


def open_envelope(raw: bytes) -> Opened:
    """Parse the envelope and its body; nothing is trusted yet."""
    signed = pb.SignedEnvelope()
    try:
        signed.ParseFromString(raw)
    except DecodeError:
        raise invalid_argument("MALFORMED", "the message is not a signed envelope") from None
    if not signed.signature or not signed.key_id:
        raise unauthenticated("UNSIGNED", "the message carries no signature; every message between instances is signed")
    body = pb.Body()
    try:
        body.ParseFromString(signed.body)
    except DecodeError:
        raise invalid_argument("MALFORMED", "the signed body is not a message body") from None
    if not body.message_id or not body.sender or not body.kind or len(body.nonce) != NONCE_BYTES:
        raise invalid_argument("MALFORMED", "the body lacks its id, sender, kind or nonce")
    if not body.HasField("sent_at"):
        raise invalid_argument("MALFORMED", "the body carries no time stamp")
    return Opened(signed, body, raw)


def check_addressed(opened: Opened, recipient: str, now: dt.datetime, window: float) -> None:
    """Meant for this instance, and sent within the window around now."""
    if opened.body.recipient != recipient:
        raise invalid_argument(
            "WRONG_RECIPIENT",
            f"the message is addressed to {opened.body.recipient!r}, not to this instance",
            recipient=opened.body.recipient,
        )
    age = (now - opened.sent_at).total_seconds()
    if age > window:
        raise unauthenticated(
            "EXPIRED",
            f"the message was sent {int(age)} s ago; at most {int(window)} s are accepted",
            window=int(window),
        )
    if age < -window:
        raise unauthenticated(
            "FROM_THE_FUTURE", "the message is stamped later than this instance's clock allows", window=int(window)
        )


def verify(opened: Opened, signing_public_key: bytes) -> None:
    """The signature is the sender's: by the key the directory holds for it."""
    if opened.signed.key_id != keys_mod.key_id(signing_public_key):
        raise unauthenticated(
            "KEY_MISMATCH", "the message is signed with a key the directory does not hold for its sender"
        )
    try:
        keys_mod.signing_key_from_raw(signing_public_key).verify(opened.signed.signature, digest(opened.signed.body))
    except InvalidSignature:
        raise unauthenticated("BAD_SIGNATURE", "the signature does not verify") from None
