"""Legal deadlines of every request type, counted on a working-day calendar.

The calendar itself belongs to the registry (weekends and public holidays per instance,
religious holidays entered every year); this module only needs the two questions below,
so the rules can be tested with `WeekendCalendar` and run with the registry's copy.

Conventions (Law 31-13 practice, as in cokit.calendar): a deadline of N working days from
receipt counts the days after the day of receipt; the deadline passes when its last day
has ended in the office's time zone. A deadline in calendar days is counted the same way; one
in months ends at the same time of day, months later.

The answer deadline is the office's own rule from its catalogue where the law lets an office set
one (each request type's bounds are in its definition, cokit.request_types, which the registry
checks too), else the law's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

from cokit import request_types
from cokit.legal_deadlines import INFORMATION_EXTENSION_DAYS, Rule

from .domain import ACKNOWLEDGE_WITHIN_DAYS, add_months

APPEAL_FILING_WORKING_DAYS = 20  # complaint to the head of the body
APPEAL_ANSWER_WORKING_DAYS = 15
REOPEN_WINDOW_DAYS = 30  # a closed complaint can be reopened this long after closure
DEFAULT_NEAR_WORKING_DAYS = 3


class Calendar(Protocol):
    def add_working_days(self, start: dt.date, days: int) -> dt.date: ...

    def working_days_between(self, start: dt.date, end: dt.date) -> int: ...


class WeekendCalendar:
    """Saturday and Sunday off, no holidays: the shape of the registry's calendar without its data."""

    def __init__(self, weekend=(5, 6), holidays=()):
        self.weekend = frozenset(weekend)
        self.holidays = frozenset(holidays)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        day, counted = start, 0
        while counted < days:
            day += dt.timedelta(days=1)
            counted += self.is_working_day(day)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        day, counted = start, 0
        while day < end:
            day += dt.timedelta(days=1)
            counted += self.is_working_day(day)
        return sign * counted


class RegistryCalendar:
    """cokit.calendar's CalendarCache (the registry's calendar) seen through `Calendar`."""

    def __init__(self, cache):
        self.cache = cache

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        return self.cache.add_working_days(start, days).day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        return self.cache.working_days_between(start, end).working_days


@dataclasses.dataclass(frozen=True)
class Clock:
    """Where the office is: a day of receipt and the end of a deadline's last day are local."""

    timezone: str = "Africa/Casablanca"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_day(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.zone).date()

    def end_of(self, day: dt.date) -> dt.datetime:
        """The first instant after `day` in the office's zone, in UTC."""
        local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=self.zone)
        return local.astimezone(dt.timezone.utc)


@dataclasses.dataclass(frozen=True)
class Deadlines:
    acknowledge_by: dt.datetime
    answer_by: dt.datetime


def due_after(rule: Rule, start: dt.datetime, calendar: Calendar, clock: Clock) -> dt.datetime:
    """When a term of `rule` from `start` runs out."""
    if rule.unit == "months":
        return add_months(start, rule.count)
    if rule.unit == "working_days":
        return clock.end_of(calendar.add_working_days(clock.local_day(start), rule.count))
    return clock.end_of(clock.local_day(start) + dt.timedelta(days=rule.count))


def at_submission(
    kind: str,
    submitted_at: dt.datetime,
    calendar: Calendar,
    clock: Clock,
    urgent: bool = False,
    rule: Rule | None = None,
) -> Deadlines:
    """The deadlines printed on the receipt. `rule`: the office's deadline for the request's
    category (domain.category_rules); None, the request type's legal one."""
    request_type = request_types.get(kind)
    if urgent and request_type.urgent_rule:
        rule = request_type.urgent_rule
    rule = rule or request_type.deadline.legal
    # Never past the law's maximum, even where holidays stretch an office's working days beyond it.
    answer_by = min(
        due_after(rule, submitted_at, calendar, clock),
        due_after(request_type.deadline.longest, submitted_at, calendar, clock),
    )
    if request_type.acknowledged_at_receipt:
        # The receipt is itself the acknowledgement (issued at once, whatever the channel).
        return Deadlines(acknowledge_by=submitted_at, answer_by=answer_by)
    # An office that answers sooner than the acknowledgement's 15 days acknowledges by its answer.
    acknowledge_by = min(submitted_at + dt.timedelta(days=ACKNOWLEDGE_WITHIN_DAYS), answer_by)
    return Deadlines(acknowledge_by=acknowledge_by, answer_by=answer_by)


def extended(answer_by: dt.datetime, calendar: Calendar, clock: Clock) -> dt.datetime:
    """The information request's deadline after its one extension."""
    last_day = clock.local_day(answer_by - dt.timedelta(seconds=1))
    return clock.end_of(calendar.add_working_days(last_day, INFORMATION_EXTENSION_DAYS))


def appeal_window_ends(decided_at: dt.datetime, calendar: Calendar, clock: Clock) -> dt.datetime:
    return clock.end_of(calendar.add_working_days(clock.local_day(decided_at), APPEAL_FILING_WORKING_DAYS))


def appeal_answer_by(appealed_at: dt.datetime, calendar: Calendar, clock: Clock) -> dt.datetime:
    return clock.end_of(calendar.add_working_days(clock.local_day(appealed_at), APPEAL_ANSWER_WORKING_DAYS))


def watched_deadline(kind: str, status: str, acknowledge_by: dt.datetime, answer_by: dt.datetime) -> dt.datetime | None:
    """The deadline the scheduler watches in this status (None once nothing is owed)."""
    machine = request_types.get(kind).machine
    if status in machine.waiting_for_acknowledgement:
        return acknowledge_by
    if status in machine.open_statuses:
        return answer_by
    return None


def working_days_left(now: dt.datetime, due_at: dt.datetime, calendar: Calendar, clock: Clock) -> int:
    """Working days from today up to the deadline's last day (0 on the last day itself)."""
    last_day = clock.local_day(due_at - dt.timedelta(seconds=1))
    return calendar.working_days_between(clock.local_day(now), last_day)


def is_near(
    now: dt.datetime, due_at: dt.datetime, calendar: Calendar, clock: Clock, near_days: int = DEFAULT_NEAR_WORKING_DAYS
) -> bool:
    return now < due_at and working_days_left(now, due_at, calendar, clock) <= near_days


def working_days_taken(start: dt.datetime, end: dt.datetime, calendar: Calendar, clock: Clock) -> int:
    """Response time in working days (statistics): the day of receipt does not count."""
    return calendar.working_days_between(clock.local_day(start), clock.local_day(end))
