"""My data (Law 09-08): everything every service holds about the signed-in person, gathered for
the REST API's export and the citizen's own page. Identity answers first (and refuses anyone but a
signed-in person); the other services are asked in parallel, and one that does not answer within
the deadline is named under `unavailable` while the rest is still returned."""

from __future__ import annotations

import json
import logging

from nameko_grpc.errors import GrpcError

from citizenoffice.documents.v1 import documents_pb2
from citizenoffice.identity.v1 import identity_pb2
from citizenoffice.notifications.v1 import notifications_pb2
from citizenoffice.tickets.v1 import tickets_pb2
from cokit.auth import policy

log = logging.getLogger(__name__)
# The services whose records join "my data", each asked with this deadline (seconds).
EXPORTERS = {
    "tickets": tickets_pb2.ExportCitizenDataRequest,
    "documents": documents_pb2.ExportCitizenDataRequest,
    "notifications": notifications_pb2.ExportCitizenDataRequest,
}
EXPORT_DEADLINE = 5.0


def _start(method, message, metadata=None):
    """Send the call now (the services answer in parallel); the returned function waits for
    the reply and raises its GrpcError, including a peer that could not even be reached."""
    try:
        return method.future(message, timeout=EXPORT_DEADLINE, metadata=metadata).result
    except GrpcError as exc:
        error = exc

        def failed():
            raise error

        return failed


def gather(caller: policy.Caller, metadata, *, identity, tickets, documents, notifications) -> dict:
    """The person's token goes on every call (`metadata`)."""
    exporters = {"tickets": tickets, "documents": documents, "notifications": notifications}
    reply = identity.ExportMyData(identity_pb2.Empty(), metadata=metadata)
    asked = {
        name: _start(exporters[name].ExportCitizenData, request_type(citizen_id=caller.subject), metadata)
        for name, request_type in EXPORTERS.items()
    }
    data, unavailable = {"identity": json.loads(reply.json)}, []
    for name, future in asked.items():
        try:
            data[name] = json.loads(future().json)
        except GrpcError as error:
            log.warning("export incomplete", extra={"service": name, "code": error.code.name})
            unavailable.append({"service": name, "code": error.code.name})
    return dict(data, complete=not unavailable, unavailable=unavailable)
