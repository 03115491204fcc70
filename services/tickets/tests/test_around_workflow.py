"""Duplicates, statistics, queues, followers, merges, signatures and ratings."""

import datetime as dt

import pytest
import sqlalchemy as sa

from cokit.refusals import Kind, Refusal
from tickets import similarity, stats, store, workflow
from tickets.workflow import Actor, Facts

from .test_scheduler import NOW, engine, insert


def test_nearby_within_fifty_metres_only():
    base = {"latitude": 35.5785, "longitude": -5.3684, "description": "lampadaire"}
    near = dict(base, latitude=35.5785 + 0.0004, description="autre chose")  # about 44 m north
    far = dict(base, latitude=35.5785 + 0.0006, description="autre chose")  # about 67 m
    assert similarity.is_possible_duplicate(base, near) == "nearby"
    assert similarity.is_possible_duplicate(base, far) is None


def test_similar_text_ignores_case_and_accents():
    a = {"latitude": None, "longitude": None, "description": "Éclairage public en panne rue Mohammed V"}
    b = {"latitude": None, "longitude": None, "description": "eclairage PUBLIC en panne, rue mohammed v"}
    c = {"latitude": None, "longitude": None, "description": "Déchets non ramassés au marché"}
    assert similarity.is_possible_duplicate(a, b) == "similar_text"
    assert similarity.is_possible_duplicate(a, c) is None


def test_percentiles_and_public_folding():
    assert stats.median([1, 2, 3, 4]) == 2.5 and stats.percentile(list(range(1, 11)), 90) == 9
    rows = [
        {
            "ticket_id": str(i),
            "kind": "complaint",
            "category": "roads" if i < 6 else "rare",
            "decided_at": NOW if i % 2 else None,
            "answer_by": NOW + dt.timedelta(days=1 if i != 1 else -1),
            "rating": 4 if i < 3 else None,
        }
        for i in range(8)
    ]
    days = {r["ticket_id"]: int(r["ticket_id"]) for r in rows if r["decided_at"]}
    private = stats.figures(rows, days, public=False)
    public = stats.figures(rows, days, public=True)
    assert private.by_category == {"roads": 6, "rare": 2}
    assert public.by_category == {"roads": 6}  # 2 would single people out
    assert (private.answered, private.within_deadline_share) == (4, 0.75)
    assert private.median_working_days == 4.0 and private.p90_working_days == 7
    assert private.satisfaction_average == 4.0


def test_queue_pages_cover_every_ticket_once_with_filters(tmp_path):
    e = engine(tmp_path)
    for i in range(25):
        insert(
            e,
            f"t-{i:02d}",
            "complaint",
            "submitted" if i % 3 else "closed",
            NOW + dt.timedelta(days=1 if i % 5 else -1),
        )
    seen, after = [], None
    with e.connect() as conn:
        while True:
            page = store.search(conn, statuses=["submitted"], now=NOW, after=after, limit=4)
            seen += [r["ticket_id"] for r in page]
            if len(page) < 4:
                break
            after = (store.as_utc(page[-1]["submitted_at"]), page[-1]["ticket_id"])
        overdue = store.search(conn, overdue=True, now=NOW, limit=100)
        text = store.search(conn, text="dd_%x", now=NOW, limit=100)
        words = store.search(conn, text="DDD", now=NOW, limit=100)
    assert sorted(seen) == sorted(f"t-{i:02d}" for i in range(25) if i % 3)
    assert len(seen) == len(set(seen))
    assert {r["ticket_id"] for r in overdue} == {f"t-{i:02d}" for i in range(25) if i % 5 == 0}
    assert text == []  # % and _ are no wildcards: the words typed are "dd" and "x"
    assert len(words) == 25


def test_merge_keeps_followers_and_the_requester(tmp_path):
    e = engine(tmp_path)
    insert(e, "dup", "complaint", "submitted", NOW + dt.timedelta(days=3))
    insert(e, "kept", "complaint", "submitted", NOW + dt.timedelta(days=3))
    with e.begin() as conn:
        store.follow(conn, "dup", "neighbour", True, NOW)
        store.follow(conn, "kept", "neighbour", False, NOW)
        store.merge(conn, store.find_by_id(conn, "dup"), store.find_by_id(conn, "kept"), NOW)
        followers = (
            conn.execute(sa.select(store.ticket_followers).where(store.ticket_followers.c.ticket_id == "kept"))
            .mappings()
            .all()
        )
        dup = store.find_by_id(conn, "dup")
    assert {(f["follower_id"], f["me_too"]) for f in followers} == {("neighbour", True), ("c1", True)}
    assert (dup["status"], dup["merged_into"], dup["due_at"]) == ("merged", "kept", None)


