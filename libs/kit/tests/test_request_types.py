"""Every request type is whole, and a new one needs only its definition and its texts.

The first tests fail while any part of a type is missing: the contract's enum value, a text in
some language, a guard tickets has no code for, a status no transition reaches, an actor no role
names, a deadline outside its own bounds. The last ones add a throwaway type (a permit for an
event on the public space) to the definitions, with its texts, and show each service's rules
take it up with no other change: tickets files it, runs its machine and dates it, the registry
catalogues it, notifications words it.
"""

from __future__ import annotations

import datetime as dt

import pytest

import comessages
from citizenoffice.tickets.v1 import tickets_pb2 as tickets_pb
from comessages import checks
from cokit import request_types
from cokit.auth import policy
from cokit.legal_deadlines import Bounds, Rule
from cokit.refusals import Refusal
from cokit.request_types import ANSWERERS, CITIZEN, SYSTEM, Machine, RequestType, step

TYPES = request_types.all_types()
ACTORS = set(policy.ROLES) | {CITIZEN, SYSTEM}


def test_the_six_types_of_the_law_in_the_order_forms_show_them():
    assert request_types.names() == (
        "complaint",
        "observation",
        "suggestion",
        "information_request",
        "administrative_request",
        "petition",
    )
    assert "granted" not in request_types.statuses()  # the throwaway type's, below


def test_the_contract_has_every_type_and_no_other():
    wire = {value: name.lower() for name, value in tickets_pb.TicketKind.items() if value}
    assert wire == {t.wire: t.name for t in TYPES}


@pytest.mark.parametrize("request_type", TYPES, ids=lambda t: t.name)
def test_every_text_of_a_type_is_in_every_language(request_type):
    catalogue = comessages.catalogue()
    missing = [
        (key, lang)
        for key in request_type.text_keys()
        for lang in catalogue.languages
        if key not in catalogue.texts[lang]
    ]
    assert not missing


@pytest.mark.parametrize("request_type", TYPES, ids=lambda t: t.name)
def test_every_machine_is_whole(request_type):
    from tickets import workflow

    machine = request_type.machine
    assert machine.kind == request_type.name
    reached, frontier = {machine.initial}, [machine.initial]
    while frontier:
        status = frontier.pop()
        for t in machine.transitions:
            if status in t.sources and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == machine.statuses(), "a status no transition reaches"
    assert machine.open_statuses | machine.waiting_for_acknowledgement <= machine.statuses()
    assert len(set(machine.actions())) == len(machine.actions()), "an action twice"
    for t in machine.transitions:
        assert t.actors and t.actors <= ACTORS, (t.action, t.actors - ACTORS)
        assert set(t.guards) <= set(workflow.GUARDS), (t.action, "a guard tickets has no code for")
        assert not t.outcomes or "outcome" in t.required, t.action
    assert any(t.decision for t in machine.transitions), "nothing answers the request"
    if request_type.on_deadline:
        assert SYSTEM in machine.transition(request_type.on_deadline).actors


@pytest.mark.parametrize("request_type", TYPES, ids=lambda t: t.name)
def test_every_type_s_own_rules_agree(request_type):
    deadline = request_type.deadline
    assert deadline.problems(request_type.name, deadline.legal.count, deadline.legal.unit) == []
    assert request_type.publicity in request_types.PUBLICITY
    if request_type.identity_document or request_type.collects_signatures:
        assert not request_type.anonymous_allowed, "the law names who asks"
    if request_type.public_form:
        assert not request_type.identity_document, "the public form asks for no ID document"
    if request_type.urgent_rule:
        assert deadline.problems(request_type.name, deadline.legal.count, deadline.legal.unit) == []


def test_transition_fields_are_every_field_a_step_asks_for():
    asked = {f for t in TYPES for s in t.machine.transitions for f in s.required}
    assert set(request_types.transition_fields()) == asked
    assert request_types.get("petition").machine.transition("accept").required == ("committee", "session_date")


def test_an_unknown_type_is_refused_with_the_known_ones():
    with pytest.raises(Refusal) as refused:
        request_types.get("wish")
    assert refused.value.reason == "KIND_UNKNOWN" and "petition" in refused.value.message
    assert request_types.by_wire(99) is None and not request_types.known("wish")


# --- a throwaway type: a permit for an event on the public space --------------------------

EVENT_PERMIT = RequestType(
    name="event_permit",
    wire=90,
    law="",
    deadline=Bounds(Rule(15, "working_days"), Rule(1, "months"), False, "the platform's ceiling"),
    machine=Machine(
        "event_permit",
        "submitted",
        (
            step("take", "submitted", "in_progress", ANSWERERS),
            step("grant", "in_progress", "granted", ANSWERERS, ("answer",), decision=True),
            step("reject", ("submitted", "in_progress"), "rejected", ANSWERERS, ("reason",), decision=True),
            step("close", ("granted", "rejected"), "closed", ANSWERERS | {SYSTEM}, closes=True),
        ),
        waiting_for_acknowledgement=frozenset({"submitted"}),
        open_statuses=frozenset({"in_progress"}),
    ),
    anonymous_allowed=False,
    publicity="private",
)
EVENT_PERMIT_TEXTS = {
    "fr": {
        "kind.event_permit": "Autorisation d'événement",
        "notice.ticket_submitted.thanks.event_permit": "Votre demande d'autorisation du {submitted_on} est enregistrée.",
        "status.granted": "Accordée",
        "action.grant": "Accorder",
    },
    "ar": {
        "kind.event_permit": "ترخيص تظاهرة",
        "notice.ticket_submitted.thanks.event_permit": "تم تسجيل طلب الترخيص بتاريخ {submitted_on}.",
        "status.granted": "مقبول",
        "action.grant": "منح الترخيص",
    },
    "en": {
        "kind.event_permit": "Event permit",
        "notice.ticket_submitted.thanks.event_permit": "Your permit request of {submitted_on} is registered.",
        "status.granted": "Granted",
        "action.grant": "Grant",
    },
    "zgh": {
        "kind.event_permit": "ⵜⵓⵔⴰⴳⵜ ⵏ ⵜⵎⵖⵔⴰ",
        "notice.ticket_submitted.thanks.event_permit": "ⴰⵙⵓⵜⵔ ⵏⵏⵓⵏ ⵏ ⵜⵓⵔⴰⴳⵜ ⵏ {submitted_on} ⵉⵜⵜⵓⵙⵊⵊⵍ.",
        "status.granted": "ⵜⵜⵓⴼⴽⴰ",
        "action.grant": "ⴼⴽ ⵜⵓⵔⴰⴳⵜ",
    },
}
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.timezone.utc)  # a Tuesday


