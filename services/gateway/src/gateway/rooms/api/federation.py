"""The REST API of the federation: the federation-wide figures for anyone (JSON, and the table as
JSON or CSV), the directory and the invitations for the instance's admins, the message log for
auditors, and the move of a request filed at the wrong instance (the office offers it, the
requester answers).

The federation service decides who may do what (it asks the one policy with the token passed on,
and tickets checks the office's staff and the requester); these routes only pass the caller on.
"""

from __future__ import annotations

from google.protobuf.json_format import MessageToDict
from werkzeug.wrappers import Response

from citizenoffice.federation.v1 import federation_pb2 as pb
from cokit.errors import invalid_argument

from ... import dependencies
from ...caller import forward
from ...entrypoints import api
from .common import json_object, json_response, signed_in


def as_json(message) -> dict:
    """Every field, zeros included: a figure of 0 is a figure."""
    return MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


def _text(data: dict, key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise invalid_argument("BAD_FIELD", f"{key} is a string", field=key)
    return value


def _texts(data: dict, key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_argument("BAD_FIELD", f"{key} is a list of strings", field=key)
    return value


def _int(value, key: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        number = None
    if number is None or not 0 <= number < 2**31:
        raise invalid_argument("BAD_FIELD", f"{key} is a whole number", field=key)
    return number


class FederationApi:
    federation = dependencies.federation
    identity = dependencies.identity
    auth = dependencies.auth

    # --- for anyone ---------------------------------------------------------------------------

    @api("GET", "/api/v1/federation/figures")
    def federation_figures(self, request):
        """Each instance's figures as it published them: this one's computed now, each member's
        as last pulled (`stale` when it did not answer since)."""
        reply = self.federation.FederationFigures(
            pb.FederationFiguresRequest(instance_id=request.args.get("instance", ""))
        )
        return json_response(as_json(reply))

    @api("GET", "/api/v1/federation/export")
    def federation_export(self, request):
        """One row per country, region and office: ?format=csv (default) or json."""
        wanted = request.args.get("format", "csv")
        if wanted not in ("csv", "json"):
            raise invalid_argument("BAD_FORMAT", "format: csv or json", field="format")
        reply = self.federation.ExportFigures(pb.ExportRequest(format=wanted))
        response = Response(reply.content, status=200, mimetype=reply.media_type.split(";")[0])
        if wanted == "csv":
            response.headers["Content-Type"] = reply.media_type
            response.headers["Content-Disposition"] = 'attachment; filename="federation-figures.csv"'
        return response

    @api("GET", "/api/v1/federation/instance")
    def federation_instance(self, request):
        """This instance's card: what a partner's admin checks before accepting its invitation."""
        return json_response(as_json(self.federation.GetInstance(pb.Empty())))

    # --- the instance's admins and auditors ---------------------------------------------------

    def _admin(self, request):
        signed_in(self.auth.resolve(request, self.identity))
        return forward(request)

    @api("GET", "/api/v1/federation/members")
    def federation_members(self, request):
        reply = self.federation.ListMembers(pb.Empty(), metadata=self._admin(request))
        return json_response({"items": [as_json(m) for m in reply.members]})

    @api("POST", "/api/v1/federation/invitations")
    def federation_invite(self, request):
        metadata = self._admin(request)
        data = json_object(request)
        invitation = self.federation.Invite(
            pb.InviteRequest(
                instance_id=_text(data, "instance_id"),
                country=_text(data, "country"),
                name=_text(data, "name"),
                shares=_texts(data, "shares"),
                valid_hours=_int(data.get("valid_hours"), "valid_hours"),
            ),
            metadata=metadata,
        )
        return json_response(as_json(invitation), status=201)

    @api("POST", "/api/v1/federation/invitations/accept")
    def federation_accept(self, request):
        metadata = self._admin(request)
        data = json_object(request)
        member = self.federation.AcceptInvitation(
            pb.AcceptInvitationRequest(bundle=_text(data, "bundle"), shares=_texts(data, "shares")), metadata=metadata
        )
        return json_response(as_json(member))

    @api("POST", "/api/v1/federation/members/<string:instance_id>/approve")
    def federation_approve(self, request, instance_id):
        member = self.federation.ApproveMember(pb.MemberRequest(instance_id=instance_id), metadata=self._admin(request))
        return json_response(as_json(member))

    @api("POST", "/api/v1/federation/members/<string:instance_id>/revoke")
    def federation_revoke(self, request, instance_id):
        metadata = self._admin(request)
        reason = _text(json_object(request), "reason")
        member = self.federation.RevokeMember(
            pb.RevokeRequest(instance_id=instance_id, reason=reason), metadata=metadata
        )
        return json_response(as_json(member))

    @api("POST", "/api/v1/federation/pull")
    def federation_pull(self, request):
        """The members' figures now (one member with {"instance_id": ...}), and what waits for them."""
        metadata = self._admin(request)
        data = json_object(request)
        reply = self.federation.PullFigures(pb.PullRequest(instance_id=_text(data, "instance_id")), metadata=metadata)
        return json_response(as_json(reply))

    @api("GET", "/api/v1/federation/deliveries")
    def federation_deliveries(self, request):
        reply = self.federation.ListDeliveries(
            pb.DeliveriesRequest(ticket_id=request.args.get("ticket_id", ""), status=request.args.get("status", "")),
            metadata=self._admin(request),
        )
        return json_response({"items": [as_json(d) for d in reply.deliveries]})

    @api("GET", "/api/v1/federation/notices")
    def federation_notices(self, request):
        reply = self.federation.ListNotices(pb.Empty(), metadata=self._admin(request))
        return json_response({"items": [as_json(n) for n in reply.notices]})

    @api("GET", "/api/v1/federation/log")
    def federation_log(self, request):
        """The message log, oldest first: ?after=<seq>&limit=<n>&peer=<instance>."""
        reply = self.federation.MessageLog(
            pb.MessageLogRequest(
                after_seq=_int(request.args.get("after"), "after"),
                limit=_int(request.args.get("limit"), "limit"),
                peer=request.args.get("peer", ""),
            ),
            metadata=self._admin(request),
        )
        return json_response({"items": [as_json(e) for e in reply.entries], "last_seq": reply.last_seq})

    @api("GET", "/api/v1/federation/log/check")
    def federation_log_check(self, request):
        return json_response(as_json(self.federation.VerifyMessageLog(pb.Empty(), metadata=self._admin(request))))

    # --- a request filed at the wrong instance ------------------------------------------------

    @api("POST", "/api/v1/staff/tickets/<string:ticket_id>/transfer-offer")
    def federation_offer(self, request, ticket_id):
        """The office offers to move the request to the member instance it concerns."""
        metadata = self._admin(request)
        data = json_object(request)
        state = self.federation.OfferTransfer(
            pb.OfferTransferRequest(
                ticket_id=ticket_id, instance_id=_text(data, "instance_id"), office_id=_text(data, "office_id")
            ),
            metadata=metadata,
        )
        return json_response(as_json(state))

    @api("POST", "/api/v1/me/tickets/<string:ticket_id>/transfer")
    def federation_answer(self, request, ticket_id):
        """The requester's answer: {"consent": true, "contact": "..."} or {"consent": false}."""
        metadata = self._admin(request)
        data = json_object(request)
        consent = data.get("consent")
        if not isinstance(consent, bool):
            raise invalid_argument(
                "CONSENT_REQUIRED", "consent: true or false, the requester's explicit answer", field="consent"
            )
        state = self.federation.AnswerTransfer(
            pb.AnswerTransferRequest(ticket_id=ticket_id, consent=consent, contact=_text(data, "contact")),
            metadata=metadata,
        )
        return json_response(as_json(state))
