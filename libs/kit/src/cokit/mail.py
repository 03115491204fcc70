"""E-mail over SMTP (a real relay in clusters, a local server in development and tests).

Settings come from the SMTP_* keys (cokit.settings.SmtpSettings); notifications sends every
mail of the platform through it (identity's one-time codes and notices included)."""

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

    @classmethod
    def from_config(cls, config) -> "Mailer":
        return cls(
            MailSettings(
                host=config.get("SMTP_HOST", "127.0.0.1"),
                port=int(config.get("SMTP_PORT", 1025)),
                sender=config.get("SMTP_FROM", "Bureau Citoyen <no-reply@citizenoffice.local>"),
                starttls=bool(config.get("SMTP_STARTTLS", False)),
                username=config.get("SMTP_USERNAME", ""),
                password=config.get("SMTP_PASSWORD", ""),
                timeout=float(config.get("SMTP_TIMEOUT", 10.0)),
            )
        )

    def send(
        self,
        to: str,
        subject: str,
        body: str,
        language: str = "",
        message_id: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        msg = email.message.EmailMessage()
        msg["From"] = self.settings.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = email.utils.formatdate(usegmt=True)
        if message_id:
            # Stable per delivery: if a crash makes us send twice, receivers see one message.
            msg["Message-ID"] = message_id
        for name, value in (headers or {}).items():
            msg[name] = value
        msg.set_content(body, charset="utf-8")
        if language:
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
        self.mailer = Mailer.from_config(nameko.config)

    def get_dependency(self, worker_ctx):
        return self.mailer
