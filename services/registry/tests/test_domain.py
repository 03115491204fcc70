import datetime as dt
import math

import pytest

from cokit.refusals import Kind, Refusal
from registry import domain, territory


def test_phase_moves_forward_freely_but_back_only_with_a_reason():
    domain.check_phase_change("creation", "implementation", "")
    domain.check_phase_change("implementation", "evaluation", "")
    with pytest.raises(Refusal) as err:
        domain.check_phase_change("evaluation", "implementation", "  ")
    assert err.value.reason == "PHASE_BACKWARDS_NEEDS_REASON"
    assert err.value.kind is Kind.PRECONDITION
    domain.check_phase_change("evaluation", "implementation", "office moved to a new building")


def test_same_or_unknown_phase_is_refused():
    with pytest.raises(Refusal) as err:
        domain.check_phase_change("creation", "creation", "")
    assert err.value.reason == "PHASE_UNCHANGED"
    with pytest.raises(Refusal) as err:
        domain.check_phase_change("creation", "?", "")
    assert err.value.reason == "BAD_PHASE"


@pytest.mark.parametrize("lat, lon", [(91, 0), (0, 181), (-90.5, 0), (math.nan, 5), (35.5, math.inf), (35.5, None)])
def test_bad_coordinates(lat, lon):
    problems = domain.details_problems(domain.OfficeDetails(latitude=lat, longitude=lon))
    assert [p[1] for p in problems] == ["BAD_COORDINATES"]


def test_good_details_have_no_problem():
    details = domain.OfficeDetails(
        address="Avenue Mohammed V",
        latitude=35.5785,
        longitude=-5.3684,
        opening_hours=(domain.Hours("mon", "08:30", "16:30"),),
        phone="+212 539 00 00 00",
        email="bc@tetouan.ma",
    )
    assert domain.details_problems(details) == []


def test_bad_opening_hours():
    for hours in (
        domain.Hours("lun", "08:00", "16:00"),
        domain.Hours("mon", "16:00", "08:00"),
        domain.Hours("mon", "8h", "16:00"),
    ):
        assert [p[1] for p in domain.details_problems(domain.OfficeDetails(opening_hours=(hours,)))] == [
            "BAD_OPENING_HOURS"
        ]


def test_workshops_need_a_theme_and_other_kinds_none():
    base = dict(held_on=dt.date(2026, 3, 2), place="Tétouan")
    assert domain.activity_problems(domain.Activity("strategic_workshop", theme="participation", **base)) == []
    assert [p[1] for p in domain.activity_problems(domain.Activity("strategic_workshop", **base))] == ["BAD_THEME"]
    assert [p[1] for p in domain.activity_problems(domain.Activity("forum", theme="participation", **base))] == [
        "BAD_THEME"
    ]
    assert [p[1] for p in domain.activity_problems(domain.Activity("party", **base))] == ["BAD_ACTIVITY_KIND"]
    assert [
        p[1]
        for p in domain.activity_problems(domain.Activity("forum", held_on=dt.date(2026, 1, 1), place=" ", women=-1))
    ] == ["PLACE_REQUIRED", "BAD_PARTICIPANTS"]


def test_achievements_count_per_phase_kind_and_gender():
    figures = domain.achievements(
        [("operational", "implementation"), ("operational", "evaluation"), ("being_implemented", "creation")],
        [
            ("strategic_workshop", "participation", 1, 10, 12, 0),
            ("strategic_workshop", "access_to_information", 2, 5, 5, 1),
            ("forum", "", 1, 40, 60, 0),
            ("exchange_visit", "", 3, 1, 2, 0),
        ],
    )
    assert figures.offices_by_status["operational"] == 2 and figures.offices_by_status["being_implemented"] == 1
    assert figures.offices_by_phase["evaluation"] == 1
    assert figures.activities["operationalization"] == {"strategic_workshop": 3, "forum": 1}
    assert figures.activities["institutionalization"] == {"exchange_visit": 3}
    assert figures.activities_total == 7
    assert figures.themes == {"access_to_information": 2, "participation": 1, "facilitation_of_administration": 0}
    assert (figures.women, figures.men, figures.others) == (56, 79, 1)


def test_default_catalogue_is_valid():
    codes = [e.code for e in domain.DEFAULT_CATALOGUE]
    assert len(codes) == len(set(codes))
    for entry in domain.DEFAULT_CATALOGUE:
        assert domain.entry_problems(entry) == [], entry.code
    info = next(e for e in domain.DEFAULT_CATALOGUE if e.request_type == "information_request")
    assert (info.deadline_count, info.deadline_unit) == (20, "working_days") and "31-13" in info.legal_basis


def test_catalogue_entry_problems():
    entry = domain.CatalogueEntry("Roads!", "complaint", "roads", "", deadline_count=0, deadline_unit="weeks")
    assert {p[1] for p in domain.entry_problems(entry)} == {"BAD_CODE", "NAME_REQUIRED", "BAD_DEADLINE"}


