"""A citizen's own pages: every language says everything, every form carries the session token,
the session cookies are the staff mechanism's scoped to /me, and erasure asks first."""

from __future__ import annotations

import pytest
from google.protobuf.json_format import Parse
from google.protobuf.timestamp_pb2 import Timestamp
from werkzeug.test import EnvironBuilder

from cokit.errors import DomainError
from gateway import portal, sessions
from gateway.rooms import citizen as citizen_pages


def request(method="GET", **kwargs):
    return EnvironBuilder(method=method, **kwargs).get_request()


def test_citizen_session_cookies_are_scoped_to_their_pages_and_checked_apart_from_staff():
    from citizenoffice.identity.v1 import identity_pb2

    cookies = sessions.CITIZEN_COOKIES
    response = sessions.redirect("/me")
    sessions.set_session_cookies(
        response, identity_pb2.TokenPair(access_token="A", refresh_token="R", expires_in=300), csrf="C", cookies=cookies
    )
    sent = response.headers.getlist("Set-Cookie")
    assert [c.split("=")[0] for c in sent] == ["co_me_access", "co_me_refresh", "co_me_csrf"]
    for cookie in sent:
        assert all(part in cookie for part in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/me;"))
    token = "t" * 43
    sessions.check_csrf(request("POST", data={"csrf": token}, headers={"Cookie": f"co_me_csrf={token}"}), cookies)
    with pytest.raises(DomainError):  # the staff session's token does not pass for the citizen's forms
        sessions.check_csrf(
            request("POST", data={"csrf": token}, headers={"Cookie": f"co_staff_csrf={token}"}), cookies
        )
    assert sessions.safe_next("/me/requests/1", cookies) == "/me/requests/1"
    for elsewhere in ("/staff", "//evil/me", "/media", "/me\\@evil"):
        assert sessions.safe_next(elsewhere, cookies) == "/me", elsewhere


@pytest.mark.parametrize("lang", portal.LANGUAGES)
def test_citizen_pages_render_in_every_language(lang):
    at = portal.when(Parse('"2026-11-25T10:00:00Z"', Timestamp()), with_time=True)
    req = request(query_string=f"lang={lang}")
    text = citizen_pages.ME_TEXT[lang]
    ticket = {
        "id": "t1",
        "code": "7K3M-9QX2-B",
        "kind": "information_request",
        "category": "other",
        "status": "implicitly_refused",
        "rating": 0,
        "submitted_at": at,
        "updated_at": at,
        "answer_by": at,
    }
    pages = {
        "me_requests.html": dict(items=[ticket], next_link="/me?page=x"),
        "me_request.html": dict(
            ticket=ticket,
            events=[
                {
                    "at": at,
                    "type": "step",
                    "action": "answer",
                    "status": "answered",
                    "role": "staff",
                    "details": {"answer": "Réparé", "outcome": "positive"},
                },
                {"at": at, "type": "citizen", "body": "merci"},
            ],
            actions=[{"action": "appeal", "reason": True}],
            may_rate=True,
            error="message_empty",
            done="",
            form={},
        ),
        "me_notifications.html": dict(
            items=[
                {"id": "n1", "subject": "Reçue", "body": "Votre demande", "read": False, "language": "fr", "at": at}
            ],
            unread=1,
        ),
        "me_data.html": dict(confirm=False, error=""),
    }
    for template, context in pages.items():
        html = citizen_pages._render(req, template, csrf="C", **context).get_data(as_text=True)
        assert f'dir="{"rtl" if lang == "ar" else "ltr"}"' in html
        assert 'action="/me/logout"' in html and 'name="csrf" value="C"' in html, template
    html = citizen_pages._render(req, "me_request.html", csrf="C", **pages["me_request.html"]).get_data(as_text=True)
    assert html.count('name="csrf" value="C"') == 4  # sign-out, the appeal, the rating and the message
    assert sessions.STAFF_TEXT[lang]["actions"]["appeal"] in html and 'id="appeal-reason"' in html
    assert portal.TEXT[lang]["statuses"]["implicitly_refused"] in html and 'aria-invalid="true"' in html
    confirm = citizen_pages._render(req, "me_data.html", csrf="C", confirm=True, error="confirm_required")
    html = confirm.get_data(as_text=True)
    assert 'action="/me/data/erase"' in html and 'name="confirm"' in html and text["confirm_required"] in html
    assert confirm.headers["Cache-Control"] == "no-store"
