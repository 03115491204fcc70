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

    def message(
        self,
        to: str,
        subject: str,
        body: str,
        language: str = "",
        message_id: str = "",
        headers: dict[str, str] | None = None,
    ) -> email.message.EmailMessage:
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
        return msg

    def send(self, to: str, subject: str, body: str, language: str = "", **options) -> None:
        """One message (`options`: message_id, headers, as for `message`) on a connection of its own."""
        with self.session() as session:
            session.send(self.message(to, subject, body, language, **options))

    def session(self) -> "MailSession":
        """A connection for many messages (`with mailer.session() as s: s.send(...)`)."""
        return MailSession(self)

    def connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                if s.starttls:
                    smtp.starttls()
                if s.username:
                    smtp.login(s.username, s.password)
            except BaseException:
                smtp.close()
                raise
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"{type(exc).__name__}: {exc}") from None
        return smtp


# The server closes the connection (or says it will) rather than refusing this message: on a
# connection already used for others, the message is tried once more on a new one.
_CLOSING_CODES = (421,)


class MailSession:
    """One SMTP connection, opened at the first message and closed at the end of the `with`.

    Each message is accepted or refused on its own (MailError), as with one connection each; a
    refused message leaves the connection usable for the next (smtplib resets the transaction).
    A connection the server dropped is opened again for the next message. If the server dropped
    it just as a message went through on a connection used before, that one message is sent
    again on a new connection: with the same Message-ID, which receivers keep once. Once the
    server cannot be reached at all, the session's later messages fail at once with that error
    instead of each waiting for the connection to time out.
    """

    def __init__(self, mailer: Mailer):
        self.mailer = mailer
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: MailError | None = None
        self.sent = 0

    def __enter__(self) -> "MailSession":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, msg: email.message.EmailMessage) -> None:
        """Send one message (made by Mailer.message) on the session's connection."""
        while True:
            if self._unreachable is not None:
                raise MailError(str(self._unreachable))
            fresh = self._smtp is None
            if fresh:
                try:
                    self._smtp = self.mailer.connect()
                except MailError as exc:
                    self._unreachable = exc
                    raise
            try:
                self._smtp.send_message(msg)
                self.sent += 1
                return
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code in _CLOSING_CODES:
                    self._drop()
                    if not fresh:
                        continue
                raise MailError(f"{type(exc).__name__}: {exc}") from None
            except smtplib.SMTPRecipientsRefused as exc:
                raise MailError(f"{type(exc).__name__}: {exc}") from None
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                if not fresh:
                    continue
                raise MailError(f"{type(exc).__name__}: {exc}") from None

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


class MailerProvider(DependencyProvider):
    def setup(self):
        self.mailer = Mailer.from_config(nameko.config)

    def get_dependency(self, worker_ctx):
        return self.mailer
