"""The staff digest's rules: each ticket once as it stands, in the reader's language."""

from __future__ import annotations

import datetime as dt

from notifications import digest, domain

T0 = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.timezone.utc)


def entry(ticket: str, kind: str, minutes: int, due: str = "2026-11-30") -> dict:
    return {
        "ticket_id": ticket,
        "kind": kind,
        "created_at": T0 + dt.timedelta(minutes=minutes),
        "due_at": dt.datetime.fromisoformat(due).replace(tzinfo=dt.timezone.utc),
    }


def test_a_ticket_near_then_overdue_is_listed_once_as_overdue():
    fields = digest.fields(
        [entry("t1", "deadline_near", 0), entry("t2", "deadline_near", 1), entry("t1", "overdue", 2, "2026-11-24")]
    )
    assert (fields["overdue_count"], fields["near_count"]) == (1, 1)
    assert fields["overdue_list"] == "- t1 (2026-11-24)" and fields["near_list"] == "- t2 (2026-11-30)"


def test_a_ticket_is_named_by_its_tracking_code_when_the_event_gave_it():
    fields = digest.fields([dict(entry("t1", "overdue", 0), tracking_code="7K3M-9QX2-B")])
    assert fields["overdue_list"] == "- 7K3M-9QX2-B (2026-11-30)"


def test_long_lists_are_cut_and_counted():
    fields = digest.fields([entry(f"t{i}", "overdue", i) for i in range(digest.MAX_LINES + 3)])
    assert fields["overdue_count"] == digest.MAX_LINES + 3 and fields["overdue_list"].endswith("+ 3")
    assert fields["near_list"] == "-"


def test_the_digest_is_rendered_in_each_language():
    fields = digest.fields([entry("t1", "overdue", 0)])
    assert domain.render(digest.KIND, "fr", fields).subject.startswith("Résumé du jour")
    assert "الملخص اليومي" in domain.render(digest.KIND, "ar", fields).subject
    assert domain.render(digest.KIND, "zgh", fields).language == "zgh"
    assert "- t1 (2026-11-24)" not in domain.render(digest.KIND, "en", fields).body
    assert "- t1 (2026-11-30)" in domain.render(digest.KIND, "en", fields).body


def test_one_digest_id_per_office_and_day_and_each_staff_member_once():
    day = dt.date(2026, 11, 25)
    assert digest.digest_id("o1", day) == digest.digest_id("o1", day) != digest.digest_id("o1", day + dt.timedelta(1))
    assert digest.digest_id("o1", day) != digest.digest_id("o2", day)
    assert digest.recipients(["a", "", "b", "a"]) == ["a", "b"]
