"""cokit.mail: one SMTP connection for many messages, each accepted or refused on its own."""

from __future__ import annotations

import email
import socket
import time

import pytest
from aiosmtpd.controller import Controller

from cokit.mail import MailError, Mailer, MailSettings


class Recorder:
    def __init__(self):
        self.messages = []
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mailer(port: int) -> Mailer:
    return Mailer(MailSettings("127.0.0.1", port, "Bureau <no-reply@example.ma>", False, "", "", 5.0))


@pytest.fixture
def server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield recorder, controller.port
    controller.stop()


def test_a_session_sends_many_messages_on_one_connection(server):
    recorder, port = server
    m = mailer(port)
    with m.session() as session:
        for i in range(5):
            session.send(m.message(f"c{i}@example.ma", "Reçu", "شكرا", "ar", message_id=f"<d{i}@citizenoffice>"))
    assert recorder.connections == 1
    assert [m["Message-ID"] for m in recorder.messages] == [f"<d{i}@citizenoffice>" for i in range(5)]
    assert recorder.messages[0]["Content-Language"] == "ar"


def test_a_refused_message_leaves_the_connection_to_the_next(server):
    recorder, port = server
    m = mailer(port)
    with m.session() as session:
        session.send(m.message("a@example.ma", "s", "b", message_id="<a@citizenoffice>"))
        with pytest.raises(MailError):
            session.send(m.message("refused@example.ma", "s", "b", message_id="<r@citizenoffice>"))
        session.send(m.message("b@example.ma", "s", "b", message_id="<b@citizenoffice>"))
    assert [m["Message-ID"] for m in recorder.messages] == ["<a@citizenoffice>", "<b@citizenoffice>"]
    assert recorder.connections == 1


def test_an_unreachable_server_fails_every_message_of_the_session_at_once():
    port = free_port()  # nothing listens there
    started = time.monotonic()
    m = mailer(port)
    with m.session() as session:
        for i in range(3):
            with pytest.raises(MailError):
                session.send(m.message(f"c{i}@example.ma", "s", "b"))
    assert time.monotonic() - started < 2.0


def test_send_is_one_message_on_a_connection_of_its_own(server):
    recorder, port = server
    mailer(port).send("c@example.ma", "s", "b", "fr", message_id="<one@citizenoffice>")
    mailer(port).send("d@example.ma", "s", "b", message_id="<two@citizenoffice>")
    assert recorder.connections == 2 and len(recorder.messages) == 2
