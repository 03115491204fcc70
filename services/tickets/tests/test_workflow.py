"""Every transition of every request type: allowed from its sources with its actor, fields
and guard; refused from every other status with FAILED_PRECONDITION and a reason."""

import datetime as dt

import pytest

from cokit import request_types
from cokit.refusals import Kind, Refusal
from tickets import deadlines, workflow
from tickets.workflow import Actor, Context, Facts

NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.timezone.utc)  # a Tuesday
CAL = deadlines.WeekendCalendar()
CTX = Context(now=NOW, calendar=CAL)
CITIZEN = Actor("citizen-1", workflow.CITIZEN)

GOOD_FIELDS = {
    "answer": "Voici les documents demandés.",
    "reason": "Motif détaillé",
    "remedies": "recours",
    "exception_code": "private_life",
    "redaction": "noms des tiers masqués",
    "message": "pièce manquante",
    "committee": "urbanisme",
    "session_date": "2026-05-04",
}
OUTCOMES = {"answer_appeal": "upheld"}


def facts(kind, status, **changes):
    base = dict(
        kind=kind,
        status=status,
        citizen_id=CITIZEN.id,
        submitted_at=NOW - dt.timedelta(days=5),
        answer_by=NOW + dt.timedelta(days=10),
        decided_at=NOW - dt.timedelta(days=1),
        closed_at=NOW - dt.timedelta(days=1),
        signatures=150,
        signature_threshold=100,
    )
    base.update(changes)
    return Facts(**base)


def allowed_actor(step):
    for role in ("information_officer", "staff", "commune_admin", "office_manager"):
        if role in step.actors:
            return Actor("agent-1", role)
    return CITIZEN if workflow.CITIZEN in step.actors else Actor("scheduler", workflow.SYSTEM)


def fields_for(step):
    fields = dict(GOOD_FIELDS, outcome=OUTCOMES.get(step.action, "positive"))
    return fields


def facts_for(kind, status, step):
    # The guards of a successful case: the deadline has passed only for the automatic refusal.
    if step.action == "refuse_implicitly":
        return facts(kind, status, answer_by=NOW - dt.timedelta(hours=1))
    return facts(kind, status)


MACHINES = [t.machine for t in request_types.all_types()]
CASES = [
    (machine.kind, step.action, status)
    for machine in MACHINES
    for step in machine.transitions
    for status in sorted(machine.statuses())
]


@pytest.mark.parametrize("kind,action,status", CASES)
def test_each_transition_from_each_status(kind, action, status):
    machine = workflow.machine_for(kind)
    step = machine.transition(action)
    f = facts_for(kind, status, step)
    if status in step.sources:
        chosen = workflow.decide(f, action, allowed_actor(step), fields_for(step), CTX)
        assert chosen.target == step.target
    else:
        with pytest.raises(Refusal) as err:
            workflow.decide(f, action, allowed_actor(step), fields_for(step), CTX)
        assert err.value.kind == Kind.PRECONDITION
        assert err.value.reason == "TRANSITION_NOT_ALLOWED"
        assert err.value.metadata["status"] == status


def test_every_status_is_reachable_from_the_initial_one():
    for machine in MACHINES:
        reached, frontier = {machine.initial}, [machine.initial]
        while frontier:
            status = frontier.pop()
            for step in machine.transitions:
                if status in step.sources and step.target not in reached:
                    reached.add(step.target)
                    frontier.append(step.target)
        assert reached == machine.statuses(), machine.kind


def walk(kind, path, **fact_changes):
    status = workflow.initial_status(kind)
    for action in path:
        step = workflow.machine_for(kind).transition(action)
        f = facts(kind, status, **fact_changes)
        if action == "refuse_implicitly":
            f = facts(kind, status, answer_by=NOW - dt.timedelta(seconds=1))
        status = workflow.decide(f, action, allowed_actor(step), fields_for(step), CTX).target
    return status


@pytest.mark.parametrize(
    "kind,path,end",
    [
        ("complaint", ["acknowledge", "start", "answer", "close", "reopen", "start", "answer", "close"], "closed"),
        ("observation", ["acknowledge", "answer", "close"], "closed"),
        ("suggestion", ["acknowledge", "study", "decline", "close"], "closed"),
        ("information_request", ["extend", "answer_partially", "appeal", "answer_appeal", "close"], "closed"),
        ("information_request", ["refuse_implicitly", "appeal"], "appealed"),
        ("administrative_request", ["take", "ask_citizen", "resume", "complete", "close"], "closed"),
        ("petition", ["open_signatures", "request_check", "accept"], "accepted"),
        ("petition", ["open_signatures", "request_check", "reject"], "rejected"),
    ],
)
def test_lifecycles(kind, path, end):
    assert walk(kind, path) == end


def error(f, action, actor, fields=None, ctx=CTX):
    with pytest.raises(Refusal) as err:
        workflow.decide(f, action, actor, GOOD_FIELDS if fields is None else fields, ctx)
    return err.value


