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
import re

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


def test_the_six_types_of_the_law_come_first_in_the_order_forms_show_them():
    assert request_types.names()[:6] == (
        "complaint",
        "observation",
        "suggestion",
        "information_request",
        "administrative_request",
        "petition",
    )


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
    assert machine.closed_statuses <= machine.statuses()
    assert not machine.closed_statuses & (machine.open_statuses | machine.waiting_for_acknowledgement)
    ends = {t.target for t in machine.transitions if t.decision or t.closes}
    assert ends <= machine.closed_statuses, "a decision or a closing step leaves the request open"
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
    assert re.fullmatch(r"[a-z][a-z_]*", request_type.name) and len(request_type.name) <= request_types.NAME_MAX
    deadline = request_type.deadline
    assert deadline.problems(request_type.name, deadline.legal.count, deadline.legal.unit) == []
    assert request_type.publicity in request_types.PUBLICITY
    if request_type.identity_document or request_type.collects_signatures:
        assert not request_type.anonymous_allowed, "the law names who asks"
    if request_type.public_form:
        assert not request_type.identity_document, "the public form asks for no ID document"
    if request_type.urgent_rule:
        assert deadline.problems(request_type.name, deadline.legal.count, deadline.legal.unit) == []


def test_a_status_is_closed_in_every_machine_that_has_it_or_in_none():
    closed = request_types.closed_statuses()
    for t in TYPES:
        assert closed & t.machine.statuses() == t.machine.closed_statuses, t.name


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

TRIAL_PERMIT = RequestType(
    name="trial_permit",
    wire=90,
    law="",
    deadline=Bounds(Rule(15, "working_days"), Rule(1, "months"), False, "the platform's ceiling"),
    machine=Machine(
        "trial_permit",
        "submitted",
        (
            step("take", "submitted", "in_progress", ANSWERERS),
            step("trial_grant", "in_progress", "trial_granted", ANSWERERS, ("answer",), decision=True),
            step("reject", ("submitted", "in_progress"), "rejected", ANSWERERS, ("reason",), decision=True),
            step("close", ("trial_granted", "rejected"), "closed", ANSWERERS | {SYSTEM}, closes=True),
        ),
        waiting_for_acknowledgement=frozenset({"submitted"}),
        open_statuses=frozenset({"in_progress"}),
        closed_statuses=frozenset({"trial_granted", "rejected", "closed"}),
    ),
    anonymous_allowed=False,
    publicity="private",
)
TRIAL_PERMIT_TEXTS = {
    "fr": {
        "kind.trial_permit": "Autorisation d'événement",
        "notice.ticket_submitted.thanks.trial_permit": "Votre demande d'autorisation du {submitted_on} est enregistrée.",
        "status.trial_granted": "Accordée",
        "action.trial_grant": "Accorder",
    },
    "ar": {
        "kind.trial_permit": "ترخيص تظاهرة",
        "notice.ticket_submitted.thanks.trial_permit": "تم تسجيل طلب الترخيص بتاريخ {submitted_on}.",
        "status.trial_granted": "مقبول",
        "action.trial_grant": "منح الترخيص",
    },
    "en": {
        "kind.trial_permit": "Event permit",
        "notice.ticket_submitted.thanks.trial_permit": "Your permit request of {submitted_on} is registered.",
        "status.trial_granted": "Granted",
        "action.trial_grant": "Grant",
    },
}
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.timezone.utc)  # a Tuesday


@pytest.fixture
def trial_permit(monkeypatch):
    """The throwaway type in the definitions and its texts in the catalogue, for one test."""
    assert TRIAL_PERMIT.name not in request_types.REGISTRY and "trial_granted" not in request_types.statuses()
    monkeypatch.setitem(request_types.REGISTRY, TRIAL_PERMIT.name, TRIAL_PERMIT)
    catalogue = comessages.catalogue()
    for lang, texts in TRIAL_PERMIT_TEXTS.items():
        for key, text in texts.items():
            monkeypatch.setitem(catalogue.texts[lang], key, text)
    monkeypatch.setattr(catalogue, "keys", (*catalogue.keys, *TRIAL_PERMIT_TEXTS["fr"]))
    return TRIAL_PERMIT


def test_the_throwaway_type_is_whole(trial_permit):
    test_every_machine_is_whole(trial_permit)
    test_every_type_s_own_rules_agree(trial_permit)
    test_every_text_of_a_type_is_in_every_language(trial_permit)
    assert request_types.names()[-1] == "trial_permit"
    assert "trial_granted" in request_types.statuses()


