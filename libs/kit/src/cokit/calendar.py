"""Working-day arithmetic and a cache of the registry's calendar for the other services.

The registry owns each instance's calendar (weekend days, public holidays, including the
religious ones whose dates an admin confirms every year). Services that compute deadlines
(tickets, information requests, petitions) need it on every request, so they keep a copy:
`CalendarCache` fetches the calendar from the registry, answers locally, refreshes it after
`ttl` seconds (or at once after `invalidate()`, e.g. on the registry's calendar.changed event)
and keeps answering from the last copy while the registry is unreachable.

Rule of the platform (Law 31-13 practice): a deadline of N working days from receipt counts
the days *after* the day of receipt, so the receipt day itself never counts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping

log = logging.getLogger(__name__)

ONE_DAY = dt.timedelta(days=1)
# A span longer than this is a caller's mistake (a year typed as 20266), not a deadline.
MAX_SPAN_DAYS = 366 * 20


@dataclasses.dataclass(frozen=True)
class Holiday:
    day: dt.date
    name: str
    confirmed: bool = True


@dataclasses.dataclass(frozen=True)
class Reckoning:
    """An answer plus whether it leans on holiday dates nobody has confirmed yet."""

    day: dt.date
    working_days: int
    provisional: bool
    holidays: tuple[Holiday, ...] = ()


class WorkingCalendar:
    """Weekend days (Monday=0 .. Sunday=6) and dated holidays of one instance.

    `covered_years` are the years whose movable holidays have been entered: a span that
    reaches another year is computed anyway, but flagged provisional.
    """

    def __init__(
        self, weekend: Iterable[int] = (5, 6), holidays: Iterable[Holiday] = (), covered_years: Iterable[int] = ()
    ):
        self.weekend = frozenset(weekend)
        if len(self.weekend) >= 7 or not self.weekend <= set(range(7)):
            raise ValueError("weekend must be some of the weekdays 0..6, not all of them")
        self.holidays: dict[dt.date, Holiday] = {}
        for holiday in holidays:
            # Two holidays on one day (Mawlid on 14 August) are one day off; an estimated
            # one never hides a confirmed one.
            known = self.holidays.get(holiday.day)
            if known is None or (known.confirmed is False and holiday.confirmed):
                self.holidays[holiday.day] = holiday
        self.covered_years = frozenset(covered_years)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def add_working_days(self, start: dt.date, days: int) -> Reckoning:
        """The day on which a deadline of `days` working days from `start` falls."""
        if days < 0:
            raise ValueError("days must not be negative")
        if days > MAX_SPAN_DAYS:
            raise ValueError("days is out of range")
        day, counted, crossed = start, 0, []
        while counted < days:
            day += ONE_DAY
            if self.is_working_day(day):
                counted += 1
            elif day in self.holidays:
                crossed.append(self.holidays[day])
        return Reckoning(day, days, self._provisional(start, day, crossed), tuple(crossed))

    def working_days_between(self, start: dt.date, end: dt.date) -> Reckoning:
        """Working days after `start` up to and including `end` (negative if end < start)."""
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        if (end - start).days > MAX_SPAN_DAYS:
            raise ValueError("the span is out of range")
        day, counted, crossed = start, 0, []
        while day < end:
            day += ONE_DAY
            if self.is_working_day(day):
                counted += 1
            elif day in self.holidays:
                crossed.append(self.holidays[day])
        return Reckoning(
            end if sign > 0 else start, sign * counted, self._provisional(start, end, crossed), tuple(crossed)
        )

    def _provisional(self, start: dt.date, end: dt.date, crossed: list[Holiday]) -> bool:
        if any(not h.confirmed for h in crossed):
            return True
        return any(year not in self.covered_years for year in range(start.year, end.year + 1))


class CalendarCache:
    """One instance's WorkingCalendar, fetched through `fetch()` and kept `ttl` seconds.

    Thread-safe; a failed refresh keeps the previous copy (deadlines computed from a
    calendar a few minutes old beat a refused submission) and is retried after `retry`.
    """

    def __init__(
        self,
        fetch: Callable[[], WorkingCalendar],
        ttl: float = 600.0,
        retry: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._fetch = fetch
        self.ttl = ttl
        self.retry = retry
        self._clock = clock
        self._lock = threading.Lock()
        self._calendar: WorkingCalendar | None = None
        self._fresh_until = float("-inf")

    def calendar(self) -> WorkingCalendar:
        now = self._clock()
        if self._calendar is not None and now < self._fresh_until:
            return self._calendar
        with self._lock:
            if self._calendar is not None and self._clock() < self._fresh_until:
                return self._calendar
            try:
                self._calendar = self._fetch()
                self._fresh_until = self._clock() + self.ttl
            except Exception:
                if self._calendar is None:
                    raise
                log.warning("calendar refresh failed; using the previous copy", exc_info=True)
                self._fresh_until = self._clock() + self.retry
            return self._calendar

    def invalidate(self) -> None:
        with self._lock:
            self._fresh_until = float("-inf")

    def add_working_days(self, start: dt.date, days: int) -> Reckoning:
        return self.calendar().add_working_days(start, days)

    def working_days_between(self, start: dt.date, end: dt.date) -> Reckoning:
        return self.calendar().working_days_between(start, end)


def calendar_from_message(reply) -> WorkingCalendar:
    """A WorkingCalendar from the registry's `Calendar` reply (GetCalendar)."""
    return WorkingCalendar(
        weekend=list(reply.weekend_days),
        holidays=[Holiday(dt.date.fromisoformat(h.date), h.name, h.confirmed) for h in reply.holidays],
        covered_years=list(reply.covered_years),
    )


def registry_fetcher(
    get_calendar: Callable, from_year: int | None = None, years: int = 3
) -> Callable[[], WorkingCalendar]:
    """A `fetch` for CalendarCache: `get_calendar` is the registry client's GetCalendar
    method; asks for the years from `from_year` (default: last year) on."""
    from citizenoffice.registry.v1 import registry_pb2

    def fetch() -> WorkingCalendar:
        first = from_year or dt.date.today().year - 1
        reply = get_calendar(registry_pb2.GetCalendarRequest(from_year=first, to_year=first + years))
        return calendar_from_message(reply)

    return fetch


def calendar_from_mapping(data: Mapping) -> WorkingCalendar:
    """A WorkingCalendar from a plain dict (tests, fixtures, a cached JSON copy)."""
    return WorkingCalendar(
        weekend=data.get("weekend", (5, 6)),
        holidays=[
            Holiday(dt.date.fromisoformat(h["date"]), h.get("name", ""), h.get("confirmed", True))
            for h in data.get("holidays", ())
        ],
        covered_years=data.get("covered_years", ()),
    )
