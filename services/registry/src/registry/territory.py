"""The territory: instance (a country's platform) > region > province or prefecture > commune.

Communes carry their population and type because the petition rules of Organic Law 113-14
depend on them (signature thresholds).
"""

from __future__ import annotations

import dataclasses
import re

LEVELS = ("instance", "region", "province", "prefecture", "commune")
PARENT_LEVELS = {
    "instance": (),
    "region": ("instance",),
    "province": ("region",),
    "prefecture": ("region",),
    "commune": ("province", "prefecture"),
}
COMMUNE_TYPES = ("urban", "rural", "with_arrondissements")
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# Tifinagh block plus what a written name also holds (spaces, hyphens, apostrophes).
TIFINAGH = re.compile(r"^[\u2D30-\u2D7F \-'’]*$")
ARROND_THRESHOLD = 400
LARGE_THRESHOLD = 200
SMALL_THRESHOLD = 100
LARGE_COMMUNE = 35_000


@dataclasses.dataclass(frozen=True)
class Unit:
    code: str
    level: str
    parent_code: str
    name_fr: str
    name_ar: str = ""
    name_zgh: str = ""
    population: int | None = None
    commune_type: str = ""


def unit_problems(unit: Unit) -> list[tuple[str, str, str]]:
    """(field, reason, message) for each rule a unit breaks, without looking at its parent."""
    problems = []
    if not CODE.match(unit.code or ""):
        problems.append(("code", "BAD_CODE", "code: lower-case letters, digits, '_' or '-', at most 64"))
    if unit.level not in LEVELS:
        problems.append(("level", "BAD_LEVEL", f"level must be one of {', '.join(LEVELS)}"))
    elif unit.level == "instance":
        if unit.parent_code:
            problems.append(("parent_code", "BAD_PARENT", "an instance has no parent"))
    elif not unit.parent_code:
        problems.append(("parent_code", "PARENT_REQUIRED", f"a {unit.level} needs a parent"))
    if not (unit.name_fr.strip() or unit.name_ar.strip()):
        problems.append(("name", "NAME_REQUIRED", "a French or Arabic name is required"))
    if unit.name_zgh and not TIFINAGH.match(unit.name_zgh):
        problems.append(("name_zgh", "NOT_TIFINAGH", "the Amazigh name must be written in Tifinagh"))
    if unit.population is not None and unit.population < 0:
        problems.append(("population", "BAD_POPULATION", "population must be zero or more"))
    if unit.level == "commune":
        if unit.commune_type not in COMMUNE_TYPES:
            problems.append(
                ("commune_type", "BAD_COMMUNE_TYPE", f"commune_type must be one of {', '.join(COMMUNE_TYPES)}")
            )
    elif unit.commune_type and unit.level in LEVELS:
        problems.append(("commune_type", "BAD_COMMUNE_TYPE", "only a commune has a commune type"))
    return problems


def parent_problem(unit: Unit, parent_level: str | None) -> tuple[str, str, str] | None:
    if unit.level not in PARENT_LEVELS or unit.level == "instance":
        return None
    if parent_level is None:
        return ("parent_code", "PARENT_NOT_FOUND", f"no territory unit {unit.parent_code!r}")
    if parent_level not in PARENT_LEVELS[unit.level]:
        return (
            "parent_code",
            "BAD_PARENT",
            f"a {unit.level} belongs to a {' or '.join(PARENT_LEVELS[unit.level])}, not a {parent_level}",
        )
    return None


def petition_signatures_required(population: int | None, commune_type: str) -> int | None:
    """Minimum signatures of a citizens' petition (Organic Law 113-14, art. 123 and its decree).

    None when the population is unknown: the threshold cannot be enforced then.
    """
    if commune_type == "with_arrondissements":
        return ARROND_THRESHOLD
    if population is None:
        return None
    return LARGE_THRESHOLD if population > LARGE_COMMUNE else SMALL_THRESHOLD


def _region(n, fr, ar):
    return Unit(f"ma-{n:02d}", "region", "ma", fr, ar)


# The 12 regions of 2015 (codes as ISO 3166-2:MA), the provinces and prefectures of
# Tanger-Tetouan-Al Hoceima and the communes with a Citizen Office. Amazigh names only
# where a Tifinagh spelling is in public use; admins complete the rest.
SEED_UNITS = (
    Unit("ma", "instance", "", "Maroc", "المغرب", "ⵍⵎⵖⵔⵉⴱ"),
    _region(1, "Tanger-Tétouan-Al Hoceïma", "طنجة تطوان الحسيمة"),
    _region(2, "L'Oriental", "الشرق"),
    _region(3, "Fès-Meknès", "فاس مكناس"),
    _region(4, "Rabat-Salé-Kénitra", "الرباط سلا القنيطرة"),
    _region(5, "Béni Mellal-Khénifra", "بني ملال خنيفرة"),
    _region(6, "Casablanca-Settat", "الدار البيضاء سطات"),
    _region(7, "Marrakech-Safi", "مراكش آسفي"),
    _region(8, "Drâa-Tafilalet", "درعة تافيلالت"),
    _region(9, "Souss-Massa", "سوس ماسة"),
    _region(10, "Guelmim-Oued Noun", "كلميم واد نون"),
    _region(11, "Laâyoune-Sakia El Hamra", "العيون الساقية الحمراء"),
    _region(12, "Dakhla-Oued Ed-Dahab", "الداخلة وادي الذهب"),
    Unit("ma-tng", "prefecture", "ma-01", "Tanger-Assilah", "طنجة أصيلة"),
    Unit("ma-mdf", "prefecture", "ma-01", "M'diq-Fnideq", "المضيق الفنيدق"),
    Unit("ma-tet", "province", "ma-01", "Tétouan", "تطوان"),
    Unit("ma-fah", "province", "ma-01", "Fahs-Anjra", "الفحص أنجرة"),
    Unit("ma-lar", "province", "ma-01", "Larache", "العرائش"),
    Unit("ma-hoc", "province", "ma-01", "Al Hoceïma", "الحسيمة"),
    Unit("ma-che", "province", "ma-01", "Chefchaouen", "شفشاون"),
    Unit("ma-ouz", "province", "ma-01", "Ouezzane", "وزان"),
    # Populations: 2014 general census (RGPH); admins update them from the latest census.
    Unit("tetouan", "commune", "ma-tet", "Tétouan", "تطوان", "ⵜⵉⵟⵟⴰⵡⵉⵏ", 380_787, "urban"),
    Unit("oued-laou", "commune", "ma-tet", "Oued Laou", "واد لاو", "", 9_665, "urban"),
    Unit("chefchaouen", "commune", "ma-che", "Chefchaouen", "شفشاون", "ⴰⵛⵛⴰⵡⵏ", 42_786, "urban"),
    Unit("mdiq", "commune", "ma-mdf", "M'diq", "المضيق", "", 56_227, "urban"),
    Unit("martil", "commune", "ma-mdf", "Martil", "مرتيل", "", 64_355, "urban"),
    Unit("ouazzane", "commune", "ma-ouz", "Ouazzane", "وزان", "", 59_606, "urban"),
    Unit("asilah", "commune", "ma-tng", "Asilah", "أصيلة", "", 31_147, "urban"),
)
