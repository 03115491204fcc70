"""Rules for citizen requests: kinds, statuses, tracking codes and legal deadlines.

Plain Python: no nameko, no I/O, so the rules can be read and tested on their own.
Every request type (complaint, observation, suggestion, access-to-information request,
administrative request, petition to the communal council) shares the submission rules below;
what differs per type (who must be named, an ID document, urgency, publicity) is read from its
definition in cokit.request_types. Their workflows run in `workflow`, their deadlines in
`deadlines`.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
import secrets

from cokit import legal_deadlines, request_types
from cokit.refusals import invalid_argument, permission_denied

ID_KINDS = ("cin", "residence_permit")
PREFERRED_FORMATS = ("electronic", "paper", "on_site")
CHANNELS = ("web", "mobile", "open311", "walk_in")
LANGUAGES = ("ar", "fr", "en", "zgh")

SUBMITTED = "submitted"

ACKNOWLEDGE_WITHIN_DAYS = legal_deadlines.ACKNOWLEDGE_WITHIN_DAYS
ANSWER_WITHIN_MONTHS = legal_deadlines.ANSWER_WITHIN_MONTHS

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 5000
CATEGORY_MAX = 64
MEDIA_URL_MAX = 1024
MAX_ATTACHMENTS = 5

# Crockford's base32: no I, L, O or U, so a code read aloud or typed on a phone keypad
# is hard to get wrong; the check character (Luhn mod 32) catches any single wrong
# character and most swaps of two neighbours.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
CODE_BODY_LENGTH = 8


def _check_character(body: str) -> str:
    n = len(ALPHABET)
    total, factor = 0, 2
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        addend = addend // n + addend % n
        total += addend
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def new_tracking_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_BODY_LENGTH))
    return format_tracking_code(body + _check_character(body))


def format_tracking_code(raw: str) -> str:
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_tracking_code(text: str) -> str:
    """Accept what a citizen types (lower case, spaces, O for 0) and return the canonical
    code, or raise INVALID_ARGUMENT when it cannot be one of ours."""
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum()).translate(_CONFUSABLE)
    if len(raw) != CODE_BODY_LENGTH + 1 or any(ch not in ALPHABET for ch in raw):
        raise invalid_argument("TRACKING_CODE_MALFORMED", "a tracking code has 9 letters or digits, like 7K3M-9QX2-B")
    if _check_character(raw[:-1]) != raw[-1]:
        raise invalid_argument(
            "TRACKING_CODE_CHECK_FAILED", "this tracking code has a typing error; check each character"
        )
    return format_tracking_code(raw)


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclasses.dataclass(frozen=True)
class Deadlines:
    acknowledge_by: dt.datetime
    answer_by: dt.datetime


def complaint_deadlines(submitted_at: dt.datetime) -> Deadlines:
    return Deadlines(
        acknowledge_by=submitted_at + dt.timedelta(days=ACKNOWLEDGE_WITHIN_DAYS),
        answer_by=add_months(submitted_at, ANSWER_WITHIN_MONTHS),
    )


@dataclasses.dataclass(frozen=True)
class Submission:
    office_id: str
    kind: str
    category: str
    description: str
    citizen_id: str
    channel: str
    language: str
    attachment_ids: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    urgent: bool = False
    urgency_reason: str = ""
    requester_name: str = ""
    requester_address: str = ""
    id_kind: str = ""
    id_number: str = ""
    preferred_format: str = ""
    registered_by: str = ""  # the staff member who took a walk-in request
    public: bool | None = None  # None: the requester did not say (the category decides)
    media_url: str = ""  # Open311: a photo hosted by the client

    @property
    def anonymous(self) -> bool:
        return not self.citizen_id and not self.requester_name


def validate_submission(sub: Submission) -> Submission:
    """Return the submission cleaned up, or raise INVALID_ARGUMENT naming the field."""
    if not sub.office_id:
        raise invalid_argument("OFFICE_REQUIRED", "choose the office the request is for", field="office_id")
    request_type = request_types.get(sub.kind)
    category = sub.category.strip()
    if not category or len(category) > CATEGORY_MAX:
        raise invalid_argument("CATEGORY_REQUIRED", "choose a category", field="category")
    description = sub.description.strip()
    if len(description) < DESCRIPTION_MIN:
        raise invalid_argument(
            "DESCRIPTION_TOO_SHORT",
            f"describe the request in at least {DESCRIPTION_MIN} characters",
            field="description",
        )
    if len(description) > DESCRIPTION_MAX:
        raise invalid_argument(
            "DESCRIPTION_TOO_LONG",
            f"the description is limited to {DESCRIPTION_MAX} characters",
            field="description",
        )
    if sub.channel not in CHANNELS:
        raise invalid_argument("CHANNEL_UNKNOWN", f"channel must be one of {', '.join(CHANNELS)}", field="channel")
    language = sub.language if sub.language in LANGUAGES else "ar"
    if len(sub.attachment_ids) > MAX_ATTACHMENTS:
        raise invalid_argument("TOO_MANY_ATTACHMENTS", f"at most {MAX_ATTACHMENTS} attachments", field="attachment_ids")
    if (sub.latitude is None) != (sub.longitude is None):
        raise invalid_argument("LOCATION_INCOMPLETE", "a location needs both latitude and longitude", field="location")
    if sub.latitude is not None:
        if not (-90.0 <= sub.latitude <= 90.0) or not (-180.0 <= sub.longitude <= 180.0):
            raise invalid_argument("LOCATION_OUT_OF_RANGE", "latitude or longitude out of range", field="location")
    if sub.anonymous and not request_type.anonymous_allowed:
        raise invalid_argument("REQUESTER_REQUIRED", f"a {sub.kind} needs an identified requester", field="requester")
    if sub.channel == "walk_in" and not sub.registered_by:
        raise invalid_argument(
            "REGISTERED_BY_REQUIRED",
            "a walk-in request names the staff member who registered it",
            field="registered_by",
        )
    media_url = sub.media_url.strip()
    if media_url and (
        len(media_url) > MEDIA_URL_MAX
        or not media_url.lower().startswith(("http://", "https://"))
        or any(ch.isspace() for ch in media_url)
    ):
        raise invalid_argument(
            "MEDIA_URL_INVALID",
            f"media_url is an http or https address of at most {MEDIA_URL_MAX} characters",
            field="media_url",
        )
    if sub.urgent and (request_type.urgent_rule is None or not sub.urgency_reason.strip()):
        urgent_kinds = ", ".join(t.name for t in request_types.all_types() if t.urgent_rule)
        raise invalid_argument(
            "URGENCY_UNFOUNDED",
            f"only requests of type {urgent_kinds} can be urgent, with their reason (life, safety, freedom)",
            field="urgency_reason",
        )
    id_number = sub.id_number
    if request_type.identity_document:
        _validate_identified_requester(sub)
        id_number = "".join(sub.id_number.split()).upper()
    elif sub.id_number:
        # Law 09-08: the ID number is collected only where the law asks for it (Law 31-13).
        raise invalid_argument(
            "ID_NUMBER_NOT_ALLOWED",
            f"an ID number is only asked for requests of type {', '.join(request_types.where(identity_document=True))}",
            field="id_number",
        )
    return dataclasses.replace(
        sub,
        category=category,
        description=description,
        language=language,
        id_number=id_number,
        requester_name=sub.requester_name.strip(),
        media_url=media_url,
    )


def _validate_identified_requester(sub: Submission) -> None:
    if not sub.requester_name.strip():
        raise invalid_argument(
            "REQUESTER_NAME_REQUIRED", f"a request of type {sub.kind} names its requester", field="requester_name"
        )
    if sub.id_kind not in ID_KINDS:
        raise invalid_argument("ID_KIND_UNKNOWN", f"id_kind must be one of {', '.join(ID_KINDS)}", field="id_kind")
    number = "".join(sub.id_number.split()).upper()
    if not (4 <= len(number) <= 20) or not number.isalnum():
        raise invalid_argument(
            "ID_NUMBER_INVALID", "the national ID or residence-permit number is not valid", field="id_number"
        )
    if sub.preferred_format and sub.preferred_format not in PREFERRED_FORMATS:
        raise invalid_argument(
            "FORMAT_UNKNOWN",
            f"preferred_format must be one of {', '.join(PREFERRED_FORMATS)}",
            field="preferred_format",
        )


# --- what the office's catalogue allows per category --------------------------------------

PUBLICITY = request_types.PUBLICITY


@dataclasses.dataclass(frozen=True)
class CategoryRules:
    """From the registry's catalogue entry of the request's category: whether its requests may be
    public (never, as the requester chooses, always), whether they may be anonymous, and the
    office's answer deadline (None: the request type's legal one)."""

    publicity: str = "choice"
    anonymous_allowed: bool = True
    deadline: legal_deadlines.Rule | None = None


def kind_rules(kind: str) -> CategoryRules:
    """For a category the catalogue does not list: the request type's own rules."""
    request_type = request_types.get(kind)
    return CategoryRules(request_type.publicity, request_type.anonymous_allowed)


