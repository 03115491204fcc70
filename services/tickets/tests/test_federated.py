"""Which requests may move to another instance, and the requester's answer."""

from __future__ import annotations

import datetime as dt

import pytest

from cokit.refusals import Refusal
from tickets import federated

NOW = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.timezone.utc)


def ticket(**changes):
    return {"kind": "complaint", "decided_at": None, "closed_at": None, "merged_into": "", **changes}


def transfer(**changes):
    return {"direction": "out", "status": "offered", **changes}


def reason(call) -> str:
    with pytest.raises(Refusal) as caught:
        call()
    return caught.value.reason


def test_an_open_complaint_may_be_offered_to_another_member():
    federated.check_offer(ticket(), None, "sn", "ma")
    federated.check_offer(ticket(kind="administrative_request"), transfer(status="declined"), "sn", "ma")


@pytest.mark.parametrize(
    "row, moved, to, why",
    [
        (ticket(), None, "ma", "BAD_INSTANCE"),
        (ticket(kind="information_request"), None, "sn", "KIND_NOT_TRANSFERABLE"),
        (ticket(kind="petition"), None, "sn", "KIND_NOT_TRANSFERABLE"),
        (ticket(decided_at=NOW), None, "sn", "TICKET_NOT_OPEN"),
        (ticket(merged_into="t2"), None, "sn", "TICKET_NOT_OPEN"),
        (ticket(), transfer(), "sn", "TRANSFER_PENDING"),
        (ticket(), transfer(status="completed"), "sn", "TRANSFER_PENDING"),
        (ticket(), transfer(direction="in", status="received"), "sn", "TRANSFERRED_HERE"),
    ],
)
def test_what_is_not_offered(row, moved, to, why):
    assert reason(lambda: federated.check_offer(row, moved, to, "ma")) == why


def test_the_answer_needs_an_open_offer_and_keeps_the_contact_short():
    assert federated.check_answer(transfer(), "  me@example.org ") == "me@example.org"
    assert reason(lambda: federated.check_answer(None, "")) == "NO_TRANSFER_OFFERED"
    assert reason(lambda: federated.check_answer(transfer(status="declined"), "")) == "TRANSFER_ANSWERED"
    assert reason(lambda: federated.check_answer(transfer(), "x" * 201)) == "CONTACT_TOO_LONG"
