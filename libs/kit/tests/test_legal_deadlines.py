"""The bounds an office's catalogue deadline must keep, per request type."""

import pytest

from cokit import legal_deadlines, request_types
from cokit.legal_deadlines import Rule


class law:
    """The bounds of a request type's definition, asked by the type's name."""

    @staticmethod
    def problems(request_type, count, unit):
        return request_types.get(request_type).deadline.problems(request_type, count, unit)

    @staticmethod
    def applied(request_type, count, unit):
        return request_types.get(request_type).deadline.applied(count, unit)

    @staticmethod
    def office_rule(request_type, count, unit):
        return request_types.get(request_type).deadline.office_rule(count, unit)

    @staticmethod
    def legal_rule(request_type):
        return request_types.get(request_type).deadline.legal


def reasons(request_type, count, unit):
    return [reason for _, reason, _ in law.problems(request_type, count, unit)]


@pytest.mark.parametrize("request_type", ["complaint", "observation", "suggestion"])
@pytest.mark.parametrize(
    "count,unit", [(10, "working_days"), (40, "working_days"), (1, "days"), (56, "days"), (1, "months"), (2, "months")]
)
def test_an_office_may_promise_a_complaint_sooner_than_two_months(request_type, count, unit):
    assert law.problems(request_type, count, unit) == []
    assert law.applied(request_type, count, unit) == Rule(count, unit)


@pytest.mark.parametrize("count,unit", [(3, "months"), (41, "working_days"), (57, "days")])
def test_never_later_than_two_months(count, unit):
    [(field, reason, message)] = law.problems("complaint", count, unit)
    assert (field, reason) == ("deadline_count", "DEADLINE_BEYOND_LEGAL")
    assert "2 months at most" in message and "2-17-265" in message
    # Stored before the registry checked it: tickets applies the decree's two months instead.
    assert law.applied("complaint", count, unit) == Rule(2, "months")


def test_an_information_request_keeps_the_law_s_twenty_working_days():
    assert law.problems("information_request", 20, "working_days") == []
    for count, unit in ((10, "working_days"), (30, "working_days"), (1, "months"), (20, "days")):
        assert reasons("information_request", count, unit) == ["DEADLINE_FIXED_BY_LAW"]
        assert law.applied("information_request", count, unit) == Rule(20, "working_days")
    assert "Law 31-13" in law.problems("information_request", 10, "working_days")[0][2]


def test_a_petition_is_decided_within_three_months_and_no_other_term():
    assert law.problems("petition", 3, "months") == []
    assert reasons("petition", 2, "months") == ["DEADLINE_FIXED_BY_LAW"]
    assert reasons("petition", 90, "days") == ["DEADLINE_FIXED_BY_LAW"]


def test_an_administrative_request_takes_the_office_s_rule_up_to_three_months():
    assert law.legal_rule("administrative_request") == Rule(2, "months")
    assert law.applied("administrative_request", 15, "working_days") == Rule(15, "working_days")
    assert law.problems("administrative_request", 3, "months") == []
    assert law.problems("administrative_request", 60, "working_days") == []
    assert reasons("administrative_request", 4, "months") == ["DEADLINE_BEYOND_LEGAL"]
    assert reasons("administrative_request", 61, "working_days") == ["DEADLINE_BEYOND_LEGAL"]


def test_a_deadline_needs_a_known_unit_and_a_count():
    assert law.problems("complaint", 2, "weeks") == [
        ("deadline_unit", "BAD_DEADLINE", "deadline_unit must be one of working_days, days, months")
    ]
    assert reasons("complaint", 0, "months") == ["BAD_DEADLINE"]
    assert reasons("complaint", -1, "days") == ["BAD_DEADLINE"]
    assert law.applied("complaint", 0, "working_days") == Rule(2, "months")
    assert law.office_rule("complaint", 0, "working_days") is None
    # Whatever the request type: an unknown one is the registry's own refusal.
    assert legal_deadlines.shape_problems(400, "days") == [
        ("deadline_count", "BAD_DEADLINE", "deadline_count must be within 1..365")
    ]
    assert legal_deadlines.shape_problems(12, "days") == []


def test_a_rule_reads_as_a_sentence_would_say_it():
    assert [
        str(Rule(1, "working_days")),
        str(Rule(10, "working_days")),
        str(Rule(1, "months")),
        str(Rule(3, "days")),
    ] == ["1 working day", "10 working days", "1 month", "3 days"]
