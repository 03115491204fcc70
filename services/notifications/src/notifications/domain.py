"""What a citizen is told, in the citizen's language.

The texts are the message catalogue's (comessages, keys `notice.*`), shared with the portal's
pages so an e-mail names a kind or a status as the page does: Arabic, Amazigh (Tifinagh), French
or English; a language the catalogue lacks reads Arabic.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zoneinfo

import comessages
from cokit.refusals import invalid_argument

# Each kind of message and where its subject and body are in the catalogue (`<key>.subject`,
# `<key>.body`). A status change (acknowledged, answered, closed, reopened...) is one message
# naming the new status.
TEMPLATES: dict[str, str] = {
    "ticket.submitted": "notice.ticket_submitted",
    "ticket.status_changed": "notice.ticket_status_changed",
    # Told only to the participants who asked for it (participation's subscribers).
    "consultation.closed": "notice.consultation_closed",
    "consultation.responded": "notice.consultation_responded",
    "proposal.forwarded": "notice.proposal_forwarded",
}
DATE_FIELDS = ("submitted_on", "acknowledge_by", "answer_by")


@dataclasses.dataclass(frozen=True)
class Message:
    language: str
    subject: str
    body: str


def status_label(status: str, language: str) -> str:
    """A status as the pages name it; one this release does not know yet is said to have changed."""
    key = f"status.{status}"
    return comessages.text(key if comessages.has(key) else "notice.ticket_status_changed.status_unnamed", language)


def receipt_sentence(kind: str, language: str, submitted_on: str) -> str:
    """The receipt's first sentence, one per kind of request: its words agree with the kind."""
    key = f"notice.ticket_submitted.thanks.{kind}"
    return comessages.text(
        key if comessages.has(key) else "notice.ticket_submitted.thanks_any_kind", language, submitted_on=submitted_on
    )


def render(event_type: str, language: str, fields: dict) -> Message:
    key, chosen = TEMPLATES[event_type], comessages.language(language)
    values = dict(fields)
    for name in DATE_FIELDS:
        if isinstance(values.get(name), dt.datetime):
            values[name] = values[name].strftime("%Y-%m-%d")
    if "status" in values:
        values["status"] = status_label(values["status"], chosen)
    if "kind" in values:
        values["thanks"] = receipt_sentence(values["kind"], chosen, values.get("submitted_on", ""))
    return Message(
        language=chosen,
        subject=comessages.text(f"{key}.subject", chosen, **values),
        body=comessages.text(f"{key}.body", chosen, **values),
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
        raise invalid_argument(
            "TIMEZONE_UNKNOWN", "timezone is an IANA name like Africa/Casablanca", field="quiet_hours"
        ) from None


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
# Each has an e-mail subject and body and its own SMS text: `notice.<purpose>.subject`, `.body`, `.sms`.

SECURITY_TEMPLATES = {purpose: f"notice.{purpose}" for purpose in ("verify", "reset", "account_locked")}
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
    key, chosen = SECURITY_TEMPLATES[purpose], comessages.language(language)
    subject, body, sms = (
        comessages.text(f"{key}.{part}", chosen, code=code, minutes=minutes) for part in ("subject", "body", "sms")
    )
    return SecurityMessage(chosen, subject, body, sms[:SMS_MAX_CHARS])


def check_security_request(
    channel: str, address: str, purpose: str, purposes: tuple[str, ...], code: str | None = None
) -> None:
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
