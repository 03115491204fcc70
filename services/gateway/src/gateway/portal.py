"""How the citizen portal's pages are drawn: small server-rendered pages that work without
JavaScript (the routes are in rooms/public.py and rooms/citizen.py; every page entrypoint draws
its errors with `error_page`).

Language: `?lang=` sets it and a cookie remembers it; otherwise the browser's
Accept-Language; Arabic by default. Arabic pages are right to left.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import zoneinfo
from urllib.parse import quote, urlencode

import jinja2
from werkzeug.wrappers import Response

import comessages
from cokit import request_types

from .translate import KIND_LABELS, STATUS_LABELS, iso, kind_key

LANGUAGES = ("ar", "fr", "en")
# Times are stored in UTC and shown in the offices' local time (one zone per instance for now;
# the office's own `timezone` once pages know their office).
try:
    LOCAL_TIME = zoneinfo.ZoneInfo("Africa/Casablanca")
except zoneinfo.ZoneInfoNotFoundError:  # a slim image without tzdata
    LOCAL_TIME = dt.timezone.utc
RTL = {"ar"}

# The pages' texts are the message catalogue's (`portal.*`); templates read them as `t`.
TEXT = {lang: comessages.table("portal", lang) for lang in LANGUAGES}

for _lang, _text in TEXT.items():
    _text.update(kinds=KIND_LABELS[_lang], statuses=STATUS_LABELS[_lang])

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(pathlib.Path(__file__).parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def language(request) -> str:
    chosen = request.args.get("lang")
    if not chosen and request.method == "POST":
        chosen = request.form.get("language")
    if chosen in LANGUAGES:
        return chosen
    cookie = request.cookies.get("lang")
    if cookie in LANGUAGES:
        return cookie
    best = request.accept_languages.best_match(LANGUAGES)
    return best or "ar"


def switch_links(request, here: str | None = None) -> dict[str, str]:
    """Where each language link leads: the same page in that language. A page answered to a
    POST cannot be fetched again, so it names a GET page showing the same thing (`here`)."""
    if here is None:
        here = request.path if request.method == "GET" else "/"
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] if request.method == "GET" else []
    else:
        args = []
    links = {}
    for lang in LANGUAGES:
        query = urlencode(args + [("lang", lang)])
        links[lang] = f"{here}{'&' if '?' in here else '?'}{query}"
    return links


def _render(request, template: str, status: int = 200, here: str | None = None, **context) -> Response:
    lang = language(request)
    html = _env.get_template(template).render(
        lang=lang,
        dir="rtl" if lang in RTL else "ltr",
        t=TEXT[lang],
        languages=LANGUAGES,
        switch=switch_links(request, here),
        **context,
    )
    response = Response(html, status=status, mimetype="text/html")
    response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def office_name(office, lang: str) -> str:
    names = {"ar": office.name.ar, "fr": office.name.fr, "en": office.name.en or office.name.fr}
    return names.get(lang) or office.name.fr


# The requester's public or private choice on the submission form (where the category lets them).
VISIBILITY = {lang: comessages.table("visibility", lang) for lang in LANGUAGES}


def home(request, offices, error=None, status: int = 200) -> Response:
    lang = language(request)
    choices = [(o.slug, office_name(o, lang), o.name.zgh) for o in offices]
    return _render(
        request,
        "home.html",
        status,
        offices=choices,
        kinds=request_types.where(public_form=True),
        error=error,
        form=request.form,
        visibility=VISIBILITY[lang],
    )


def when(ts, with_time: bool = False) -> dict | None:
    """A timestamp for people: day/month/year (the order used in Morocco whatever the
    language) in the platform's local time, with the ISO form for <time datetime>."""
    text = iso(ts)
    if text is None:
        return None
    local = ts.ToDatetime().replace(tzinfo=dt.timezone.utc).astimezone(LOCAL_TIME)
    return {"iso": text, "text": local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")}


def receipt(request, receipt) -> Response:
    return _render(
        request,
        "receipt.html",
        200,
        here=f"/track?code={quote(receipt.tracking_code)}",
        code=receipt.tracking_code,
        submitted_at=when(receipt.submitted_at, with_time=True),
        acknowledge_by=when(receipt.acknowledge_by),
        answer_by=when(receipt.answer_by),
    )


def track(request, ticket, error=None, status: int = 200) -> Response:
    """The tracking page: `ticket` is the TrackByCode reply, or None with the form alone or
    with the `error` (404 for an unknown code, 400 for a malformed one)."""
    details = None
    if ticket is not None:
        details = {
            "code": ticket.tracking_code,
            "status": ticket.status,
            "kind": kind_key(ticket.kind),
            "submitted_at": when(ticket.submitted_at, with_time=True),
            "updated_at": when(ticket.updated_at, with_time=True),
            "acknowledge_by": when(ticket.acknowledge_by),
            "answer_by": when(ticket.answer_by),
            "answer": ticket.decision.answer or ticket.decision.reason,
            "replies": [{"body": m.body, "at": when(m.at, with_time=True)} for m in ticket.replies],
        }
    return _render(request, "track.html", status, details=details, error=error, code=request.args.get("code", ""))


def not_found(request) -> Response:
    """An address no route takes, said in the visitor's language."""
    return _render(request, "not_found.html", 404)


def error_page(request, status: int, request_id: str) -> Response:
    """A refusal or a failure as a page in the visitor's language, not a problem body: what every
    page entrypoint answers when a route raised or a limit was reached (same status)."""
    return _render(request, "error.html", status, request_id=request_id, client_error=status < 500)
