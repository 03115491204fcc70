"""E-mail over SMTP (a real relay in clusters, a local server in development and tests)."""
from __future__ import annotations

import dataclasses
import email.message
import email.utils
import smtplib

import nameko
from nameko.extensions import DependencyProvider


class MailError(Exception):
    """The message was not accepted; the delivery is retried later."""


@dataclasses.dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    starttls: bool
    username: str
    password: str
    timeout: float


class Mailer:
    def __init__(self, settings: MailSettings):
        self.settings = settings

    def send(self, to: str, subject: str, body: str, language: str, message_id: str) -> None:
        msg = email.message.EmailMessage()
        msg["From"] = self.settings.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = email.utils.formatdate(usegmt=True)
        # Stable per delivery: if a crash makes us send twice, receivers see one message.
        msg["Message-ID"] = message_id
        msg.set_content(body, charset="utf-8")
        msg["Content-Language"] = language  # after set_content, which resets Content-* headers
        s = self.settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls()
                if s.username:
                    smtp.login(s.username, s.password)
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"{type(exc).__name__}: {exc}") from None


class MailerProvider(DependencyProvider):
    def setup(self):
        c = nameko.config
        self.mailer = Mailer(MailSettings(
            host=c.get("SMTP_HOST", "127.0.0.1"), port=int(c.get("SMTP_PORT", 1025)),
            sender=c.get("SMTP_FROM", "Bureau Citoyen <no-reply@citizenoffice.local>"),
            starttls=bool(c.get("SMTP_STARTTLS", False)), username=c.get("SMTP_USERNAME", ""),
            password=c.get("SMTP_PASSWORD", ""), timeout=float(c.get("SMTP_TIMEOUT", 10.0)),
        ))

    def get_dependency(self, worker_ctx):
        return self.mailer
