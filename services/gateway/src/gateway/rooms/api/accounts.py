"""The REST API's accounts: registration and sign-in, sessions, signing keys, roles, the audit
trail, API keys and the data-subject rights (my data, rectification, consents, erasure). identity
decides; the caller's bearer token goes on to it.

Passwords and tokens only pass through: the gateway never logs a body of these routes.
"""

from __future__ import annotations

import json

from werkzeug.wrappers import Response

from citizenoffice.identity.v1 import identity_pb2 as pb
from cokit.errors import invalid_argument
from google.protobuf.json_format import MessageToDict

from ... import dependencies, my_data
from ...caller import forward
from ...entrypoints import api
from ...limits import source_address
from ...scopes import scope_message, scope_of
from .common import json_response


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


class AccountsApi:
    identity = dependencies.identity
    registry = dependencies.registry
    auth = dependencies.auth
    # "my data" gathers what every service holds
    tickets = dependencies.tickets
    documents = dependencies.documents
    notifications = dependencies.notifications

    def _scope(self, data) -> pb.Scope:
        """The scope a request names, as identity's message (an office is looked up in the registry)."""
        return scope_message(scope_of(self.registry, data))

    def _who(self, request):
        return self.auth.resolve(request, self.identity)

    # --- accounts and sessions ---------------------------------------------------------------

    @api("POST", "/api/v1/auth/register")
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

    @api("POST", "/api/v1/auth/verify")
    def auth_verify(self, request):
        d = _body(request)
        reply = self.identity.Verify(pb.VerifyRequest(login=_login(d), code=str(d.get("code") or "")))
        return json_response({"citizen_id": reply.citizen_id, "status": reply.status})

    @api("POST", "/api/v1/auth/verify/resend")
    def auth_verify_resend(self, request):
        self.identity.ResendVerificationCode(pb.ResendCodeRequest(login=_login(_body(request))))
        return json_response({"status": "if this account waits for a code, a new one is on its way"}, status=202)

    @api("POST", "/api/v1/auth/login")
    def auth_login(self, request):
        d = _body(request)
        pair = self.identity.Login(
            pb.LoginRequest(login=_login(d), password=str(d.get("password") or ""), source=source_address(request))
        )
        return json_response(_tokens(pair))

    @api("POST", "/api/v1/auth/refresh")
    def auth_refresh(self, request):
        pair = self.identity.Refresh(pb.RefreshRequest(refresh_token=str(_body(request).get("refresh_token") or "")))
        return json_response(_tokens(pair))

    @api("POST", "/api/v1/auth/logout")
    def auth_logout(self, request):
        self._who(request)
        self.identity.Logout(
            pb.LogoutRequest(refresh_token=str(_body(request).get("refresh_token") or "")), metadata=forward(request)
        )
        return Response(status=204)

    @api("POST", "/api/v1/auth/password-reset")
    def auth_password_reset(self, request):
        self.identity.RequestPasswordReset(pb.PasswordResetRequest(login=_login(_body(request))))
        return json_response({"status": "if this account exists, a code is on its way"}, status=202)

    @api("POST", "/api/v1/auth/password-reset/confirm")
    def auth_password_reset_confirm(self, request):
        d = _body(request)
        self.identity.ResetPassword(
            pb.PasswordResetConfirm(
                login=_login(d), code=str(d.get("code") or ""), new_password=str(d.get("new_password") or "")
            )
        )
        return Response(status=204)

    @api("GET", "/.well-known/jwks.json")
    def jwks(self, request):
        state = self.identity.GetTrustState(pb.Empty())
        response = Response(state.jwks_json, mimetype="application/jwk-set+json")
        response.headers["Cache-Control"] = "public, max-age=60"
        return response

    @api("POST", "/api/v1/admin/signing-keys/rotate")
    def rotate_signing_key(self, request):
        self._who(request)
        d = _body(request)
        keys = self.identity.RotateSigningKey(
            pb.RotateSigningKeyRequest(step=str(d.get("step") or ""), force=bool(d.get("force"))),
            metadata=forward(request),
        )
        return json_response({"keys": [{"kid": k.kid, "status": k.status} for k in keys.keys]})

    # --- roles, audit, API keys ----------------------------------------------------------------

    @api("POST", "/api/v1/roles")
    def grant_role(self, request):
        self._who(request)
        d = _body(request)
        binding = self.identity.GrantRole(
            pb.GrantRoleRequest(
                citizen_id=str(d.get("citizen_id") or ""),
                role=str(d.get("role") or ""),
                scope=self._scope(d.get("scope") or {}),
            ),
            metadata=forward(request),
        )
        return json_response(_binding_json(binding), status=201)

    @api("DELETE", "/api/v1/roles/<string:binding_id>")
    def revoke_role(self, request, binding_id):
        self._who(request)
        self.identity.RevokeRole(pb.RevokeRoleRequest(binding_id=binding_id), metadata=forward(request))
        return Response(status=204)

    @api("GET", "/api/v1/roles")
    def list_roles(self, request):
        self._who(request)
        reply = self.identity.ListRoles(pb.ListRolesRequest(scope=self._scope(request.args)), metadata=forward(request))
        return json_response({"items": [_binding_json(b) for b in reply.bindings]})

    @api("GET", "/api/v1/audit")
    def audit(self, request):
        self._who(request)
        reply = self.identity.ListSecurityEvents(
            pb.AuditRequest(scope=self._scope(request.args), limit=int(request.args.get("limit", "100") or 100)),
            metadata=forward(request),
        )
        return json_response({"items": [MessageToDict(e, preserving_proto_field_name=True) for e in reply.events]})

    @api("POST", "/api/v1/api-keys")
    def create_api_key(self, request):
        self._who(request)
        d = _body(request)
        key = self.identity.CreateApiKey(
            pb.CreateApiKeyRequest(
                label=str(d.get("label") or ""),
                role=str(d.get("role") or ""),
                scope=self._scope(d.get("scope") or {}),
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

    @api("DELETE", "/api/v1/api-keys/<string:key_id>")
    def revoke_api_key(self, request, key_id):
        self._who(request)
        self.identity.RevokeApiKey(pb.RevokeApiKeyRequest(key_id=key_id), metadata=forward(request))
        return Response(status=204)

    # --- my data (Law 09-08) -------------------------------------------------------------------

    @api("GET", "/api/v1/me/data")
    def my_data(self, request):
        """Everything every service holds about the signed-in person. Identity answers first (and
        refuses anyone but a signed-in person); a service that does not answer within the
        deadline is named under `unavailable` and the rest is still returned."""
        data = my_data.gather(
            self._who(request),
            forward(request),
            identity=self.identity,
            tickets=self.tickets,
            documents=self.documents,
            notifications=self.notifications,
        )
        return json_response(data)

    @api("PATCH", "/api/v1/me")
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

    @api("POST", "/api/v1/me/consents")
    def record_consent(self, request):
        self._who(request)
        d = _body(request)
        self.identity.RecordConsent(
            pb.RecordConsentRequest(purpose=str(d.get("purpose") or ""), granted=bool(d.get("granted"))),
            metadata=forward(request),
        )
        return Response(status=204)

    @api("DELETE", "/api/v1/me")
    def erase_me(self, request):
        self._who(request)
        status = self.identity.EraseMe(pb.Empty(), metadata=forward(request))
        return json_response({"citizen_id": status.citizen_id, "status": status.status})
