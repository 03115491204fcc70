"""Encryption at rest of the private signing keys.

Sealed with cokit.sealing under IDENTITY_KEY_SECRET (base64 of 32 bytes), the key id as
associated data. A sealed key is stored as text `sealed:v1:<base64>` in the column that
held the PEM; a key written before sealing existed (a PEM) still loads, and the next
migration seals it.
"""

from __future__ import annotations

import base64
import binascii

from cokit import sealing
from cokit.settings import SettingsError

PREFIX = "sealed:v1:"


class KeySecretError(SettingsError):
    """The secret is malformed, or does not open the stored keys (another instance's secret)."""


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


class KeySealer:
    def __init__(self, secret_b64: str):
        try:
            self._sealer = sealing.Sealer(secret_b64, "IDENTITY_KEY_SECRET")
        except sealing.SealingKeyError as exc:
            raise KeySecretError(str(exc)) from None

    def seal(self, pem: str, kid: str) -> str:
        return PREFIX + base64.b64encode(self._sealer.seal(pem, kid)).decode()

    def open(self, stored: str, kid: str) -> str:
        """The PEM of a stored key; a clear (legacy) PEM comes back as it is."""
        if not is_sealed(stored):
            return stored
        try:
            return self._sealer.open(base64.b64decode(stored[len(PREFIX) :], validate=True), kid)
        except (sealing.InvalidTag, binascii.Error, ValueError):
            raise KeySecretError(
                f"IDENTITY_KEY_SECRET does not open the signing key {kid}: it is not the "
                "secret the keys were sealed with"
            ) from None

    def __repr__(self) -> str:
        return "KeySealer(<secret hidden>)"
