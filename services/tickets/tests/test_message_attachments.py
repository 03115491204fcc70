"""Attachments named in a message are the author's own (the rule; the service asks documents)."""

import pytest

from cokit.refusals import Kind, Refusal
from tickets import domain


def attachment_refusal(*args) -> tuple:
    with pytest.raises(Refusal) as err:
        domain.check_attachment(*args)
    return err.value.kind, err.value.reason, err.value.metadata["attachment_id"]


def test_the_requester_attaches_only_their_own_uploads():
    domain.check_attachment("amina", "office-1", "amina", True, "office-1", "a1")
    assert attachment_refusal("karim", "office-1", "amina", True, "office-1", "a2") == (
        Kind.DENIED,
        "ATTACHMENT_NOT_YOURS",
        "a2",
    )
    # An upload without an owner (anonymous, or the office's own) is nobody's to attach.
    assert attachment_refusal("", "office-1", "amina", True, "office-1", "a3")[1] == "ATTACHMENT_NOT_YOURS"


def test_staff_attach_what_the_requests_office_holds():
    domain.check_attachment("", "office-1", "clerk", False, "office-1", "a1")
    domain.check_attachment("amina", "office-1", "clerk", False, "office-1", "a1")
    assert attachment_refusal("", "office-2", "clerk", False, "office-1", "a4") == (
        Kind.DENIED,
        "ATTACHMENT_OF_ANOTHER_OFFICE",
        "a4",
    )
