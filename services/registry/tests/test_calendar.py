"""Deadline arithmetic against dates computed by hand on the 2026-2027 Moroccan calendar.

Rule: N working days from receipt count the days after the day of receipt; Saturdays,
Sundays and public holidays do not count.
"""

import datetime as dt

import pytest

from cokit.calendar import CalendarCache, Holiday, WorkingCalendar
from cokit.refusals import Refusal
from registry import calendar

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def morocco() -> WorkingCalendar:
    return calendar.working_calendar(calendar.MOROCCO_HOLIDAYS)


def test_twenty_days_across_weekends_and_the_movable_eid(morocco):
    # Received Mon 16 Mar 2026. Counted: 17,18,19 (3); Fri 20 and Sat 21 Eid al-Fitr, Sun 22;
    # 23-27 (8); 30,31 (10); 1-3 Apr (13); 6-10 (18); 13 (19), 14 (20).
    result = morocco.add_working_days(D("2026-03-16"), 20)
    assert result.day == D("2026-04-14")
    assert result.provisional  # Eid al-Fitr 2026 is an estimate until confirmed
    assert [h.day for h in result.holidays] == [D("2026-03-20"), D("2026-03-21")]


def test_extension_by_twenty_across_a_fixed_holiday(morocco):
    # From the first deadline, Tue 14 Apr 2026: 15-17 (3); 20-24 (8); 27-30 (12);
    # Fri 1 May Labour Day; 4-8 May (17); 11, 12, 13 (20).
    result = morocco.add_working_days(D("2026-04-14"), 20)
    assert result.day == D("2026-05-13")
    assert not result.provisional
    assert [h.day for h in result.holidays] == [D("2026-05-01")]


def test_twenty_days_across_the_year_end(morocco):
    # Received Mon 21 Dec 2026: 22-25 (4); 28-31 (8); Fri 1 Jan holiday; 4-8 Jan (13);
    # Mon 11 Jan manifesto; 12, 13 (15); Thu 14 Jan Yennayer; 15 (16); 18-21 (20).
    result = morocco.add_working_days(D("2026-12-21"), 20)
    assert result.day == D("2027-01-21")
    assert [h.day for h in result.holidays] == [D("2027-01-01"), D("2027-01-11"), D("2027-01-14")]
    assert not result.provisional


def test_urgent_three_days(morocco):
    # Received Wed 29 Jul 2026: Thu 30 Throne Day; Fri 31 (1); Mon 3 Aug (2); Tue 4 (3).
    assert morocco.add_working_days(D("2026-07-29"), 3).day == D("2026-08-04")
    # Received Thu 19 Mar 2026, the eve of Eid: Mon 23 (1), Tue 24 (2), Wed 25 (3).
    assert morocco.add_working_days(D("2026-03-19"), 3).day == D("2026-03-25")


def test_eid_al_adha_and_hijri_new_year_in_one_span(morocco):
    # Received Thu 21 May 2026: Fri 22 (1); 25, 26 (3); Wed 27 and Thu 28 Eid al-Adha; Fri 29 (4);
    # 1-5 Jun (9); 8-12 (14); Mon 15 (15); Tue 16 1 Muharram; 17-19 (18); 22, 23 (20).
    assert morocco.add_working_days(D("2026-05-21"), 20).day == D("2026-06-23")


def test_receipt_on_a_weekend_counts_from_the_next_working_day(morocco):
    assert morocco.add_working_days(D("2026-03-14"), 1).day == D("2026-03-16")


def test_between_is_the_inverse_of_add(morocco):
    assert morocco.working_days_between(D("2026-03-16"), D("2026-04-14")).working_days == 20
    assert morocco.working_days_between(D("2026-04-14"), D("2026-03-16")).working_days == -20
    assert morocco.working_days_between(D("2026-03-16"), D("2026-03-16")).working_days == 0
    for start in (D("2026-12-18"), D("2026-05-26"), D("2027-08-13")):
        for n in (1, 5, 20, 40):
            end = morocco.add_working_days(start, n).day
            assert morocco.working_days_between(start, end).working_days == n


