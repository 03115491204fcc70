"""What a citizen is told, in the citizen's language.

Templates are keyed by event type and language; a language without a template falls back
to Arabic, then French, so nobody gets nothing. Amazigh (Tifinagh) templates are added by
the instance's translators; until then Amazigh speakers get the Arabic text.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import string

FALLBACK_LANGUAGES = ("ar", "fr", "en")

TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "ticket.submitted": {
        "ar": (
            "تم استلام طلبكم رقم $tracking_code",
            "شكرا لكم. تم تسجيل $kind_ar لدى مكتب المواطن بتاريخ $submitted_on.\n"
            "رمز التتبع: $tracking_code\n"
            "سيتم الإشعار بالاستلام قبل $acknowledge_by والرد قبل $answer_by.\n"
            "يمكنكم تتبع طلبكم بهذا الرمز دون الحاجة إلى حساب.",
        ),
        "fr": (
            "Votre demande $tracking_code a été reçue",
            "Merci. Votre $kind_fr a été enregistrée par le Bureau Citoyen le $submitted_on.\n"
            "Code de suivi : $tracking_code\n"
            "Accusé de réception avant le $acknowledge_by, réponse avant le $answer_by.\n"
            "Vous pouvez suivre votre demande avec ce code, sans compte.",
        ),
        "en": (
            "Your request $tracking_code has been received",
            "Thank you. Your $kind_en was registered by the Citizen Office on $submitted_on.\n"
            "Tracking code: $tracking_code\n"
            "Acknowledgement by $acknowledge_by, answer by $answer_by.\n"
            "You can follow your request with this code, without an account.",
        ),
    },
}

KIND_NAMES = {
    "complaint": {"ar": "شكايتكم", "fr": "réclamation", "en": "complaint"},
    "observation": {"ar": "ملاحظتكم", "fr": "observation", "en": "observation"},
    "suggestion": {"ar": "اقتراحكم", "fr": "suggestion", "en": "suggestion"},
}


@dataclasses.dataclass(frozen=True)
class Message:
    language: str
    subject: str
    body: str


def render(event_type: str, language: str, fields: dict) -> Message:
    by_language = TEMPLATES[event_type]
    chosen = next(
        (lang for lang in (language, *FALLBACK_LANGUAGES) if lang in by_language), FALLBACK_LANGUAGES[0]
    )
    subject, body = by_language[chosen]
    values = dict(fields)
    for lang in FALLBACK_LANGUAGES:
        values[f"kind_{lang}"] = KIND_NAMES.get(fields.get("kind", ""), {}).get(lang, fields.get("kind", ""))
    for key in ("submitted_on", "acknowledge_by", "answer_by"):
        if isinstance(values.get(key), dt.datetime):
            values[key] = values[key].strftime("%Y-%m-%d")
    return Message(
        language=chosen,
        subject=string.Template(subject).safe_substitute(values),
        body=string.Template(body).safe_substitute(values),
    )
