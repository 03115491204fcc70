"""The request types: one definition each, read by every service.

A request type is everything the platform knows about one kind of submission: the law it comes
from, its wire value in the contracts, its answer deadline and how far an office may move it,
who must be named, whether the public may see it, where it may be filed, its state machine and
the message catalogue's keys of its name and statuses. tickets runs the machine (the guards'
code is tickets.workflow.GUARDS, named here), the registry holds each office's catalogue within
these defaults and bounds, the gateway and notifications name types and statuses from the
catalogue's keys, and every list of types anywhere is `names()`, `where(...)` or `all_types()`.

Adding a type: docs/add-a-request-type.md. libs/kit/tests/test_request_types.py fails while any
part of a type is missing (texts in every language, the contract's enum value, a guard tickets
does not know, a status no transition reaches), and shows a throwaway type taken up by every
service's rules. Plain Python.
"""

from __future__ import annotations

import dataclasses

from cokit import legal_deadlines
from cokit.legal_deadlines import Bounds, Rule
from cokit.refusals import invalid_argument

# --- who may act: cokit.auth.policy's roles, and two actors of the workflow's own ------------

CITIZEN = "citizen"  # the requester, on their own request only
SYSTEM = "system"  # the deadline scheduler
STAFF = frozenset({"staff", "office_manager"})
INFORMATION_OFFICERS = frozenset({"information_officer", "deputy_information_officer"})
HEAD_OF_BODY = frozenset({"office_manager", "commune_admin"})
COUNCIL_BUREAU = frozenset({"commune_admin"})
ANSWERERS = STAFF | {"commune_admin"}

NAME_MAX = 24  # tickets' `kind` column; the registry's `request_type` holds 40
PUBLICITY = ("private", "choice", "public")  # never shown, as the requester chooses, always shown
MERGED = "merged"  # a duplicate folded into another request, whatever its type
# Moved to another member instance with its requester's consent (the federation), whatever its type.
TRANSFERRED = "transferred"


@dataclasses.dataclass(frozen=True)
class Transition:
    """One step of a machine: from `sources` to `target`, by one of `actors`, with the fields it
    needs and the guards (named; tickets holds their code) that must hold."""

    action: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    required: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()  # the values `outcome` may take, when it is asked
    decision: bool = False  # the body's answer to the request (starts the appeal window)
    closes: bool = False


def step(action, sources, target, actors, required=(), guards=(), **flags) -> Transition:
    sources = frozenset([sources] if isinstance(sources, str) else sources)
    actors = frozenset([actors] if isinstance(actors, str) else actors)
    return Transition(action, sources, target, actors, tuple(required), tuple(guards), **flags)


@dataclasses.dataclass(frozen=True)
class Machine:
    kind: str
    initial: str
    transitions: tuple[Transition, ...]
    waiting_for_acknowledgement: frozenset[str] = frozenset()  # the acknowledgement deadline is watched
    open_statuses: frozenset[str] = frozenset()  # the body owes an answer: the answer deadline is watched
    # The office gave its decision or the request is over (GeoReport's "closed"); every other
    # status is open, a request waiting on its requester included.
    closed_statuses: frozenset[str] = frozenset()

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

    def outcomes(self, action: str) -> tuple[str, ...]:
        """The values `outcome` takes on this action; none for an action this release does not know."""
        return next((t.outcomes for t in self.transitions if t.action == action), ())

    def statuses(self) -> set[str]:
        found = {self.initial}
        for t in self.transitions:
            found |= t.sources | {t.target}
        return found

    def available(self, status: str) -> list[str]:
        return [t.action for t in self.transitions if status in t.sources]