OFFICER = Actor("officer-1", "information_officer")


def test_extension_only_once_and_only_before_the_deadline():
    assert (
        error(facts("information_request", "received", extended=True), "extend", OFFICER).reason == "ALREADY_EXTENDED"
    )
    late = facts("information_request", "received", answer_by=NOW)
    e = error(late, "extend", OFFICER)
    assert (e.kind, e.reason) == (Kind.PRECONDITION, "DEADLINE_PASSED")


def test_extension_needs_its_reason():
    e = error(facts("information_request", "received"), "extend", OFFICER, fields={})
    assert (e.kind, e.reason, e.metadata["field"]) == (Kind.INVALID, "FIELD_REQUIRED", "reason")


def test_implicit_refusal_only_by_the_scheduler_and_only_past_the_deadline():
    system = Actor("scheduler", workflow.SYSTEM)
    e = error(facts("information_request", "received"), "refuse_implicitly", system)
    assert (e.kind, e.reason) == (Kind.PRECONDITION, "DEADLINE_NOT_PASSED")
    past = facts("information_request", "extended", answer_by=NOW - dt.timedelta(seconds=1))
    assert error(past, "refuse_implicitly", OFFICER).kind == Kind.DENIED


def test_a_refusal_names_a_legal_exception():
    e = error(facts("information_request", "received"), "refuse", OFFICER, dict(GOOD_FIELDS, exception_code="bored"))
    assert (e.kind, e.reason) == (Kind.PRECONDITION, "EXCEPTION_UNKNOWN")
    for name in ("exception_code", "reason", "remedies"):
        e = error(
            facts("information_request", "received"),
            "refuse",
            OFFICER,
            {k: v for k, v in GOOD_FIELDS.items() if k != name},
        )
        assert e.metadata["field"] == name


def test_appeal_window_is_twenty_working_days_after_the_decision():
    decided = NOW - dt.timedelta(days=27)
    ok = facts("information_request", "refused", decided_at=NOW - dt.timedelta(days=26))
    assert workflow.decide(ok, "appeal", CITIZEN, GOOD_FIELDS, CTX).target == "appealed"
    late = facts("information_request", "refused", decided_at=decided - dt.timedelta(days=2))
    assert error(late, "appeal", CITIZEN).reason == "APPEAL_WINDOW_CLOSED"


def test_only_the_requester_appeals():
    f = facts("information_request", "refused")
    assert error(f, "appeal", Actor("someone-else", workflow.CITIZEN)).reason == "NOT_YOUR_REQUEST"
    assert (
        error(facts("information_request", "refused", citizen_id=""), "appeal", Actor("", workflow.CITIZEN)).reason
        == "NOT_YOUR_REQUEST"
    )
    assert error(f, "appeal", OFFICER).reason == "ACTOR_NOT_ALLOWED"


def test_reopening_within_the_window_only():
    staff = Actor("agent", "staff")
    e = error(facts("complaint", "closed", closed_at=NOW - dt.timedelta(days=31)), "reopen", CITIZEN)
    assert e.reason == "REOPEN_WINDOW_CLOSED"
    assert workflow.decide(facts("complaint", "closed"), "reopen", staff, GOOD_FIELDS, CTX).target == "reopened"


def test_a_citizen_cannot_answer_their_own_complaint():
    e = error(facts("complaint", "in_progress"), "answer", CITIZEN, dict(GOOD_FIELDS, outcome="positive"))
    assert (e.kind, e.reason) == (Kind.DENIED, "ACTOR_NOT_ALLOWED")


def test_complaint_answer_outcome_is_positive_or_negative():
    e = error(facts("complaint", "in_progress"), "answer", Actor("a", "staff"), dict(GOOD_FIELDS, outcome="maybe"))
    assert e.reason == "OUTCOME_UNKNOWN"


def test_petition_needs_its_signatures_before_the_check():
    f = facts("petition", "collecting_signatures", signatures=99, signature_threshold=100)
    e = error(f, "request_check", CITIZEN)
    assert (e.reason, e.metadata["signatures"], e.metadata["threshold"]) == ("NOT_ENOUGH_SIGNATURES", "99", "100")


def test_petition_accepted_for_a_coming_ordinary_session():
    bureau = Actor("b", "commune_admin")
    f = facts("petition", "admissibility_check")
    assert error(f, "accept", bureau, dict(GOOD_FIELDS, session_date="2026-06-01")).reason == "SESSION_NOT_ORDINARY"
    assert error(f, "accept", bureau, dict(GOOD_FIELDS, session_date="2026-02-02")).reason == "SESSION_NOT_ORDINARY"
    assert error(f, "accept", Actor("s", "staff")).kind is Kind.DENIED


def test_unknown_action_is_an_invalid_argument():
    e = error(facts("complaint", "submitted"), "teleport", Actor("a", "staff"))
    assert (e.kind, e.reason) == (Kind.INVALID, "ACTION_UNKNOWN")
