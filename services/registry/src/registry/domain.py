"""Citizen Offices and their phases.

Every office goes through creation, implementation, operationalization, evaluation and
institutionalization; its status says whether citizens can be served there today.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math as _math
import re as _re

from cokit import legal_deadlines, request_types
from cokit.refusals import failed_precondition, invalid_argument

PHASES = ("creation", "implementation", "operationalization", "evaluation", "institutionalization")
STATUSES = ("planned", "being_implemented", "operational", "suspended")


@dataclasses.dataclass(frozen=True)
class OfficeSeed:
    slug: str
    commune_code: str
    name_ar: str
    name_fr: str
    name_zgh: str
    name_en: str
    phase: str
    status: str
    timezone: str = "Africa/Casablanca"


# The offices of the first region (Tanger-Tetouan-Al Hoceima). Amazigh names only where
# an established Tifinagh spelling is in public use; the rest are filled in by admins.
SEED_OFFICES = (
    OfficeSeed("tetouan", "tetouan", "تطوان", "Tétouan", "ⵜⵉⵟⵟⴰⵡⵉⵏ", "Tetouan", "implementation", "operational"),
    OfficeSeed("oued-laou", "oued-laou", "واد لاو", "Oued Laou", "", "Oued Laou", "implementation", "operational"),
    OfficeSeed(
        "chefchaouen", "chefchaouen", "شفشاون", "Chefchaouen", "ⴰⵛⵛⴰⵡⵏ", "Chefchaouen", "implementation", "operational"
    ),
    OfficeSeed("mdiq", "mdiq", "المضيق", "M'diq", "", "M'diq", "implementation", "operational"),
    OfficeSeed("martil", "martil", "مرتيل", "Martil", "", "Martil", "implementation", "operational"),
    OfficeSeed("ouazzane", "ouazzane", "وزان", "Ouazzane", "", "Ouazzane", "creation", "being_implemented"),
    OfficeSeed("asilah", "asilah", "أصيلة", "Asilah", "", "Asilah", "creation", "being_implemented"),
)


def accepts_requests(status: str) -> bool:
    return status == "operational"


# --- phases ------------------------------------------------------------------------------


def check_phase_change(current: str, new: str, reason: str) -> None:
    """Phases move forward; going back (an office closed and reopened, a failed evaluation)
    happens but must be explained, since the initiative reports counts per phase."""
    if new not in PHASES:
        raise invalid_argument("BAD_PHASE", f"phase must be one of {', '.join(PHASES)}", field="phase")
    if new == current:
        raise failed_precondition("PHASE_UNCHANGED", f"the office is already in {new}", phase=new)
    if PHASES.index(new) < PHASES.index(current) and not reason.strip():
        raise failed_precondition(
            "PHASE_BACKWARDS_NEEDS_REASON",
            f"going back from {current} to {new} needs a reason",
            current=current,
            requested=new,
        )


# --- office details ----------------------------------------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = _re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_SLUG = _re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_EMAIL = _re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = _re.compile(r"^\+?[0-9 ()-]{6,20}$")


@dataclasses.dataclass(frozen=True)
class Hours:
    weekday: str
    opens: str
    closes: str


@dataclasses.dataclass(frozen=True)
class OfficeDetails:
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    opening_hours: tuple[Hours, ...] = ()
    phone: str = ""
    email: str = ""


def details_problems(details: OfficeDetails) -> list[tuple[str, str, str]]:
    problems = []
    lat, lon = details.latitude, details.longitude
    if (lat is None) != (lon is None):
        problems.append(("location", "BAD_COORDINATES", "give both latitude and longitude, or neither"))
    elif lat is not None:
        if not (_math.isfinite(lat) and -90 <= lat <= 90) or not (_math.isfinite(lon) and -180 <= lon <= 180):
            problems.append(
                ("location", "BAD_COORDINATES", "latitude must be within -90..90 and longitude within -180..180")
            )
    for hours in details.opening_hours:
        if hours.weekday not in WEEKDAYS:
            problems.append(("opening_hours", "BAD_OPENING_HOURS", f"weekday must be one of {', '.join(WEEKDAYS)}"))
        elif not (_HHMM.match(hours.opens) and _HHMM.match(hours.closes)) or hours.opens >= hours.closes:
            problems.append(("opening_hours", "BAD_OPENING_HOURS", f"{hours.weekday}: HH:MM opening before closing"))
    if details.email and not _EMAIL.match(details.email):
        problems.append(("email", "BAD_EMAIL", "not an e-mail address"))
    if details.phone and not _PHONE.match(details.phone):
        problems.append(("phone", "BAD_PHONE", "not a phone number"))
    return problems


def office_problems(slug: str, name_fr: str, name_ar: str, status: str, phase: str) -> list[tuple[str, str, str]]:
    problems = []
    if not _SLUG.match(slug or ""):
        problems.append(("slug", "BAD_SLUG", "slug: lower-case letters, digits and '-', 2 to 64"))
    if not (name_fr.strip() or name_ar.strip()):
        problems.append(("name", "NAME_REQUIRED", "a French or Arabic name is required"))
    if status not in STATUSES:
        problems.append(("status", "BAD_STATUS", f"status must be one of {', '.join(STATUSES)}"))
    if phase not in PHASES:
        problems.append(("phase", "BAD_PHASE", f"phase must be one of {', '.join(PHASES)}"))
    return problems


def raise_first(problems) -> None:
    if problems:
        field, reason, message = problems[0]
        raise invalid_argument(reason, message, field=field)


# --- activities and achievements in figures ----------------------------------------------

# Each kind of activity belongs to the phase whose figures it feeds (DOMAIN.md).
ACTIVITY_PHASE = {
    "strategic_workshop": "operationalization",
    "forum": "operationalization",
    "observation_visit": "evaluation",
    "assessment_mission": "evaluation",
    "harmonization_workshop": "evaluation",
    "institutional_meeting": "institutionalization",
    "exchange_visit": "institutionalization",
}
WORKSHOP_THEMES = ("access_to_information", "participation", "facilitation_of_administration")


@dataclasses.dataclass(frozen=True)
class Activity:
    kind: str
    held_on: dt.date | None
    place: str
    title: str = ""
    theme: str = ""
    women: int = 0
    men: int = 0
    others: int = 0
    document_ids: tuple[str, ...] = ()


def activity_problems(activity: Activity) -> list[tuple[str, str, str]]:
    problems = []
    if activity.kind not in ACTIVITY_PHASE:
        problems.append(("kind", "BAD_ACTIVITY_KIND", f"kind must be one of {', '.join(ACTIVITY_PHASE)}"))
    if activity.kind == "strategic_workshop":
        if activity.theme not in WORKSHOP_THEMES:
            problems.append(("theme", "BAD_THEME", f"a strategic workshop has a theme: {', '.join(WORKSHOP_THEMES)}"))
    elif activity.theme:
        problems.append(("theme", "BAD_THEME", "only strategic workshops have a theme"))
    if activity.held_on is None:
        problems.append(("date", "DATE_REQUIRED", "the activity's date is required"))
    if not activity.place.strip():
        problems.append(("place", "PLACE_REQUIRED", "the activity's place is required"))
    if min(activity.women, activity.men, activity.others) < 0:
        problems.append(("participants", "BAD_PARTICIPANTS", "participant counts must be zero or more"))
    return problems


@dataclasses.dataclass
class Figures:
    """The shape of the initiative's published figures, for one scope."""

    offices_by_status: dict[str, int]
    offices_by_phase: dict[str, int]
    activities: dict[str, dict[str, int]]  # phase -> kind -> count
    themes: dict[str, int]
    women: int = 0
    men: int = 0
    others: int = 0

    @property
    def activities_total(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.activities.values())


