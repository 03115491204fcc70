"""The desk pages: every language says everything, every form carries the session token, and a
refused form marks its field."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder

from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from cokit import request_types
from gateway import portal, sessions
from gateway.rooms import staff as staff_pages

CATALOGUE = [
    registry_pb.CatalogueEntry(
        code="lighting",
        request_type="complaint",
        category="lighting",
        active=True,
        name=registry_pb.LocalizedName(ar="الإنارة العمومية", fr="Éclairage public"),
    ),
    registry_pb.CatalogueEntry(
        code="markets",
        request_type="complaint",
        category="markets",
        active=True,
        name=registry_pb.LocalizedName(ar="الأسواق الجماعية", fr="Marchés communaux", en="Communal markets"),
    ),
    registry_pb.CatalogueEntry(
        code="old",
        request_type="complaint",
        category="old",
        active=False,
        name=registry_pb.LocalizedName(fr="Ancienne rubrique"),
    ),
    registry_pb.CatalogueEntry(
        code="information",
        request_type="information_request",
        category="information",
        active=True,
        name=registry_pb.LocalizedName(fr="Accès à l'information", ar="الحصول على المعلومات"),
    ),
]


def test_every_activity_kind_and_theme_is_named():
    for lang in portal.LANGUAGES:
        assert set(staff_pages.DESK_TEXT[lang]["activity_kinds"]) == set(staff_pages.ACTIVITY_KINDS)
        assert set(staff_pages.DESK_TEXT[lang]["themes"]) == set(staff_pages.WORKSHOP_THEMES)


@pytest.mark.parametrize("lang", portal.LANGUAGES)
def test_desk_pages_render_in_every_language(lang):
    req = EnvironBuilder(query_string=f"lang={lang}").get_request()
    walk_in = staff_pages._desk(
        req,
        "staff_walk_in.html",
        400,
        offices={"o1": "Tétouan"},
        chosen="o1",
        subjects=staff_pages.walk_in_subjects(CATALOGUE, lang),
        id_kinds=staff_pages.ID_KINDS,
        formats=staff_pages.FORMATS,
        languages_named=staff_pages.LANGUAGE_NAMES,
        csrf="C",
        error={"field": "id_number", "reason": "ID_NUMBER_INVALID"},
        form={"requester_name": "Amina"},
    )
    html = walk_in.get_data(as_text=True)
    assert html.count('name="csrf" value="C"') == 2  # sign-out and the form
    assert (
        'id="requester_id_number" name="requester_id_number" dir="ltr" autocomplete="off" aria-describedby="id-note" aria-invalid="true"'
        in html
    )
    assert staff_pages.DESK_TEXT[lang]["requester_id_number"] in html and 'value="Amina"' in html
    activities = staff_pages._desk(
        req,
        "staff_activities.html",
        offices={"o1": "Tétouan"},
        chosen="o1",
        items=[
            {
                "kind": "forum",
                "theme": "",
                "held_on": "2026-11-20",
                "place": "Tétouan",
                "title": "Forum",
                "participants": 30,
                "women": 14,
            }
        ],
        may_record=True,
        kinds=staff_pages.ACTIVITY_KINDS,
        themes=staff_pages.WORKSHOP_THEMES,
        csrf="C",
        error={"field": "date", "reason": "DATE_REQUIRED"},
        done="",
        today="2026-11-25",
        form={},
    )
    html = activities.get_data(as_text=True)
    assert staff_pages.DESK_TEXT[lang]["activity_kinds"]["forum"] in html and 'aria-invalid="true"' in html
    assert html.count('name="csrf" value="C"') == 2 and sessions.STAFF_TEXT[lang]["activities_link"] in html
    assert activities.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("lang", portal.LANGUAGES)
def test_the_ticket_page_offers_the_assignment(lang):
    req = EnvironBuilder(query_string=f"lang={lang}").get_request()
    text = staff_pages.DESK_TEXT[lang]
    page = sessions.render(
        req,
        "staff_ticket.html",
        400,
        ticket={
            "id": "t1",
            "code": "7K3M-9QX2-B",
            "kind": "complaint",
            "category": "roads",
            "status": "in_progress",
            "priority": 2,
            "department": "Voirie",
            "office": "Tétouan",
        },
        events=[],
        actions=[],
        long_fields=staff_pages.LONG_FIELDS,
        csrf="C",
        done="",
        form={},
        error={"form": "assign", "field": "priority", "reason": "PRIORITY_OUT_OF_RANGE"},
        assign={
            "departments": ["Voirie", "Éclairage"],
            "people": {"u1": text["me"], "u2": "Karim"},
            "priorities": staff_pages.PRIORITIES,
            "d": text,
        },
    )
    html = page.get_data(as_text=True)
    assert 'action="/staff/tickets/t1/assign"' in html and html.count('name="csrf" value="C"') == 4
    assert '<option value="Éclairage">' in html and '<option value="u2">Karim</option>' in html
    assert f'<option value="2" selected>{text["priorities"]["2"]}</option>' in html
    assert 'id="assign-priority" name="priority" aria-invalid="true"' in html
    assert f"«{sessions.STAFF_TEXT[lang]['priority']}»" in html


@pytest.mark.parametrize("lang", portal.LANGUAGES)
def test_the_ticket_page_names_the_assignee(lang):
    req = EnvironBuilder(query_string=f"lang={lang}").get_request()
    text, s = staff_pages.DESK_TEXT[lang], sessions.STAFF_TEXT[lang]
    ticket = {
        "id": "t1",
        "code": "7K3M-9QX2-B",
        "kind": "complaint",
        "category": "roads",
        "status": "in_progress",
        "priority": 2,
        "office": "Tétouan",
    }
    assign = {"departments": [], "people": {"u1": text["me"]}, "priorities": staff_pages.PRIORITIES, "d": text}

    def assigned(**changes) -> str:
        page = sessions.render(
            req,
            "staff_ticket.html",
            ticket=dict(ticket, **changes),
            events=[],
            actions=[],
            long_fields=staff_pages.LONG_FIELDS,
            csrf="C",
            done="",
            form={},
            error=None,
            assign=assign,
        )
        html = page.get_data(as_text=True)
        row = html.split(f"<dt>{s['assigned_to']}</dt>", 1)[1]
        return row[: row.index("</dd>")]

    both = assigned(department="Voirie", assignee="Karim Alaoui")
    assert f'{s["department"]}: <span dir="auto">Voirie</span> · <span dir="auto">Karim Alaoui</span>' in both
    assert "Karim" in assigned(department="", assignee="Karim") and s["department"] not in assigned(assignee="Karim")
    assert "Voirie" in assigned(department="Voirie", assignee="") and "·" not in assigned(department="Voirie")
    assert s["not_assigned"] in assigned(department="", assignee="")


@pytest.mark.parametrize("lang", portal.LANGUAGES)
def test_the_walk_in_form_offers_the_offices_own_catalogue(lang):
    groups = {g["kind"]: g["options"] for g in staff_pages.walk_in_subjects(CATALOGUE, lang)}
    assert list(groups) == list(request_types.names())  # every type is registered at the desk
    names = {"ar": "الأسواق الجماعية", "fr": "Marchés communaux", "en": "Communal markets"}
    assert list(groups["complaint"]) == ["complaint:lighting", "complaint:markets"]  # active entries only
    assert groups["complaint"]["complaint:markets"] == names[lang]
    assert groups["complaint"]["complaint:lighting"] == ("الإنارة العمومية" if lang == "ar" else "Éclairage public")
    assert list(groups["information_request"]) == ["information_request:information"]
    # a request type the catalogue lacks is still offered, once
    assert groups["petition"] == {"petition:other": portal.TEXT[lang]["categories"]["other"]}
    req = EnvironBuilder(query_string=f"lang={lang}").get_request()
    html = staff_pages._desk(
        req,
        "staff_walk_in.html",
        offices={"o1": "Tétouan", "o2": "Martil"},
        chosen="o2",
        subjects=staff_pages.walk_in_subjects(CATALOGUE, lang),
        id_kinds=staff_pages.ID_KINDS,
        formats=staff_pages.FORMATS,
        languages_named=staff_pages.LANGUAGE_NAMES,
        csrf="C",
        error=None,
        form={"subject": "complaint:markets"},
    ).get_data(as_text=True)
    assert f'<optgroup label="{portal.TEXT[lang]["kinds"]["complaint"]}">' in html
    assert f'<option value="complaint:markets" selected>{names[lang]}</option>' in html
    assert "Ancienne rubrique" not in html and 'value="lighting"' not in html  # no generic categories
    # two offices: a GET form (no JavaScript) reloads the page with the other office's catalogue
    assert (
        '<form method="get" action="/staff/walk-in"' in html and '<option value="o2" selected>Martil</option>' in html
    )
    assert '<input type="hidden" name="office" value="o2">' in html


@pytest.mark.parametrize(
    "role, linked",
    [
        ("national_admin", True),
        ("commune_admin", True),
        ("staff", False),
        ("office_manager", False),
        ("auditor", False),
    ],
)
def test_the_staff_bar_links_the_admin_pages_for_admins_only(role, linked):
    from types import SimpleNamespace

    from cokit.auth import policy

    scope = policy.Scope("ma", "tetouan-commune", "" if role.endswith("admin") else "tetouan")
    caller = policy.Caller("u1", "user", "ma", (policy.RoleBinding(role, scope),))
    for lang in portal.LANGUAGES:
        req = EnvironBuilder(query_string=f"lang={lang}").get_request()
        req.environ[sessions.SESSION_KEY] = SimpleNamespace(caller=caller)
        html = staff_pages._desk(
            req,
            "staff_activities.html",
            offices={"o1": "Tétouan"},
            chosen="o1",
            items=[],
            may_record=False,
            kinds=staff_pages.ACTIVITY_KINDS,
            themes=staff_pages.WORKSHOP_THEMES,
            csrf="C",
            error=None,
            done="",
            today="2026-11-25",
            form={},
        ).get_data(as_text=True)
        link = f'<a href="/staff/admin">{sessions.STAFF_TEXT[lang]["admin_link"]}</a>'
        assert (link in html) is linked
        assert ('href="/staff/admin"' in html) is linked
