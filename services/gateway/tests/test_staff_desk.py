"""The desk pages: every language says everything, every form carries the session token, and a
refused form marks its field."""
from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder

from gateway import portal, staff_desk, staff_portal


def test_every_activity_kind_and_theme_is_named():
    for lang in portal.LANGUAGES:
        assert set(staff_desk.DESK_TEXT[lang]["activity_kinds"]) == set(staff_desk.ACTIVITY_KINDS)
        assert set(staff_desk.DESK_TEXT[lang]["themes"]) == set(staff_desk.WORKSHOP_THEMES)


@pytest.mark.parametrize("lang", portal.LANGUAGES)
def test_desk_pages_render_in_every_language(lang):
    req = EnvironBuilder(query_string=f"lang={lang}").get_request()
    walk_in = staff_desk._desk(req, "staff_walk_in.html", 400, offices={"o1": "Tétouan"}, kinds=["complaint", "petition"],
                               id_kinds=staff_desk.ID_KINDS, formats=staff_desk.FORMATS,
                               languages_named=staff_desk.LANGUAGE_NAMES, csrf="C",
                               error={"field": "id_number", "reason": "ID_NUMBER_INVALID"}, form={"requester_name": "Amina"})
    html = walk_in.get_data(as_text=True)
    assert html.count('name="csrf" value="C"') == 2          # sign-out and the form
    assert 'id="requester_id_number" name="requester_id_number" dir="ltr" autocomplete="off" aria-describedby="id-note" aria-invalid="true"' in html
    assert staff_desk.DESK_TEXT[lang]["requester_id_number"] in html and 'value="Amina"' in html
    activities = staff_desk._desk(req, "staff_activities.html", offices={"o1": "Tétouan"}, chosen="o1", items=[
        {"kind": "forum", "theme": "", "held_on": "2026-11-20", "place": "Tétouan", "title": "Forum", "participants": 30,
         "women": 14}], may_record=True, kinds=staff_desk.ACTIVITY_KINDS, themes=staff_desk.WORKSHOP_THEMES, csrf="C",
        error={"field": "date", "reason": "DATE_REQUIRED"}, done="", today="2026-11-25", form={})
    html = activities.get_data(as_text=True)
    assert staff_desk.DESK_TEXT[lang]["activity_kinds"]["forum"] in html and 'aria-invalid="true"' in html
    assert html.count('name="csrf" value="C"') == 2 and staff_portal.STAFF_TEXT[lang]["activities_link"] in html
    assert activities.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("lang", portal.LANGUAGES)
def test_the_ticket_page_offers_the_assignment(lang):
    req = EnvironBuilder(query_string=f"lang={lang}").get_request()
    text = staff_desk.DESK_TEXT[lang]
    page = staff_portal._render(
        req, "staff_ticket.html", 400, ticket={"id": "t1", "code": "7K3M-9QX2-B", "kind": "complaint", "category": "roads",
                                               "status": "in_progress", "priority": 2, "department": "Voirie", "office": "Tétouan"},
        events=[], actions=[], long_fields=staff_portal.LONG_FIELDS, csrf="C", done="", form={},
        error={"form": "assign", "field": "priority", "reason": "PRIORITY_OUT_OF_RANGE"},
        assign={"departments": ["Voirie", "Éclairage"], "people": {"u1": text["me"], "u2": "Karim"},
                "priorities": staff_desk.PRIORITIES, "d": text})
    html = page.get_data(as_text=True)
    assert 'action="/staff/tickets/t1/assign"' in html and html.count('name="csrf" value="C"') == 4
    assert '<option value="Éclairage">' in html and '<option value="u2">Karim</option>' in html
    assert f'<option value="2" selected>{text["priorities"]["2"]}</option>' in html
    assert 'id="assign-priority" name="priority" aria-invalid="true"' in html
    assert f'«{staff_portal.STAFF_TEXT[lang]["priority"]}»' in html


@pytest.mark.parametrize("lang", portal.LANGUAGES)
def test_the_ticket_page_names_the_assignee(lang):
    req = EnvironBuilder(query_string=f"lang={lang}").get_request()
    text, s = staff_desk.DESK_TEXT[lang], staff_portal.STAFF_TEXT[lang]
    ticket = {"id": "t1", "code": "7K3M-9QX2-B", "kind": "complaint", "category": "roads", "status": "in_progress",
              "priority": 2, "office": "Tétouan"}
    assign = {"departments": [], "people": {"u1": text["me"]}, "priorities": staff_desk.PRIORITIES, "d": text}

    def assigned(**changes) -> str:
        page = staff_portal._render(req, "staff_ticket.html", ticket=dict(ticket, **changes), events=[], actions=[],
                                    long_fields=staff_portal.LONG_FIELDS, csrf="C", done="", form={}, error=None,
                                    assign=assign)
        html = page.get_data(as_text=True)
        row = html.split(f"<dt>{s['assigned_to']}</dt>", 1)[1]
        return row[:row.index("</dd>")]

    both = assigned(department="Voirie", assignee="Karim Alaoui")
    assert f"{s['department']}: <span dir=\"auto\">Voirie</span> · <span dir=\"auto\">Karim Alaoui</span>" in both
    assert "Karim" in assigned(department="", assignee="Karim") and s["department"] not in assigned(assignee="Karim")
    assert "Voirie" in assigned(department="Voirie", assignee="") and "·" not in assigned(department="Voirie")
    assert s["not_assigned"] in assigned(department="", assignee="")