@dataclasses.dataclass(frozen=True)
class RequestType:
    name: str  # the key everywhere: stored rows, catalogue entries, JSON, message keys
    wire: int  # its value of citizenoffice.tickets.v1.TicketKind
    law: str  # the text it comes from; "" when none governs it
    deadline: Bounds  # the answer deadline, and how far an office's catalogue may move it
    machine: Machine
    # May be filed without naming the requester (and by default is). Not where the law names who
    # asks (information requests, petitions), nor for help with one's own file (administrative).
    anonymous_allowed: bool
    publicity: str  # the catalogue's default, one of PUBLICITY
    # The receipt is the acknowledgement (issued at once); otherwise acknowledged within
    # legal_deadlines.ACKNOWLEDGE_WITHIN_DAYS, and by the answer deadline at the latest.
    acknowledged_at_receipt: bool = False
    identity_document: bool = False  # carries the requester's name, address and ID number (Law 31-13)
    urgent_rule: Rule | None = None  # may be urgent, with its reason: this answer deadline then
    collects_signatures: bool = False
    on_deadline: str = ""  # the action the scheduler takes once the answer deadline passed unanswered
    duplicates_nearby: bool = False  # about the public space: a new one is shown its neighbours of the same kind
    public_form: bool = False  # filed on the public form and POST /api/v1/tickets, with a contact at most
    open311: bool = False  # offered to Open311 clients as services, their requests listed there
    walk_in: bool = True  # registered by staff at the office's desk
    # Filed at the wrong instance (another country's), may move to that member instance with its
    # requester's consent: only what the other office needs crosses, never an ID number.
    moves_between_instances: bool = False

    @property
    def label_key(self) -> str:
        return f"kind.{self.name}"

    def text_keys(self) -> list[str]:
        """Every key of the message catalogue (comessages) this type needs in every language: its
        name, its receipt's first sentence, its statuses, its steps, their fields and outcomes."""
        keys = [self.label_key, f"notice.ticket_submitted.thanks.{self.name}"]
        keys += [status_key(s) for s in sorted(self.machine.statuses())]
        for t in self.machine.transitions:
            keys.append(f"action.{t.action}")
            keys += [f"staff.fields.{f}" for f in t.required]
            keys += [f"staff.outcomes.{o}" for o in t.outcomes]
        return list(dict.fromkeys(keys))


def status_key(status: str) -> str:
    return f"status.{status}"


# --- the six types -----------------------------------------------------------------------

_DECREE = "decree 2-17-265"
# Decree 2-17-265: processed within two months at most; an office may promise less.
_DECREE_BOUNDS = Bounds(
    Rule(legal_deadlines.ANSWER_WITHIN_MONTHS, "months"),
    Rule(legal_deadlines.ANSWER_WITHIN_MONTHS, "months"),
    False,
    _DECREE,
)

COMPLAINT = RequestType(
    name="complaint",
    wire=1,
    law=_DECREE,
    deadline=_DECREE_BOUNDS,
    machine=Machine(
        "complaint",
        "submitted",
        (
            step("acknowledge", "submitted", "acknowledged", ANSWERERS),
            step("start", ("acknowledged", "reopened"), "in_progress", ANSWERERS),
            step(
                "answer",
                "in_progress",
                "answered",
                ANSWERERS,
                ("answer", "outcome"),
                outcomes=("positive", "negative"),
                decision=True,
            ),
            step("close", "answered", "closed", ANSWERERS | {CITIZEN, SYSTEM}, closes=True),
            step("reopen", "closed", "reopened", {CITIZEN} | ANSWERERS, ("reason",), ("within_reopen_window",)),
        ),
        waiting_for_acknowledgement=frozenset({"submitted"}),
        open_statuses=frozenset({"acknowledged", "in_progress", "reopened"}),
        closed_statuses=frozenset({"answered", "closed"}),
    ),
    anonymous_allowed=True,
    publicity="choice",
    duplicates_nearby=True,
    public_form=True,
    open311=True,
    moves_between_instances=True,
)

OBSERVATION = RequestType(
    name="observation",
    wire=2,
    law=_DECREE,
    deadline=_DECREE_BOUNDS,
    machine=Machine(
        "observation",
        "submitted",
        (
            step("acknowledge", "submitted", "acknowledged", ANSWERERS),
            step("answer", "acknowledged", "answered", ANSWERERS, ("answer",), decision=True),
            step("close", ("acknowledged", "answered"), "closed", ANSWERERS | {SYSTEM}, closes=True),
        ),
        waiting_for_acknowledgement=frozenset({"submitted"}),
        open_statuses=frozenset({"acknowledged"}),
        closed_statuses=frozenset({"answered", "closed"}),
    ),
    anonymous_allowed=True,
    publicity="choice",
    duplicates_nearby=True,
    public_form=True,
    open311=True,
    moves_between_instances=True,
)

