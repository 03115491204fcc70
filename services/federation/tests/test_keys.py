"""The instance's keys: a certificate peers can pin, private halves that open only with the
secret that sealed them."""

from __future__ import annotations

import base64
import ipaddress
import os

import pytest
from cryptography import x509

from cokit.sealing import InvalidTag, Sealer
from federation import keys


def sealer() -> Sealer:
    return Sealer(base64.b64encode(os.urandom(32)).decode())


def test_the_certificate_names_the_instance_and_the_host_peers_dial():
    made = keys.generate("sn", "https://127.0.0.1:51243")
    cert = made.certificate
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "sn"
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.IPAddress
    ) == [ipaddress.ip_address("127.0.0.1")]
    assert made.tls_fingerprint == keys.fingerprint_of_pem(made.certificate_pem)
    dns = keys.generate("ma", "https://federation.ma.example.org:443").certificate
    assert dns.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName
    ) == ["federation.ma.example.org"]


def test_sealed_keys_open_with_their_secret_only():
    made, secret = keys.generate("ma", "https://127.0.0.1:50443"), sealer()
    row = keys.seal(made, secret, "ma")
    assert made.certificate_pem == row["certificate_pem"]
    assert b"PRIVATE" not in row["tls_key_sealed"]
    opened = keys.unseal(row, secret, "ma")
    assert opened.signing_key_id == made.signing_key_id and opened.tls_fingerprint == made.tls_fingerprint
    with pytest.raises(InvalidTag):
        keys.unseal(row, sealer(), "ma")
    with pytest.raises(InvalidTag):
        keys.unseal(row, secret, "sn")  # sealed for another record


def test_key_ids_are_the_hash_of_the_public_key():
    made = keys.generate("ma", "https://127.0.0.1:50443")
    assert made.signing_key_id == keys.key_id(made.signing_public_key) and len(made.signing_key_id) == 64
