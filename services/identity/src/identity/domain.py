"""Citizens' contact details: the only place personal data of a citizen lives.

Other services keep the citizen_id (a pseudonym) and ask identity for the contact when
they must reach the person, so no e-mail or phone number travels in events or logs.
"""
from __future__ import annotations

import dataclasses
import re

from cokit.errors import invalid_argument

LANGUAGES = ("ar", "fr", "en", "zgh")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")


@dataclasses.dataclass(frozen=True)
class Contact:
    email: str
    phone: str
    display_name: str
    language: str


def clean_contact(email: str, phone: str, display_name: str, language: str) -> Contact:
    email = (email or "").strip().lower()
    phone = re.sub(r"[\s.\-()]", "", phone or "")
    if not email and not phone:
        raise invalid_argument("CONTACT_REQUIRED", "give an e-mail address or a phone number")
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise invalid_argument("EMAIL_INVALID", "this e-mail address is not valid", field="email")
    if phone and not _PHONE.match(phone):
        raise invalid_argument("PHONE_INVALID", "a phone number has 8 to 15 digits", field="phone")
    name = " ".join((display_name or "").split())[:120]
    return Contact(email=email, phone=phone, display_name=name, language=language if language in LANGUAGES else "ar")