@pytest.fixture
def event_permit(monkeypatch):
    """The throwaway type in the definitions and its texts in the catalogue, for one test."""
    monkeypatch.setitem(request_types.REGISTRY, EVENT_PERMIT.name, EVENT_PERMIT)
    catalogue = comessages.catalogue()
    for lang, texts in EVENT_PERMIT_TEXTS.items():
        for key, text in texts.items():
            monkeypatch.setitem(catalogue.texts[lang], key, text)
    monkeypatch.setattr(catalogue, "keys", (*catalogue.keys, *EVENT_PERMIT_TEXTS["fr"]))
    return EVENT_PERMIT


def test_the_throwaway_type_is_whole(event_permit):
    test_every_machine_is_whole(event_permit)
    test_every_type_s_own_rules_agree(event_permit)
    test_every_text_of_a_type_is_in_every_language(event_permit)
    assert request_types.names()[-1] == "event_permit"
    assert "granted" in request_types.statuses()


def test_tickets_files_dates_and_runs_the_throwaway_type(event_permit):
    from tickets import deadlines, domain, transitions, workflow

    named = domain.Submission(
        office_id="tetouan",
        kind="event_permit",
        category="festival",
        description="Fête de quartier le samedi 14 mars, place Moulay El Mehdi",
        citizen_id="citizen-1",
        channel="web",
        language="fr",
    )
    assert domain.validate_submission(named).kind == "event_permit"
    with pytest.raises(Refusal) as refused:
        domain.validate_submission(domain.Submission(**{**named.__dict__, "citizen_id": ""}))
    assert refused.value.reason == "REQUESTER_REQUIRED"
    assert domain.category_rules([], "event_permit", "festival") == domain.CategoryRules("private", False)
    assert transitions.kind_name(90) == "event_permit"

    calendar, clock = deadlines.WeekendCalendar(), deadlines.Clock()
    due = deadlines.at_submission("event_permit", NOW, calendar, clock)
    assert due.answer_by == clock.end_of(dt.date(2026, 3, 31))  # 15 working days after Tuesday 10 March
    assert due.acknowledge_by == NOW + dt.timedelta(days=15)  # the decree's 15 days, before the answer

    status = workflow.initial_status("event_permit")
    clerk = workflow.Actor("agent-1", "staff")
    for action, fields in (("take", {}), ("grant", {"answer": "Accordée pour le 14 mars"}), ("close", {})):
        facts = workflow.Facts("event_permit", status, "citizen-1", NOW, due.answer_by)
        status = workflow.decide(facts, action, clerk, fields, workflow.Context(NOW, calendar, clock)).target
    assert status == "closed"
    assert deadlines.watched_deadline("event_permit", "in_progress", due.acknowledge_by, due.answer_by) == due.answer_by


def test_the_registry_catalogues_the_throwaway_type_within_its_bounds(event_permit):
    from registry import domain

    entry = domain.CatalogueEntry("fetes", "event_permit", "festival", "Fêtes", deadline_count=10)
    assert (entry.publicity, entry.anonymous_allowed) == ("private", False)
    assert domain.entry_problems(entry) == []
    longer = domain.CatalogueEntry(
        "fetes", "event_permit", "festival", "Fêtes", deadline_count=2, deadline_unit="months"
    )
    assert [p[1] for p in domain.entry_problems(longer)] == ["DEADLINE_BEYOND_LEGAL"]


def test_notifications_word_the_throwaway_type_in_every_language(event_permit):
    from notifications import domain

    for lang in EVENT_PERMIT_TEXTS:
        receipt = domain.render(
            "ticket.submitted",
            lang,
            {
                "tracking_code": "7K3M-9QX2-B",
                "kind": "event_permit",
                "submitted_on": "2026-03-10",
                "acknowledge_by": "2026-03-31",
                "answer_by": "2026-03-31",
            },
        )
        assert EVENT_PERMIT_TEXTS[lang]["notice.ticket_submitted.thanks.event_permit"][:12] in receipt.body
        changed = domain.render("ticket.status_changed", lang, {"tracking_code": "7K3M-9QX2-B", "status": "granted"})
        assert EVENT_PERMIT_TEXTS[lang]["status.granted"] in changed.subject
        for text in (receipt.subject, receipt.body, changed.subject, changed.body):
            assert checks.problems(text, lang, values=("7K3M-9QX2-B", "2026-03-10", "2026-03-31")) == []
