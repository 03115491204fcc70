"""Every message notifications sends, in every language, for every kind of request and every
status of its workflow: the words of that language only, never a key, an enum name or a value
left out. The texts come from the message catalogue, as the portal's pages do."""

from __future__ import annotations

import datetime as dt

import pytest

import comessages
from comessages import checks
from notifications import digest, domain
from cokit import request_types

KINDS = request_types.names()
STATUSES = request_types.statuses()
LANGUAGES = comessages.catalogue().languages
DUE = dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)
DIGEST = digest.fields(
    [
        {"ticket_id": "t1", "tracking_code": "7K3M-9QX2-B", "kind": "overdue", "created_at": DUE, "due_at": DUE},
        {"ticket_id": "t2", "tracking_code": "4PQR-8ST2-C", "kind": "deadline_near", "created_at": DUE, "due_at": DUE},
    ]
)
# What is put into the texts: may be in any script. The kind and status are not among them: they
# must be said in words.
VALUES = {
    "tracking_code": "7K3M-9QX2-B",
    "submitted_on": "2026-11-25",
    "acknowledge_by": "2026-12-10",
    "answer_by": "2027-01-25",
    **DIGEST,
}


def test_every_kind_of_message_is_covered():
    assert set(domain.TEMPLATES) == {"ticket.submitted", "ticket.status_changed", digest.KIND}


@pytest.mark.parametrize("lang", [*LANGUAGES, "zgh"])
@pytest.mark.parametrize("template", sorted(domain.TEMPLATES))
def test_no_message_shows_a_key_or_another_language(template, lang):
    found = {}
    for kind in KINDS:
        for status in STATUSES:
            message = domain.render(template, lang, {**VALUES, "kind": kind, "status": status})
            assert message.language == comessages.language(lang)
            for part, text in (("subject", message.subject), ("body", message.body), ("sms", domain.sms_text(message))):
                if problems := checks.problems(text, message.language, values=VALUES.values()):
                    found[f"{kind}/{status}/{part}"] = problems
    assert not found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_status_change_names_the_status_as_the_pages_do(lang):
    for status in STATUSES:
        message = domain.render("ticket.status_changed", lang, {"tracking_code": "7K3M-9QX2-B", "status": status})
        assert comessages.text(f"status.{status}", lang) in message.subject, status
        assert comessages.text(f"status.{status}", lang) in message.body, status


@pytest.mark.parametrize("lang", [*LANGUAGES, "zgh"])
@pytest.mark.parametrize("purpose", sorted(domain.SECURITY_TEMPLATES))
def test_no_code_or_notice_shows_a_key_or_another_language(purpose, lang):
    message = domain.render_security(purpose, lang, code="482913", minutes=15)
    found = {
        part: checks.problems(getattr(message, part), message.language, values=("482913", "15"))
        for part in ("subject", "body", "sms")
    }
    assert not {part: problems for part, problems in found.items() if problems}
