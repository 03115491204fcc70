"""Encryption at rest of the few secrets a service must keep readable (an ID number the law
makes tickets keep, identity's private signing keys).

AES-256-GCM under a key from a setting (base64 of 32 bytes); the record's id is the
associated data, so a sealed value copied onto another record does not open. Sealed bytes:
version byte, 12-byte nonce, ciphertext and tag.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = b"\x01"


class SealingKeyError(ValueError):
    """The key setting is missing or malformed."""


class Sealer:
    def __init__(self, key_b64: str, setting: str = "the sealing key"):
        if not key_b64:
            raise SealingKeyError(f"{setting} is required: base64 of 32 random bytes")
        try:
            key = base64.b64decode(key_b64, validate=True)
        except (binascii.Error, ValueError):
            raise SealingKeyError(f"{setting} is not base64") from None
        if len(key) != 32:
            raise SealingKeyError(f"{setting} must be 32 bytes (base64)")
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, associated: str) -> bytes:
        nonce = os.urandom(12)
        return VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), associated.encode())

    def open(self, sealed: bytes, associated: str) -> str:
        """Raises ValueError for an unknown format and InvalidTag for another key or record."""
        if sealed[:1] != VERSION:
            raise ValueError("unknown sealed format")
        return self._aead.decrypt(sealed[1:13], sealed[13:], associated.encode()).decode()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<key hidden>)"


__all__ = ["InvalidTag", "SealingKeyError", "Sealer", "VERSION"]
