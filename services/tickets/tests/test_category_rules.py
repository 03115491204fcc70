"""Publicity and anonymity per catalogue category, applied at submission."""

import types

import pytest

from citizenoffice.registry.v1 import registry_pb2
from cokit.refusals import Kind, Refusal
from tickets import domain


def submission(**changes):
    base = dict(
        office_id="o",
        kind="complaint",
        category="noise",
        description="Loud music every night",
        citizen_id="",
        channel="web",
        language="fr",
    )
    base.update(changes)
    return domain.Submission(**base)


def entry(category="noise", publicity="choice", anonymous=True, request_type="complaint", active=True, code=""):
    return registry_pb2.CatalogueEntry(
        code=code or category,
        request_type=request_type,
        category=category,
        publicity=publicity,
        anonymous_allowed=anonymous,
        active=active,
    )


def refusal(sub, rules) -> tuple:
    with pytest.raises(Refusal) as err:
        domain.apply_category_rules(sub, rules)
    return err.value.kind, err.value.reason


def test_rules_come_from_the_active_entry_of_the_same_type_and_category():
    entries = [
        entry("noise", "private", False, active=False),
        entry("noise", "public", False, "observation"),
        entry("noise", "private", False),
        entry("civil_status", "private", False, code="civil-status"),
    ]
    assert domain.category_rules(entries, "complaint", "noise") == domain.CategoryRules("private", False)
    assert domain.category_rules(entries, "observation", "noise") == domain.CategoryRules("public", False)
    assert domain.category_rules(entries, "complaint", "civil-status") == domain.CategoryRules("private", False)
    # Not in the catalogue: the request type's own rules.
    assert domain.category_rules(entries, "complaint", "other") == domain.CategoryRules("choice", True)
    assert domain.category_rules([], "information_request", "x") == domain.CategoryRules("private", False)
    assert domain.category_rules([], "petition", "x") == domain.CategoryRules("public", False)
    # The law names who asks for information, whatever an entry says.
    info = [entry("information", "choice", True, "information_request")]
    assert domain.category_rules(info, "information_request", "information").anonymous_allowed is False


def test_anonymous_request_refused_where_the_category_names_its_requester():
    rules = domain.CategoryRules("choice", False)
    assert refusal(submission(), rules) == (Kind.INVALID, "CATEGORY_NOT_ANONYMOUS")
    assert domain.apply_category_rules(submission(citizen_id="c1"), rules).citizen_id == "c1"
    assert domain.apply_category_rules(submission(requester_name="Fatima"), rules).public is False
    assert domain.apply_category_rules(submission(), domain.CategoryRules("choice", True)).citizen_id == ""


@pytest.mark.parametrize(
    "publicity, asked, public",
    [
        ("choice", None, False),
        ("choice", True, True),
        ("choice", False, False),
        ("private", None, False),
        ("private", False, False),
        ("public", None, True),
        ("public", True, True),
    ],
)
def test_publicity_decided_by_the_category_and_the_requester(publicity, asked, public):
    sub = domain.apply_category_rules(submission(public=asked), domain.CategoryRules(publicity, True))
    assert sub.public is public


def test_a_publicity_the_category_does_not_let_the_requester_choose_is_refused():
    assert refusal(submission(public=True), domain.CategoryRules("private", True)) == (
        Kind.INVALID,
        "CATEGORY_NOT_PUBLIC",
    )
    assert refusal(submission(public=False), domain.CategoryRules("public", True)) == (
        Kind.INVALID,
        "CATEGORY_ALWAYS_PUBLIC",
    )


def test_the_catalogue_is_fetched_again_when_stale_or_for_an_unknown_category(monkeypatch):
    from tickets import service

    calls = []
    replies = [[entry("noise", "private", False)], [entry("noise", "private", False), entry("dogs", "public", True)]]

    def list_categories(request):
        calls.append(request.office_id)
        return types.SimpleNamespace(entries=replies[min(len(calls), len(replies)) - 1])

    clock = [100.0]
    monkeypatch.setattr(service.time, "monotonic", lambda: clock[0])
    cache = service._Catalogues(ttl=15.0)
    assert cache.rules(list_categories, "o", "complaint", "noise").publicity == "private"
    assert cache.rules(list_categories, "o", "complaint", "noise").publicity == "private"
    assert calls == ["o"]
    clock[0] += 2.0  # a category not seen before: fetched again at once
    assert cache.rules(list_categories, "o", "complaint", "dogs") == domain.CategoryRules("public", True)
    assert calls == ["o", "o"]
    clock[0] += 0.5  # still unknown, asked again within the second: no new call
    assert cache.rules(list_categories, "o", "complaint", "other") == domain.CategoryRules("choice", True)
    assert len(calls) == 2
    clock[0] += 20.0  # stale
    cache.rules(list_categories, "o", "complaint", "noise")
    assert len(calls) == 3


def test_registry_events_drop_the_copies_they_concern(monkeypatch):
    """catalogue.changed drops that office's catalogue, calendar.changed the calendar (a holiday
    added or removed reaches the next receipt), office.* every office; a reader that (re)started
    drops everything."""
    from cokit.events.envelope import Envelope
    from tickets import service

    calls = []

    def list_categories(request):
        calls.append(request.office_id)
        return types.SimpleNamespace(entries=[entry("noise", "private", False)])

    catalogues = service._Catalogues(ttl=3600.0)
    monkeypatch.setattr(service, "CATALOGUES", catalogues)
    catalogues.rules(list_categories, "o1", "complaint", "noise")
    catalogues.rules(list_categories, "o2", "complaint", "noise")
    invalidated = []
    monkeypatch.setattr(service.CALENDARS.cache, "invalidate", lambda: invalidated.append(1))
    service.OFFICES.get("tetouan", lambda: "office")

    service._on_registry_events([Envelope(type="catalogue.changed", office_id="o1")])
    catalogues.rules(list_categories, "o1", "complaint", "noise")
    catalogues.rules(list_categories, "o2", "complaint", "noise")
    assert calls == ["o1", "o2", "o1"], "only o1's catalogue is fetched again"
    assert len(service.OFFICES) == 1 and not invalidated

    service._on_registry_events([Envelope(type="calendar.changed")])
    assert invalidated == [1]
    service._on_registry_events([Envelope(type="office.updated", office_id="o1")])
    assert len(service.OFFICES) == 0

    service._on_registry_reset()
    catalogues.rules(list_categories, "o2", "complaint", "noise")
    assert calls[-1] == "o2" and invalidated == [1, 1]
