"""Answer deadlines: the terms the laws set, and how far an office's catalogue may move one.

Each request type's bounds are in its definition (cokit.request_types); the registry refuses a
catalogue entry outside them when it is set or imported, tickets computes each request's
deadlines from the entry it is filed under, and the gateway tells Open311 clients the rule
tickets applies. Plain Python.

The terms (DOMAIN.md):
- complaint, observation, suggestion (decree 2-17-265): processed within two months at most, so
  an office may promise less (10 working days on street lighting), never more. The 15-day
  acknowledgement is the decree's; no catalogue entry changes it.
- information request (Law 31-13): 20 working days, and only that. The end of this term turns the
  silence into an implicit refusal and opens the appeal; a shorter term in the catalogue would
  either set that off while the law still gives the body time, or be a second deadline nobody
  watches. Urgency (3 working days) and the one extension (20) are decided per request, not per
  category.
- petition (Organic Law 113-14): admissible or rejected with reasons within 3 months, and only that.
- administrative request: no legal term. The office's rule, by default 2 months (what every
  request type without its own law has been promised), at most 3 months: no request waits
  longer than the longest term these laws give a body, a petition's.
"""

from __future__ import annotations

import dataclasses

UNITS = ("working_days", "days", "months")
COUNT_MAX = 365

ACKNOWLEDGE_WITHIN_DAYS = 15  # decree 2-17-265
ANSWER_WITHIN_MONTHS = 2  # decree 2-17-265: at most
INFORMATION_WORKING_DAYS = 20  # Law 31-13: answer within 20 working days
INFORMATION_EXTENSION_DAYS = 20  # extendable once, by as much, before the first deadline
INFORMATION_URGENT_WORKING_DAYS = 3  # life, safety or freedom of persons
PETITION_DECISION_MONTHS = 3  # Organic Law 113-14
ADMINISTRATIVE_LONGEST_MONTHS = 3  # no law: the platform's ceiling, a petition's term

# A rule in days or working days is held against a maximum in months by counting a month as its
# shortest: 28 days, or 4 weeks of 5 working days. What the registry accepts then fits within the
# maximum; tickets still ends a deadline at the maximum when holidays stretch the working days.
DAYS_IN_A_MONTH = {"months": 1, "days": 28, "working_days": 20}


@dataclasses.dataclass(frozen=True)
class Rule:
    count: int
    unit: str  # one of UNITS

    def __str__(self) -> str:
        unit = self.unit.replace("_", " ")
        return f"{self.count} {unit[:-1] if self.count == 1 else unit}"


@dataclasses.dataclass(frozen=True)
class Bounds:
    legal: Rule  # what applies when the catalogue states nothing the law allows
    longest: Rule  # in months; an entry may shorten the term down to one unit
    fixed: bool  # the law sets the term itself: an entry may only repeat it
    basis: str

    def longest_count(self, unit: str) -> int:
        """The largest count an entry may state in `unit`."""
        if self.longest.unit == unit:
            return self.longest.count
        return self.longest.count * DAYS_IN_A_MONTH[unit]

    def problems(self, request_type: str, count: int, unit: str) -> list[tuple[str, str, str]]:
        """(field, reason, message) for each way a catalogue entry's deadline for a request of
        `request_type` (the name the messages use) breaks these bounds."""
        found = shape_problems(count, unit)
        if found:
            return found
        asked = Rule(count, unit)
        if self.fixed and asked != self.legal:
            return [
                (
                    "deadline_count",
                    "DEADLINE_FIXED_BY_LAW",
                    f"{self.basis} sets the deadline of a {request_type}: {self.legal}",
                )
            ]
        if count > self.longest_count(unit):
            return [
                (
                    "deadline_count",
                    "DEADLINE_BEYOND_LEGAL",
                    f"a {request_type} is answered within {self.longest} at most ({self.basis}): "
                    f"{self.longest_count(unit)} {unit.replace('_', ' ')} at the most; an office may "
                    "promise less, never more",
                )
            ]
        return []

    def office_rule(self, count: int, unit: str) -> Rule | None:
        """The entry's own rule when these bounds allow it; None when the legal rule applies
        instead (no rule stated, or one stored before these bounds were checked)."""
        if self.problems("", count, unit):
            return None
        return Rule(count, unit)

    def applied(self, count: int, unit: str) -> Rule:
        """The rule tickets applies to a request filed under an entry with this deadline."""
        return self.office_rule(count, unit) or self.legal


def shape_problems(count: int, unit: str) -> list[tuple[str, str, str]]:
    """A deadline no request type could have: an unknown unit, a count out of range."""
    if unit not in UNITS:
        return [("deadline_unit", "BAD_DEADLINE", f"deadline_unit must be one of {', '.join(UNITS)}")]
    if not 0 < count <= COUNT_MAX:
        return [("deadline_count", "BAD_DEADLINE", f"deadline_count must be within 1..{COUNT_MAX}")]
    return []
