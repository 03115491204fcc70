"""Holiday calendars: per instance, maintained by admins, expanded into working days.

Civil holidays recur on a fixed day of the Gregorian year; religious ones follow the Hijri
calendar, so each year's dates are entered (first as estimates, then confirmed by an admin
once announced). Both are data: a partner instance has its own list and weekend.
The arithmetic itself lives in cokit.calendar, shared with the services that cache it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from cokit.calendar import Holiday, WorkingCalendar
from cokit.refusals import invalid_argument

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEFAULT_WEEKEND = (5, 6)  # Saturday, Sunday


@dataclasses.dataclass(frozen=True)
class HolidayRule:
    """Either recurring (month and day, from `from_year` on) or on one dated day."""

    key: str
    name_fr: str
    name_ar: str = ""
    month: int = 0
    day: int = 0
    on_date: dt.date | None = None
    from_year: int = 0
    religious: bool = False
    confirmed: bool = True

    @property
    def recurring(self) -> bool:
        return self.on_date is None

    def dates(self, first_year: int, last_year: int) -> list[dt.date]:
        if self.on_date is not None:
            return [self.on_date] if first_year <= self.on_date.year <= last_year else []
        out = []
        for year in range(max(first_year, self.from_year or first_year), last_year + 1):
            try:
                out.append(dt.date(year, self.month, self.day))
            except ValueError:  # 29 February outside leap years
                continue
        return out


def validate_rule(rule: HolidayRule) -> HolidayRule:
    if not KEY.match(rule.key):
        raise invalid_argument("BAD_HOLIDAY_KEY", "key: lower-case letters, digits, '_' or '-'", field="key")
    if not (rule.name_fr.strip() or rule.name_ar.strip()):
        raise invalid_argument("HOLIDAY_NAME_REQUIRED", "a holiday needs a French or Arabic name", field="name")
    if rule.on_date is None:
        try:
            dt.date(2024, rule.month, rule.day)  # a leap year accepts every real month/day
        except (ValueError, TypeError):
            raise invalid_argument(
                "BAD_HOLIDAY_DATE", "a recurring holiday needs a real month and day", field="month_day"
            ) from None
    elif not 1900 <= rule.on_date.year <= 2200:
        raise invalid_argument("BAD_HOLIDAY_DATE", "the date is out of range", field="date")
    return rule


def working_calendar(rules, weekend=DEFAULT_WEEKEND, first_year: int = 2000, last_year: int = 2100) -> WorkingCalendar:
    holidays = []
    covered = set()
    for rule in rules:
        for day in rule.dates(first_year, last_year):
            holidays.append(Holiday(day, rule.name_fr or rule.name_ar, rule.confirmed))
        if rule.religious and rule.on_date is not None:
            covered.add(rule.on_date.year)
    return WorkingCalendar(weekend, holidays, covered)


def parse_weekend(text: str) -> tuple[int, ...]:
    return tuple(sorted(int(x) for x in text.split(",") if x.strip()))


def _fixed(key, day_month, fr, ar, from_year=0):
    month, day = day_month
    return HolidayRule(key, fr, ar, month=month, day=day, from_year=from_year)


def _movable(key, iso, fr, ar):
    return HolidayRule(key, fr, ar, on_date=dt.date.fromisoformat(iso), religious=True, confirmed=False)


# Morocco. The religious dates are astronomical estimates; the ministry's announcement
# (moon sighting) can move each by a day, so they start unconfirmed.
MOROCCO_HOLIDAYS = (
    _fixed("new-year", (1, 1), "Nouvel An", "رأس السنة الميلادية"),
    _fixed("independence-manifesto", (1, 11), "Manifeste de l'Indépendance", "ذكرى تقديم وثيقة الاستقلال"),
    _fixed("yennayer", (1, 14), "Nouvel An amazigh (Yennayer)", "رأس السنة الأمازيغية", from_year=2024),
    _fixed("labour-day", (5, 1), "Fête du Travail", "عيد الشغل"),
    _fixed("throne-day", (7, 30), "Fête du Trône", "عيد العرش"),
    _fixed("oued-ed-dahab", (8, 14), "Allégeance Oued Ed-Dahab", "ذكرى استرجاع إقليم وادي الذهب"),
    _fixed("revolution", (8, 20), "Révolution du Roi et du Peuple", "ذكرى ثورة الملك والشعب"),
    _fixed("youth-day", (8, 21), "Fête de la Jeunesse", "عيد الشباب"),
    _fixed("green-march", (11, 6), "Marche Verte", "ذكرى المسيرة الخضراء"),
    _fixed("independence-day", (11, 18), "Fête de l'Indépendance", "عيد الاستقلال"),
    _movable("eid-al-fitr-2026-1", "2026-03-20", "Aïd al-Fitr", "عيد الفطر"),
    _movable("eid-al-fitr-2026-2", "2026-03-21", "Aïd al-Fitr (2e jour)", "عيد الفطر"),
    _movable("eid-al-adha-2026-1", "2026-05-27", "Aïd al-Adha", "عيد الأضحى"),
    _movable("eid-al-adha-2026-2", "2026-05-28", "Aïd al-Adha (2e jour)", "عيد الأضحى"),
    _movable("hijri-new-year-2026", "2026-06-16", "1er Moharram", "فاتح محرم"),
    _movable("mawlid-2026-1", "2026-08-25", "Aïd al-Mawlid", "عيد المولد النبوي"),
    _movable("mawlid-2026-2", "2026-08-26", "Aïd al-Mawlid (2e jour)", "عيد المولد النبوي"),
    _movable("eid-al-fitr-2027-1", "2027-03-10", "Aïd al-Fitr", "عيد الفطر"),
    _movable("eid-al-fitr-2027-2", "2027-03-11", "Aïd al-Fitr (2e jour)", "عيد الفطر"),
    _movable("eid-al-adha-2027-1", "2027-05-17", "Aïd al-Adha", "عيد الأضحى"),
    _movable("eid-al-adha-2027-2", "2027-05-18", "Aïd al-Adha (2e jour)", "عيد الأضحى"),
    _movable("hijri-new-year-2027", "2027-06-06", "1er Moharram", "فاتح محرم"),
    _movable("mawlid-2027-1", "2027-08-15", "Aïd al-Mawlid", "عيد المولد النبوي"),
    _movable("mawlid-2027-2", "2027-08-16", "Aïd al-Mawlid (2e jour)", "عيد المولد النبوي"),
)
