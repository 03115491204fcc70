"""Possible duplicates: an open request of the same category within 50 m, or with similar text.

Plain rules on plain values; the store narrows the candidates (same office and category,
open, a bounding box or the latest ones) and these functions decide.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata

NEAR_METRES = 50.0
SIMILAR_TEXT = 0.5  # Jaccard similarity of word sets
EARTH_RADIUS_M = 6_371_000.0
_WORD = re.compile(r"\w{3,}", re.UNICODE)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bounding_box(lat: float, lon: float, metres: float = NEAR_METRES) -> tuple[float, float, float, float]:
    dlat = math.degrees(metres / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@functools.lru_cache(maxsize=1024)
def words(text: str) -> frozenset[str]:
    """The word set of a text; kept for the last texts seen, since each submission compares its
    text with the same latest open requests of its category (up to 200 of them)."""
    # NFKC and casefold so Arabic presentation forms, French accents typed or not and
    # capitals compare equal.
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return frozenset(_WORD.findall(folded))


def text_similarity(a: str, b: str) -> float:
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def is_possible_duplicate(new: dict, old: dict) -> str | None:
    """'nearby', 'similar_text' or None. Both dicts carry latitude, longitude, description."""
    if None not in (new.get("latitude"), new.get("longitude"), old.get("latitude"), old.get("longitude")):
        if distance_m(new["latitude"], new["longitude"], old["latitude"], old["longitude"]) <= NEAR_METRES:
            return "nearby"
    if text_similarity(new["description"], old["description"]) >= SIMILAR_TEXT:
        return "similar_text"
    return None
