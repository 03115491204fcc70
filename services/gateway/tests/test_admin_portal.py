"""Admin pages: every language has every text, every page renders in each language with its
form token, and the policy gives the admin actions to admins only, in their own scope."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder

from cokit import request_types
from cokit.auth import policy
from gateway import portal
from gateway.rooms import admin as admin_pages

from .test_staff_portal import keys

OFFICE = {"id": "o1", "slug": "tetouan", "name": "Tétouan", "zgh": "ⵜⵉⵟⵟⴰⵡⵉⵏ", "commune": "tetouan"}
PAGES = {
    "admin_offices.html": {"offices": [dict(OFFICE, status="operational")], "calendar": True},
    "admin_office.html": {
        "office": OFFICE,
        "weekdays": admin_pages.WEEKDAYS,
        "statuses": admin_pages.STATUSES,
        "values": {
            "status": "operational",
            "address": "Av. 1",
            "phone": "",
            "email": "",
            "hours": {"mon": {"opens": "08:30", "closes": "16:30"}},
        },
        "error": {"form": "office", "field": "phone", "status": 400},
    },
    "admin_catalogue.html": {
        "office": OFFICE,
        "request_types": request_types.names(),
        "units": admin_pages.UNITS,
        "name_languages": admin_pages.NAME_LANGUAGES,
        "editing": None,
        "entries": [
            {
                "code": "roads",
                "request_type": "complaint",
                "category": "roads",
                "label": "Voirie",
                "name": {"fr": "Voirie"},
                "deadline_count": 20,
                "deadline_unit": "working_days",
                "legal_basis": "",
                "department": "",
                "requires_location": True,
                "active": False,
            }
        ],
    },
    "admin_roles.html": {
        "office": OFFICE,
        "roles": ["staff"],
        "form": {},
        "bindings": [{"id": "b1", "account": "acc-1", "role": "staff", "commune_wide": False, "granted_by": "x"}],
    },
    "admin_calendar.html": {
        "pending": [{"key": "eid", "name": "Aïd", "date": "2027-03-10"}],
        "form": {},
        "holidays": [{"date": "2027-01-01", "name": "Nouvel an", "confirmed": True}],
    },
}


def test_every_language_says_everything():
    assert set(admin_pages.ADMIN_TEXT) == set(portal.LANGUAGES)
    table = admin_pages.ADMIN_TEXT
    assert keys(table["ar"]) == keys(table["fr"]) == keys(table["en"])
    for lang in portal.LANGUAGES:
        assert set(table[lang]["statuses"]) == set(admin_pages.STATUSES)
        assert set(table[lang]["weekdays"]) == set(admin_pages.WEEKDAYS)


@pytest.mark.parametrize("template", sorted(PAGES))
@pytest.mark.parametrize("lang", portal.LANGUAGES)
def test_every_page_renders_with_its_form_token(template, lang):
    request = EnvironBuilder(path=f"/staff/admin?lang={lang}").get_request()
    response = admin_pages._render(request, template, csrf="TOKEN", here="/staff/admin", **PAGES[template])
    html = response.get_data(as_text=True)
    assert f'lang="{lang}"' in html and 'name="csrf" value="TOKEN"' in html
    assert response.headers["Cache-Control"] == "no-store"
    if "error" in PAGES[template]:
        assert 'aria-invalid="true"' in html and 'role="alert"' in html


def test_only_admins_manage_offices_and_a_commune_admin_only_in_their_commune():
    here, elsewhere = policy.Scope("ma", "tetouan", "o1"), policy.Scope("ma", "martil", "o2")

    def caller(role, scope):
        return policy.Caller("u", "user", "ma", (policy.RoleBinding(role, scope),))

    commune_admin = caller("commune_admin", policy.Scope("ma", "tetouan"))
    assert policy.decide(commune_admin, admin_pages.OFFICE_MANAGE, here).allowed
    assert not policy.decide(commune_admin, admin_pages.OFFICE_MANAGE, elsewhere).allowed
    assert not policy.decide(commune_admin, admin_pages.CALENDAR_MANAGE, policy.Scope("ma")).allowed
    national = caller("national_admin", policy.Scope("ma"))
    assert policy.decide(national, admin_pages.OFFICE_MANAGE, elsewhere).allowed
    assert policy.decide(national, admin_pages.CALENDAR_MANAGE, policy.Scope("ma")).allowed
    for role in ("staff", "office_manager"):
        assert not policy.decide(caller(role, here), admin_pages.OFFICE_MANAGE, here).allowed
