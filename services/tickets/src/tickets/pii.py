"""Encryption at rest of the one identity number the law makes us keep (Law 31-13 requests).

AES-256-GCM with a key from TICKETS_PII_KEY (base64 of 32 bytes); the ticket id is the
associated data, so a sealed number copied onto another ticket does not open.
"""
from __future__ import annotations

import base64
import binascii
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = b"\x01"


class PiiKeyError(ValueError):
    pass


class Sealer:
    def __init__(self, key_b64: str):
        try:
            key = base64.b64decode(key_b64, validate=True)
        except (binascii.Error, ValueError):
            raise PiiKeyError("TICKETS_PII_KEY is not base64") from None
        if len(key) != 32:
            raise PiiKeyError("TICKETS_PII_KEY must be 32 bytes (base64)")
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, ticket_id: str) -> bytes:
        nonce = os.urandom(12)
        return VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), ticket_id.encode())

    def open(self, sealed: bytes, ticket_id: str) -> str:
        if sealed[:1] != VERSION:
            raise ValueError("unknown sealed format")
        return self._aead.decrypt(sealed[1:13], sealed[13:], ticket_id.encode()).decode()

    def __repr__(self) -> str:
        return "Sealer(<key hidden>)"
