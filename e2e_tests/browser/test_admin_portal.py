"""The admin pages in real Chromium, on the session's real services: a national admin edits an
office's contacts and hours, adds and edits a catalogue entry, grants and revokes a role through
identity, and confirms an estimated religious holiday; a commune admin manages their commune's
office and is refused another commune's; a clerk is refused the admin pages. Pages are saved as
screenshots in Arabic and French and scanned by axe-core (no serious or critical violation).

The registry's database is shared with every other test, so the offices changed here are made
for this run (status planned: no citizen page lists them) and the holiday confirmed here is
one this run adds far in the future.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

import grpc
import pytest

from citizenoffice.registry.v1 import registry_pb2 as registry_pb
from citizenoffice.registry.v1.registry_pb2_grpc import RegistryServiceStub
from e2e_tests.browser.test_staff_portal import LOCALES, click_and_wait, sign_in
from e2e_tests.test_identity_helpers import national_admin, new_email, operator_grant, post, register
from e2e_tests.service_callers import through_platform
from e2e_tests.tickets_people import instance_admin

RUN = uuid.uuid4().hex[:8]
# far from every deadline any test computes, and this run's own (the registry's database is shared)
HOLIDAY = (dt.date(2150, 1, 1) + dt.timedelta(days=random.randrange(49 * 365))).isoformat()


def new_office(platform, infra_backend, commune: str, suffix: str) -> str:
    with grpc.insecure_channel(platform.grpc_target("registry")) as channel:
        registry = RegistryServiceStub(through_platform(channel, platform, instance_admin(platform, infra_backend)))
        profile = registry.CreateOffice(
            registry_pb.CreateOfficeRequest(
                slug=f"e2e-admin-{RUN}-{suffix}",
                commune_code=commune,
                name=registry_pb.LocalizedName(fr=f"Bureau admin {suffix}", ar="مكتب الإدارة", zgh="ⵜⵉⵟⵟⴰⵡⵉⵏ"),
                address="Avenue Mohammed V",
                opening_hours=[registry_pb.OpeningHours(weekday="mon", opens="09:00", closes="12:00")],
            ),
            timeout=30,
        )
    return profile.office.slug


@pytest.fixture(scope="module")
def people(platform, infra_backend) -> dict:
    """E-mails of a national admin, Tétouan's commune admin and a clerk at Tétouan's office,
    the account id of someone to give a role to, and two offices made for this run."""
    _, admin_token = national_admin(platform, infra_backend)
    found = {"national": new_email("national"), "commune": new_email("commune-admin"), "clerk": new_email("clerk")}
    ids = {name: register(platform, infra_backend, email) for name, email in found.items()}
    operator_grant(platform, found["national"], "national_admin")
    for name, role, scope in (
        ("commune", "commune_admin", {"commune": "tetouan"}),
        ("clerk", "staff", {"office": "tetouan"}),
    ):
        r = post(platform, "/api/v1/roles", {"citizen_id": ids[name], "role": role, "scope": scope}, admin_token)
        assert r.status_code == 201, r.text
    found["newcomer"] = register(platform, infra_backend, new_email("newcomer"))
    found["here"] = new_office(platform, infra_backend, "tetouan", "here")
    found["there"] = new_office(platform, infra_backend, "martil", "there")
    return found


def open_page(phone, path: str, status: int = 200):
    response = phone.open(path)
    assert response.status == status, (path, response.status)
    return phone.page


def test_a_national_admin_edits_an_office_its_catalogue_roles_and_the_calendar(phone_factory, people):
    admin = phone_factory(locale=LOCALES["fr"], javascript=False)
    sign_in(admin, people["national"], "fr")
    assert admin.page.locator(".bar a[href='/staff/admin']").count() == 1  # the staff bar links the admin pages
    page = open_page(admin, "/staff/admin?lang=fr")
    assert page.locator(f"#offices a[href='/staff/admin/offices/{people['here']}']").count() == 1
    assert page.locator(f"#offices a[href='/staff/admin/offices/{people['there']}']").count() == 1

    # contacts and hours; a bad phone number is refused next to its field
    office = f"/staff/admin/offices/{people['here']}"
    page = open_page(admin, f"{office}?lang=fr")
    assert page.input_value("#opens-mon") == "09:00" and page.input_value("#status") == "planned"
    page.fill("#phone", "not a phone")
    response = click_and_wait(page, f"form[action='{office}'] button[type=submit]")
    assert response.status == 400 and page.get_attribute("#phone", "aria-invalid") == "true"
    assert "Téléphone" in page.inner_text("[role=alert]")
    page.fill("#phone", "+212539000000")
    page.fill("#opens-tue", "08:30")
    page.fill("#closes-tue", "16:30")
    click_and_wait(page, f"form[action='{office}'] button[type=submit]")
    assert page.locator("[role=status]").count() == 1
    assert page.input_value("#phone") == "+212539000000" and page.input_value("#closes-tue") == "16:30"

    # the catalogue: a new entry, refused once without a deadline, then edited
    code = f"e2e-{RUN}"
    page = open_page(admin, f"{office}/catalogue?lang=fr")
    page.fill("#code", code)
    page.select_option("#request_type", "complaint")
    page.fill("#category", "roads")
    page.fill("#name-fr", "Nids-de-poule")
    page.fill("#name-ar", "الحفر في الطريق")
    page.fill("#name-zgh", "ⴰⴱⵔⵉⴷ")
    page.fill("#deadline_count", "0")
    response = click_and_wait(page, "form[action$='/catalogue'] button[type=submit]")
    assert response.status == 400 and page.get_attribute("#deadline_count", "aria-invalid") == "true"
    page.fill("#deadline_count", "15")
    click_and_wait(page, "form[action$='/catalogue'] button[type=submit]")
    assert "Nids-de-poule" in page.inner_text("#entries")
    click_and_wait(page, f"#entries a[href*='code={code}']")
    assert page.input_value("#name-zgh") == "ⴰⴱⵔⵉⴷ" and page.get_attribute("#code", "readonly") is not None
    page.fill("#department", "Voirie communale")
    page.uncheck("#active")
    click_and_wait(page, "form[action$='/catalogue'] button[type=submit]")
    entry = page.locator("#entries li", has_text="Nids-de-poule")
    assert "Voirie communale" in entry.inner_text() and entry.locator(".tag").count() == 1

    # a role granted through identity, then revoked
    page = open_page(admin, f"{office}/roles?lang=fr")
    page.fill("#account", people["newcomer"])
    page.select_option("#role", "staff")
    click_and_wait(page, "#grant button[type=submit]")
    granted = page.locator("#bindings li", has_text=people["newcomer"])
    assert granted.count() == 1
    click_and_wait(page, f"#bindings li:has-text('{people['newcomer']}') button[type=submit]")
    assert page.locator("#bindings li", has_text=people["newcomer"]).count() == 0
    page.fill("#account", "no-such-account")
    response = click_and_wait(page, "#grant button[type=submit]")
    assert response.status in (400, 404) and page.get_attribute("#account", "aria-invalid") == "true"

    # the calendar: an estimated religious holiday, then confirmed
    page = open_page(admin, "/staff/admin/calendar?lang=fr")
    page.fill("#holiday-date", HOLIDAY)
    page.fill("#name_fr", "Fête d'essai")
    page.fill("#name_ar", "عيد تجريبي")
    page.check("#religious")
    click_and_wait(page, "#add-holiday button[type=submit]")
    key = f"day-{HOLIDAY}"
    assert page.locator(f"#date-{key}").count() == 1
    click_and_wait(page, f"form:has(#date-{key}) button[type=submit]")
    assert page.locator("[role=status]").count() == 1 and page.locator(f"#date-{key}").count() == 0

    # the pages in Arabic and French, for people to look at
    for lang in ("ar", "fr"):
        for name, path in (
            ("offices", "/staff/admin"),
            ("office", office),
            ("catalogue", f"{office}/catalogue"),
            ("roles", f"{office}/roles"),
            ("calendar", "/staff/admin/calendar"),
        ):
            page = open_page(admin, f"{path}?lang={lang}")
            assert page.get_attribute("html", "lang") == lang
            assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
            admin.screenshot(f"admin-{name}-{lang}")


def test_a_commune_admin_manages_only_their_communes_offices(phone_factory, people):
    admin = phone_factory(locale=LOCALES["ar"], javascript=False)
    sign_in(admin, people["commune"], "ar")
    assert admin.page.locator(".bar a[href='/staff/admin']").count() == 1
    page = open_page(admin, "/staff/admin?lang=ar")
    assert page.locator(f"#offices a[href='/staff/admin/offices/{people['here']}']").count() == 1
    assert page.locator(f"#offices a[href='/staff/admin/offices/{people['there']}']").count() == 0
    assert page.locator("#calendar-link").count() == 0
    page = open_page(admin, f"/staff/admin/offices/{people['here']}/roles?lang=ar")
    assert page.locator("#role option[value=staff]").count() == 1
    assert page.locator("#role option[value=commune_admin]").count() == 0  # not theirs to hand out
    token = page.input_value("form[action='/staff/logout'] input[name=csrf]")
    for path in ("", "/catalogue", "/roles"):
        open_page(admin, f"/staff/admin/offices/{people['there']}{path}", status=403)
    open_page(admin, "/staff/admin/calendar", status=403)
    # a form for another commune's office is refused too, even with a good session token
    refused = admin.page.request.post(
        f"{admin.base_url}/staff/admin/offices/{people['there']}",
        max_redirects=0,
        form={"csrf": token, "status": "suspended", "phone": "+212539000001"},
    )
    assert refused.status == 403


def test_a_clerk_is_refused_the_admin_pages(phone_factory, people):
    clerk = phone_factory(locale=LOCALES["fr"], javascript=False)
    sign_in(clerk, people["clerk"], "fr")
    assert clerk.page.locator(".bar a[href='/staff/admin']").count() == 0  # no link to pages they may not open
    for path in ("/staff/admin", f"/staff/admin/offices/{people['here']}", "/staff/admin/calendar"):
        open_page(clerk, path, status=403)
    # signed out, the admin pages lead to the sign-in page and back
    signed_out = phone_factory(locale=LOCALES["fr"], javascript=False)
    signed_out.open("/staff/admin")
    assert "/staff/login?next=" in signed_out.page.url


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_admin_pages_have_no_serious_accessibility_violation(phone_factory, axe_source, people, lang):
    admin = phone_factory(locale=LOCALES[lang])
    sign_in(admin, people["national"], lang)
    office = f"/staff/admin/offices/{people['here']}"
    found = {}
    for name, path in (
        ("offices", "/staff/admin"),
        ("office", office),
        ("catalogue", f"{office}/catalogue"),
        ("roles", f"{office}/roles"),
        ("calendar", "/staff/admin/calendar"),
    ):
        open_page(admin, f"{path}?lang={lang}")
        found[name] = admin.axe(axe_source)
    # a page showing a refused form, too
    page = open_page(admin, f"{office}?lang={lang}")
    page.fill("#email", "not an e-mail")
    page.locator(f"form[action='{office}']").evaluate("form => form.noValidate = true")
    click_and_wait(page, f"form[action='{office}'] button[type=submit]")
    found["office-refused"] = admin.axe(axe_source)
    assert found == {name: [] for name in found}
