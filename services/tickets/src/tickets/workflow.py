"""The request types' state machines at work: `decide()` says which transition an actor may
apply now. The machines themselves (statuses, transitions, actors, required fields, the names of
their guards) are part of each request type's definition in cokit.request_types; the guards'
code is here, in GUARDS.

Plain Python, no I/O. `decide()` either returns the transition to apply or raises the
domain error the caller gets: INVALID_ARGUMENT (unknown action, missing field),
PERMISSION_DENIED (this actor may not), FAILED_PRECONDITION (not from this status, or the
guard refused; the reason says which).

Actors are roles of cokit.auth.policy plus two of our own: "citizen" (the requester, only
on their own ticket) and "system" (the deadline scheduler).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping

from cokit import request_types
from cokit.refusals import failed_precondition, invalid_argument, permission_denied
from cokit.request_types import (  # noqa: F401 - the workflow's vocabulary, read from here by tickets
    CITIZEN,
    COUNCIL_BUREAU,
    HEAD_OF_BODY,
    INFORMATION_OFFICERS,
    STAFF,
    SYSTEM,
    Machine,
    Transition,
)

from . import deadlines, legal

ORDINARY_SESSION_MONTHS = (2, 5, 10)  # first weeks of February, May and October


@dataclasses.dataclass(frozen=True)
class Actor:
    id: str
    role: str


@dataclasses.dataclass(frozen=True)
class Facts:
    """What the guards may look at: the ticket as stored, without its text."""

    kind: str
    status: str
    citizen_id: str
    submitted_at: dt.datetime
    answer_by: dt.datetime
    extended: bool = False
    urgent: bool = False
    decided_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    signatures: int = 0
    signature_threshold: int = 0


@dataclasses.dataclass(frozen=True)
class Context:
    now: dt.datetime
    calendar: deadlines.Calendar
    clock: deadlines.Clock = deadlines.Clock()


Guard = Callable[[Facts, Mapping[str, str], Context], None]


# --- guards: each raises FAILED_PRECONDITION with its own reason -------------------------


def before_deadline(facts, fields, ctx):
    if ctx.now >= facts.answer_by:
        raise failed_precondition("DEADLINE_PASSED", "the deadline has already passed")


def not_extended_yet(facts, fields, ctx):
    if facts.extended:
        raise failed_precondition("ALREADY_EXTENDED", "the deadline can be extended only once")


def deadline_passed(facts, fields, ctx):
    if ctx.now < facts.answer_by:
        raise failed_precondition("DEADLINE_NOT_PASSED", "the deadline has not passed yet")


def known_exception(facts, fields, ctx):
    if fields.get("exception_code") not in legal.EXCEPTIONS:
        raise failed_precondition(
            "EXCEPTION_UNKNOWN",
            "a refusal must name one of the exceptions of Law 31-13",
            exceptions=",".join(legal.EXCEPTIONS),
        )


def within_appeal_window(facts, fields, ctx):
    if facts.decided_at is None or ctx.now >= deadlines.appeal_window_ends(facts.decided_at, ctx.calendar, ctx.clock):
        raise failed_precondition(
            "APPEAL_WINDOW_CLOSED",
            f"an appeal is filed within {deadlines.APPEAL_FILING_WORKING_DAYS} working days of the decision",
        )


def within_reopen_window(facts, fields, ctx):
    if facts.closed_at is None or ctx.now - facts.closed_at > dt.timedelta(days=deadlines.REOPEN_WINDOW_DAYS):
        raise failed_precondition(
            "REOPEN_WINDOW_CLOSED", f"a request can be reopened within {deadlines.REOPEN_WINDOW_DAYS} days of closure"
        )


def enough_signatures(facts, fields, ctx):
    if facts.signatures < facts.signature_threshold:
        raise failed_precondition(
            "NOT_ENOUGH_SIGNATURES",
            f"the petition has {facts.signatures} of the {facts.signature_threshold} signatures it needs",
            signatures=facts.signatures,
            threshold=facts.signature_threshold,
        )


def ordinary_session(facts, fields, ctx):
    try:
        session = dt.date.fromisoformat(fields.get("session_date", ""))
    except ValueError:
        raise failed_precondition("SESSION_DATE_INVALID", "session_date is a date, YYYY-MM-DD") from None
    if session.month not in ORDINARY_SESSION_MONTHS or session < ctx.clock.local_day(ctx.now):
        raise failed_precondition(
            "SESSION_NOT_ORDINARY", "an accepted petition goes to a coming ordinary session (February, May, October)"
        )


GUARDS: dict[str, Guard] = {
    "before_deadline": before_deadline,
    "not_extended_yet": not_extended_yet,
    "deadline_passed": deadline_passed,
    "known_exception": known_exception,
    "within_appeal_window": within_appeal_window,
    "within_reopen_window": within_reopen_window,
    "enough_signatures": enough_signatures,
    "ordinary_session": ordinary_session,
}


def machine_for(kind: str) -> Machine:
    return request_types.get(kind).machine


def initial_status(kind: str) -> str:
    return machine_for(kind).initial


def decide(facts: Facts, action: str, actor: Actor, fields: Mapping[str, str], ctx: Context) -> Transition:
    """The transition `actor` may apply now, or the error saying why not.

    Order of the checks: the action exists, the status allows it, the actor may, the
    fields are there, the guards hold, so the first error names the most basic problem.
    """
    machine = machine_for(facts.kind)
    step = machine.transition(action)
    if facts.status not in step.sources:
        raise failed_precondition(
            "TRANSITION_NOT_ALLOWED",
            f"cannot {action} a {facts.kind} that is {facts.status}",
            status=facts.status,
            action=action,
            available=",".join(machine.available(facts.status)),
        )
    if actor.role not in step.actors:
        raise permission_denied(
            "ACTOR_NOT_ALLOWED",
            f"a {actor.role or 'caller'} may not {action} a {facts.kind}",
            action=action,
            role=actor.role,
        )
    if actor.role == CITIZEN and (not facts.citizen_id or actor.id != facts.citizen_id):
        raise permission_denied("NOT_YOUR_REQUEST", "only the requester may do this")
    for name in step.required:
        if not str(fields.get(name, "")).strip():
            raise invalid_argument("FIELD_REQUIRED", f"{action} needs {name}", field=name, action=action)
    if step.outcomes and fields.get("outcome") not in step.outcomes:
        raise failed_precondition("OUTCOME_UNKNOWN", f"outcome must be one of {', '.join(step.outcomes)}")
    for guard in step.guards:
        GUARDS[guard](facts, fields, ctx)
    return step


def event_type(step: Transition) -> str:
    """The event a transition publishes: specific names for what consumers act on."""
    specific = {
        "acknowledge": "ticket.acknowledged",
        "extend": "ticket.extended",
        "refuse_implicitly": "ticket.implicitly_refused",
        "appeal": "ticket.appealed",
    }
    if step.action in specific:
        return specific[step.action]
    if step.closes:
        return "ticket.closed"
    if step.decision:
        return "ticket.answered"
    return "ticket.status_changed"


# --- around the workflow: who may work on a request, rate it, sign it --------------------

OFFICE_STAFF = STAFF | INFORMATION_OFFICERS | {"commune_admin", "national_admin"}
RATABLE_AFTER_DECISION = True
RATING_RANGE = range(1, 6)


def require_staff(actor: Actor, what: str) -> None:
    if actor.role not in OFFICE_STAFF or not actor.id:
        raise permission_denied("STAFF_ONLY", f"only the office's staff may {what}", role=actor.role)


def check_rating(facts: Facts, actor: Actor, rating: int) -> None:
    if actor.role != CITIZEN or not facts.citizen_id or actor.id != facts.citizen_id:
        raise permission_denied("NOT_YOUR_REQUEST", "only the requester rates the answer")
    if facts.decided_at is None:
        raise failed_precondition("NOT_ANSWERED_YET", "a request is rated once it has been answered")
    if rating not in RATING_RANGE:
        raise invalid_argument("RATING_OUT_OF_RANGE", "rating is 1 to 5", field="rating")


def check_signature(facts: Facts, actor: Actor, eligible: bool) -> None:
    if not request_types.get(facts.kind).collects_signatures:
        raise failed_precondition("NOT_A_PETITION", "only petitions collect signatures")
    if facts.status != "collecting_signatures":
        raise failed_precondition("NOT_COLLECTING", "this petition is not collecting signatures", status=facts.status)
    if actor.role != CITIZEN or not actor.id:
        raise permission_denied("CITIZENS_SIGN", "a petition is signed by a citizen with a verified account")
    if not eligible:
        raise failed_precondition("NOT_ELIGIBLE", "signers are on the commune's electoral roll")