def achievements(offices, activities) -> Figures:
    """`offices`: (status, phase) pairs; `activities`: (kind, theme, count, women, men, others)
    rows, one per activity or already summed per kind and theme."""
    figures = Figures(
        offices_by_status={s: 0 for s in STATUSES},
        offices_by_phase={p: 0 for p in PHASES},
        activities={p: {} for p in PHASES},
        themes={t: 0 for t in WORKSHOP_THEMES},
    )
    for status, phase in offices:
        figures.offices_by_status[status] = figures.offices_by_status.get(status, 0) + 1
        figures.offices_by_phase[phase] = figures.offices_by_phase.get(phase, 0) + 1
    for kind, theme, count, women, men, others in activities:
        kinds = figures.activities.setdefault(ACTIVITY_PHASE.get(kind, "creation"), {})
        kinds[kind] = kinds.get(kind, 0) + count
        if theme:
            figures.themes[theme] = figures.themes.get(theme, 0) + count
        figures.women += women
        figures.men += men
        figures.others += others
    return figures


def merge(parts) -> Figures:
    """The federation's figures: the sum of every instance's."""
    total = Figures(
        offices_by_status={s: 0 for s in STATUSES},
        offices_by_phase={p: 0 for p in PHASES},
        activities={p: {} for p in PHASES},
        themes={t: 0 for t in WORKSHOP_THEMES},
    )
    for part in parts:
        for status, n in part.offices_by_status.items():
            total.offices_by_status[status] = total.offices_by_status.get(status, 0) + n
        for phase, n in part.offices_by_phase.items():
            total.offices_by_phase[phase] = total.offices_by_phase.get(phase, 0) + n
        for phase, kinds in part.activities.items():
            into = total.activities.setdefault(phase, {})
            for kind, n in kinds.items():
                into[kind] = into.get(kind, 0) + n
        for theme, n in part.themes.items():
            total.themes[theme] = total.themes.get(theme, 0) + n
        total.women += part.women
        total.men += part.men
        total.others += part.others
    return total


