"""The office answers, in real Chromium without JavaScript: a citizen submits in Arabic with a
photo and tracks the request by its code; a staff member signs in, finds it in the office's
queue, replies, leaves an internal note and answers it; the citizen tracking by code reads the
answer (never the note); the office's public page counts the new request and the decision.

Every staff and public page is measured (bytes transferred, under 100 KB), saved as a
screenshot in Arabic and French in .local/screenshots/, and scanned by axe-core (no serious
or critical violation).
"""

from __future__ import annotations

import random
import uuid

import pytest

from e2e_tests.browser.test_citizen_portal import PAGE_BUDGET, check_page, submit_complaint
from e2e_tests.test_identity_helpers import PASSWORD, national_admin, new_email, post, register
from e2e_tests.service_callers import through_platform

LOCALES = {"ar": "ar-MA", "fr": "fr-MA"}
ANSWERED = {"ar": "تم الرد", "fr": "Répondue"}
SIZES: dict[str, int] = {}


@pytest.fixture(scope="module")
def staff_member(platform, infra_backend) -> str:
    """A verified account with the staff role at Tetouan's office, granted by a national admin
    through the API (as the authorization matrix does). Returns its e-mail."""
    _, admin = national_admin(platform, infra_backend)
    email = new_email("agent")
    citizen_id = register(platform, infra_backend, email)
    r = post(
        platform, "/api/v1/roles", {"citizen_id": citizen_id, "role": "staff", "scope": {"office": "tetouan"}}, admin
    )
    assert r.status_code == 201, r.text
    return email


def measure(phone, lang: str, name: str) -> None:
    """check_page's checks (language, direction, no script, one round trip, < 100 KB) and the
    screenshot; the size is kept for the report."""
    check_page(phone, lang, name)
    SIZES[f"{name}-{lang}"] = phone.transfer.total()


def click_and_wait(page, selector: str):
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def sign_in(phone, email: str, lang: str):
    page = phone.page
    response = phone.open(f"/staff?lang={lang}")
    assert page.url.split("?")[0].endswith("/staff/login"), page.url  # signed out: sent to the sign-in page
    assert response.status == 200
    page.fill("#login", email)
    page.fill("#password", PASSWORD)
    click_and_wait(page, "form[action='/staff/login'] button[type=submit]")
    assert page.url.split("?")[0].endswith("/staff"), page.url
    cookies = {c["name"]: c for c in phone.context.cookies()}
    access = cookies["co_staff_access"]
    assert access["httpOnly"] and access["secure"] and access["sameSite"] == "Strict" and access["path"] == "/staff"


def public_figures(phone, lang: str) -> tuple[int, int]:
    response = phone.open(f"/offices/tetouan?lang={lang}")
    assert response.status == 200
    return int(phone.page.inner_text("#total")), int(phone.page.inner_text("#answered"))


