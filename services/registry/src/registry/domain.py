"""Citizen Offices and their phases.

Every office goes through creation, implementation, operationalization, evaluation and
institutionalization; its status says whether citizens can be served there today.
"""
from __future__ import annotations

import dataclasses

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
    OfficeSeed("chefchaouen", "chefchaouen", "شفشاون", "Chefchaouen", "ⴰⵛⵛⴰⵡⵏ", "Chefchaouen", "implementation", "operational"),
    OfficeSeed("mdiq", "mdiq", "المضيق", "M'diq", "", "M'diq", "implementation", "operational"),
    OfficeSeed("martil", "martil", "مرتيل", "Martil", "", "Martil", "implementation", "operational"),
    OfficeSeed("ouazzane", "ouazzane", "وزان", "Ouazzane", "", "Ouazzane", "creation", "being_implemented"),
    OfficeSeed("asilah", "asilah", "أصيلة", "Asilah", "", "Asilah", "creation", "being_implemented"),
)


def accepts_requests(status: str) -> bool:
    return status == "operational"
