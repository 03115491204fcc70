from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UpsertCitizenRequest(_message.Message):
    __slots__ = ("email", "phone", "display_name", "language")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    email: str
    phone: str
    display_name: str
    language: str
    def __init__(self, email: _Optional[str] = ..., phone: _Optional[str] = ..., display_name: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class Citizen(_message.Message):
    __slots__ = ("citizen_id", "email", "phone", "display_name", "language")
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    email: str
    phone: str
    display_name: str
    language: str
    def __init__(self, citizen_id: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., display_name: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class GetCitizenRequest(_message.Message):
    __slots__ = ("citizen_id",)
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    def __init__(self, citizen_id: _Optional[str] = ...) -> None: ...

class RegisterRequest(_message.Message):
    __slots__ = ("email", "phone", "password", "display_name", "language")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    email: str
    phone: str
    password: str
    display_name: str
    language: str
    def __init__(self, email: _Optional[str] = ..., phone: _Optional[str] = ..., password: _Optional[str] = ..., display_name: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class RegisterReply(_message.Message):
    __slots__ = ("citizen_id", "status")
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    status: str
    def __init__(self, citizen_id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class VerifyRequest(_message.Message):
    __slots__ = ("login", "code")
    LOGIN_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    login: str
    code: str
    def __init__(self, login: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class ResendCodeRequest(_message.Message):
    __slots__ = ("login",)
    LOGIN_FIELD_NUMBER: _ClassVar[int]
    login: str
    def __init__(self, login: _Optional[str] = ...) -> None: ...

class AccountStatus(_message.Message):
    __slots__ = ("citizen_id", "status")
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    status: str
    def __init__(self, citizen_id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class LoginRequest(_message.Message):
    __slots__ = ("login", "password", "source")
    LOGIN_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    login: str
    password: str
    source: str
    def __init__(self, login: _Optional[str] = ..., password: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class TokenPair(_message.Message):
    __slots__ = ("access_token", "refresh_token", "expires_in", "token_type")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str
    def __init__(self, access_token: _Optional[str] = ..., refresh_token: _Optional[str] = ..., expires_in: _Optional[int] = ..., token_type: _Optional[str] = ...) -> None: ...

class RefreshRequest(_message.Message):
    __slots__ = ("refresh_token",)
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    def __init__(self, refresh_token: _Optional[str] = ...) -> None: ...

class LogoutRequest(_message.Message):
    __slots__ = ("refresh_token",)
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    def __init__(self, refresh_token: _Optional[str] = ...) -> None: ...

class Empty(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PasswordResetRequest(_message.Message):
    __slots__ = ("login",)
    LOGIN_FIELD_NUMBER: _ClassVar[int]
    login: str
    def __init__(self, login: _Optional[str] = ...) -> None: ...

class PasswordResetConfirm(_message.Message):
    __slots__ = ("login", "code", "new_password")
    LOGIN_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    login: str
    code: str
    new_password: str
    def __init__(self, login: _Optional[str] = ..., code: _Optional[str] = ..., new_password: _Optional[str] = ...) -> None: ...

class Scope(_message.Message):
    __slots__ = ("instance_id", "commune_code", "office_id")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    commune_code: str
    office_id: str
    def __init__(self, instance_id: _Optional[str] = ..., commune_code: _Optional[str] = ..., office_id: _Optional[str] = ...) -> None: ...

class RoleBinding(_message.Message):
    __slots__ = ("binding_id", "citizen_id", "role", "scope", "granted_by")
    BINDING_ID_FIELD_NUMBER: _ClassVar[int]
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    GRANTED_BY_FIELD_NUMBER: _ClassVar[int]
    binding_id: str
    citizen_id: str
    role: str
    scope: Scope
    granted_by: str
    def __init__(self, binding_id: _Optional[str] = ..., citizen_id: _Optional[str] = ..., role: _Optional[str] = ..., scope: _Optional[_Union[Scope, _Mapping]] = ..., granted_by: _Optional[str] = ...) -> None: ...

class GrantRoleRequest(_message.Message):
    __slots__ = ("citizen_id", "role", "scope")
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    role: str
    scope: Scope
    def __init__(self, citizen_id: _Optional[str] = ..., role: _Optional[str] = ..., scope: _Optional[_Union[Scope, _Mapping]] = ...) -> None: ...

class RevokeRoleRequest(_message.Message):
    __slots__ = ("binding_id",)
    BINDING_ID_FIELD_NUMBER: _ClassVar[int]
    binding_id: str
    def __init__(self, binding_id: _Optional[str] = ...) -> None: ...

class ListRolesRequest(_message.Message):
    __slots__ = ("scope",)
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    scope: Scope
    def __init__(self, scope: _Optional[_Union[Scope, _Mapping]] = ...) -> None: ...

class ListRolesReply(_message.Message):
    __slots__ = ("bindings",)
    BINDINGS_FIELD_NUMBER: _ClassVar[int]
    bindings: _containers.RepeatedCompositeFieldContainer[RoleBinding]
    def __init__(self, bindings: _Optional[_Iterable[_Union[RoleBinding, _Mapping]]] = ...) -> None: ...

class TrustState(_message.Message):
    __slots__ = ("jwks_json", "revoked_session_ids")
    JWKS_JSON_FIELD_NUMBER: _ClassVar[int]
    REVOKED_SESSION_IDS_FIELD_NUMBER: _ClassVar[int]
    jwks_json: str
    revoked_session_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, jwks_json: _Optional[str] = ..., revoked_session_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RotateSigningKeyRequest(_message.Message):
    __slots__ = ("step", "force")
    STEP_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    step: str
    force: bool
    def __init__(self, step: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class SigningKey(_message.Message):
    __slots__ = ("kid", "status")
    KID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    kid: str
    status: str
    def __init__(self, kid: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class SigningKeys(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[SigningKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[SigningKey, _Mapping]]] = ...) -> None: ...

class AuditRequest(_message.Message):
    __slots__ = ("scope", "limit")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    scope: Scope
    limit: int
    def __init__(self, scope: _Optional[_Union[Scope, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class SecurityEvent(_message.Message):
    __slots__ = ("event_id", "kind", "subject", "actor", "at", "detail_json")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_JSON_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    kind: str
    subject: str
    actor: str
    at: str
    detail_json: str
    def __init__(self, event_id: _Optional[str] = ..., kind: _Optional[str] = ..., subject: _Optional[str] = ..., actor: _Optional[str] = ..., at: _Optional[str] = ..., detail_json: _Optional[str] = ...) -> None: ...

class AuditReply(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[SecurityEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[SecurityEvent, _Mapping]]] = ...) -> None: ...

class CreateApiKeyRequest(_message.Message):
    __slots__ = ("label", "role", "scope")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    label: str
    role: str
    scope: Scope
    def __init__(self, label: _Optional[str] = ..., role: _Optional[str] = ..., scope: _Optional[_Union[Scope, _Mapping]] = ...) -> None: ...

class ApiKey(_message.Message):
    __slots__ = ("key_id", "secret", "label", "role", "scope", "last_used_at", "revoked")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    secret: str
    label: str
    role: str
    scope: Scope
    last_used_at: str
    revoked: bool
    def __init__(self, key_id: _Optional[str] = ..., secret: _Optional[str] = ..., label: _Optional[str] = ..., role: _Optional[str] = ..., scope: _Optional[_Union[Scope, _Mapping]] = ..., last_used_at: _Optional[str] = ..., revoked: _Optional[bool] = ...) -> None: ...

class RevokeApiKeyRequest(_message.Message):
    __slots__ = ("key_id",)
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    def __init__(self, key_id: _Optional[str] = ...) -> None: ...

class AuthenticateApiKeyRequest(_message.Message):
    __slots__ = ("secret", "source")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    secret: str
    source: str
    def __init__(self, secret: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class MachineCaller(_message.Message):
    __slots__ = ("key_id", "role", "scope")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    role: str
    scope: Scope
    def __init__(self, key_id: _Optional[str] = ..., role: _Optional[str] = ..., scope: _Optional[_Union[Scope, _Mapping]] = ...) -> None: ...

class RecordConsentRequest(_message.Message):
    __slots__ = ("purpose", "granted")
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    purpose: str
    granted: bool
    def __init__(self, purpose: _Optional[str] = ..., granted: _Optional[bool] = ...) -> None: ...

class RectifyRequest(_message.Message):
    __slots__ = ("email", "phone", "display_name", "language")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    email: str
    phone: str
    display_name: str
    language: str
    def __init__(self, email: _Optional[str] = ..., phone: _Optional[str] = ..., display_name: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class IntrospectRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class Introspection(_message.Message):
    __slots__ = ("active", "subject", "reason")
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    active: bool
    subject: str
    reason: str
    def __init__(self, active: _Optional[bool] = ..., subject: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ExportReply(_message.Message):
    __slots__ = ("json",)
    JSON_FIELD_NUMBER: _ClassVar[int]
    json: str
    def __init__(self, json: _Optional[str] = ...) -> None: ...

class ServiceTokenRequest(_message.Message):
    __slots__ = ("service", "credential")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    service: str
    credential: str
    def __init__(self, service: _Optional[str] = ..., credential: _Optional[str] = ...) -> None: ...

class ServiceToken(_message.Message):
    __slots__ = ("token", "expires_in")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    token: str
    expires_in: int
    def __init__(self, token: _Optional[str] = ..., expires_in: _Optional[int] = ...) -> None: ...

class UserRegistered(_message.Message):
    __slots__ = ("citizen_id", "language")
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    language: str
    def __init__(self, citizen_id: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class UserVerified(_message.Message):
    __slots__ = ("citizen_id",)
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    def __init__(self, citizen_id: _Optional[str] = ...) -> None: ...

class RoleChanged(_message.Message):
    __slots__ = ("binding_id", "citizen_id", "role", "scope", "actor")
    BINDING_ID_FIELD_NUMBER: _ClassVar[int]
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    binding_id: str
    citizen_id: str
    role: str
    scope: Scope
    actor: str
    def __init__(self, binding_id: _Optional[str] = ..., citizen_id: _Optional[str] = ..., role: _Optional[str] = ..., scope: _Optional[_Union[Scope, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...

class UserErased(_message.Message):
    __slots__ = ("citizen_id",)
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    def __init__(self, citizen_id: _Optional[str] = ...) -> None: ...
