"""The citizen portal: small server-rendered pages that work without JavaScript.

Language: `?lang=` sets it and a cookie remembers it; otherwise the browser's
Accept-Language; Arabic by default. Arabic pages are right to left.
"""
from __future__ import annotations

import pathlib

import jinja2
from werkzeug.wrappers import Response

from .translate import KIND_NAMES, iso

LANGUAGES = ("ar", "fr", "en")
RTL = {"ar"}

TEXT = {
    "ar": {
        "title": "مكتب المواطن", "submit_title": "تقديم شكاية أو ملاحظة أو اقتراح",
        "office": "المكتب", "kind": "النوع", "complaint": "شكاية", "observation": "ملاحظة",
        "suggestion": "اقتراح", "category": "الموضوع", "description": "الوصف", "email": "البريد الإلكتروني",
        "phone": "الهاتف", "name": "الاسم", "photo": "صورة (اختياري)", "send": "إرسال",
        "track_title": "تتبع طلب", "code": "رمز التتبع", "track": "تتبع",
        "receipt_title": "تم استلام طلبكم", "keep_code": "احتفظوا بهذا الرمز لتتبع طلبكم:",
        "submitted_at": "تاريخ الاستلام", "acknowledge_by": "الإشعار بالاستلام قبل", "answer_by": "الرد قبل",
        "status": "الحالة", "not_found": "لم يتم العثور على طلب بهذا الرمز", "error": "تعذر تسجيل الطلب",
        "submitted": "مستلم", "categories": {"lighting": "الإنارة العمومية", "roads": "الطرق", "waste": "النفايات", "water": "الماء", "other": "أخرى"},
    },
    "fr": {
        "title": "Bureau Citoyen", "submit_title": "Déposer une réclamation, une observation ou une suggestion",
        "office": "Bureau", "kind": "Type", "complaint": "Réclamation", "observation": "Observation",
        "suggestion": "Suggestion", "category": "Sujet", "description": "Description", "email": "E-mail",
        "phone": "Téléphone", "name": "Nom", "photo": "Photo (facultatif)", "send": "Envoyer",
        "track_title": "Suivre une demande", "code": "Code de suivi", "track": "Suivre",
        "receipt_title": "Votre demande a été reçue", "keep_code": "Gardez ce code pour suivre votre demande :",
        "submitted_at": "Reçue le", "acknowledge_by": "Accusé de réception avant le", "answer_by": "Réponse avant le",
        "status": "Statut", "not_found": "Aucune demande avec ce code", "error": "La demande n'a pas pu être enregistrée",
        "submitted": "Reçue", "categories": {"lighting": "Éclairage public", "roads": "Voirie", "waste": "Déchets", "water": "Eau", "other": "Autre"},
    },
    "en": {
        "title": "Citizen Office", "submit_title": "Submit a complaint, an observation or a suggestion",
        "office": "Office", "kind": "Type", "complaint": "Complaint", "observation": "Observation",
        "suggestion": "Suggestion", "category": "Subject", "description": "Description", "email": "E-mail",
        "phone": "Phone", "name": "Name", "photo": "Photo (optional)", "send": "Send",
        "track_title": "Track a request", "code": "Tracking code", "track": "Track",
        "receipt_title": "Your request has been received", "keep_code": "Keep this code to track your request:",
        "submitted_at": "Received on", "acknowledge_by": "Acknowledgement by", "answer_by": "Answer by",
        "status": "Status", "not_found": "No request has this code", "error": "The request could not be recorded",
        "submitted": "Received", "categories": {"lighting": "Street lighting", "roads": "Roads", "waste": "Waste", "water": "Water", "other": "Other"},
    },
}

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


def _render(request, template: str, status: int = 200, **context) -> Response:
    lang = language(request)
    html = _env.get_template(template).render(
        lang=lang, dir="rtl" if lang in RTL else "ltr", t=TEXT[lang], languages=LANGUAGES, **context
    )
    response = Response(html, status=status, mimetype="text/html")
    response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def office_name(office, lang: str) -> str:
    names = {"ar": office.name.ar, "fr": office.name.fr, "en": office.name.en or office.name.fr}
    return names.get(lang) or office.name.fr


def home(request, offices, error=None, status: int = 200) -> Response:
    lang = language(request)
    choices = [(o.slug, office_name(o, lang), o.name.zgh) for o in offices]
    return _render(request, "home.html", status, offices=choices, error=error, form=request.form)


def receipt(request, receipt) -> Response:
    return _render(
        request, "receipt.html", 200, code=receipt.tracking_code, submitted_at=iso(receipt.submitted_at),
        acknowledge_by=iso(receipt.acknowledge_by), answer_by=iso(receipt.answer_by),
    )


def track(request, status, error=None, status_code: int = 200) -> Response:
    details = None
    if status is not None:
        details = {
            "code": status.tracking_code, "status": status.status, "kind": KIND_NAMES.get(status.kind, "complaint"),
            "submitted_at": iso(status.submitted_at), "answer_by": iso(status.answer_by),
        }
    return _render(request, "track.html", status_code if error is None else 404, details=details, error=error,
                   code=request.args.get("code", ""))