def test_zero_days_is_the_day_itself_and_negative_is_refused(morocco):
    assert morocco.add_working_days(D("2026-03-20"), 0).day == D("2026-03-20")
    with pytest.raises(ValueError):
        morocco.add_working_days(D("2026-03-20"), -1)


def test_yennayer_counts_only_from_2024():
    cal = calendar.working_calendar(calendar.MOROCCO_HOLIDAYS)
    assert not cal.is_working_day(D("2026-01-14"))
    assert cal.is_working_day(D("2020-01-14"))  # a Tuesday, before Yennayer became a holiday


def test_a_year_without_its_religious_dates_is_provisional(morocco):
    assert morocco.add_working_days(D("2028-02-01"), 5).provisional
    assert not morocco.add_working_days(D("2026-02-02"), 5).provisional


def test_a_confirmed_date_replaces_the_estimate():
    rules = [r for r in calendar.MOROCCO_HOLIDAYS if not r.key.startswith("eid-al-fitr-2026")]
    rules.append(
        calendar.HolidayRule(
            "eid-al-fitr-2026-1", "Aïd al-Fitr", on_date=D("2026-03-21"), religious=True, confirmed=True
        )
    )
    rules.append(
        calendar.HolidayRule(
            "eid-al-fitr-2026-2", "Aïd al-Fitr", on_date=D("2026-03-23"), religious=True, confirmed=True
        )
    )
    cal = calendar.working_calendar(rules)
    assert cal.is_working_day(D("2026-03-20"))
    assert not cal.is_working_day(D("2026-03-23"))
    result = cal.add_working_days(D("2026-03-16"), 20)
    # Fri 20 now counts and Mon 23 does not: the same number of working days, same deadline.
    assert result.day == D("2026-04-14") and not result.provisional


def test_partner_instance_weekend():
    # A partner whose weekend is Friday and Saturday.
    cal = WorkingCalendar(weekend=(4, 5))
    assert cal.add_working_days(D("2026-03-19"), 1).day == D("2026-03-22")  # Thu -> Sun


def test_bad_rules_are_refused():
    with pytest.raises(Refusal) as err:
        calendar.validate_rule(calendar.HolidayRule("x", "X", month=2, day=30))
    assert err.value.reason == "BAD_HOLIDAY_DATE"
    with pytest.raises(Refusal) as err:
        calendar.validate_rule(calendar.HolidayRule("Bad Key", "X", month=1, day=1))
    assert err.value.reason == "BAD_HOLIDAY_KEY"
    with pytest.raises(ValueError):
        WorkingCalendar(weekend=range(7))


def test_cache_refreshes_after_ttl_and_survives_a_failed_fetch():
    now = [0.0]
    calls = []

    def fetch():
        calls.append(now[0])
        if len(calls) == 3:
            raise ConnectionError("registry down")
        return WorkingCalendar(holidays=[Holiday(D("2026-03-20"), "x")] if len(calls) > 1 else [])

    cache = CalendarCache(fetch, ttl=60, retry=10, clock=lambda: now[0])
    assert cache.add_working_days(D("2026-03-19"), 1).day == D("2026-03-20")
    now[0] = 30
    assert len(calls) == 1 and cache.calendar() is cache.calendar()
    now[0] = 61
    assert cache.add_working_days(D("2026-03-19"), 1).day == D("2026-03-23")
    now[0] = 200  # the third fetch fails: the last copy keeps answering
    assert cache.add_working_days(D("2026-03-19"), 1).day == D("2026-03-23")
    assert len(calls) == 3
    now[0] = 205
    cache.calendar()
    assert len(calls) == 3  # retried only after `retry` seconds
    now[0] = 211
    cache.calendar()
    assert len(calls) == 4


def test_cache_without_any_copy_raises():
    def fetch():
        raise ConnectionError("registry down")

    with pytest.raises(ConnectionError):
        CalendarCache(fetch).calendar()