SUGGESTION = RequestType(
    name="suggestion",
    wire=3,
    law=_DECREE,
    deadline=_DECREE_BOUNDS,
    machine=Machine(
        "suggestion",
        "submitted",
        (
            step("acknowledge", "submitted", "acknowledged", ANSWERERS),
            step("study", "acknowledged", "under_study", ANSWERERS),
            step("accept", "under_study", "accepted", ANSWERERS, ("answer",), decision=True),
            step("decline", "under_study", "declined", ANSWERERS, ("reason",), decision=True),
            step("close", ("accepted", "declined"), "closed", ANSWERERS | {SYSTEM}, closes=True),
        ),
        waiting_for_acknowledgement=frozenset({"submitted"}),
        open_statuses=frozenset({"acknowledged", "under_study"}),
        closed_statuses=frozenset({"accepted", "declined", "closed"}),
    ),
    anonymous_allowed=True,
    publicity="choice",
    duplicates_nearby=True,
    public_form=True,
    open311=True,
    moves_between_instances=True,
)

# Law 31-13: 20 working days and only that (the end of the term turns silence into an implicit
# refusal and opens the appeal, so a shorter term in a catalogue would set that off early).
_DECIDED = ("answered", "partially_answered", "refused", "implicitly_refused")
INFORMATION_REQUEST = RequestType(
    name="information_request",
    wire=4,
    law="Law 31-13",
    deadline=Bounds(
        Rule(legal_deadlines.INFORMATION_WORKING_DAYS, "working_days"),
        Rule(legal_deadlines.INFORMATION_WORKING_DAYS, "working_days"),
        True,
        "Law 31-13",
    ),
    machine=Machine(
        "information_request",
        "received",
        (
            step(
                "extend",
                "received",
                "extended",
                INFORMATION_OFFICERS,
                ("reason",),
                ("not_extended_yet", "before_deadline"),
            ),
            step("answer", ("received", "extended"), "answered", INFORMATION_OFFICERS, ("answer",), decision=True),
            step(
                "answer_partially",
                ("received", "extended"),
                "partially_answered",
                INFORMATION_OFFICERS,
                ("answer", "redaction", "exception_code"),
                ("known_exception",),
                decision=True,
            ),
            step(
                "refuse",
                ("received", "extended"),
                "refused",
                INFORMATION_OFFICERS,
                ("exception_code", "reason", "remedies"),
                ("known_exception",),
                decision=True,
            ),
            step(
                "refuse_implicitly",
                ("received", "extended"),
                "implicitly_refused",
                {SYSTEM},
                (),
                ("deadline_passed",),
                decision=True,
            ),
            step("appeal", _DECIDED[1:], "appealed", {CITIZEN}, ("reason",), ("within_appeal_window",)),
            step(
                "answer_appeal",
                "appealed",
                "appeal_answered",
                HEAD_OF_BODY,
                ("answer", "outcome"),
                outcomes=("upheld", "dismissed"),
            ),
            step("close", (*_DECIDED, "appeal_answered"), "closed", INFORMATION_OFFICERS | {SYSTEM}, closes=True),
        ),
        open_statuses=frozenset({"received", "extended", "appealed"}),
        closed_statuses=frozenset({*_DECIDED, "appeal_answered", "closed"}),
    ),
    anonymous_allowed=False,
    publicity="private",
    acknowledged_at_receipt=True,
    identity_document=True,
    urgent_rule=Rule(legal_deadlines.INFORMATION_URGENT_WORKING_DAYS, "working_days"),
    on_deadline="refuse_implicitly",
)

# No legal term: the office's rule, by default two months (what every type without its own law
# is promised), at most three: no request waits longer than the longest term these laws give.
ADMINISTRATIVE_REQUEST = RequestType(
    name="administrative_request",
    wire=5,
    law="",
    deadline=Bounds(
        Rule(legal_deadlines.ANSWER_WITHIN_MONTHS, "months"),
        Rule(legal_deadlines.ADMINISTRATIVE_LONGEST_MONTHS, "months"),
        False,
        "no legal term; the platform's ceiling",
    ),
    machine=Machine(
        "administrative_request",
        "submitted",
        (
            step("take", "submitted", "in_progress", STAFF),
            step("ask_citizen", "in_progress", "waiting_for_citizen", STAFF, ("message",)),
            step("resume", "waiting_for_citizen", "in_progress", STAFF | {CITIZEN}),
            step("complete", "in_progress", "completed", STAFF, ("answer",), decision=True),
            step("reject", ("submitted", "in_progress"), "rejected", STAFF, ("reason",), decision=True),
            step("close", ("completed", "rejected"), "closed", STAFF | {CITIZEN, SYSTEM}, closes=True),
        ),
        waiting_for_acknowledgement=frozenset({"submitted"}),
        open_statuses=frozenset({"in_progress"}),
        closed_statuses=frozenset({"completed", "rejected", "closed"}),
    ),
    anonymous_allowed=False,
    publicity="private",
    moves_between_instances=True,
)