# --- service catalogue -------------------------------------------------------------------

# Each entry is of one request type (cokit.request_types); its deadline is the one tickets
# applies, within the bounds of that type's definition.
DEADLINE_UNITS = legal_deadlines.UNITS
# Whether requests of a category are shown to the public (map, lists, Open311): never, as the
# requester chooses, or always.
PUBLICITY = request_types.PUBLICITY


def default_publicity(request_type: str) -> str:
    """The type's own: requests about the public space may be shown if the requester wishes; a
    request about one's own file (information, administrative help) never; a petition always."""
    found = request_types.REGISTRY.get(request_type)
    return found.publicity if found else "choice"


def default_anonymous_allowed(request_type: str) -> bool:
    """Where the law names who asks (information requests, petitions), never."""
    found = request_types.REGISTRY.get(request_type)
    return bool(found and found.anonymous_allowed)


@dataclasses.dataclass(frozen=True)
class CatalogueEntry:
    code: str
    request_type: str
    category: str
    name_fr: str
    name_ar: str = ""
    name_zgh: str = ""
    name_en: str = ""
    deadline_count: int = 0
    deadline_unit: str = "working_days"
    legal_basis: str = ""
    department: str = ""
    requires_location: bool = False
    requires_attachments: bool = False
    active: bool = True
    publicity: str = ""  # empty: the request type's default
    anonymous_allowed: bool | None = None  # None: the request type's default

    def __post_init__(self):
        if not self.publicity:
            object.__setattr__(self, "publicity", default_publicity(self.request_type))
        if self.anonymous_allowed is None:
            object.__setattr__(self, "anonymous_allowed", default_anonymous_allowed(self.request_type))


