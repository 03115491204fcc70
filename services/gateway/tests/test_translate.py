"""gRPC replies to JSON: a request's type is named for what it is, whatever the type."""

from __future__ import annotations

import pytest

from citizenoffice.tickets.v1 import tickets_pb2 as pb
from gateway.rooms.api.me import ticket_json
from gateway.translate import status_json


@pytest.mark.parametrize(
    "kind, name",
    [
        (pb.COMPLAINT, "complaint"),
        (pb.OBSERVATION, "observation"),
        (pb.SUGGESTION, "suggestion"),
        (pb.INFORMATION_REQUEST, "information_request"),
        (pb.ADMINISTRATIVE_REQUEST, "administrative_request"),
        (pb.PETITION, "petition"),
        (pb.TICKET_KIND_UNSPECIFIED, "complaint"),
    ],
)
def test_the_status_names_every_request_type(kind, name):
    status = pb.TicketStatus(ticket_id="t", tracking_code="7K3M-9QX2-B", kind=kind, status="received")
    assert status_json(status)["kind"] == name
    assert ticket_json(status)["kind"] == name