# Organic Law 113-14: admissible or rejected with reasons within 3 months, and only that.
PETITION = RequestType(
    name="petition",
    wire=6,
    law="Organic Law 113-14",
    deadline=Bounds(
        Rule(legal_deadlines.PETITION_DECISION_MONTHS, "months"),
        Rule(legal_deadlines.PETITION_DECISION_MONTHS, "months"),
        True,
        "Organic Law 113-14",
    ),
    machine=Machine(
        "petition",
        "filed",
        (
            step("open_signatures", "filed", "collecting_signatures", STAFF | COUNCIL_BUREAU),
            step(
                "request_check",
                "collecting_signatures",
                "admissibility_check",
                {CITIZEN} | STAFF,
                (),
                ("enough_signatures",),
            ),
            step(
                "accept",
                "admissibility_check",
                "accepted",
                COUNCIL_BUREAU,
                ("committee", "session_date"),
                ("ordinary_session",),
                decision=True,
            ),
            step(
                "reject",
                ("filed", "collecting_signatures", "admissibility_check"),
                "rejected",
                COUNCIL_BUREAU,
                ("reason",),
                decision=True,
            ),
        ),
        open_statuses=frozenset({"filed", "collecting_signatures", "admissibility_check"}),
        closed_statuses=frozenset({"accepted", "rejected"}),
    ),
    anonymous_allowed=False,
    publicity="public",
    acknowledged_at_receipt=True,
    collects_signatures=True,
)

# In the order forms and lists show them. Read through the functions below, which look here at
# each call (a test adds a throwaway type to this mapping and sees every service take it up).
REGISTRY: dict[str, RequestType] = {
    t.name: t for t in (COMPLAINT, OBSERVATION, SUGGESTION, INFORMATION_REQUEST, ADMINISTRATIVE_REQUEST, PETITION)
}


def all_types() -> list[RequestType]:
    return list(REGISTRY.values())


def names() -> tuple[str, ...]:
    return tuple(REGISTRY)


def known(name: str) -> bool:
    return name in REGISTRY


def get(name: str) -> RequestType:
    """The type named, or INVALID_ARGUMENT KIND_UNKNOWN listing the known ones."""
    found = REGISTRY.get(name)
    if found is None:
        raise invalid_argument("KIND_UNKNOWN", f"kind must be one of {', '.join(REGISTRY)}", field="kind")
    return found


def by_wire(value: int) -> RequestType | None:
    for t in REGISTRY.values():
        if t.wire == value:
            return t
    return None


def wire(name: str) -> int:
    return get(name).wire


def where(**flags) -> tuple[str, ...]:
    """The names of the types whose attributes have these values: where(open311=True)."""
    return tuple(t.name for t in REGISTRY.values() if all(getattr(t, k) == v for k, v in flags.items()))


def statuses() -> list[str]:
    """Every status of every type, MERGED and TRANSFERRED: what status labels must cover."""
    found = {MERGED, TRANSFERRED}
    for t in REGISTRY.values():
        found |= t.machine.statuses()
    return sorted(found)


def closed_statuses() -> set[str]:
    """The statuses in which some type's request is decided or over (a status means the same in
    every machine that has it), and TRANSFERRED: over here, handled at another instance."""
    return {s for t in REGISTRY.values() for s in t.machine.closed_statuses} | {TRANSFERRED}


def transition_fields() -> tuple[str, ...]:
    """Every field a transition of any type asks for: what a transition may record and show."""
    fields: dict[str, None] = {}
    for t in REGISTRY.values():
        for s in t.machine.transitions:
            fields.update(dict.fromkeys(s.required))
    return tuple(fields)


def guards() -> set[str]:
    """The guard names every machine uses (tickets.workflow.GUARDS holds their code)."""
    return {g for t in REGISTRY.values() for s in t.machine.transitions for g in s.guards}
