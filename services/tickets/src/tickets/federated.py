"""Requests filed at the wrong instance (another country's): the office offers to move one to
the member instance it concerns, its requester consents or declines, and the federation service
carries it. Plain Python, no I/O.

What moves is the request and only what the other office needs to handle it: its kind,
category, text, language and place, and a contact the requester chooses to give with the
consent. Never an ID number (information requests, the only ones holding one, do not move: the
law of the other country decides who may ask it for information), an account or a name.
"""

from __future__ import annotations

from cokit import request_types
from cokit.refusals import failed_precondition, invalid_argument

# The types whose definition lets them move (cokit.request_types). Petitions belong to a
# commune's council and information requests to the body that holds the information (and carry
# an ID number that never leaves): their requesters file them anew there.
TRANSFERABLE_KINDS = frozenset(request_types.where(moves_between_instances=True))

OFFERED, CONSENTED, DECLINED, COMPLETED, RECEIVED = "offered", "consented", "declined", "completed", "received"
CONTACT_MAX = 200


def check_offer(ticket, transfer, to_instance: str, own_instance: str) -> None:
    """May this request be offered for a move to `to_instance`?"""
    if not to_instance or to_instance == own_instance:
        raise invalid_argument("BAD_INSTANCE", "name another member instance", field="to_instance")
    if ticket["kind"] not in TRANSFERABLE_KINDS:
        raise failed_precondition(
            "KIND_NOT_TRANSFERABLE",
            f"a {ticket['kind']} is not moved to another instance; its requester files it there",
            request_kind=ticket["kind"],
        )
    if ticket["decided_at"] is not None or ticket["closed_at"] is not None or ticket["merged_into"]:
        raise failed_precondition("TICKET_NOT_OPEN", "only a request still open can be moved")
    if transfer is not None and transfer["direction"] == "in":
        raise failed_precondition("TRANSFERRED_HERE", "this request was moved here from another instance")
    if transfer is not None and transfer["status"] in (OFFERED, CONSENTED, COMPLETED):
        raise failed_precondition(
            "TRANSFER_PENDING", f"a move of this request is {transfer['status']} already", status=transfer["status"]
        )


def check_answer(transfer, contact: str) -> str:
    if transfer is None or transfer["direction"] != "out":
        raise failed_precondition("NO_TRANSFER_OFFERED", "no move of this request was offered")
    if transfer["status"] != OFFERED:
        raise failed_precondition(
            "TRANSFER_ANSWERED", f"the offer was answered already ({transfer['status']})", status=transfer["status"]
        )
    contact = " ".join((contact or "").split())
    if len(contact) > CONTACT_MAX:
        raise invalid_argument("CONTACT_TOO_LONG", f"contact: at most {CONTACT_MAX} characters", field="contact")
    return contact
