"""HTTP routes of accounts, sessions, roles, API keys, signing keys and data-subject rights.

Passwords and tokens only pass through: the gateway never logs a body of these routes.
"""

from __future__ import annotations

import json
import logging

import nameko
from nameko.web.handlers import http
from nameko_grpc.errors import GrpcError
from werkzeug.wrappers import Response

from citizenoffice.documents.v1 import documents_pb2
from citizenoffice.identity.v1 import identity_pb2 as pb
from citizenoffice.notifications.v1 import notifications_pb2
from citizenoffice.registry.v1 import registry_pb2
from citizenoffice.participation.v1 import participation_pb2
from citizenoffice.tickets.v1 import tickets_pb2
from cokit.auth import policy
from cokit.errors import invalid_argument
from google.protobuf.json_format import MessageToDict

from .http import guarded, json_response, source_address
from .caller import CallerProvider, forward
from .problems import problem
from .translate import status_json

log = logging.getLogger(__name__)
# The services whose records join "my data", each asked with this deadline (seconds).
EXPORTERS = {
    "tickets": tickets_pb2.ExportCitizenDataRequest,
    "documents": documents_pb2.ExportCitizenDataRequest,
    "notifications": notifications_pb2.ExportCitizenDataRequest,
    "participation": participation_pb2.ExportCitizenDataRequest,
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


def _body(request) -> dict:
    try:
        data = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        raise invalid_argument("BODY_INVALID", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise invalid_argument("BODY_INVALID", "the body is a JSON object")
    return data


def _login(data: dict) -> str:
    return str(data.get("login") or data.get("email") or data.get("phone") or "")


def _tokens(pair) -> dict:
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "expires_in": pair.expires_in,
        "token_type": pair.token_type,
    }


def _scope_json(scope) -> dict:
    return {"instance": scope.instance_id, "commune": scope.commune_code, "office": scope.office_id}


def _binding_json(b) -> dict:
    return {
        "binding_id": b.binding_id,
        "citizen_id": b.citizen_id,
        "role": b.role,
        "scope": _scope_json(b.scope),
        "granted_by": b.granted_by,
    }


class AuthRoutes:
    auth = CallerProvider()

    def _instance(self) -> str:
        return nameko.config.get("INSTANCE_ID") or "ma"

    def _scope(self, data: dict) -> policy.Scope:
        """The scope a request names; offices are looked up in the registry, so a caller cannot
        place an office in a commune it is not in."""
        instance = str(data.get("instance") or self._instance())
        office, commune = str(data.get("office") or ""), str(data.get("commune") or "")
        if instance != self._instance():
            return policy.Scope(instance, commune, office)
        if office:
            found = self.registry.GetOffice(registry_pb2.GetOfficeRequest(office_id=office))
            return policy.Scope(found.instance_id, found.commune_code, found.office_id)
        return policy.Scope(instance, commune)

    def _scope_message(self, scope: policy.Scope) -> pb.Scope:
        return pb.Scope(instance_id=scope.instance, commune_code=scope.commune, office_id=scope.office)

    def _who(self, request) -> policy.Caller:
        return self.auth.resolve(request, self.identity)

    # --- accounts and sessions ---------------------------------------------------------------

    @http("POST", "/api/v1/auth/register")
    @guarded
    def auth_register(self, request):
        d = _body(request)
        reply = self.identity.Register(
            pb.RegisterRequest(
                email=str(d.get("email") or ""),
                phone=str(d.get("phone") or ""),
                password=str(d.get("password") or ""),
                display_name=str(d.get("display_name") or ""),
                language=str(d.get("language") or ""),
            )
        )
        return json_response({"status": reply.status}, status=202)

    @http("POST", "/api/v1/auth/verify")
    @guarded
    def auth_verify(self, request):
        d = _body(request)
        reply = self.identity.Verify(pb.VerifyRequest(login=_login(d), code=str(d.get("code") or "")))
        return json_response({"citizen_id": reply.citizen_id, "status": reply.status})

    @http("POST", "/api/v1/auth/verify/resend")
    @guarded
    def auth_verify_resend(self, request):
        self.identity.ResendVerificationCode(pb.ResendCodeRequest(login=_login(_body(request))))
        return json_response({"status": "if this account waits for a code, a new one is on its way"}, status=202)

    @http("POST", "/api/v1/auth/login")
    @guarded
    def auth_login(self, request):
        d = _body(request)
        pair = self.identity.Login(
            pb.LoginRequest(login=_login(d), password=str(d.get("password") or ""), source=source_address(request))
        )
        return json_response(_tokens(pair))

    @http("POST", "/api/v1/auth/refresh")
    @guarded
    def auth_refresh(self, request):
        pair = self.identity.Refresh(pb.RefreshRequest(refresh_token=str(_body(request).get("refresh_token") or "")))
        return json_response(_tokens(pair))

    @http("POST", "/api/v1/auth/logout")
    @guarded
    def auth_logout(self, request):
        self._who(request)
        self.identity.Logout(
            pb.LogoutRequest(refresh_token=str(_body(request).get("refresh_token") or "")), metadata=forward(request)
        )
        return Response(status=204)

    @http("POST", "/api/v1/auth/password-reset")
    @guarded
    def auth_password_reset(self, request):
        self.identity.RequestPasswordReset(pb.PasswordResetRequest(login=_login(_body(request))))
        return json_response({"status": "if this account exists, a code is on its way"}, status=202)

    @http("POST", "/api/v1/auth/password-reset/confirm")
    @guarded
    def auth_password_reset_confirm(self, request):
        d = _body(request)
        self.identity.ResetPassword(
            pb.PasswordResetConfirm(
                login=_login(d), code=str(d.get("code") or ""), new_password=str(d.get("new_password") or "")
            )
        )
        return Response(status=204)

    @http("GET", "/.well-known/jwks.json")
    @guarded
    def jwks(self, request):
        state = self.identity.GetTrustState(pb.Empty())
        response = Response(state.jwks_json, mimetype="application/jwk-set+json")
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    @http("POST", "/api/v1/admin/signing-keys/rotate")
    @guarded
    def rotate_signing_key(self, request):
        self._who(request)
        d = _body(request)
        keys = self.identity.RotateSigningKey(
            pb.RotateSigningKeyRequest(step=str(d.get("step") or ""), force=bool(d.get("force"))),
            metadata=forward(request),
        )
        return json_response({"keys": [{"kid": k.kid, "status": k.status} for k in keys.keys]})

    # --- roles, audit, API keys ----------------------------------------------------------------

    @http("POST", "/api/v1/roles")
    @guarded
    def grant_role(self, request):
        self._who(request)
        d = _body(request)
        binding = self.identity.GrantRole(
            pb.GrantRoleRequest(
                citizen_id=str(d.get("citizen_id") or ""),
                role=str(d.get("role") or ""),
                scope=self._scope_message(self._scope(d.get("scope") or {})),
            ),
            metadata=forward(request),
        )
        return json_response(_binding_json(binding), status=201)

    @http("DELETE", "/api/v1/roles/<string:binding_id>")
    @guarded
    def revoke_role(self, request, binding_id):
        self._who(request)
        self.identity.RevokeRole(pb.RevokeRoleRequest(binding_id=binding_id), metadata=forward(request))
        return Response(status=204)

    @http("GET", "/api/v1/roles")
    @guarded
    def list_roles(self, request):
        self._who(request)
        reply = self.identity.ListRoles(
            pb.ListRolesRequest(scope=self._scope_message(self._scope(request.args))), metadata=forward(request)
        )
        return json_response({"items": [_binding_json(b) for b in reply.bindings]})

    @http("GET", "/api/v1/audit")
    @guarded
    def audit(self, request):
        self._who(request)
        reply = self.identity.ListSecurityEvents(
            pb.AuditRequest(
                scope=self._scope_message(self._scope(request.args)), limit=int(request.args.get("limit", "100") or 100)
            ),
            metadata=forward(request),
        )
        return json_response({"items": [MessageToDict(e, preserving_proto_field_name=True) for e in reply.events]})

    @http("POST", "/api/v1/api-keys")
    @guarded
    def create_api_key(self, request):
        self._who(request)
        d = _body(request)
        key = self.identity.CreateApiKey(
            pb.CreateApiKeyRequest(
                label=str(d.get("label") or ""),
                role=str(d.get("role") or ""),
                scope=self._scope_message(self._scope(d.get("scope") or {})),
            ),
            metadata=forward(request),
        )
        return json_response(
            {
                "key_id": key.key_id,
                "secret": key.secret,
                "label": key.label,
                "role": key.role,
                "scope": _scope_json(key.scope),
            },
            status=201,
        )

    @http("DELETE", "/api/v1/api-keys/<string:key_id>")
    @guarded
    def revoke_api_key(self, request, key_id):
        self._who(request)
        self.identity.RevokeApiKey(pb.RevokeApiKeyRequest(key_id=key_id), metadata=forward(request))
        return Response(status=204)

    # --- staff reads ---------------------------------------------------------------------------

    @http("GET", "/api/v1/staff/tickets/<string:ticket_id>")
    @guarded
    def staff_ticket(self, request, ticket_id):
        caller = self._who(request)
        if not caller.authenticated:
            return problem(401, "AUTHENTICATION_REQUIRED", "sign in to do this", self.trace_id)
        ticket = self.tickets.Get(tickets_pb2.GetTicketRequest(ticket_id=ticket_id))
        policy.require(caller, "ticket.read", self._scope({"office": ticket.office_id}))
        return json_response(status_json(ticket))

    # --- my data (Law 09-08) -------------------------------------------------------------------

    @http("GET", "/api/v1/me/data")
    @guarded
    def my_data(self, request):
        """Everything every service holds about the signed-in person. Identity answers first (and
        refuses anyone but a signed-in person); a service that does not answer within the
        deadline is named under `unavailable` and the rest is still returned."""
        return json_response(self._my_data(self._who(request), forward(request)))

    def _my_data(self, caller: policy.Caller, metadata) -> dict:
        """My data gathered from every service, the person's token on every call (the JSON route
        and the portal's page share it)."""
        reply = self.identity.ExportMyData(pb.Empty(), metadata=metadata)
        asked = {
            name: _start(getattr(self, name).ExportCitizenData, request_type(citizen_id=caller.subject), metadata)
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

    @http("PATCH", "/api/v1/me")
    @guarded
    def rectify_me(self, request):
        self._who(request)
        d = _body(request)
        citizen = self.identity.Rectify(
            pb.RectifyRequest(
                email=str(d.get("email") or ""),
                phone=str(d.get("phone") or ""),
                display_name=str(d.get("display_name") or ""),
                language=str(d.get("language") or ""),
            ),
            metadata=forward(request),
        )
        return json_response(MessageToDict(citizen, preserving_proto_field_name=True))

    @http("POST", "/api/v1/me/consents")
    @guarded
    def record_consent(self, request):
        self._who(request)
        d = _body(request)
        self.identity.RecordConsent(
            pb.RecordConsentRequest(purpose=str(d.get("purpose") or ""), granted=bool(d.get("granted"))),
            metadata=forward(request),
        )
        return Response(status=204)

    @http("DELETE", "/api/v1/me")
    @guarded
    def erase_me(self, request):
        self._who(request)
        status = self.identity.EraseMe(pb.Empty(), metadata=forward(request))
        return json_response({"citizen_id": status.citizen_id, "status": status.status})
