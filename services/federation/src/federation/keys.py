"""The instance's own identity in the federation: an Ed25519 key that signs every message, and
a TLS key with its self-signed certificate for the mutual TLS between instances.

Two keys for two purposes (X-Road keeps its authentication and signing keys apart too): the
TLS key proves which instance holds the connection, the signing key which instance wrote the
message, and the message log keeps the signature. Peers pin each other's certificate (the
directory keeps it), so there is no certification authority to trust or run.

The private halves are sealed at rest (AES-GCM, cokit.sealing) under FEDERATION_KEY_SECRET.
Plain Python on `cryptography`: no transport.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import ipaddress
from urllib.parse import urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cokit.refusals import invalid_argument
from cokit.sealing import Sealer

CERTIFICATE_DAYS = 730
ORGANISATION = "Citizen Office federation"


def key_id(public_key: bytes) -> str:
    """The name of a signing key: SHA-256 of its raw 32 bytes, hex."""
    return hashlib.sha256(public_key).hexdigest()


def certificate_fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def load_certificate(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except (ValueError, TypeError):
        raise invalid_argument("BAD_CERTIFICATE", "the certificate is not a PEM X.509 certificate") from None


def fingerprint_of_pem(pem: str) -> str:
    return certificate_fingerprint(load_certificate(pem).public_bytes(serialization.Encoding.DER))


def signing_key_from_raw(raw: bytes) -> ed25519.Ed25519PublicKey:
    try:
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise invalid_argument("BAD_SIGNING_KEY", "a signing key is 32 bytes of Ed25519") from None


def _san(peer_url: str) -> x509.GeneralName:
    host = urlparse(peer_url).hostname or "localhost"
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


@dataclasses.dataclass(frozen=True)
class InstanceKeys:
    """The private and public halves, in memory."""

    signing_key: ed25519.Ed25519PrivateKey
    tls_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def signing_public_key(self) -> bytes:
        return self.signing_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def signing_key_id(self) -> str:
        return key_id(self.signing_public_key)

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def tls_fingerprint(self) -> str:
        return certificate_fingerprint(self.certificate.public_bytes(serialization.Encoding.DER))

    @property
    def tls_key_pem(self) -> bytes:
        return self.tls_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def sign(self, data: bytes) -> bytes:
        return self.signing_key.sign(data)


def generate(instance_id: str, peer_url: str, now: dt.datetime | None = None) -> InstanceKeys:
    """New keys and a self-signed certificate naming the instance and the host peers dial."""
    now = now or dt.datetime.now(dt.timezone.utc)
    signing = ed25519.Ed25519PrivateKey.generate()
    tls = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, instance_id),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        ]
    )
    # Its own trust anchor: a peer puts exactly this certificate in its trust store (pinning),
    # which OpenSSL accepts for a self-signed certificate that may sign (CA, path length 0).
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(tls.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CERTIFICATE_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .add_extension(x509.SubjectAlternativeName([_san(peer_url)]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(tls.public_key()), critical=False)
        .sign(tls, hashes.SHA256())
    )
    return InstanceKeys(signing, tls, certificate)


# --- at rest ---------------------------------------------------------------------------------


def seal(keys: InstanceKeys, sealer: Sealer, instance_id: str) -> dict[str, bytes | str]:
    """The columns of the stored identity: private halves sealed, the record's name as AAD."""
    signing_raw = keys.signing_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return {
        "signing_key_sealed": sealer.seal(signing_raw.hex(), f"{instance_id}:signing"),
        "tls_key_sealed": sealer.seal(keys.tls_key_pem.decode(), f"{instance_id}:tls"),
        "certificate_pem": keys.certificate_pem,
    }


def unseal(row, sealer: Sealer, instance_id: str) -> InstanceKeys:
    """Raises cokit.sealing.InvalidTag when FEDERATION_KEY_SECRET is not the one that sealed them."""
    signing_raw = bytes.fromhex(sealer.open(row["signing_key_sealed"], f"{instance_id}:signing"))
    tls_pem = sealer.open(row["tls_key_sealed"], f"{instance_id}:tls").encode()
    return InstanceKeys(
        ed25519.Ed25519PrivateKey.from_private_bytes(signing_raw),
        serialization.load_pem_private_key(tls_pem, password=None),
        x509.load_pem_x509_certificate(row["certificate_pem"].encode()),
    )
