import base64
import datetime as dt

import pytest

from citizenoffice.registry.v1 import registry_pb2
from cokit.legal_deadlines import Rule
from tickets import deadlines, domain, pii

CAL = deadlines.WeekendCalendar()
CLOCK = deadlines.Clock("Africa/Casablanca")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.timezone.utc)


def test_information_request_is_answered_within_twenty_working_days():
    # Received Monday 2 March 2026: 20 working days after it is Monday 30 March.
    d = deadlines.at_submission("information_request", at("2026-03-02"), CAL, CLOCK)
    assert CLOCK.local_day(d.answer_by - dt.timedelta(seconds=1)) == dt.date(2026, 3, 30)
    assert d.answer_by == CLOCK.end_of(dt.date(2026, 3, 30))
    assert d.acknowledge_by == at("2026-03-02")


def test_a_holiday_moves_the_deadline():
    # Throne Day, 30 July 2026 (a Thursday), is not counted.
    cal = deadlines.WeekendCalendar(holidays={dt.date(2026, 7, 30)})
    plain = deadlines.at_submission("information_request", at("2026-07-20"), CAL, CLOCK).answer_by
    moved = deadlines.at_submission("information_request", at("2026-07-20"), cal, CLOCK).answer_by
    assert CLOCK.local_day(plain) == dt.date(2026, 8, 18) and CLOCK.local_day(moved) == dt.date(2026, 8, 19)


def test_urgent_request_within_three_working_days():
    d = deadlines.at_submission("information_request", at("2026-03-06"), CAL, CLOCK, urgent=True)  # a Friday
    assert d.answer_by == CLOCK.end_of(dt.date(2026, 3, 11))


def test_extension_adds_twenty_working_days_to_the_first_deadline():
    first = deadlines.at_submission("information_request", at("2026-03-02"), CAL, CLOCK).answer_by
    assert deadlines.extended(first, CAL, CLOCK) == CLOCK.end_of(dt.date(2026, 4, 27))


def test_receipt_late_in_the_evening_counts_from_the_local_day():
    # 23:30 UTC on Friday 6 March is already Saturday in Casablanca (UTC+1).
    d = deadlines.at_submission(
        "information_request", dt.datetime(2026, 3, 6, 23, 30, tzinfo=dt.timezone.utc), CAL, CLOCK
    )
    assert CLOCK.local_day(d.answer_by - dt.timedelta(seconds=1)) == dt.date(2026, 4, 3)


def test_complaint_deadlines_stay_in_calendar_days():
    d = deadlines.at_submission("complaint", at("2026-01-31"), CAL, CLOCK)
    assert d.acknowledge_by == at("2026-02-15") and d.answer_by == at("2026-03-31")


def test_petition_decision_within_three_months():
    assert deadlines.at_submission("petition", at("2026-01-15"), CAL, CLOCK).answer_by == at("2026-04-15")


def test_an_office_s_shorter_complaint_deadline_applies_in_working_days():
    # Ten working days from Monday 2 March 2026: Monday 16 March; with a holiday on the way, Tuesday 17.
    rule = Rule(10, "working_days")
    d = deadlines.at_submission("complaint", at("2026-03-02"), CAL, CLOCK, rule=rule)
    assert d.answer_by == CLOCK.end_of(dt.date(2026, 3, 16))
    holiday = deadlines.WeekendCalendar(holidays={dt.date(2026, 3, 9)})
    assert deadlines.at_submission("complaint", at("2026-03-02"), holiday, CLOCK, rule=rule).answer_by == CLOCK.end_of(
        dt.date(2026, 3, 17)
    )
    # Answered sooner than the 15 days of the acknowledgement: acknowledged by the answer at the latest.
    assert d.acknowledge_by == d.answer_by


def test_an_office_s_deadline_in_calendar_days_or_months():
    d = deadlines.at_submission("observation", at("2026-03-02"), CAL, CLOCK, rule=Rule(30, "days"))
    assert d.answer_by == CLOCK.end_of(dt.date(2026, 4, 1)) and d.acknowledge_by == at("2026-03-17")
    month = deadlines.at_submission("suggestion", at("2026-01-31"), CAL, CLOCK, rule=Rule(1, "months"))
    assert month.answer_by == at("2026-02-28")