def category_rules(entries, kind: str, category: str) -> CategoryRules:
    """The rules of the first active entry of this request type whose category (or code) is the
    request's category; the request type's own rules when there is none. `entries` are the
    registry's CatalogueEntry messages or anything with the same attributes."""
    request_type = request_types.get(kind)
    for entry in entries:
        if entry.active and entry.request_type == kind and category in (entry.category, entry.code):
            publicity = entry.publicity if entry.publicity in PUBLICITY else request_type.publicity
            # The law names who asks for information or petitions, whatever the catalogue says.
            return CategoryRules(
                publicity,
                bool(entry.anonymous_allowed) and request_type.anonymous_allowed,
                request_type.deadline.office_rule(entry.deadline_count, entry.deadline_unit),
            )
    return kind_rules(kind)


def apply_category_rules(sub: Submission, rules: CategoryRules) -> Submission:
    """The submission with its publicity decided, or INVALID_ARGUMENT when it asks for what its
    category does not allow (anonymity, or a publicity the requester may not choose)."""
    if sub.anonymous and not rules.anonymous_allowed:
        raise invalid_argument(
            "CATEGORY_NOT_ANONYMOUS",
            f"requests of the category {sub.category!r} name their requester: sign in or give a contact",
            field="requester",
            category=sub.category,
        )
    if rules.publicity == "private":
        if sub.public:
            raise invalid_argument(
                "CATEGORY_NOT_PUBLIC",
                f"requests of the category {sub.category!r} are never made public",
                field="public",
                category=sub.category,
            )
        public = False
    elif rules.publicity == "public":
        if sub.public is False:
            raise invalid_argument(
                "CATEGORY_ALWAYS_PUBLIC",
                f"requests of the category {sub.category!r} are always public",
                field="public",
                category=sub.category,
            )
        public = True
    else:
        public = bool(sub.public)
    return dataclasses.replace(sub, public=public)