def test_an_entry_s_deadline_is_the_one_tickets_applies_within_the_law():
    lighting = domain.CatalogueEntry(
        "lighting", "complaint", "lighting", "Éclairage", deadline_count=10, deadline_unit="working_days"
    )
    assert domain.entry_problems(lighting) == []
    longer = domain.CatalogueEntry(
        "lighting", "complaint", "lighting", "Éclairage", deadline_count=3, deadline_unit="months"
    )
    [(field, reason, message)] = domain.entry_problems(longer)
    assert (field, reason) == ("deadline_count", "DEADLINE_BEYOND_LEGAL") and "2 months at most" in message
    with pytest.raises(Refusal) as err:
        domain.raise_first(domain.entry_problems(longer))
    assert (err.value.kind, err.value.reason, err.value.metadata) == (
        Kind.INVALID,
        "DEADLINE_BEYOND_LEGAL",
        {"field": "deadline_count"},
    )
    shorter_information = domain.CatalogueEntry("info", "information_request", "info", "Info", deadline_count=10)
    assert [p[1] for p in domain.entry_problems(shorter_information)] == ["DEADLINE_FIXED_BY_LAW"]


def test_petition_thresholds():
    assert territory.petition_signatures_required(31_147, "urban") == 100
    assert territory.petition_signatures_required(380_787, "urban") == 200
    assert territory.petition_signatures_required(None, "with_arrondissements") == 400
    assert territory.petition_signatures_required(None, "rural") is None


def test_seed_territory_is_consistent():
    units = {u.code: u for u in territory.SEED_UNITS}
    assert len(units) == len(territory.SEED_UNITS)
    assert sum(u.level == "region" for u in units.values()) == 12
    for unit in units.values():
        assert territory.unit_problems(unit) == [], unit.code
        parent = units.get(unit.parent_code)
        assert territory.parent_problem(unit, parent.level if parent else None) is None, unit.code
    for office in domain.SEED_OFFICES:
        assert units[office.commune_code].level == "commune"
    assert sum(o.status == "operational" for o in domain.SEED_OFFICES) == 5


def test_amazigh_names_must_be_tifinagh():
    unit = territory.Unit("x", "region", "ma", "X", name_zgh="Tamazight")
    assert [p[1] for p in territory.unit_problems(unit)] == ["NOT_TIFINAGH"]
    assert territory.unit_problems(territory.Unit("x", "region", "ma", "X", name_zgh="ⵜⴰⵎⴰⵣⵉⵖⵜ")) == []


def test_federation_figures_are_the_sum_of_each_instance():
    ours = domain.achievements([("operational", "implementation")] * 14, [("forum", "", 2, 10, 20, 0)])
    partner = domain.achievements(
        [("being_implemented", "creation")] * 3,
        [("strategic_workshop", "participation", 1, 4, 4, 0), ("forum", "", 1, 1, 1, 1)],
    )
    total = domain.merge([ours, partner])
    assert total.offices_by_status["operational"] == 14 and total.offices_by_status["being_implemented"] == 3
    assert total.activities["operationalization"] == {"forum": 3, "strategic_workshop": 1}
    assert (total.women, total.men, total.others) == (15, 25, 1) and total.themes["participation"] == 1
    assert ours.activities["operationalization"] == {"forum": 2}  # the parts are left as they were


def test_publicity_and_anonymity_default_per_request_type():
    defaults = {e.code: (e.publicity, e.anonymous_allowed) for e in domain.DEFAULT_CATALOGUE}
    assert defaults == {
        "roads": ("choice", True),
        "lighting": ("choice", True),
        "waste": ("choice", True),
        "water": ("choice", True),
        "urbanism": ("choice", True),
        "observation": ("choice", True),
        "suggestion": ("choice", True),
        "civil-status": ("private", False),  # someone's own file
        "information": ("private", False),
        "petition": ("public", False),
    }
    explicit = domain.CatalogueEntry(
        "night-noise",
        "complaint",
        "noise",
        "Bruit",
        deadline_count=2,
        deadline_unit="months",
        publicity="public",
        anonymous_allowed=False,
    )
    assert (explicit.publicity, explicit.anonymous_allowed) == ("public", False)


def test_publicity_must_be_known_and_the_law_names_some_requesters():
    bad = domain.CatalogueEntry(
        "x", "complaint", "x", "X", deadline_count=2, deadline_unit="months", publicity="sometimes"
    )
    assert [p[1] for p in domain.entry_problems(bad)] == ["BAD_PUBLICITY"]
    for rtype, count, unit in (("information_request", 20, "working_days"), ("petition", 3, "months")):
        anonymous = domain.CatalogueEntry(
            "x", rtype, "x", "X", deadline_count=count, deadline_unit=unit, anonymous_allowed=True
        )
        assert [p[:2] for p in domain.entry_problems(anonymous)] == [("anonymous_allowed", "ANONYMITY_NOT_LAWFUL")]
    # Help with one's own file names whom it helps: tickets never took an anonymous one, and the
    # catalogue no longer offers to.
    admin = domain.CatalogueEntry("x", "administrative_request", "x", "X", deadline_count=20, anonymous_allowed=True)
    [(field, reason, message)] = domain.entry_problems(admin)
    assert (field, reason) == ("anonymous_allowed", "ANONYMITY_NOT_LAWFUL") and "(" not in message