def test_staff_answer_a_request_the_citizen_reads_it_and_the_public_page_counts_it(phone_factory, staff_member):
    visitor = phone_factory(locale=LOCALES["ar"], javascript=False)
    total_before, answered_before = public_figures(visitor, "ar")

    # the citizen, in Arabic, with a photo
    citizen = phone_factory(locale=LOCALES["ar"], javascript=False)
    citizen.open("/?lang=ar")
    code = submit_complaint(citizen, "ar")
    citizen.open(f"/track?code={code}")
    assert citizen.page.locator(".answer").count() == 0

    # the staff member signs in and finds it in the office's queue
    staff = phone_factory(locale=LOCALES["ar"], javascript=False)
    page = staff.page
    sign_in(staff, staff_member, "ar")
    page.select_option("#status", "submitted")
    page.select_option("#kind", "complaint")
    click_and_wait(page, "form[action='/staff'] button[type=submit]")
    assert "status=submitted" in page.url
    link = page.locator(f".queue a:text-is('{code}')")
    assert link.count() == 1, f"{code} is not in the queue"
    click_and_wait(page, f".queue a:text-is('{code}')")
    ticket_path = page.url.replace(staff.base_url, "").split("?")[0]
    assert ticket_path.startswith("/staff/tickets/")

    # a reply the citizen will see, a note they will not, then the transitions to the answer
    marker = uuid.uuid4().hex[:8]
    reply = f"فريق الإنارة سيتدخل هذا الأسبوع {marker}"
    page.fill("#reply-body", reply)
    click_and_wait(page, "form:has(#reply-body) button[type=submit]")
    page.fill("#note-body", f"ملاحظة داخلية: الاتصال بالمقاول {marker}")
    click_and_wait(page, "form:has(#note-body) button[type=submit]")
    assert page.locator(".timeline li.note").count() == 1 and page.locator(".timeline li.reply").count() == 1
    for action in ("acknowledge", "start"):
        click_and_wait(page, f"form:has(input[name=action][value={action}]) button[type=submit]")
        assert page.locator("[role=status]").count() == 1, action
    # the answer needs its text and outcome; the form asks for both, and so does the server
    assert page.locator("#answer-answer").get_attribute("required") is not None
    token = page.input_value("form:has(input[name=action][value=answer]) input[name=csrf]")
    refused = page.request.post(
        f"{staff.base_url}{ticket_path}/transitions",
        max_redirects=0,
        form={"csrf": token, "action": "answer", "answer": " ", "outcome": "positive"},
    )
    assert refused.status == 400 and 'aria-invalid="true"' in refused.text() and 'role="alert"' in refused.text()
    answer = f"تم إصلاح عمود الإنارة أمام المدرسة {marker}"
    page.fill("#answer-answer", answer)
    page.select_option("#answer-outcome", "positive")
    click_and_wait(page, "form:has(input[name=action][value=answer]) button[type=submit]")
    assert page.locator("dd strong").first.inner_text() == ANSWERED["ar"]
    assert answer in page.locator(".timeline").inner_text()

    # the citizen tracking by code sees the answer, and never the internal note
    citizen.open(f"/track?code={code}")
    assert citizen.page.locator("dd strong").inner_text() == ANSWERED["ar"]
    assert citizen.page.locator(".answer").inner_text().strip() == answer
    assert reply in citizen.page.locator(".replies").inner_text()
    assert "الاتصال بالمقاول" not in citizen.page.content()
    measure(citizen, "ar", "track-answered")

    # the public page counts the new request and its decision
    total_after, answered_after = public_figures(visitor, "ar")
    assert total_after >= total_before + 1 and answered_after >= answered_before + 1, (
        (total_before, answered_before),
        (total_after, answered_after),
    )

    # every new page in Arabic and French: size, direction, screenshot
    for lang in ("ar", "fr"):
        staff.open(f"/staff?lang={lang}&status=answered")
        assert staff.page.locator(f".queue a:text-is('{code}')").count() == 1
        measure(staff, lang, "staff-queue")
        staff.open(f"{ticket_path}?lang={lang}")
        measure(staff, lang, "staff-ticket")
        visitor.open(f"/offices/tetouan?lang={lang}")
        measure(visitor, lang, "office-public")
        visitor.open(f"/offices?lang={lang}")
        measure(visitor, lang, "offices")
        signed_out = phone_factory(locale=LOCALES[lang], javascript=False)
        signed_out.open(f"/staff/login?lang={lang}")
        measure(signed_out, lang, "staff-login")

    # signing out ends the session: the queue sends back to the sign-in page
    staff.open("/staff?lang=fr")
    click_and_wait(page, "form[action='/staff/logout'] button[type=submit]")
    staff.open("/staff")
    assert page.url.split("?")[0].endswith("/staff/login")


def test_the_public_page_lists_public_requests_by_place(phone_factory, platform):
    """A request its author made public, with a place, shows on the office's page as a link that
    opens the phone's own map application; its text and tracking code do not."""
    import grpc

    from citizenoffice.tickets.v1 import tickets_pb2 as pb
    from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub

    latitude, longitude = 35.5 + random.randint(1, 9999) / 10000, -5.3 - random.randint(1, 9999) / 10000
    description = f"Nid-de-poule dangereux au carrefour {uuid.uuid4().hex[:8]}"
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        receipt = TicketsServiceStub(through_platform(channel, platform)).Submit(
            pb.SubmitRequest(
                office_id="tetouan",
                kind=pb.COMPLAINT,
                category="roads",
                description=description,
                channel=pb.WEB,
                language="fr",
                public=True,
                location=pb.Location(latitude=latitude, longitude=longitude),
            ),
            timeout=30,
        )
    visitor = phone_factory(locale=LOCALES["fr"], javascript=False)
    visitor.open("/offices/tetouan?lang=fr")
    place = visitor.page.locator(f"a[href='geo:{latitude:.4f},{longitude:.4f}']")
    assert place.count() == 1
    assert "Voirie" in visitor.page.locator("li", has=place).inner_text()
    html = visitor.page.content()
    assert description not in html and receipt.tracking_code not in html
    measure(visitor, "fr", "office-public-places")


