"""A citizen on a cheap phone, in real Chromium: submits a complaint with a photo in Arabic
or French without JavaScript, gets the receipt with the tracking code and tracks it by code
without an account. Every citizen page is measured (bytes transferred, under 100 KB),
scanned by axe-core (no serious or critical violation) and saved as a screenshot in
.local/screenshots/.
"""

from __future__ import annotations

import re
import subprocess
import uuid

import pytest

from e2e_tests.helpers import jpeg_bytes
from tickets.domain import new_tracking_code

PAGE_BUDGET = 100 * 1024
CODE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]$")
DESCRIPTIONS = {
    "ar": "عمود الإنارة العمومية معطل أمام المدرسة منذ أسبوعين",
    "fr": "Le lampadaire devant l'école est en panne depuis deux semaines",
}
RECEIPT_TITLE = {"ar": "تم استلام طلبكم", "fr": "Votre demande a été reçue"}
SUBMITTED = {"ar": "مستلم", "fr": "Reçue"}
NOT_FOUND = {"ar": "لم يتم العثور على طلب بهذا الرمز", "fr": "Aucune demande avec ce code"}
FAILED_CLIENT = {"ar": "تحققوا مما أدخلتموه", "fr": "Vérifiez ce que vous avez saisi"}
CODE_INVALID = {"ar": "في رمز التتبع خطأ", "fr": "Ce code de suivi contient une erreur"}

# bytes transferred per citizen page, filled by the tests and printed at the end of the session
SIZES: dict[str, int] = {}


def check_page(phone, lang: str, name: str, budget: int = PAGE_BUDGET) -> None:
    """What every citizen page owes a phone: its language and direction, no sideways
    scrolling on a 360 px screen, no script needed, and fewer than 100 KB transferred."""
    page = phone.page
    assert page.get_attribute("html", "lang") == lang
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.evaluate("getComputedStyle(document.body).direction") == ("rtl" if lang == "ar" else "ltr")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page scrolls sideways on a phone"
    assert page.locator("script").count() == 0
    fetched = [r.url for r in phone.transfer.requests if not r.url.startswith("data:")]
    assert len(fetched) == 1, f"one round trip per page on a slow line, not {fetched}"
    size = phone.transfer.total()
    SIZES[f"{name}-{lang}"] = size
    assert 0 < size < budget, f"{name} ({lang}) transferred {size} bytes"
    phone.screenshot(f"{name}-{lang}")


