"""One state machine per request type: each transition names its source statuses, target,
allowed actors, required fields and guard.

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

from cokit.refusals import failed_precondition, invalid_argument, permission_denied

from . import deadlines, legal

CITIZEN = "citizen"
SYSTEM = "system"
STAFF = frozenset({"staff", "office_manager"})
INFORMATION_OFFICERS = frozenset({"information_officer", "deputy_information_officer"})
HEAD_OF_BODY = frozenset({"office_manager", "commune_admin"})
COUNCIL_BUREAU = frozenset({"commune_admin"})
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


@dataclasses.dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    required: tuple[str, ...] = ()
    guards: tuple[Guard, ...] = ()
    decision: bool = False  # the body's answer to the request (starts the appeal window)
    closes: bool = False


@dataclasses.dataclass(frozen=True)
class Machine:
    kind: str
    initial: str
    transitions: tuple[Transition, ...]
    waiting_for_acknowledgement: frozenset[str] = frozenset()
    open_statuses: frozenset[str] = frozenset()  # the body owes an answer: deadline watched

    def transition(self, action: str) -> Transition:
        for t in self.transitions:
            if t.action == action:
                return t
        raise invalid_argument(
            "ACTION_UNKNOWN",
            f"a {self.kind} has no action {action!r}",
            field="action",
            actions=",".join(self.actions()),
        )

    def actions(self) -> list[str]:
        return [t.action for t in self.transitions]

    def statuses(self) -> set[str]:
        found = {self.initial}
        for t in self.transitions:
            found |= t.sources | {t.target}
        return found

    def available(self, status: str) -> list[str]:
        return [t.action for t in self.transitions if status in t.sources]


def t(action, sources, target, actors, required=(), guards=(), **flags) -> Transition:
    sources = frozenset([sources] if isinstance(sources, str) else sources)
    actors = frozenset([actors] if isinstance(actors, str) else actors)
    return Transition(action, sources, target, actors, tuple(required), tuple(guards), **flags)


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


def outcome_is(*allowed):
    def guard(facts, fields, ctx):
        if fields.get("outcome") not in allowed:
            raise failed_precondition("OUTCOME_UNKNOWN", f"outcome must be one of {', '.join(allowed)}")

    return guard


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


# --- the machines ------------------------------------------------------------------------

ANSWERERS = STAFF | {"commune_admin"}

COMPLAINT = Machine(
    "complaint",
    "submitted",
    (
        t("acknowledge", "submitted", "acknowledged", ANSWERERS),
        t("start", ("acknowledged", "reopened"), "in_progress", ANSWERERS),
        t(
            "answer",
            "in_progress",
            "answered",
            ANSWERERS,
            ("answer", "outcome"),
            (outcome_is("positive", "negative"),),
            decision=True,
        ),
        t("close", "answered", "closed", ANSWERERS | {CITIZEN, SYSTEM}, closes=True),
        t("reopen", "closed", "reopened", {CITIZEN} | ANSWERERS, ("reason",), (within_reopen_window,)),
    ),
    waiting_for_acknowledgement=frozenset({"submitted"}),
    open_statuses=frozenset({"acknowledged", "in_progress", "reopened"}),
)

OBSERVATION = Machine(
    "observation",
    "submitted",
    (
        t("acknowledge", "submitted", "acknowledged", ANSWERERS),
        t("answer", "acknowledged", "answered", ANSWERERS, ("answer",), decision=True),
        t("close", ("acknowledged", "answered"), "closed", ANSWERERS | {SYSTEM}, closes=True),
    ),
    waiting_for_acknowledgement=frozenset({"submitted"}),
    open_statuses=frozenset({"acknowledged"}),
)

SUGGESTION = Machine(
    "suggestion",
    "submitted",
    (
        t("acknowledge", "submitted", "acknowledged", ANSWERERS),
        t("study", "acknowledged", "under_study", ANSWERERS),
        t("accept", "under_study", "accepted", ANSWERERS, ("answer",), decision=True),
        t("decline", "under_study", "declined", ANSWERERS, ("reason",), decision=True),
        t("close", ("accepted", "declined"), "closed", ANSWERERS | {SYSTEM}, closes=True),
    ),
    waiting_for_acknowledgement=frozenset({"submitted"}),
    open_statuses=frozenset({"acknowledged", "under_study"}),
)

INFORMATION_REQUEST = Machine(
    "information_request",
    "received",
    (
        t("extend", "received", "extended", INFORMATION_OFFICERS, ("reason",), (not_extended_yet, before_deadline)),
        t("answer", ("received", "extended"), "answered", INFORMATION_OFFICERS, ("answer",), decision=True),
        t(
            "answer_partially",
            ("received", "extended"),
            "partially_answered",
            INFORMATION_OFFICERS,
            ("answer", "redaction", "exception_code"),
            (known_exception,),
            decision=True,
        ),
        t(
            "refuse",
            ("received", "extended"),
            "refused",
            INFORMATION_OFFICERS,
            ("exception_code", "reason", "remedies"),
            (known_exception,),
            decision=True,
        ),
        t(
            "refuse_implicitly",
            ("received", "extended"),
            "implicitly_refused",
            {SYSTEM},
            (),
            (deadline_passed,),
            decision=True,
        ),
        t(
            "appeal",
            ("refused", "partially_answered", "implicitly_refused"),
            "appealed",
            {CITIZEN},
            ("reason",),
            (within_appeal_window,),
        ),
        t(
            "answer_appeal",
            "appealed",
            "appeal_answered",
            HEAD_OF_BODY,
            ("answer", "outcome"),
            (outcome_is("upheld", "dismissed"),),
        ),
        t(
            "close",
            ("answered", "partially_answered", "refused", "implicitly_refused", "appeal_answered"),
            "closed",
            INFORMATION_OFFICERS | {SYSTEM},
            closes=True,
        ),
    ),
    open_statuses=frozenset({"received", "extended", "appealed"}),
)

ADMINISTRATIVE_REQUEST = Machine(
    "administrative_request",
    "submitted",
    (
        t("take", "submitted", "in_progress", STAFF),
        t("ask_citizen", "in_progress", "waiting_for_citizen", STAFF, ("message",)),
        t("resume", "waiting_for_citizen", "in_progress", STAFF | {CITIZEN}),
        t("complete", "in_progress", "completed", STAFF, ("answer",), decision=True),
        t("reject", ("submitted", "in_progress"), "rejected", STAFF, ("reason",), decision=True),
        t("close", ("completed", "rejected"), "closed", STAFF | {CITIZEN, SYSTEM}, closes=True),
    ),
    waiting_for_acknowledgement=frozenset({"submitted"}),
    open_statuses=frozenset({"in_progress"}),
)

PETITION = Machine(
    "petition",
    "filed",
    (
        t("open_signatures", "filed", "collecting_signatures", STAFF | COUNCIL_BUREAU),
        t("request_check", "collecting_signatures", "admissibility_check", {CITIZEN} | STAFF, (), (enough_signatures,)),
        t(
            "accept",
            "admissibility_check",
            "accepted",
            COUNCIL_BUREAU,
            ("committee", "session_date"),
            (ordinary_session,),
            decision=True,
        ),
        t(
            "reject",
            ("filed", "collecting_signatures", "admissibility_check"),
            "rejected",
            COUNCIL_BUREAU,
            ("reason",),
            decision=True,
        ),
    ),
    open_statuses=frozenset({"filed", "collecting_signatures", "admissibility_check"}),
)

MACHINES = {
    m.kind: m for m in (COMPLAINT, OBSERVATION, SUGGESTION, INFORMATION_REQUEST, ADMINISTRATIVE_REQUEST, PETITION)
}


def machine_for(kind: str) -> Machine:
    return MACHINES[kind]


def initial_status(kind: str) -> str:
    return MACHINES[kind].initial


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
    for guard in step.guards:
        guard(facts, fields, ctx)
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
    if facts.kind != "petition":
        raise failed_precondition("NOT_A_PETITION", "only petitions collect signatures")
    if facts.status != "collecting_signatures":
        raise failed_precondition("NOT_COLLECTING", "this petition is not collecting signatures", status=facts.status)
    if actor.role != CITIZEN or not actor.id:
        raise permission_denied("CITIZENS_SIGN", "a petition is signed by a citizen with a verified account")
    if not eligible:
        raise failed_precondition("NOT_ELIGIBLE", "signers are on the commune's electoral roll")
