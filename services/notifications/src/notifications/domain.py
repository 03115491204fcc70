"""What a citizen is told, in the citizen's language.

Templates are keyed by event type and language; a language without a template falls back
to Arabic, then French, so nobody gets nothing. Amazigh (Tifinagh) templates are added by
the instance's translators; until then Amazigh speakers get the Arabic text.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import string
import zoneinfo

from cokit.refusals import invalid_argument

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

# A status change of a request (acknowledged, answered with the decision, closed, reopened):
# one template, the status named in the recipient's language.
TEMPLATES["ticket.status_changed"] = {
    "ar": (
        "طلبكم رقم $tracking_code: $status_ar",
        "تغيرت حالة طلبكم رقم $tracking_code لدى مكتب المواطن.\n"
        "الحالة الجديدة: $status_ar\n"
        "يمكنكم تتبع طلبكم بهذا الرمز دون الحاجة إلى حساب.",
    ),
    "fr": (
        "Votre demande $tracking_code : $status_fr",
        "Le statut de votre demande $tracking_code au Bureau Citoyen a changé.\n"
        "Nouveau statut : $status_fr\n"
        "Vous pouvez suivre votre demande avec ce code, sans compte.",
    ),
    "en": (
        "Your request $tracking_code: $status_en",
        "The status of your request $tracking_code at the Citizen Office has changed.\n"
        "New status: $status_en\n"
        "You can follow your request with this code, without an account.",
    ),
}

STATUS_NAMES = {
    "acknowledged": {"ar": "تم الإشعار بالاستلام", "fr": "accusé de réception", "en": "acknowledged"},
    "in_progress": {"ar": "قيد المعالجة", "fr": "en cours de traitement", "en": "in progress"},
    "answered": {"ar": "تم الرد", "fr": "réponse envoyée", "en": "answered"},
    "answered_positive": {"ar": "تم الرد بالإيجاب", "fr": "réponse favorable", "en": "answered: accepted"},
    "answered_negative": {"ar": "تم الرد بالرفض", "fr": "réponse défavorable", "en": "answered: refused"},
    "closed": {"ar": "مغلق", "fr": "clôturée", "en": "closed"},
    "reopened": {"ar": "أعيد فتحه", "fr": "rouverte", "en": "reopened"},
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
    status = fields.get("status", "")
    for lang in FALLBACK_LANGUAGES:
        values[f"status_{lang}"] = STATUS_NAMES.get(status, {}).get(lang, status.replace("_", " "))
    for key in ("submitted_on", "acknowledge_by", "answer_by"):
        if isinstance(values.get(key), dt.datetime):
            values[key] = values[key].strftime("%Y-%m-%d")
    return Message(
        language=chosen,
        subject=string.Template(subject).safe_substitute(values),
        body=string.Template(body).safe_substitute(values),
    )


# --- channels, preferences, quiet hours, retries ----------------------------------------

EMAIL, SMS = "email", "sms"
CHANNELS = (EMAIL, SMS)
ANY_KIND = "*"
MAX_ATTEMPTS = 10
FIRST_BACKOFF_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 600
SMS_MAX_CHARS = 320  # two concatenated SMS in UCS-2 (Arabic) is 134 chars; longer costs more
MAX_REASON_CHARS = 300

_EMAIL = re.compile(r"[^\s<>()'\",;:]+@[^\s<>()'\",;:]+")
_PHONE = re.compile(r"\+?\d(?:[ ./-]?\d){7,}")  # 8 digits or more: not an SMTP code like 550 5.1.1


def backoff_seconds(attempts: int, first: float = FIRST_BACKOFF_SECONDS) -> float:
    """Seconds before the next attempt after `attempts` failed ones: first, then doubling."""
    return min(first * 2 ** min(attempts - 1, 30), MAX_BACKOFF_SECONDS)


def failure_reason(error: str) -> str:
    """An error as events and dead letters may carry it: no address or phone number in it
    (an SMTP refusal names the recipient)."""
    return _PHONE.sub("<number>", _EMAIL.sub("<address>", error))[:MAX_REASON_CHARS]


def opted_out(opt_outs: set[tuple[str, str]], channel: str, kind: str) -> bool:
    return (channel, kind) in opt_outs or (channel, ANY_KIND) in opt_outs


def check_opt_out(channel: str, kind: str) -> tuple[str, str]:
    if channel not in CHANNELS:
        raise invalid_argument("CHANNEL_UNKNOWN", "channel is email or sms", field="channel")
    if kind != ANY_KIND and kind not in TEMPLATES:
        raise invalid_argument("KIND_UNKNOWN", "kind is * or a kind of message", field="kind")
    return channel, kind


def parse_clock(value: str) -> int:
    """Minutes after midnight of HH:MM."""
    try:
        hours, minutes = value.split(":")
        total = int(hours) * 60 + int(minutes)
        if not (0 <= int(hours) < 24 and 0 <= int(minutes) < 60):
            raise ValueError
    except ValueError:
        raise invalid_argument("TIME_MALFORMED", "times are HH:MM", field="quiet_hours") from None
    return total


def check_timezone(name: str):
    try:
        return zoneinfo.ZoneInfo(name or "Africa/Casablanca")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise invalid_argument("TIMEZONE_UNKNOWN", "timezone is an IANA name like Africa/Casablanca",
                               field="quiet_hours") from None


def quiet_until(now: dt.datetime, start: int, end: int, timezone: str) -> dt.datetime | None:
    """When quiet hours hold at `now` (UTC), the UTC moment they end; otherwise None."""
    if start == end:
        return None
    local = now.astimezone(check_timezone(timezone))
    minute = local.hour * 60 + local.minute
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    end_day = local.date() if minute < end else local.date() + dt.timedelta(days=1)
    end_local = dt.datetime.combine(end_day, dt.time(end // 60, end % 60), tzinfo=local.tzinfo)
    return end_local.astimezone(dt.timezone.utc)


def sms_text(message: Message) -> str:
    """An SMS says what the subject says; the full text is in the e-mail and the inbox."""
    return message.subject[:SMS_MAX_CHARS]


# --- messages sent at once for identity: one-time codes and security notices ------------
# Not events: nobody opts out of them, they are never retried later (a code is only worth
# sending now), and their values (the code) are rendered, sent and forgotten.
# Each text: (e-mail subject, e-mail body, SMS text).

SECURITY_TEMPLATES: dict[str, dict[str, tuple[str, str, str]]] = {
    "verify": {
        "fr": ("Votre code de vérification",
               "Votre code de vérification Bureau Citoyen : $code\nIl expire dans $minutes minutes.",
               "Bureau Citoyen : votre code de vérification est $code (valable $minutes min)."),
        "en": ("Your verification code",
               "Your Citizen Office verification code: $code\nIt expires in $minutes minutes.",
               "Citizen Office: your verification code is $code (valid $minutes min)."),
        "ar": ("رمز التحقق",
               "رمز التحقق الخاص بك في مكتب المواطن: $code\nتنتهي صلاحيته بعد $minutes دقيقة.",
               "مكتب المواطن: رمز التحقق $code (صالح $minutes دقيقة)."),
    },
    "reset": {
        "fr": ("Réinitialisation du mot de passe",
               "Votre code de réinitialisation : $code\nIl expire dans $minutes minutes. "
               "Si vous n'avez rien demandé, ignorez ce message.",
               "Bureau Citoyen : code de réinitialisation $code (valable $minutes min)."),
        "en": ("Password reset",
               "Your password reset code: $code\nIt expires in $minutes minutes. "
               "If you did not ask for it, ignore this message.",
               "Citizen Office: password reset code $code (valid $minutes min)."),
        "ar": ("إعادة تعيين كلمة المرور",
               "رمز إعادة التعيين: $code\nتنتهي صلاحيته بعد $minutes دقيقة. إذا لم تطلبه فتجاهل هذه الرسالة.",
               "مكتب المواطن: رمز إعادة التعيين $code (صالح $minutes دقيقة)."),
    },
    "account_locked": {
        "fr": ("Compte verrouillé",
               "Plusieurs tentatives de connexion ont échoué ; votre compte est verrouillé pendant "
               "$minutes minutes.\nSi ce n'était pas vous, changez votre mot de passe.",
               "Bureau Citoyen : trop d'échecs de connexion, compte verrouillé $minutes min."),
        "en": ("Account locked",
               "Several sign-in attempts failed; your account is locked for $minutes minutes.\n"
               "If this was not you, reset your password.",
               "Citizen Office: too many failed sign-ins, account locked for $minutes min."),
        "ar": ("تم قفل الحساب",
               "فشلت عدة محاولات لتسجيل الدخول؛ تم قفل حسابك لمدة $minutes دقيقة.\n"
               "إذا لم تكن أنت، فغيّر كلمة المرور.",
               "مكتب المواطن: تم قفل حسابك لمدة $minutes دقيقة بعد محاولات فاشلة."),
    },
}
CODE_PURPOSES = ("verify", "reset")
NOTICE_PURPOSES = ("account_locked",)
_CODE = re.compile(r"^[0-9A-Za-z]{4,12}$")


@dataclasses.dataclass(frozen=True)
class SecurityMessage:
    language: str
    subject: str
    body: str
    sms: str


def render_security(purpose: str, language: str, *, code: str = "", minutes: int = 0) -> SecurityMessage:
    by_language = SECURITY_TEMPLATES[purpose]
    chosen = next(lang for lang in (language, *FALLBACK_LANGUAGES) if lang in by_language)
    values = {"code": code, "minutes": str(minutes)}
    subject, body, sms = (string.Template(t).substitute(values) for t in by_language[chosen])
    return SecurityMessage(chosen, subject, body, sms[:SMS_MAX_CHARS])


def check_security_request(channel: str, address: str, purpose: str, purposes: tuple[str, ...],
                           code: str | None = None) -> None:
    """Refuses what cannot be sent; the messages name the field, never echo the value."""
    if channel not in CHANNELS:
        raise invalid_argument("CHANNEL_UNKNOWN", "channel is email or sms", field="channel")
    if not address.strip():
        raise invalid_argument("ADDRESS_REQUIRED", "give the address to send to", field="address")
    if channel == EMAIL and not _EMAIL.fullmatch(address.strip()):
        raise invalid_argument("ADDRESS_INVALID", "this is not an e-mail address", field="address")
    if channel == SMS and not _PHONE.fullmatch(address.strip()):
        raise invalid_argument("ADDRESS_INVALID", "this is not a phone number", field="address")
    if purpose not in purposes:
        raise invalid_argument("PURPOSE_UNKNOWN", f"purpose is one of {', '.join(purposes)}", field="purpose")
    if code is not None and not _CODE.match(code):
        raise invalid_argument("CODE_MALFORMED", "a code has 4 to 12 letters or digits", field="code")
