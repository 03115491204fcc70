"""Statistics per office and period: volumes, response times in working days, share
answered within the deadline, satisfaction. Public figures are anonymised: a cell
counting fewer than MIN_PUBLIC_CELL requests is folded into "other" so nobody is
recognisable from a count of one.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Iterable, Sequence

MIN_PUBLIC_CELL = 5


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def median(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclasses.dataclass(frozen=True)
class Figures:
    total: int
    by_kind: dict[str, int]
    by_category: dict[str, int]
    answered: int
    median_working_days: float
    p90_working_days: float
    within_deadline_share: float
    satisfaction_average: float
    ratings: int


def figures(tickets: Iterable[dict], response_days: dict[str, int], public: bool) -> Figures:
    """`tickets`: kind, category, ticket_id, decided_at, answer_by, rating; `response_days`:
    working days from receipt to decision, per decided ticket."""
    rows = list(tickets)
    by_kind = Counter(r["kind"] for r in rows)
    by_category = Counter(r["category"] for r in rows)
    decided = [r for r in rows if r["decided_at"] is not None]
    days = [response_days[r["ticket_id"]] for r in decided]
    on_time = sum(1 for r in decided if r["decided_at"] <= r["answer_by"])
    ratings = [r["rating"] for r in rows if r.get("rating")]
    if public:
        by_category = fold_small(by_category)
        by_kind = fold_small(by_kind)
    return Figures(
        total=len(rows),
        by_kind=dict(by_kind),
        by_category=dict(by_category),
        answered=len(decided),
        median_working_days=median(days),
        p90_working_days=percentile(days, 90),
        within_deadline_share=on_time / len(decided) if decided else 0.0,
        satisfaction_average=sum(ratings) / len(ratings) if ratings else 0.0,
        ratings=len(ratings),
    )


def fold_small(counts: Counter) -> Counter:
    folded: Counter = Counter()
    for key, count in counts.items():
        folded[key if count >= MIN_PUBLIC_CELL else "other"] += count
    if 0 < folded.get("other", 0) < MIN_PUBLIC_CELL:
        # Even the folded cell would single someone out: drop it from the public table.
        del folded["other"]
    return folded
