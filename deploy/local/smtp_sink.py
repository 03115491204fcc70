"""Local SMTP server for development and tests: accepts every message and stores it as
an .eml file, so tests and developers read sent mail from a folder instead of a mailbox.

    python smtp_sink.py --host 127.0.0.1 --port 1025 --mail-dir .local/infra/mail

Runs until SIGTERM or SIGINT. Files are written to a temporary name and renamed, so a
reader polling the folder never sees a half-written message.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time
import uuid
from email.utils import formatdate
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger("smtp_sink")


class MaildirSink:
    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir
        self.mail_dir.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        # The envelope is not part of the message; keep it readable for tests that check
        # who a mail was actually sent to (Bcc recipients appear nowhere else).
        trace = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
            f"X-Received-At: {formatdate(usegmt=True)}\r\n"
        ).encode("utf-8")
        # Time first so a plain sort of the names is the order of arrival.
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.mail_dir / f".{name}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(trace + content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.mail_dir / name)
        log.info(
            "stored %s from=%s to=%s bytes=%d",
            name,
            envelope.mail_from,
            ",".join(envelope.rcpt_tos),
            len(content),
        )
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--mail-dir", type=Path, required=True)
    args = parser.parse_args()

    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # aiosmtpd logs every SMTP command at INFO; one line per stored message is enough.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(
        MaildirSink(args.mail_dir),
        hostname=args.host,
        port=args.port,
        # Accept 8BITMIME/SMTPUTF8 mail the way a real relay does.
        decode_data=False,
        enable_SMTPUTF8=True,
        data_size_limit=50 * 1024 * 1024,
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    controller.start()
    log.info("listening on %s:%d, storing mail in %s", args.host, args.port, args.mail_dir)
    try:
        stop.wait()
    finally:
        controller.stop()
        log.info("stopped")


if __name__ == "__main__":
    main()
