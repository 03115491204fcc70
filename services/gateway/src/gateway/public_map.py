"""A map of public requests drawn by the server as a small inline SVG: the office at the centre,
each request a dot placed by its distance and bearing from it, rings to give the scale. No tile
server, no script, a few hundred bytes; the list of places under it says the same in words.

Points are projected on a plane tangent at the office (equirectangular, longitudes shrunk by the
cosine of the latitude), which is exact enough within a commune.
"""

from __future__ import annotations

import dataclasses
import math

SIZE = 200  # the SVG's side in its own units; it scales to the screen
MARGIN = 12
MIN_RADIUS_KM = 0.5  # the smallest map shown, so one nearby request is not at the edge
EARTH_KM_PER_DEGREE = 111.32


@dataclasses.dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str


@dataclasses.dataclass(frozen=True)
class Drawing:
    size: int
    centre: float
    dots: tuple[Dot, ...]
    rings: tuple[tuple[float, str], ...]  # (radius in SVG units, its distance in words)


def _offset_km(centre: tuple[float, float], point: tuple[float, float]) -> tuple[float, float]:
    """(east, north) kilometres from the centre."""
    east = (point[1] - centre[1]) * EARTH_KM_PER_DEGREE * math.cos(math.radians(centre[0]))
    north = (point[0] - centre[0]) * EARTH_KM_PER_DEGREE
    return east, north


def _round_distance(km: float) -> float:
    """The ring's distance: 1, 2 or 5 times a power of ten, at or above `km`."""
    power = 10 ** math.floor(math.log10(km))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= km - 1e-9)


def _distance_text(km: float) -> str:
    return f"{km:g} km" if km >= 1 else f"{km * 1000:.0f} m"


def draw(centre: tuple[float, float], points: list[tuple[float, float, str]]) -> Drawing:
    """`points` as (latitude, longitude, label); the map reaches the farthest one (a round
    distance), north up. Points that are not finite numbers are left out."""
    offsets = [
        (_offset_km(centre, (lat, lon)), label)
        for lat, lon, label in points
        if math.isfinite(lat) and math.isfinite(lon)
    ]
    farthest = max([math.hypot(e, n) for (e, n), _ in offsets] + [MIN_RADIUS_KM])
    radius_km = _round_distance(farthest)
    half = SIZE / 2
    scale = (half - MARGIN) / radius_km
    dots = tuple(Dot(round(half + e * scale, 1), round(half - n * scale, 1), label) for (e, n), label in offsets)
    rings = (
        (round(half - MARGIN, 1), _distance_text(radius_km)),
        (round((half - MARGIN) / 2, 1), _distance_text(radius_km / 2)),
    )
    return Drawing(SIZE, half, dots, rings)