def check_attachment(
    owner_citizen_id: str,
    attachment_office_id: str,
    author_id: str,
    author_is_requester: bool,
    ticket_office_id: str,
    attachment_id: str,
) -> None:
    """An attachment in a message is its author's own: the requester's upload, or for the office's
    staff a file held by the request's office. Someone else's file id is refused, never shown."""
    if author_is_requester:
        if not owner_citizen_id or owner_citizen_id != author_id:
            raise permission_denied(
                "ATTACHMENT_NOT_YOURS",
                f"attachment {attachment_id} was not uploaded by you",
                field="attachment_ids",
                attachment_id=attachment_id,
            )
    elif attachment_office_id != ticket_office_id:
        raise permission_denied(
            "ATTACHMENT_OF_ANOTHER_OFFICE",
            f"attachment {attachment_id} is not held by the request's office",
            field="attachment_ids",
            attachment_id=attachment_id,
        )


def signature_threshold(population: int, commune_type: str) -> int:
    """Organic Law 113-14's minimum signatures for a petition (to be checked against the decree)."""
    if commune_type == "with_arrondissements":
        return 400
    return 200 if population > 35_000 else 100


# The staff queue's text search compares words in one normal form, computed here for the words
# typed and by the database for the stored text (store.search_text, the same rule in SQL), so
# that spelling variants and attached articles do not hide a request:
# - Arabic: the hamza forms of alef (أ إ آ ٱ) read as ا, ta marbuta ة as ه, alef maksura ى as ي;
#   the harakat (fathatan .. sukun, superscript alef) and tatweel ـ are dropped; a word's leading
#   article ال, also behind the proclitics و ف and ب ك (وال فال بال كال وبال فكال ...) or as لل
#   (ولل فلل), is dropped when two letters or more remain ("الإنارة", "وبالإنارة" and "إنارة"
#   all read "اناره").
# - Latin: the accented letters of French and Spanish read as their base letter, in lower case
#   ("École" reads "ecole"); œ and æ as oe and ae.
# Then lower case. Tifinagh has no variants to fold and passes unchanged.
SEARCH_LETTERS = {
    **dict.fromkeys("أإآٱ", "ا"),
    "ة": "ه",
    "ى": "ي",
    **dict.fromkeys("àáâãäåÀÁÂÃÄÅ", "a"),
    **dict.fromkeys("çÇ", "c"),
    **dict.fromkeys("èéêëÈÉÊË", "e"),
    **dict.fromkeys("ìíîïÌÍÎÏ", "i"),
    **dict.fromkeys("ñÑ", "n"),
    **dict.fromkeys("òóôõöÒÓÔÕÖ", "o"),
    **dict.fromkeys("ùúûüÙÚÛÜ", "u"),
    **dict.fromkeys("ýÿÝŸ", "y"),
}
SEARCH_LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"}
# Harakat U+064B..U+065F, superscript alef U+0670, tatweel U+0640.
SEARCH_DROPPED = "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670\u0640"
ARABIC_LETTERS = "\u0621-\u064a\u0671-\u06d3"
# A leading article: after the start or anything but an Arabic letter, before two letters or more.
ARTICLE = f"(^|[^{ARABIC_LETTERS}])[وف]?(?:[بك]?ال|لل)(?=[{ARABIC_LETTERS}]{{2}})"
_SEARCH_TABLE = str.maketrans({**SEARCH_LETTERS, **SEARCH_LIGATURES, **dict.fromkeys(SEARCH_DROPPED, "")})
_ARTICLE = re.compile(ARTICLE)
SEARCH_WORDS_MAX = 8


def search_normal(text: str) -> str:
    """The text in the search's normal form (the rule above)."""
    return _ARTICLE.sub(r"\1", text.translate(_SEARCH_TABLE)).lower()


def search_words(text: str) -> list[str]:
    """The words typed, in normal form: letters and digits only, at most SEARCH_WORDS_MAX."""
    return re.findall(r"[^\W_]+", search_normal(text))[:SEARCH_WORDS_MAX]