def test_a_form_without_the_session_token_is_refused(phone_factory, staff_member):
    staff = phone_factory(locale=LOCALES["fr"], javascript=False)
    staff.open("/staff/login?lang=fr")
    staff.page.fill("#login", staff_member)
    staff.page.fill("#password", "not the password")
    response = click_and_wait(staff.page, "form[action='/staff/login'] button[type=submit]")
    assert response.status == 401 and "Identifiant ou mot de passe incorrect" in staff.page.inner_text("[role=alert]")
    assert staff.page.input_value("#login") == staff_member and staff.page.input_value("#password") == ""
    sign_in(staff, staff_member, "fr")
    response = staff.page.request.post(f"{staff.base_url}/staff/logout", form={"csrf": "forged"}, max_redirects=0)
    assert response.status == 403
    staff.open("/staff")
    assert staff.page.url.split("?")[0].endswith("/staff"), "a refused form must not end the session"


def test_an_expired_or_damaged_access_token_is_renewed_with_the_refresh_token(phone_factory, staff_member):
    staff = phone_factory(locale=LOCALES["fr"], javascript=False)
    sign_in(staff, staff_member, "fr")
    spent = {c["name"]: c["value"] for c in staff.context.cookies()}["co_staff_refresh"]
    # the access cookie lives as long as its token: once it is gone, the refresh token renews it
    staff.context.clear_cookies(name="co_staff_access")
    staff.open("/staff")
    assert staff.page.url.split("?")[0].endswith("/staff"), staff.page.url
    renewed = {c["name"]: c["value"] for c in staff.context.cookies()}
    assert renewed["co_staff_access"] and renewed["co_staff_refresh"] != spent  # identity rotated it
    # a token that does not verify is not trusted, and renewed the same way
    staff.context.add_cookies(
        [
            {
                "name": "co_staff_access",
                "value": "not.a.token",
                "url": staff.base_url + "/staff",
                "secure": True,
                "httpOnly": True,
                "sameSite": "Strict",
            }
        ]
    )
    staff.open("/staff")
    assert staff.page.url.split("?")[0].endswith("/staff"), staff.page.url
    # without any session cookie: back to the sign-in page, which brings the staff member back here
    staff.context.clear_cookies()
    staff.open("/staff?status=answered")
    assert "/staff/login?next=" in staff.page.url
    assert staff.page.locator("input[name=next]").get_attribute("value") == "/staff?status=answered"


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_staff_and_public_pages_have_no_serious_accessibility_violation(phone_factory, axe_source, staff_member, lang):
    found = {}
    visitor = phone_factory(locale=LOCALES[lang])
    visitor.open(f"/staff/login?lang={lang}")
    found["staff-login"] = visitor.axe(axe_source)
    visitor.open(f"/offices/tetouan?lang={lang}")
    found["office-public"] = visitor.axe(axe_source)
    visitor.open(f"/offices?lang={lang}")
    found["offices"] = visitor.axe(axe_source)

    citizen = phone_factory(locale=LOCALES[lang])
    citizen.open(f"/?lang={lang}")
    code = submit_complaint(citizen, lang)
    staff = phone_factory(locale=LOCALES[lang])
    sign_in(staff, staff_member, lang)
    staff.open(f"/staff?lang={lang}&status=submitted")
    found["staff-queue"] = staff.axe(axe_source)
    click_and_wait(staff.page, f".queue a:text-is('{code}')")
    staff.page.fill("#note-body", "note")
    click_and_wait(staff.page, "form:has(#note-body) button[type=submit]")
    found["staff-ticket"] = staff.axe(axe_source)

    assert found == {name: [] for name in found}


def test_staff_and_public_page_sizes_report():
    """Prints each new page's transferred size (run after the journey above)."""
    if not SIZES:
        pytest.skip("no page was measured in this run")
    for name, size in sorted(SIZES.items()):
        print(f"page size: {name}: {size} bytes ({size / 1024:.1f} KB)")
    assert max(SIZES.values()) < PAGE_BUDGET
