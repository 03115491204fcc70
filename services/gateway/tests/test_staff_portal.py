"""Staff and public pages: every language has every text, forms carry the session token and
refuse a request without it, and signing in only ever leads back to a staff page."""

from __future__ import annotations

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from werkzeug.test import EnvironBuilder

from cokit.errors import DomainError
from gateway import portal, sessions
from gateway.rooms import citizen as citizen_pages, public as public_pages, staff as staff_pages


def request(method="GET", path="/", **kwargs):
    return EnvironBuilder(method=method, path=path, **kwargs).get_request()


def keys(tree, prefix=""):
    found = set()
    for key, value in tree.items():
        found.add(prefix + key)
        if isinstance(value, dict):
            found |= keys(value, f"{prefix}{key}.")
    return found


@pytest.mark.parametrize(
    "table", [sessions.STAFF_TEXT, public_pages.PUBLIC_TEXT, staff_pages.DESK_TEXT, citizen_pages.ME_TEXT]
)
def test_every_language_says_everything(table):
    assert set(table) == set(portal.LANGUAGES)
    assert keys(table["ar"]) == keys(table["fr"]) == keys(table["en"])


def test_the_form_token_must_match_the_cookie():
    token = "a" * 43
    sessions.check_csrf(request("POST", data={"csrf": token}, headers={"Cookie": f"{sessions.CSRF_COOKIE}={token}"}))
    for form, cookie in (({"csrf": token}, ""), ({}, token), ({"csrf": "b" * 43}, token), ({"csrf": ""}, "")):
        headers = {"Cookie": f"{sessions.CSRF_COOKIE}={cookie}"} if cookie else {}
        with pytest.raises(DomainError) as refused:
            sessions.check_csrf(request("POST", data=form, headers=headers))
        assert refused.value.reason == "CSRF_TOKEN_INVALID"


@pytest.mark.parametrize(
    "value,expected",
    [
        ("/staff/tickets/1?lang=fr", "/staff/tickets/1?lang=fr"),
        ("/staff", "/staff"),
        ("", "/staff"),
        ("https://evil.example/staff", "/staff"),
        ("//evil.example/staff", "/staff"),
        ("/staff//evil", "/staff"),
        ("/staff\\@evil", "/staff"),
        ("/track", "/staff"),
    ],
)
def test_after_sign_in_only_a_staff_page(value, expected):
    assert sessions.safe_next(value) == expected


def test_session_cookies_are_secure_httponly_strict_and_scoped():
    from citizenoffice.identity.v1 import identity_pb2

    response = sessions.redirect("/staff")
    sessions.set_session_cookies(
        response, identity_pb2.TokenPair(access_token="A", refresh_token="R", expires_in=300), csrf="C"
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 3
    for cookie in cookies:
        assert all(part in cookie for part in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/staff"))
    assert response.headers["Cache-Control"] == "no-store"


def ts(text: str) -> Timestamp:
    stamp = Timestamp()
    stamp.FromJsonString(text)
    return stamp


@pytest.mark.parametrize("lang", portal.LANGUAGES)
def test_staff_pages_render_in_every_language(lang):
    at = portal.when(ts("2026-11-25T10:00:00Z"), with_time=True)
    req = request(query_string=f"lang={lang}")
    queue = sessions.render(
        req,
        "staff_queue.html",
        items=[
            {
                "id": "t1",
                "code": "7K3M-9QX2-B",
                "kind": "complaint",
                "category": "lighting",
                "status": "in_progress",
                "office": "Tétouan",
                "overdue": True,
                "submitted_at": at,
                "due_at": at,
            }
        ],
        offices={"o1": "Tétouan", "o2": "Martil"},
        chosen="",
        status_filter="",
        kind="",
        overdue=False,
        q="",
        next_link="",
        csrf="C",
    )
    html = queue.get_data(as_text=True)
    assert 'class="late"' in html and sessions.STAFF_TEXT[lang]["overdue"] in html
    assert f'dir="{"rtl" if lang == "ar" else "ltr"}"' in html
    ticket = sessions.render(
        req,
        "staff_ticket.html",
        ticket={
            "id": "t1",
            "code": "7K3M-9QX2-B",
            "kind": "complaint",
            "category": "lighting",
            "status": "in_progress",
            "priority": 3,
            "department": "",
            "office": "Tétouan",
            "submitted_at": at,
            "answer_by": at,
        },
        events=[
            {
                "at": at,
                "type": "step",
                "action": "answer",
                "status": "answered",
                "role": "staff",
                "details": {"answer": "Réparé", "outcome": "positive"},
            },
            {"at": at, "type": "note", "role": "staff", "body": "voir le prestataire"},
        ],
        actions=[{"action": "answer", "required": ["answer", "outcome"], "outcomes": ("positive", "negative")}],
        long_fields=staff_pages.LONG_FIELDS,
        csrf="C",
        error={"form": "answer", "field": "answer", "reason": "FIELD_REQUIRED"},
        done="",
        form={},
    )
    html = ticket.get_data(as_text=True)
    assert html.count('name="csrf" value="C"') == 4  # sign-out, the transition, the reply and the note
    assert 'id="answer-answer"' in html and 'aria-invalid="true"' in html
    assert sessions.STAFF_TEXT[lang]["internal"] in html
    assert ticket.headers["Cache-Control"] == "no-store"
