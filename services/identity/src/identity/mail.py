"""One-time codes and security notices, sent by identity itself over SMTP.

Codes cannot travel in events (no secret in Kafka) and notifications has no "send this to
that citizen" call yet, so identity mails them directly, like notifications does. When
notifications offers a delivery RPC, this module is the one place to switch over.
"""
from __future__ import annotations

import logging

import nameko

from cokit.mail import MailError, Mailer

log = logging.getLogger(__name__)

TEXTS = {
    "verify": {
        "fr": ("Votre code de vérification", "Votre code de vérification Bureau Citoyen : {code}\nIl expire dans 15 minutes."),
        "en": ("Your verification code", "Your Citizen Office verification code: {code}\nIt expires in 15 minutes."),
        "ar": ("رمز التحقق", "رمز التحقق الخاص بك في مكتب المواطن: {code}\nتنتهي صلاحيته بعد 15 دقيقة."),
    },
    "reset": {
        "fr": ("Réinitialisation du mot de passe", "Votre code de réinitialisation : {code}\nIl expire dans 15 minutes. Si vous n'avez rien demandé, ignorez ce message."),
        "en": ("Password reset", "Your password reset code: {code}\nIt expires in 15 minutes. If you did not ask for it, ignore this message."),
        "ar": ("إعادة تعيين كلمة المرور", "رمز إعادة التعيين: {code}\nتنتهي صلاحيته بعد 15 دقيقة. إذا لم تطلبه فتجاهل هذه الرسالة."),
    },
    "locked": {
        "fr": ("Compte verrouillé", "Plusieurs tentatives de connexion ont échoué ; votre compte est verrouillé pendant {minutes} minutes.\nSi ce n'était pas vous, changez votre mot de passe."),
        "en": ("Account locked", "Several sign-in attempts failed; your account is locked for {minutes} minutes.\nIf this was not you, reset your password."),
        "ar": ("تم قفل الحساب", "فشلت عدة محاولات لتسجيل الدخول؛ تم قفل حسابك لمدة {minutes} دقيقة.\nإذا لم تكن أنت، فغيّر كلمة المرور."),
    },
}


def send(to: str, kind: str, language: str, **values) -> bool:
    """Send one message; False (logged without the address) when the server refused it."""
    if not to:
        return False
    texts = TEXTS[kind]
    subject, body = texts.get(language) or texts["fr"]
    try:
        Mailer.from_config(nameko.config).send(
            to, subject, body.format(**values), headers={"X-Citizenoffice-Kind": kind}
        )
        return True
    except MailError as exc:
        log.warning("identity mail not sent", extra={"kind": kind, "error": str(exc).split(":", 1)[0]})
        return False