def test_tickets_files_dates_and_runs_the_throwaway_type(trial_permit):
    from tickets import deadlines, domain, transitions, workflow

    named = domain.Submission(
        office_id="tetouan",
        kind="trial_permit",
        category="festival",
        description="Fête de quartier le samedi 14 mars, place Moulay El Mehdi",
        citizen_id="citizen-1",
        channel="web",
        language="fr",
    )
    assert domain.validate_submission(named).kind == "trial_permit"
    with pytest.raises(Refusal) as refused:
        domain.validate_submission(domain.Submission(**{**named.__dict__, "citizen_id": ""}))
    assert refused.value.reason == "REQUESTER_REQUIRED"
    assert domain.category_rules([], "trial_permit", "festival") == domain.CategoryRules("private", False)
    assert transitions.kind_name(90) == "trial_permit"

    calendar, clock = deadlines.WeekendCalendar(), deadlines.Clock()
    due = deadlines.at_submission("trial_permit", NOW, calendar, clock)
    assert due.answer_by == clock.end_of(dt.date(2026, 3, 31))  # 15 working days after Tuesday 10 March
    assert due.acknowledge_by == NOW + dt.timedelta(days=15)  # the decree's 15 days, before the answer

    status = workflow.initial_status("trial_permit")
    clerk = workflow.Actor("agent-1", "staff")
    for action, fields in (("take", {}), ("trial_grant", {"answer": "Accordée pour le 14 mars"}), ("close", {})):
        facts = workflow.Facts("trial_permit", status, "citizen-1", NOW, due.answer_by)
        status = workflow.decide(facts, action, clerk, fields, workflow.Context(NOW, calendar, clock)).target
    assert status == "closed"
    assert deadlines.watched_deadline("trial_permit", "in_progress", due.acknowledge_by, due.answer_by) == due.answer_by


def test_the_registry_catalogues_the_throwaway_type_within_its_bounds(trial_permit):
    from registry import domain

    entry = domain.CatalogueEntry("fetes", "trial_permit", "festival", "Fêtes", deadline_count=10)
    assert (entry.publicity, entry.anonymous_allowed) == ("private", False)
    assert domain.entry_problems(entry) == []
    longer = domain.CatalogueEntry(
        "fetes", "trial_permit", "festival", "Fêtes", deadline_count=2, deadline_unit="months"
    )
    assert [p[1] for p in domain.entry_problems(longer)] == ["DEADLINE_BEYOND_LEGAL"]


def test_notifications_word_the_throwaway_type_in_every_language(trial_permit):
    from notifications import domain

    for lang in TRIAL_PERMIT_TEXTS:
        receipt = domain.render(
            "ticket.submitted",
            lang,
            {
                "tracking_code": "7K3M-9QX2-B",
                "kind": "trial_permit",
                "submitted_on": "2026-03-10",
                "acknowledge_by": "2026-03-31",
                "answer_by": "2026-03-31",
            },
        )
        assert TRIAL_PERMIT_TEXTS[lang]["notice.ticket_submitted.thanks.trial_permit"][:12] in receipt.body
        changed = domain.render(
            "ticket.status_changed", lang, {"tracking_code": "7K3M-9QX2-B", "status": "trial_granted"}
        )
        assert TRIAL_PERMIT_TEXTS[lang]["status.trial_granted"] in changed.subject
        for text in (receipt.subject, receipt.body, changed.subject, changed.body):
            assert checks.problems(text, lang, values=("7K3M-9QX2-B", "2026-03-10", "2026-03-31")) == []


def test_the_gateway_offers_the_throwaway_type_where_its_definition_says(trial_permit):
    from gateway import office_work, open311, openapi, translate

    assert "trial_permit" in office_work.walk_in_kinds()  # the desk registers every type by default
    assert translate.kind_key(90) == "trial_permit"
    schemas = openapi.document()["components"]["schemas"]
    assert "trial_permit" in schemas["TicketStatus"]["properties"]["kind"]["enum"]
    assert "trial_permit" in schemas["MyTicket"]["properties"]["kind"]["enum"]
    # Not on the public form, nor offered to Open311 clients: its definition says neither.
    assert "trial_permit" not in schemas["Submission"]["properties"]["kind"]["enum"]
    assert "trial_permit" not in open311.offered_kinds() and open311.offered_kind(90) == ""
    assert open311.open_or_closed("trial_granted") == "closed" and "trial_granted" in open311.statuses_for("closed")
