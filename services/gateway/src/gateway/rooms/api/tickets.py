"""The REST API's requests for anyone: filing a complaint, an observation or a suggestion (multipart
with photos, or JSON), and following one by its tracking code."""

from __future__ import annotations

from citizenoffice.tickets.v1 import tickets_pb2 as tickets_pb

from ... import dependencies
from ...entrypoints import api
from ...submissions import submit
from ...translate import receipt_json, status_json
from .common import json_response


class TicketsApi:
    identity = dependencies.identity
    registry = dependencies.registry
    documents = dependencies.documents
    tickets = dependencies.tickets

    @api("POST", "/api/v1/tickets")
    def submit_ticket(self, request):
        receipt = submit(
            request,
            tickets_pb.WEB,
            identity=self.identity,
            registry=self.registry,
            documents=self.documents,
            tickets=self.tickets,
        )
        return json_response(receipt_json(receipt), status=201)

    @api("GET", "/api/v1/tickets/track/<string:code>")
    def track_ticket(self, request, code):
        status = self.tickets.TrackByCode(tickets_pb.TrackByCodeRequest(tracking_code=code))
        return json_response(status_json(status))
