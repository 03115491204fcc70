"""A citizen's own pages in real Chromium, in Arabic and French: signed out, /me leads to the
sign-in page; signed in, the citizen lists their requests, reads one with its public timeline
and the office's answer (never the internal note), closes it, replies and rates it, reads the
in-app notifications and marks one read, downloads their data as JSON, and erases the account
after a confirmation step, which ends the session and the account.

The journey runs without JavaScript; every page is measured (bytes transferred, under 100 KB),
saved as a screenshot in .local/screenshots/ and scanned by axe-core (no serious or critical
violation) in a second browser context holding the same session.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from e2e_tests.browser.test_citizen_portal import PAGE_BUDGET, SIZES, check_page
from e2e_tests.helpers import eventually
from e2e_tests.test_identity_helpers import PASSWORD, login
from e2e_tests.tickets_people import people

LOCALES = {"ar": "ar-MA", "fr": "fr-MA"}
CLOSED = {"ar": "مغلق", "fr": "Clôturée"}
ANSWERED = {"ar": "تم الرد", "fr": "Répondue"}
SIGN_IN_TITLE = {"ar": "الدخول لتتبع طلباتكم", "fr": "Connexion pour suivre vos demandes"}
ERASED = {"ar": "تم حذف حسابكم", "fr": "Votre compte a été effacé"}
CONFIRM_REQUIRED = {"ar": "ضعوا علامة في الخانة للتأكيد", "fr": "Cochez la case pour confirmer"}
MISSING = {"ar": "الصفحة غير موجودة", "fr": "Page introuvable"}
AXE: dict[str, list] = {}


@pytest.fixture(scope="module")
def crew(platform, infra_backend):
    return people(
        platform,
        infra_backend,
        {"citizen_ar": None, "citizen_fr": None, "other": None, "clerk": ("staff", {"office": "tetouan"})},
    )


def api(platform, path: str, token: str, body: dict) -> dict:
    r = requests.post(f"{platform.base_url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code in (200, 201), r.text
    return r.json()


def click_and_wait(page, selector: str):
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def measure_and_scan(phone, scanner, axe_source: str, lang: str, name: str) -> None:
    """The page as measured without JavaScript, then the same address scanned by axe-core in the
    context with JavaScript (same session cookies)."""
    check_page(phone, lang, name)
    scanner.open(phone.page.url.replace(phone.base_url, ""))
    assert scanner.page.url == phone.page.url
    found = scanner.axe(axe_source)
    AXE[f"{name}-{lang}"] = found
    assert found == [], (name, lang, found)


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_citizen_follows_answers_rates_reads_notifications_exports_and_erases(
    phone_factory, axe_source, platform, crew, lang
):
    person, clerk = crew[f"citizen_{lang}"], crew["clerk"]
    marker = uuid.uuid4().hex[:8]
    receipt = api(
        platform,
        "/api/v1/tickets",
        person.token,
        {
            "office": "tetouan",
            "kind": "complaint",
            "category": "lighting",
            "language": lang,
            "description": f"Lampadaire éteint devant l'école {marker}",
        },
    )
    ticket_id, code = receipt["ticket_id"], receipt["tracking_code"]
    others = api(
        platform,
        "/api/v1/tickets",
        crew["other"].token,
        {
            "office": "tetouan",
            "kind": "complaint",
            "category": "roads",
            "language": "fr",
            "description": f"Nid-de-poule rue des Orangers {marker}",
        },
    )
    api(platform, f"/api/v1/staff/tickets/{ticket_id}/transitions", clerk.token, {"action": "acknowledge"})
    api(platform, f"/api/v1/staff/tickets/{ticket_id}/transitions", clerk.token, {"action": "start"})
    import grpc

    from citizenoffice.tickets.v1 import tickets_pb2 as pb
    from citizenoffice.tickets.v1.tickets_pb2_grpc import TicketsServiceStub

    note, reply = f"note-interne-{marker}", f"L'équipe passe jeudi {marker}"
    with grpc.insecure_channel(platform.grpc_target("tickets")) as channel:
        stub = TicketsServiceStub(channel)
        stub.PostMessage(
            pb.MessageRequest(ticket_id=ticket_id, internal=True, body=note), timeout=30, metadata=clerk.metadata
        )
        stub.PostMessage(pb.MessageRequest(ticket_id=ticket_id, body=reply), timeout=30, metadata=clerk.metadata)
    answer = f"Le lampadaire est réparé {marker}"
    api(
        platform,
        f"/api/v1/staff/tickets/{ticket_id}/transitions",
        clerk.token,
        {"action": "answer", "answer": answer, "outcome": "positive"},
    )

    phone = phone_factory(locale=LOCALES[lang], javascript=False)
    scanner = phone_factory(locale=LOCALES[lang], javascript=True)
    page = phone.page

    # signed out: my requests lead to the sign-in page, which brings the citizen back
    response = phone.open(f"/me?lang={lang}")
    assert response.status == 200 and page.url.split("?")[0].endswith("/me/login"), page.url
    assert page.locator("h2").inner_text() == SIGN_IN_TITLE[lang]
    phone.open(page.url.replace(phone.base_url, ""))
    assert page.locator("main a[href='/track']").count() == 1  # no account needed to track by code
    measure_and_scan(phone, scanner, axe_source, lang, "me-login")
    page.fill("#login", person.email)
    page.fill("#password", "not the password")
    response = click_and_wait(page, "form[action='/me/login'] button[type=submit]")
    assert response.status == 401 and page.locator("[role=alert]").count() == 1
    assert page.locator("h2").inner_text() == SIGN_IN_TITLE[lang]
    page.fill("#password", PASSWORD)
    click_and_wait(page, "form[action='/me/login'] button[type=submit]")
    assert page.url.split("?")[0].endswith("/me"), page.url
    cookies = {c["name"]: c for c in phone.context.cookies()}
    assert cookies["co_me_access"]["httpOnly"] and cookies["co_me_access"]["path"] == "/me"
    assert cookies["co_me_access"]["sameSite"] == "Strict" and "co_staff_access" not in cookies
    scanner.context.add_cookies(phone.context.cookies())

    # my requests: this one, answered, and nobody else's
    phone.open(f"/me?lang={lang}")
    link = page.locator(f"a:text-is('{code}')")
    assert link.count() == 1 and others["tracking_code"] not in page.content()
    assert ANSWERED[lang] in page.locator(".queue li", has=link).inner_text()
    measure_and_scan(phone, scanner, axe_source, lang, "me-requests")

    # one request: the public timeline with the answer and the office's reply, never the note
    phone.transfer.reset()
    click_and_wait(page, f".queue a:text-is('{code}')")
    assert page.url.split("?")[0].endswith(f"/me/requests/{ticket_id}")
    timeline = page.locator(".timeline").inner_text()
    assert answer in timeline and reply in timeline and note not in page.content()
    assert page.locator("dd strong").inner_text() == ANSWERED[lang]
    measure_and_scan(phone, scanner, axe_source, lang, "me-request")

    # the citizen closes the answered request themselves (the only action the workflow gives them now)
    assert page.locator("form[action$='/transitions'] input[name=action]").evaluate_all("l => l.map(e => e.value)") == [
        "close"
    ]
    click_and_wait(page, "form:has(input[name=action][value=close]) button[type=submit]")
    assert "done=close" in page.url and page.locator("dd strong").inner_text() == CLOSED[lang]

    # the citizen replies, then rates the closed request
    page.fill("#reply-body", f"Merci beaucoup {marker}")
    click_and_wait(page, "form:has(#reply-body) button[type=submit]")
    assert (
        page.locator("[role=status]").count() == 1
        and f"Merci beaucoup {marker}" in page.locator(".timeline").inner_text()
    )
    page.check("#rating-4")
    click_and_wait(page, "form[action$='/rating'] button[type=submit]")
    assert page.inner_text("#rating") == "4/5" and page.locator("form[action$='/rating']").count() == 0

    # someone else's request is not found, in the citizen's language
    response = phone.open(f"/me/requests/{others['ticket_id']}?lang={lang}")
    assert response.status == 404 and others["tracking_code"] not in page.content()

    # the in-app notifications (the submission and each status change), one marked read
    def inbox():
        phone.open(f"/me/notifications?lang={lang}")
        return page.locator(".queue li.unread").count() >= 2

    eventually(inbox, timeout=60, interval=1, what="the in-app notifications")
    measure_and_scan(phone, scanner, axe_source, lang, "me-notifications")
    action = page.locator(".queue li.unread form").first.get_attribute("action")
    click_and_wait(page, f"form[action='{action}'] button[type=submit]")
    assert page.url.split("?")[0].endswith("/me/notifications")
    assert page.locator(f"form[action='{action}']").count() == 0, "the item is still unread"

    # my data: the export as a JSON file, with the account and the request in it
    phone.open(f"/me/data?lang={lang}")
    measure_and_scan(phone, scanner, axe_source, lang, "me-data")
    export = page.request.get(f"{phone.base_url}/me/data/export.json")
    assert export.status == 200 and "attachment" in export.headers["content-disposition"]
    assert export.headers["cache-control"] == "no-store"
    data = json.loads(export.text())
    assert person.email in json.dumps(data["identity"]) and ticket_id in json.dumps(data["tickets"])
    assert data["complete"] is True, data["unavailable"]

    # erasure asks first: without the confirmation nothing is erased
    phone.transfer.reset()
    click_and_wait(page, "main a[href='/me/data/erase']")
    measure_and_scan(phone, scanner, axe_source, lang, "me-erase-confirm")
    token = page.input_value("form[action='/me/data/erase'] input[name=csrf]")
    refused = page.request.post(f"{phone.base_url}/me/data/erase", form={"csrf": token}, max_redirects=0)
    assert refused.status == 400 and CONFIRM_REQUIRED[lang] in refused.text()
    forged = page.request.post(
        f"{phone.base_url}/me/data/erase", form={"csrf": "forged", "confirm": "yes"}, max_redirects=0
    )
    assert forged.status == 403
    assert login(platform, person.email)["access_token"]
    page.check("#confirm")
    phone.transfer.reset()
    click_and_wait(page, "form[action='/me/data/erase'] button[type=submit]")
    assert page.locator("h2").inner_text() == ERASED[lang]
    check_page(phone, lang, "me-erased")
    assert not [c for c in phone.context.cookies() if c["name"].startswith("co_me_") and c["value"]]
    r = requests.post(
        f"{platform.base_url}/api/v1/auth/login", json={"login": person.email, "password": PASSWORD}, timeout=30
    )
    assert r.status_code == 401, r.text
    phone.open("/me")
    assert page.url.split("?")[0].endswith("/me/login")


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_an_unknown_address_answers_a_small_page_in_the_chosen_language(phone_factory, axe_source, platform, lang):
    phone = phone_factory(locale=LOCALES["fr" if lang == "ar" else "ar"], javascript=False)
    response = phone.open(f"/no-such-page/{uuid.uuid4().hex[:6]}?lang={lang}")
    assert response.status == 404 and response.headers["x-request-id"]
    assert phone.page.locator("h2").inner_text() == MISSING[lang]
    check_page(phone, lang, "not-found")
    phone.open("/submit/nothing")  # the language chosen before is remembered
    assert phone.page.locator("h2").inner_text() == MISSING[lang]
    scanner = phone_factory(locale=LOCALES[lang], javascript=True)
    scanner.open(f"/no-such-page?lang={lang}")
    assert scanner.axe(axe_source) == []
    # the machine interfaces keep the router's answers: 404 for a missing route, 405 for a wrong method
    missing = requests.get(f"{platform.base_url}/api/v1/no-such-route", timeout=30)
    assert missing.status_code == 404 and not missing.headers["Content-Type"].startswith("application/problem+json")
    wrong = requests.get(f"{platform.base_url}/api/v1/auth/login", timeout=30)
    assert wrong.status_code == 405 and "POST" in wrong.headers["Allow"]
    assert requests.post(f"{platform.base_url}/offices", timeout=30).status_code == 405
    assert requests.post(f"{platform.base_url}/no-such-page?lang={lang}", timeout=30).status_code == 404


def test_citizen_pages_report():
    """Prints each citizen page's transferred size (run after the journey)."""
    measured = {name: size for name, size in SIZES.items() if name.startswith("me-")}
    if not measured:
        pytest.skip("no page was measured in this run")
    for name, size in sorted(measured.items()):
        print(f"page size: {name}: {size} bytes ({size / 1024:.1f} KB)")
    assert max(measured.values()) < PAGE_BUDGET
