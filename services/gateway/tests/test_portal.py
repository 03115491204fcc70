"""Portal helpers: language links that lead to a page that exists, dates for people, and
text that no service can store refused at the edge."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from werkzeug.test import EnvironBuilder

import comessages
from comessages import checks
from cokit.errors import DomainError
from gateway import portal
from gateway.inputs import refuse_unstorable_text


def request(method="GET", path="/", **kwargs):
    return EnvironBuilder(method=method, path=path, **kwargs).get_request()


def test_language_links_keep_the_page_and_its_query():
    links = portal.switch_links(request(path="/track", query_string="code=7K3M-9QX2-B&lang=ar"))
    assert links["fr"] == "/track?code=7K3M-9QX2-B&lang=fr"
    assert links["ar"] == "/track?code=7K3M-9QX2-B&lang=ar"


def test_language_links_of_a_post_answer_lead_to_a_get_page():
    assert portal.switch_links(request("POST", "/submit"))["en"] == "/?lang=en"
    assert portal.switch_links(request("POST", "/submit"), here="/track?code=X")["fr"] == "/track?code=X&lang=fr"


def test_language_from_query_then_cookie_then_browser():
    assert portal.language(request(query_string="lang=fr", headers={"Cookie": "lang=en"})) == "fr"
    assert portal.language(request(headers={"Cookie": "lang=en", "Accept-Language": "fr"})) == "en"
    assert portal.language(request(headers={"Accept-Language": "fr-MA,fr;q=0.9"})) == "fr"
    assert portal.language(request(headers={"Accept-Language": "de"})) == "ar"


def test_dates_for_people_in_local_time():
    ts = Timestamp()
    ts.FromJsonString("2026-11-25T23:30:00Z")
    shown = portal.when(ts, with_time=True)
    assert shown["iso"] == "2026-11-25T23:30:00Z"
    assert shown["text"] == ("26/11/2026 00:30" if portal.LOCAL_TIME.key == "Africa/Casablanca" else "25/11/2026 23:30")
    assert portal.when(Timestamp()) is None


@pytest.mark.parametrize(
    "build",
    [
        lambda: request(query_string="status=a%00b"),
        lambda: request("POST", data={"office": "tet\x00ouan"}),
        lambda: request("POST", data=json.dumps({"office": "x\u0000"}), content_type="application/json"),
        lambda: request("POST", data=b'{"parts": [{"etag": "\\ud800"}]}', content_type="application/json"),
    ],
)
def test_unstorable_text_is_refused(build):
    with pytest.raises(DomainError) as refused:
        refuse_unstorable_text(build(), {})
    assert refused.value.reason == "TEXT_NOT_STORABLE"


def test_ordinary_text_and_files_pass():
    refuse_unstorable_text(request(query_string="status=operational&q=%E2%B5%9C%E2%B5%89"), {"code": "7K3M-9QX2-B"})
    refuse_unstorable_text(request("POST", data={"office": "تطوان ⵜⵉⵟⵟⴰⵡⵉⵏ"}), {})
    refuse_unstorable_text(request("POST", data=b"{not json", content_type="application/json"), {})
    with pytest.raises(DomainError):
        refuse_unstorable_text(request(), {"code": "\x00"})


def test_the_track_page_names_every_status_of_every_kind_in_every_language():
    """Whatever the kind of request and its status in the workflow, the citizen reads the message
    catalogue's label in their language, and nothing on the page is a key or another language."""
    from citizenoffice.tickets.v1 import tickets_pb2 as pb
    from cokit import request_types

    submitted = Timestamp()
    submitted.FromJsonString("2026-11-25T09:30:00Z")
    for request_type in request_types.all_types():
        kind = request_type.name
        for status in sorted(request_type.machine.statuses() | {request_types.MERGED}):
            for lang in portal.LANGUAGES:
                ticket = pb.TicketStatus(
                    tracking_code="7K3M-9QX2-B",
                    kind=request_type.wire,
                    status=status,
                    submitted_at=submitted,
                    answer_by=submitted,
                )
                page = portal.track(request(path="/track", query_string=f"code=7K3M-9QX2-B&lang={lang}"), ticket)
                html = unescape(page.get_data(as_text=True))
                assert f"<strong>{comessages.text(f'status.{status}', lang)}</strong>" in html, (kind, status, lang)
                assert f"<dd>{comessages.text(f'kind.{kind}', lang)}</dd>" in html, (kind, lang)
                shown = re.sub(r"<[^>]+>", " ", html.split("<main>")[1].split("</main>")[0])
                assert checks.problems(shown, lang, values=("7K3M-9QX2-B", "25/11/2026 10:30", "25/11/2026")) == [], (
                    kind,
                    status,
                    lang,
                )


def test_one_label_table_for_kinds_and_statuses_from_the_catalogue():
    from gateway import sessions
    from gateway.translate import KIND_LABELS, STATUS_LABELS

    for lang in portal.LANGUAGES:
        assert STATUS_LABELS[lang] == comessages.table("status", lang) and KIND_LABELS[lang] == comessages.table(
            "kind", lang
        )
        assert portal.TEXT[lang]["statuses"] is STATUS_LABELS[lang] is sessions.STAFF_TEXT[lang]["statuses"]
        assert portal.TEXT[lang]["kinds"] is KIND_LABELS[lang] is sessions.STAFF_TEXT[lang]["kinds"]


@pytest.mark.parametrize("lang", portal.LANGUAGES)
@pytest.mark.parametrize("template", ["home.html", "receipt.html", "track.html", "error.html", "not_found.html"])
def test_a_citizen_page_shows_only_its_language(template, lang):
    page = portal._render(
        request(query_string=f"lang={lang}"),
        template,
        offices=[],
        form={},
        error=None,
        visibility=portal.VISIBILITY[lang],
        code="7K3M-9QX2-B",
        details=None,
        request_id="r1",
        client_error=True,
        submitted_at=None,
        acknowledge_by=None,
        answer_by=None,
    )
    html = unescape(page.get_data(as_text=True))
    shown = re.sub(r"<[^>]+>", " ", html.split("<main>")[1].split("</main>")[0] + html.split("<footer>")[1])
    assert checks.problems(shown, lang, values=("7K3M-9QX2-B", "r1")) == []