def test_holidays_never_carry_an_office_s_working_days_past_the_two_months():
    # 40 working days is the longest the registry accepts; a summer full of holidays stretches them.
    summer = deadlines.WeekendCalendar(holidays={dt.date(2026, 7, 1) + dt.timedelta(days=n) for n in range(40)})
    d = deadlines.at_submission("complaint", at("2026-07-01"), summer, CLOCK, rule=Rule(40, "working_days"))
    assert d.answer_by == at("2026-09-01")


def test_no_rule_from_the_catalogue_is_the_law_s():
    assert deadlines.at_submission("complaint", at("2026-01-31"), CAL, CLOCK, rule=None).answer_by == at("2026-03-31")
    assert deadlines.at_submission("administrative_request", at("2026-01-31"), CAL, CLOCK).answer_by == at("2026-03-31")


def test_an_information_request_keeps_the_legal_twenty_working_days_whatever_its_category_says():
    entry = registry_pb2.CatalogueEntry(
        code="info",
        request_type="information_request",
        category="info",
        active=True,
        deadline_count=10,
        deadline_unit="working_days",
    )
    rules = domain.category_rules([entry], "information_request", "info")
    assert rules.deadline is None
    d = deadlines.at_submission("information_request", at("2026-03-02"), CAL, CLOCK, rule=rules.deadline)
    assert d.answer_by == CLOCK.end_of(dt.date(2026, 3, 30))
    urgent = deadlines.at_submission(
        "information_request", at("2026-03-06"), CAL, CLOCK, urgent=True, rule=Rule(20, "working_days")
    )
    assert urgent.answer_by == CLOCK.end_of(dt.date(2026, 3, 11))


def test_the_category_s_deadline_comes_from_its_catalogue_entry():
    def entry(count, unit):
        return registry_pb2.CatalogueEntry(
            code="lighting",
            request_type="complaint",
            category="lighting",
            active=True,
            deadline_count=count,
            deadline_unit=unit,
        )

    assert domain.category_rules([entry(10, "working_days")], "complaint", "lighting").deadline == Rule(
        10, "working_days"
    )
    # Saved before the registry held deadlines to the law: the decree's two months.
    assert domain.category_rules([entry(6, "months")], "complaint", "lighting").deadline is None
    assert domain.category_rules([], "complaint", "lighting").deadline is None


def test_deadline_near_counts_working_days_left():
    due = CLOCK.end_of(dt.date(2026, 3, 30))  # a Monday
    assert deadlines.working_days_left(at("2026-03-25"), due, CAL, CLOCK) == 3
    assert deadlines.is_near(at("2026-03-25"), due, CAL, CLOCK, near_days=3)
    assert not deadlines.is_near(at("2026-03-24"), due, CAL, CLOCK, near_days=3)
    assert not deadlines.is_near(at("2026-03-31"), due, CAL, CLOCK, near_days=3)  # overdue, not near


def test_watched_deadline_follows_the_status():
    ack, ans = at("2026-03-01"), at("2026-05-01")
    assert deadlines.watched_deadline("complaint", "submitted", ack, ans) == ack
    assert deadlines.watched_deadline("complaint", "in_progress", ack, ans) == ans
    assert deadlines.watched_deadline("complaint", "closed", ack, ans) is None
    assert deadlines.watched_deadline("information_request", "extended", ack, ans) == ans


def test_signature_thresholds():
    assert domain.signature_threshold(20_000, "rural") == 100
    assert domain.signature_threshold(380_000, "urban") == 200
    assert domain.signature_threshold(900_000, "with_arrondissements") == 400


def test_id_numbers_are_sealed_for_their_ticket_only():
    sealer = pii.Sealer(base64.b64encode(bytes(range(32))).decode())
    sealed = sealer.seal("AB123456", "ticket-1")
    assert b"AB123456" not in sealed
    assert sealer.open(sealed, "ticket-1") == "AB123456"
    with pytest.raises(Exception):
        sealer.open(sealed, "ticket-2")
    assert "key" in repr(sealer) and base64.b64encode(bytes(range(32))).decode() not in repr(sealer)


def test_pii_key_must_be_32_bytes():
    with pytest.raises(pii.PiiKeyError):
        pii.Sealer(base64.b64encode(b"short").decode())