def test_one_signature_per_person(tmp_path):
    e = engine(tmp_path)
    insert(e, "p-1", "petition", "collecting_signatures", NOW + dt.timedelta(days=60))
    with e.begin() as conn:
        assert store.sign(conn, "p-1", "voter-1", NOW)
        assert not store.sign(conn, "p-1", "voter-1", NOW)
        assert store.sign(conn, "p-1", "voter-2", NOW)
        assert store.find_by_id(conn, "p-1")["signature_count"] == 2


def facts(**changes):
    base = dict(kind="petition", status="collecting_signatures", citizen_id="c1", submitted_at=NOW, answer_by=NOW)
    base.update(changes)
    return Facts(**base)


def test_signature_rules():
    voter = Actor("voter", workflow.CITIZEN)
    workflow.check_signature(facts(), voter, eligible=True)
    for f, actor, eligible, reason in [
        (facts(kind="complaint"), voter, True, "NOT_A_PETITION"),
        (facts(status="admissibility_check"), voter, True, "NOT_COLLECTING"),
        (facts(), Actor("", workflow.CITIZEN), True, "CITIZENS_SIGN"),
        (facts(), voter, False, "NOT_ELIGIBLE"),
    ]:
        with pytest.raises(Refusal) as err:
            workflow.check_signature(f, actor, eligible)
        assert err.value.reason == reason


def test_rating_by_the_requester_after_the_answer():
    me = Actor("c1", workflow.CITIZEN)
    workflow.check_rating(facts(kind="complaint", decided_at=NOW), me, 5)
    for f, actor, rating, code in [
        (facts(kind="complaint"), me, 5, Kind.PRECONDITION),
        (facts(kind="complaint", decided_at=NOW), Actor("c2", workflow.CITIZEN), 5, Kind.DENIED),
        (facts(kind="complaint", decided_at=NOW), me, 6, Kind.INVALID),
    ]:
        with pytest.raises(Refusal) as err:
            workflow.check_rating(f, actor, rating)
        assert err.value.kind == code


def test_staff_only():
    workflow.require_staff(Actor("a", "staff"), "x")
    with pytest.raises(Refusal) as err:
        workflow.require_staff(Actor("c", workflow.CITIZEN), "x")
    assert err.value.kind == Kind.DENIED


def test_the_latest_decision_is_what_the_requester_reads():
    from tickets.service import latest_decision, status_message

    at = NOW
    history = [
        {"action": "submit", "status": "submitted", "details": "{}", "at": at},
        {
            "action": "answer",
            "status": "answered",
            "at": at,
            "details": '{"answer": "Réparé jeudi", "outcome": "positive"}',
        },
        {"action": "close", "status": "closed", "details": "{}", "at": at},
    ]
    decision = latest_decision("complaint", history)
    assert (decision.action, decision.status, decision.answer, decision.outcome) == (
        "answer",
        "answered",
        "Réparé jeudi",
        "positive",
    )
    assert latest_decision("complaint", history[:1]) is None
    refused = [{"action": "decline", "status": "declined", "details": '{"reason": "hors budget"}', "at": at}]
    assert latest_decision("suggestion", refused).reason == "hors budget"

    row = {
        "ticket_id": "t",
        "tracking_code": "c",
        "office_id": "o",
        "kind": "complaint",
        "category": "x",
        "status": "in_progress",
        "submitted_at": at,
        "acknowledge_by": at,
        "answer_by": at,
        "attachment_count": 0,
        "updated_at": at,
        "extended": False,
        "urgent": False,
        "priority": 3,
        "department": "",
        "rating": None,
        "merged_into": "",
        "public": False,
    }
    details = {d.action: d for d in status_message(row).action_details}
    assert list(details["answer"].required) == ["answer", "outcome"]
    assert "staff" in details["answer"].roles and "citizen" not in details["answer"].roles
