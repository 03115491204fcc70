"""Encryption at rest of the one identity number the law makes us keep (Law 31-13 requests).

AES-256-GCM (cokit.sealing) with a key from TICKETS_PII_KEY (base64 of 32 bytes); the ticket
id is the associated data, so a sealed number copied onto another ticket does not open.
"""

from __future__ import annotations

from cokit import sealing

PiiKeyError = sealing.SealingKeyError
VERSION = sealing.VERSION


class Sealer(sealing.Sealer):
    def __init__(self, key_b64: str):
        super().__init__(key_b64, "TICKETS_PII_KEY")