def entry_problems(entry: CatalogueEntry) -> list[tuple[str, str, str]]:
    problems = []
    if not _re.match(r"^[a-z0-9][a-z0-9_.-]{0,63}$", entry.code or ""):
        problems.append(("code", "BAD_CODE", "code: lower-case letters, digits, '_', '.' or '-'"))
    request_type = request_types.REGISTRY.get(entry.request_type)
    if request_type is None:
        names = ", ".join(request_types.names())
        problems.append(("request_type", "BAD_REQUEST_TYPE", f"request_type must be one of {names}"))
    if not _re.match(r"^[a-z0-9][a-z0-9_-]{0,63}$", entry.category or ""):
        problems.append(("category", "BAD_CATEGORY", "category: lower-case letters, digits, '_' or '-'"))
    if not (entry.name_fr.strip() or entry.name_ar.strip()):
        problems.append(("name", "NAME_REQUIRED", "a French or Arabic name is required"))
    if request_type is None:
        problems += legal_deadlines.shape_problems(entry.deadline_count, entry.deadline_unit)
    else:
        problems += request_type.deadline.problems(entry.request_type, entry.deadline_count, entry.deadline_unit)
    if entry.publicity not in PUBLICITY:
        problems.append(("publicity", "BAD_PUBLICITY", f"publicity must be one of {', '.join(PUBLICITY)}"))
    if entry.anonymous_allowed and request_type is not None and not request_type.anonymous_allowed:
        because = f" ({request_type.law})" if request_type.law else ""
        problems.append(
            (
                "anonymous_allowed",
                "ANONYMITY_NOT_LAWFUL",
                f"requests of type {entry.request_type} name their requester{because}: "
                "anonymous requests cannot be allowed",
            )
        )
    return problems


_L = "Décret 2-17-265 (portail national des réclamations)"
_I = "Loi 31-13 relative au droit d'accès à l'information"
_P = "Loi organique 113-14 relative aux communes, art. 121-125"


def _c(code, rtype, category, fr, ar, en, count, unit, basis, dept, loc=False, att=False, publicity="", anonymous=None):
    return CatalogueEntry(
        code,
        rtype,
        category,
        fr,
        ar,
        "",
        en,
        count,
        unit,
        basis,
        dept,
        loc,
        att,
        publicity=publicity,
        anonymous_allowed=anonymous,
    )


# Copied to every new office; each office then edits its own catalogue. Publicity and anonymity
# follow the request type's defaults, except civil status: a complaint about one's own civil-
# status documents is about a named person's file, so it is never public nor anonymous.
DEFAULT_CATALOGUE = (
    _c(
        "roads",
        "complaint",
        "roads",
        "Voirie et chaussée",
        "الطرق والأرصفة",
        "Roads and pavements",
        2,
        "months",
        _L,
        "Service technique",
        True,
    ),
    _c(
        "lighting",
        "complaint",
        "lighting",
        "Éclairage public",
        "الإنارة العمومية",
        "Street lighting",
        2,
        "months",
        _L,
        "Service technique",
        True,
    ),
    _c(
        "waste",
        "complaint",
        "waste",
        "Propreté et déchets",
        "النظافة والنفايات",
        "Waste and cleanliness",
        2,
        "months",
        _L,
        "Service d'hygiène",
        True,
    ),
    _c(
        "water",
        "complaint",
        "water",
        "Eau et assainissement",
        "الماء والتطهير",
        "Water and sanitation",
        2,
        "months",
        _L,
        "Service technique",
        True,
    ),
    _c(
        "civil-status",
        "complaint",
        "civil_status",
        "Documents d'état civil",
        "وثائق الحالة المدنية",
        "Civil-status documents",
        2,
        "months",
        _L,
        "Bureau d'état civil",
        publicity="private",
        anonymous=False,
    ),
    _c(
        "urbanism",
        "complaint",
        "urbanism",
        "Urbanisme et autorisations",
        "التعمير والرخص",
        "Planning and permits",
        2,
        "months",
        _L,
        "Service de l'urbanisme",
        True,
        True,
    ),
    _c(
        "observation",
        "observation",
        "general",
        "Observation",
        "ملاحظة",
        "Observation",
        2,
        "months",
        _L,
        "Bureau citoyen",
    ),
    _c("suggestion", "suggestion", "general", "Suggestion", "اقتراح", "Suggestion", 2, "months", _L, "Bureau citoyen"),
    _c(
        "information",
        "information_request",
        "information",
        "Demande d'accès à l'information",
        "طلب الحصول على المعلومات",
        "Access to information",
        20,
        "working_days",
        _I,
        "Chargé de l'information",
    ),
    _c(
        "petition",
        "petition",
        "council",
        "Pétition au conseil communal",
        "عريضة إلى المجلس الجماعي",
        "Petition to the council",
        3,
        "months",
        _P,
        "Bureau du conseil",
        False,
        True,
    ),
)
