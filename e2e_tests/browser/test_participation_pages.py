"""A consultation from its creation to its published results, in real Chromium without
JavaScript, in Arabic and Amazigh (Tifinagh): a staff member writes it on the staff pages and
publishes it; six people answer on the public page in Amazigh, each on their own phone; at
closing the public page shows the counts, the free-text group of five and the folded rest; the
staff member writes the office's response, which the public page then shows.

Every page is measured (under 100 KB, one round trip, no script), scanned by axe-core (no
serious or critical violation) and saved as a screenshot in .local/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

import pytest

import comessages
from e2e_tests.browser.test_citizen_portal import SIZES, check_page
from e2e_tests.browser.test_staff_portal import click_and_wait, sign_in, staff_member  # noqa: F401  (fixture)

LOCAL = zoneinfo.ZoneInfo("Africa/Casablanca")
OPEN_SECONDS = 75  # long enough for six people to answer, short enough to wait for
SAME = "ⵓⴳⴳⴰⵔ ⵏ ⵉⵙⴷⵔⵉⵏ"  # "more trees": five write it (spacing and punctuation vary)
SAME_SPELLINGS = [SAME, SAME, f"{SAME}!", f"  {SAME} ", f"{SAME}."]
OTHER = "ⵢⴰⵏ ⵓⵙⵡⴰⵇ ⵉⵜⵜⵓⴷⵍⵏ"  # one idea alone: counted, never shown
TITLE = {"ar": "استشارة حول حدائق الحي", "zgh": "ⴰⵙⵇⵙⵉ ⵖⴼ ⵜⵓⵔⵜⵉⵡⵉⵏ ⵏ ⵓⴳⵔⴰⵡ"}
OPTIONS = {"ar": "حديقة\nمكتبة", "zgh": "ⵓⵔⵜⵉ\nⵜⴰⵙⴷⵍⵉⵙⵜ"}
CHOICES = ["ⵓⵔⵜⵉ", "ⵓⵔⵜⵉ", "ⵜⴰⵙⴷⵍⵉⵙⵜ", "ⵓⵔⵜⵉ", "ⵓⵔⵜⵉ", "ⵜⴰⵙⴷⵍⵉⵙⵜ"]  # what each of the six chooses


def visible(phone, scanner, axe_source, lang: str, name: str) -> None:
    """check_page's checks on the page as a phone without JavaScript got it, then the same
    address scanned by axe-core in a context with JavaScript (its own session, if any)."""
    check_page(phone, lang, name)
    scanner.open(phone.page.url.replace(phone.base_url, ""))
    assert scanner.axe(axe_source) == [], name


@pytest.mark.timeout(600)
def test_a_consultation_from_creation_to_published_results_in_arabic_and_amazigh(
    phone_factory,
    staff_member,  # noqa: F811  (the staff pages' fixture)
    axe_source,
):
    staff = phone_factory(locale="ar-MA", javascript=False)
    page = staff.page
    sign_in(staff, staff_member, "ar")
    staff_scanner = phone_factory(locale="ar-MA", javascript=True)
    sign_in(staff_scanner, staff_member, "ar")
    scanner = phone_factory(locale="ar-MA", javascript=True)
    staff.open("/staff/consultations?lang=ar")
    visible(staff, staff_scanner, axe_source, "ar", "staff-consultations")
    staff.open("/staff/consultations/new?lang=ar")
    visible(staff, staff_scanner, axe_source, "ar", "staff-consultation-new")

    now = dt.datetime.now(LOCAL).replace(microsecond=0, tzinfo=None)
    page.fill("#opens", (now - dt.timedelta(minutes=1)).isoformat())
    page.fill("#closes", (now + dt.timedelta(seconds=OPEN_SECONDS)).isoformat())
    for lang in ("ar", "zgh"):
        page.fill(f"#title-{lang}", TITLE[lang])
        page.fill(f"#prompt-1-{lang}", {"ar": "ماذا نبني أولا؟", "zgh": "ⵎⴰⵏ ⴰⵙⵏⴼⴰⵔ ⴰⵎⵣⵡⴰⵔⵓ?"}[lang])
        page.fill(f"#options-1-{lang}", OPTIONS[lang])
        page.fill(f"#prompt-2-{lang}", {"ar": "فكرة أخرى؟", "zgh": "ⵢⴰⵜ ⵜⵡⵏⴳⵉⵎⵜ ⵢⴰⴹⵏ?"}[lang])
    page.select_option("#kind-1", "single_choice")
    page.select_option("#kind-2", "free_text")
    page.select_option("#eligibility", "anyone")
    click_and_wait(page, "form[action='/staff/consultations'] button[type=submit]")
    assert "/staff/consultations/" in page.url and "done=created" in page.url, page.url
    consultation = page.url.split("/staff/consultations/")[1].split("?")[0]
    click_and_wait(page, f"form[action='/staff/consultations/{consultation}/publish'] button[type=submit]")
    assert page.locator("[role=status]").count() == 1
    staff.open(f"/staff/consultations/{consultation}?lang=zgh")
    visible(staff, staff_scanner, axe_source, "zgh", "staff-consultation")

    # Six people answer in Amazigh, each with their own phone (and ballot).
    for n, choice in enumerate(CHOICES):
        person = phone_factory(locale="zgh", javascript=False)
        person.open(f"/consultations/{consultation}?lang=zgh")
        if n == 0:
            visible(person, scanner, axe_source, "zgh", "consultation-form")
        person.page.check(f"label:text-is('{choice}') >> xpath=preceding-sibling::input")
        person.page.fill("textarea", SAME_SPELLINGS[n] if n < 5 else OTHER)
        click_and_wait(person.page, "main form button[type=submit]")
        assert person.page.locator("[role=status]").count() == 1, person.page.content()[:500]
        # the same phone cannot answer twice
        if n == 0:
            again = person.page.request.post(
                f"{person.base_url}/consultations/{consultation}/answer",
                form={"q-q1": "q1o1", "q-q2": SAME},
                max_redirects=0,
            )
            assert again.status == 400

    # At closing the results are published: counts of what was answered, small groups folded.
    visitor = phone_factory(locale="ar-MA", javascript=False)
    deadline = time.monotonic() + OPEN_SECONDS + 60
    while time.monotonic() < deadline:
        visitor.open(f"/consultations/{consultation}?lang=ar")
        if visitor.page.locator("section[aria-labelledby]").count():
            break
        time.sleep(3)
    for lang in ("ar", "zgh"):
        visitor.open(f"/consultations/{consultation}?lang={lang}")
        visible(visitor, scanner, axe_source, lang, "consultation-results")
        text = visitor.page.inner_text("main")
        assert "4 (67%)" in text and "2 (33%)" in text, text
        assert f"{SAME} — 5" in text and OTHER not in text
        assert comessages.text("part.folded", lang, count=1, fold_under=5) in text

    # The office's response, written on the staff page, shown to the public.
    staff.open(f"/staff/consultations/{consultation}?lang=ar")
    page.select_option("#stage", "planned")
    page.fill("#on_date", "2027-03-01")
    page.fill("#text-ar", "سنهيئ حديقة قرب السوق")
    page.fill("#text-zgh", "ⴰⴷ ⵏⵙⵙⵓⴷⵙ ⵢⴰⵜ ⵜⵓⵔⵜⵉ ⴳ ⵜⵖⵣⵉ ⵏ ⵓⵙⵡⴰⵇ")
    click_and_wait(page, f"form[action='/staff/consultations/{consultation}/responses'] button[type=submit]")
    assert "done=responded" in page.url
    visitor.open(f"/consultations/{consultation}?lang=zgh")
    assert "ⴰⴷ ⵏⵙⵙⵓⴷⵙ ⵢⴰⵜ ⵜⵓⵔⵜⵉ" in visitor.page.inner_text("main")
    visible(visitor, scanner, axe_source, "zgh", "consultation-response")
    visitor.open("/consultations?lang=zgh")
    visible(visitor, scanner, axe_source, "zgh", "consultations")
    print("participation page sizes:", {k: v for k, v in SIZES.items() if "consultation" in k})