def submit_complaint(phone, lang: str) -> str:
    page = phone.page
    page.select_option("#office", "tetouan")
    page.select_option("#kind", "complaint")
    page.select_option("#category", "lighting")
    page.fill("#description", DESCRIPTIONS[lang])
    page.fill("#name", "Amina")
    page.fill("#email", f"amina.{uuid.uuid4().hex[:8]}@example.ma")
    page.set_input_files(
        "#photo", {"name": "lampe.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(uuid.uuid4().bytes)}
    )
    phone.transfer.reset()
    with page.expect_navigation():
        page.click("form[action='/submit'] button[type=submit]")
    assert page.locator("h2").inner_text() == RECEIPT_TITLE[lang]
    code = page.locator(".code").inner_text().strip()
    assert CODE.match(code), code
    return code


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_citizen_submits_with_a_photo_and_tracks_by_code_without_javascript(phone_factory, lang):
    phone = phone_factory(locale={"ar": "ar-MA", "fr": "fr-MA"}[lang], javascript=False)
    page = phone.page

    response = phone.open(f"/?lang={lang}")
    assert response.status == 200
    check_page(phone, lang, "home")
    if lang == "ar":
        # right to left: the labels start at the right edge of the screen
        box = page.locator("label[for=office]").bounding_box()
        text_right = page.evaluate(
            "() => { const r = document.createRange(); r.selectNodeContents(document.querySelector('label[for=office]'));"
            " return r.getBoundingClientRect().right; }"
        )
        assert text_right > 360 - 40 and box["x"] < 40, (box, text_right)

    code = submit_complaint(phone, lang)
    check_page(phone, lang, "receipt")
    # dates for people (day/month/year), the ISO form for machines
    times = page.locator("dd time")
    assert times.count() == 3
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", times.first.inner_text())
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", times.first.get_attribute("datetime"))

    # the receipt's link tracks the request by its code, no account needed
    phone.transfer.reset()
    with page.expect_navigation():
        page.click("main a[href*='/track?code=']")
    assert page.locator(".code").inner_text().strip() == code
    assert page.locator("dd strong").inner_text() == SUBMITTED[lang]
    assert page.locator("dd time").count() == 4  # received, updated, acknowledgement and answer deadlines
    check_page(phone, lang, "track")

    # and so does the home page's form, with the code typed loosely
    phone.open(f"/?lang={lang}")
    page.fill("#code", code.lower().replace("-", " "))
    with page.expect_navigation():
        page.click("form[action='/track'] button[type=submit]")
    assert page.locator(".code").inner_text().strip() == code

    response = phone.open(f"/track?code={new_tracking_code()}&lang={lang}")
    assert response.status == 404
    assert NOT_FOUND[lang] in page.locator("[role=alert]").inner_text()
    check_page(phone, lang, "track-not-found")

    # a typing error is caught by the check character and said in the citizen's language
    mistyped = code[:-1] + ("A" if code[-1] != "A" else "B")
    response = phone.open(f"/track?code={mistyped}&lang={lang}")
    assert response.status == 400
    assert CODE_INVALID[lang] in page.locator("[role=alert]").inner_text()
    check_page(phone, lang, "track-mistyped")


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_citizen_pages_have_no_serious_accessibility_violation(phone_factory, axe_source, lang):
    phone = phone_factory(locale={"ar": "ar-MA", "fr": "fr-MA"}[lang])
    page = phone.page
    found = {}

    phone.open(f"/?lang={lang}")
    found["home"] = phone.axe(axe_source)
    code = submit_complaint(phone, lang)
    found["receipt"] = phone.axe(axe_source)
    phone.open(f"/track?code={code}")
    found["track"] = phone.axe(axe_source)
    phone.open(f"/track?code={new_tracking_code()}")
    assert page.locator("[role=alert]").count() == 1
    found["track-not-found"] = phone.axe(axe_source)

    phone.open("/track?code=%00")
    found["error"] = phone.axe(axe_source)

    assert found == {"home": [], "receipt": [], "track": [], "track-not-found": [], "error": []}


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_an_error_on_a_citizen_page_is_a_page_in_their_language(phone_factory, lang):
    phone = phone_factory(javascript=False)
    response = phone.open(f"/track?code=%00&lang={lang}")
    assert response.status == 400
    assert response.headers["content-type"].startswith("text/html")
    request_id = response.headers["x-request-id"]
    assert request_id and request_id in phone.page.locator("main").inner_text()
    assert FAILED_CLIENT[lang] in phone.page.locator("[role=alert]").inner_text()
    check_page(phone, lang, "error")


def test_the_scan_reports_a_serious_violation_when_there_is_one(chromium, axe_source):
    """The accessibility check itself: a field without a label and an image without text
    are reported, so an empty list above means something."""
    page = chromium.new_page()
    try:
        page.set_content('<html lang="fr"><title>t</title><main><img src="data:,"><input type="text"></main></html>')
        page.evaluate(axe_source)
        found = page.evaluate(
            "async () => (await axe.run(document)).violations.filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => v.id)"
        )
    finally:
        page.close()
    assert {"image-alt", "label"} <= set(found)


def test_language_choice_is_remembered(phone_factory):
    phone = phone_factory(locale="ar-MA")
    phone.open("/?lang=fr")
    assert phone.page.get_attribute("html", "lang") == "fr"
    phone.open("/track")
    assert phone.page.get_attribute("html", "lang") == "fr"
    # the browser asks for Arabic, but the citizen chose French: the cookie wins
    phone.open("/")
    assert phone.page.get_attribute("html", "lang") == "fr"
    link = phone.page.locator("nav a[hreflang=ar]")
    with phone.page.expect_navigation():
        link.click()
    assert phone.page.get_attribute("html", "lang") == "ar"
    assert phone.page.get_attribute("html", "dir") == "rtl"


def test_receipt_page_switches_language_in_place(phone_factory):
    phone = phone_factory(locale="fr-MA", javascript=False)
    phone.open("/?lang=fr")
    submit_complaint(phone, "fr")
    with phone.page.expect_navigation() as navigation:
        phone.page.locator("nav a[hreflang=ar]").click()
    response = navigation.value
    assert response.status == 200
    assert phone.page.get_attribute("html", "lang") == "ar"
    assert phone.page.locator("dd strong").inner_text() == SUBMITTED["ar"]  # the same request, now in Arabic


def test_page_sizes_report():
    """Prints each citizen page's transferred size (run after the journeys above)."""
    if not SIZES:
        pytest.skip("no page was measured in this run")
    for name, size in sorted(SIZES.items()):
        print(f"page size: {name}: {size} bytes ({size / 1024:.1f} KB)")
    assert max(SIZES.values()) < PAGE_BUDGET


TIFINAGH = re.compile("[\u2d30-\u2d7f]")


def test_tifinagh_office_names_are_drawn_with_a_font_that_has_them(phone_factory):
    """Office names in Tifinagh appear in the office list, drawn by a font that covers the
    script (not boxes): the fonts Chromium used for the list are checked against the
    fonts fontconfig knows to cover U+2D30."""
    phone = phone_factory()
    page = phone.page
    phone.open("/?lang=ar")
    options = page.locator("#office option")
    tifinagh = [i for i in range(options.count()) if TIFINAGH.search(options.nth(i).inner_text())]
    assert tifinagh, "no office name in Tifinagh in the office list"
    page.select_option("#office", index=tifinagh[0])

    covering = set(
        subprocess.run(
            ["fc-list", ":charset=2d30", "family"],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.replace(",", "\n")
        .split("\n")
    ) - {""}
    assert covering, "no installed font covers Tifinagh (Debian: fonts-noto-core or fonts-dejavu-core)"
    cdp = phone.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]["nodeId"]
    select = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "#office"})["nodeId"]
    used = {f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": select})["fonts"]}
    print("fonts drawing the office list:", sorted(used))
    assert used & covering, (used, covering)
