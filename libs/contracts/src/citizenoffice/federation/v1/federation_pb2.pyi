import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from citizenoffice.registry.v1 import registry_pb2 as _registry_pb2
from citizenoffice.tickets.v1 import tickets_pb2 as _tickets_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignedEnvelope(_message.Message):
    __slots__ = ("body", "signature", "key_id")
    BODY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    body: bytes
    signature: bytes
    key_id: str
    def __init__(self, body: _Optional[bytes] = ..., signature: _Optional[bytes] = ..., key_id: _Optional[str] = ...) -> None: ...

class Body(_message.Message):
    __slots__ = ("message_id", "sender", "recipient", "sent_at", "nonce", "kind", "in_reply_to", "payload")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    IN_REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    sender: str
    recipient: str
    sent_at: _timestamp_pb2.Timestamp
    nonce: bytes
    kind: str
    in_reply_to: str
    payload: bytes
    def __init__(self, message_id: _Optional[str] = ..., sender: _Optional[str] = ..., recipient: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., nonce: _Optional[bytes] = ..., kind: _Optional[str] = ..., in_reply_to: _Optional[str] = ..., payload: _Optional[bytes] = ...) -> None: ...

class JoinRequest(_message.Message):
    __slots__ = ("invitation_id", "proof", "card")
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    invitation_id: str
    proof: bytes
    card: MemberCard
    def __init__(self, invitation_id: _Optional[str] = ..., proof: _Optional[bytes] = ..., card: _Optional[_Union[MemberCard, _Mapping]] = ...) -> None: ...

class MemberCard(_message.Message):
    __slots__ = ("instance_id", "country", "name", "peer_url", "signing_public_key", "certificate_pem", "shares")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PEER_URL_FIELD_NUMBER: _ClassVar[int]
    SIGNING_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    country: str
    name: str
    peer_url: str
    signing_public_key: bytes
    certificate_pem: str
    shares: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, instance_id: _Optional[str] = ..., country: _Optional[str] = ..., name: _Optional[str] = ..., peer_url: _Optional[str] = ..., signing_public_key: _Optional[bytes] = ..., certificate_pem: _Optional[str] = ..., shares: _Optional[_Iterable[str]] = ...) -> None: ...

class JoinReply(_message.Message):
    __slots__ = ("status", "card")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    status: str
    card: MemberCard
    def __init__(self, status: _Optional[str] = ..., card: _Optional[_Union[MemberCard, _Mapping]] = ...) -> None: ...

class MemberDecision(_message.Message):
    __slots__ = ("status", "reason", "shares")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    status: str
    reason: str
    shares: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, status: _Optional[str] = ..., reason: _Optional[str] = ..., shares: _Optional[_Iterable[str]] = ...) -> None: ...

class Ack(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: str
    def __init__(self, status: _Optional[str] = ...) -> None: ...

class FiguresRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PublicOffice(_message.Message):
    __slots__ = ("office_id", "slug", "name", "commune_code", "commune_name", "region_code", "phase", "status", "address", "latitude", "longitude")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    SLUG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    slug: str
    name: _registry_pb2.LocalizedName
    commune_code: str
    commune_name: _registry_pb2.LocalizedName
    region_code: str
    phase: str
    status: str
    address: str
    latitude: float
    longitude: float
    def __init__(self, office_id: _Optional[str] = ..., slug: _Optional[str] = ..., name: _Optional[_Union[_registry_pb2.LocalizedName, _Mapping]] = ..., commune_code: _Optional[str] = ..., commune_name: _Optional[_Union[_registry_pb2.LocalizedName, _Mapping]] = ..., region_code: _Optional[str] = ..., phase: _Optional[str] = ..., status: _Optional[str] = ..., address: _Optional[str] = ..., latitude: _Optional[float] = ..., longitude: _Optional[float] = ...) -> None: ...

class PublicRegion(_message.Message):
    __slots__ = ("code", "name")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: _registry_pb2.LocalizedName
    def __init__(self, code: _Optional[str] = ..., name: _Optional[_Union[_registry_pb2.LocalizedName, _Mapping]] = ...) -> None: ...

class OfficeFigures(_message.Message):
    __slots__ = ("office_id", "achievements", "requests")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    ACHIEVEMENTS_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    achievements: _registry_pb2.Achievements
    requests: _tickets_pb2.StatsReply
    def __init__(self, office_id: _Optional[str] = ..., achievements: _Optional[_Union[_registry_pb2.Achievements, _Mapping]] = ..., requests: _Optional[_Union[_tickets_pb2.StatsReply, _Mapping]] = ...) -> None: ...

class RegionFigures(_message.Message):
    __slots__ = ("region_code", "achievements")
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    ACHIEVEMENTS_FIELD_NUMBER: _ClassVar[int]
    region_code: str
    achievements: _registry_pb2.Achievements
    def __init__(self, region_code: _Optional[str] = ..., achievements: _Optional[_Union[_registry_pb2.Achievements, _Mapping]] = ...) -> None: ...

class PublicFigures(_message.Message):
    __slots__ = ("instance_id", "country", "name", "computed_at", "period_from", "period_to", "shared", "regions", "offices", "achievements", "requests", "region_figures", "office_figures")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_AT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    OFFICES_FIELD_NUMBER: _ClassVar[int]
    ACHIEVEMENTS_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    REGION_FIGURES_FIELD_NUMBER: _ClassVar[int]
    OFFICE_FIGURES_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    country: str
    name: str
    computed_at: str
    period_from: str
    period_to: str
    shared: _containers.RepeatedScalarFieldContainer[str]
    regions: _containers.RepeatedCompositeFieldContainer[PublicRegion]
    offices: _containers.RepeatedCompositeFieldContainer[PublicOffice]
    achievements: _registry_pb2.Achievements
    requests: _tickets_pb2.StatsReply
    region_figures: _containers.RepeatedCompositeFieldContainer[RegionFigures]
    office_figures: _containers.RepeatedCompositeFieldContainer[OfficeFigures]
    def __init__(self, instance_id: _Optional[str] = ..., country: _Optional[str] = ..., name: _Optional[str] = ..., computed_at: _Optional[str] = ..., period_from: _Optional[str] = ..., period_to: _Optional[str] = ..., shared: _Optional[_Iterable[str]] = ..., regions: _Optional[_Iterable[_Union[PublicRegion, _Mapping]]] = ..., offices: _Optional[_Iterable[_Union[PublicOffice, _Mapping]]] = ..., achievements: _Optional[_Union[_registry_pb2.Achievements, _Mapping]] = ..., requests: _Optional[_Union[_tickets_pb2.StatsReply, _Mapping]] = ..., region_figures: _Optional[_Iterable[_Union[RegionFigures, _Mapping]]] = ..., office_figures: _Optional[_Iterable[_Union[OfficeFigures, _Mapping]]] = ...) -> None: ...

class TransferRequest(_message.Message):
    __slots__ = ("idempotency_key", "office_id", "kind", "category", "description", "language", "latitude", "longitude", "address", "contact", "origin_tracking_code", "submitted_on")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_ON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    office_id: str
    kind: _tickets_pb2.TicketKind
    category: str
    description: str
    language: str
    latitude: float
    longitude: float
    address: str
    contact: str
    origin_tracking_code: str
    submitted_on: str
    def __init__(self, idempotency_key: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[_tickets_pb2.TicketKind, str]] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., language: _Optional[str] = ..., latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., address: _Optional[str] = ..., contact: _Optional[str] = ..., origin_tracking_code: _Optional[str] = ..., submitted_on: _Optional[str] = ...) -> None: ...

class TransferReceipt(_message.Message):
    __slots__ = ("tracking_code", "received_at")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    received_at: str
    def __init__(self, tracking_code: _Optional[str] = ..., received_at: _Optional[str] = ...) -> None: ...

class TransferNotice(_message.Message):
    __slots__ = ("notice_id", "kind", "category", "office_id", "month")
    NOTICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    notice_id: str
    kind: _tickets_pb2.TicketKind
    category: str
    office_id: str
    month: str
    def __init__(self, notice_id: _Optional[str] = ..., kind: _Optional[_Union[_tickets_pb2.TicketKind, str]] = ..., category: _Optional[str] = ..., office_id: _Optional[str] = ..., month: _Optional[str] = ...) -> None: ...

class Empty(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class InstanceIdentity(_message.Message):
    __slots__ = ("instance_id", "country", "name", "peer_url", "signing_key_id", "signing_public_key", "certificate_pem", "tls_fingerprint", "created_at", "certificate_not_after")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PEER_URL_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNING_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    TLS_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    country: str
    name: str
    peer_url: str
    signing_key_id: str
    signing_public_key: bytes
    certificate_pem: str
    tls_fingerprint: str
    created_at: str
    certificate_not_after: str
    def __init__(self, instance_id: _Optional[str] = ..., country: _Optional[str] = ..., name: _Optional[str] = ..., peer_url: _Optional[str] = ..., signing_key_id: _Optional[str] = ..., signing_public_key: _Optional[bytes] = ..., certificate_pem: _Optional[str] = ..., tls_fingerprint: _Optional[str] = ..., created_at: _Optional[str] = ..., certificate_not_after: _Optional[str] = ...) -> None: ...

class Member(_message.Message):
    __slots__ = ("instance_id", "country", "name", "peer_url", "status", "shares", "sees_of_it", "signing_key_id", "tls_fingerprint", "invited_at", "joined_at", "revoked_at", "revoked_reason", "last_success_at", "last_failure_at", "last_error", "consecutive_failures", "figures_fetched_at", "revoked_by_peer")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PEER_URL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    SEES_OF_IT_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    TLS_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    INVITED_AT_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_REASON_FIELD_NUMBER: _ClassVar[int]
    LAST_SUCCESS_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_FAILURE_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    FIGURES_FETCHED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_PEER_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    country: str
    name: str
    peer_url: str
    status: str
    shares: _containers.RepeatedScalarFieldContainer[str]
    sees_of_it: _containers.RepeatedScalarFieldContainer[str]
    signing_key_id: str
    tls_fingerprint: str
    invited_at: str
    joined_at: str
    revoked_at: str
    revoked_reason: str
    last_success_at: str
    last_failure_at: str
    last_error: str
    consecutive_failures: int
    figures_fetched_at: str
    revoked_by_peer: bool
    def __init__(self, instance_id: _Optional[str] = ..., country: _Optional[str] = ..., name: _Optional[str] = ..., peer_url: _Optional[str] = ..., status: _Optional[str] = ..., shares: _Optional[_Iterable[str]] = ..., sees_of_it: _Optional[_Iterable[str]] = ..., signing_key_id: _Optional[str] = ..., tls_fingerprint: _Optional[str] = ..., invited_at: _Optional[str] = ..., joined_at: _Optional[str] = ..., revoked_at: _Optional[str] = ..., revoked_reason: _Optional[str] = ..., last_success_at: _Optional[str] = ..., last_failure_at: _Optional[str] = ..., last_error: _Optional[str] = ..., consecutive_failures: _Optional[int] = ..., figures_fetched_at: _Optional[str] = ..., revoked_by_peer: _Optional[bool] = ...) -> None: ...

class InviteRequest(_message.Message):
    __slots__ = ("instance_id", "country", "name", "shares", "valid_hours")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    VALID_HOURS_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    country: str
    name: str
    shares: _containers.RepeatedScalarFieldContainer[str]
    valid_hours: int
    def __init__(self, instance_id: _Optional[str] = ..., country: _Optional[str] = ..., name: _Optional[str] = ..., shares: _Optional[_Iterable[str]] = ..., valid_hours: _Optional[int] = ...) -> None: ...

class Invitation(_message.Message):
    __slots__ = ("invitation_id", "bundle", "expires_at", "member")
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    invitation_id: str
    bundle: str
    expires_at: str
    member: Member
    def __init__(self, invitation_id: _Optional[str] = ..., bundle: _Optional[str] = ..., expires_at: _Optional[str] = ..., member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class AcceptInvitationRequest(_message.Message):
    __slots__ = ("bundle", "shares")
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    bundle: str
    shares: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, bundle: _Optional[str] = ..., shares: _Optional[_Iterable[str]] = ...) -> None: ...

class MemberRequest(_message.Message):
    __slots__ = ("instance_id",)
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    def __init__(self, instance_id: _Optional[str] = ...) -> None: ...

class RevokeRequest(_message.Message):
    __slots__ = ("instance_id", "reason")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    reason: str
    def __init__(self, instance_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class MembersReply(_message.Message):
    __slots__ = ("members",)
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[Member]
    def __init__(self, members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ...) -> None: ...

class PullRequest(_message.Message):
    __slots__ = ("instance_id",)
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    def __init__(self, instance_id: _Optional[str] = ...) -> None: ...

class PullResult(_message.Message):
    __slots__ = ("instance_id", "ok", "reason", "fetched_at")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FETCHED_AT_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    ok: bool
    reason: str
    fetched_at: str
    def __init__(self, instance_id: _Optional[str] = ..., ok: _Optional[bool] = ..., reason: _Optional[str] = ..., fetched_at: _Optional[str] = ...) -> None: ...

class PullReply(_message.Message):
    __slots__ = ("results", "deliveries")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[PullResult]
    deliveries: int
    def __init__(self, results: _Optional[_Iterable[_Union[PullResult, _Mapping]]] = ..., deliveries: _Optional[int] = ...) -> None: ...

class InstanceFigures(_message.Message):
    __slots__ = ("instance_id", "country", "name", "own", "fetched_at", "stale", "figures")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWN_FIELD_NUMBER: _ClassVar[int]
    FETCHED_AT_FIELD_NUMBER: _ClassVar[int]
    STALE_FIELD_NUMBER: _ClassVar[int]
    FIGURES_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    country: str
    name: str
    own: bool
    fetched_at: str
    stale: bool
    figures: PublicFigures
    def __init__(self, instance_id: _Optional[str] = ..., country: _Optional[str] = ..., name: _Optional[str] = ..., own: _Optional[bool] = ..., fetched_at: _Optional[str] = ..., stale: _Optional[bool] = ..., figures: _Optional[_Union[PublicFigures, _Mapping]] = ...) -> None: ...

class FederationFiguresRequest(_message.Message):
    __slots__ = ("instance_id",)
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    def __init__(self, instance_id: _Optional[str] = ...) -> None: ...

class FederationFiguresReply(_message.Message):
    __slots__ = ("instances", "computed_at")
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_AT_FIELD_NUMBER: _ClassVar[int]
    instances: _containers.RepeatedCompositeFieldContainer[InstanceFigures]
    computed_at: str
    def __init__(self, instances: _Optional[_Iterable[_Union[InstanceFigures, _Mapping]]] = ..., computed_at: _Optional[str] = ...) -> None: ...

class ExportRequest(_message.Message):
    __slots__ = ("format",)
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    format: str
    def __init__(self, format: _Optional[str] = ...) -> None: ...

class ExportReply(_message.Message):
    __slots__ = ("content", "media_type", "rows")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    media_type: str
    rows: int
    def __init__(self, content: _Optional[bytes] = ..., media_type: _Optional[str] = ..., rows: _Optional[int] = ...) -> None: ...

class OfferTransferRequest(_message.Message):
    __slots__ = ("ticket_id", "instance_id", "office_id")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    instance_id: str
    office_id: str
    def __init__(self, ticket_id: _Optional[str] = ..., instance_id: _Optional[str] = ..., office_id: _Optional[str] = ...) -> None: ...

class AnswerTransferRequest(_message.Message):
    __slots__ = ("ticket_id", "consent", "contact")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    consent: bool
    contact: str
    def __init__(self, ticket_id: _Optional[str] = ..., consent: _Optional[bool] = ..., contact: _Optional[str] = ...) -> None: ...

class TransferRequestKey(_message.Message):
    __slots__ = ("ticket_id",)
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    def __init__(self, ticket_id: _Optional[str] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("delivery_id", "kind", "instance_id", "ticket_id", "status", "attempts", "last_error", "created_at", "delivered_at", "result")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    kind: str
    instance_id: str
    ticket_id: str
    status: str
    attempts: int
    last_error: str
    created_at: str
    delivered_at: str
    result: str
    def __init__(self, delivery_id: _Optional[str] = ..., kind: _Optional[str] = ..., instance_id: _Optional[str] = ..., ticket_id: _Optional[str] = ..., status: _Optional[str] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., created_at: _Optional[str] = ..., delivered_at: _Optional[str] = ..., result: _Optional[str] = ...) -> None: ...

class DeliveriesRequest(_message.Message):
    __slots__ = ("ticket_id", "status")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    status: str
    def __init__(self, ticket_id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class DeliveriesReply(_message.Message):
    __slots__ = ("deliveries",)
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ...) -> None: ...

class NoticesReply(_message.Message):
    __slots__ = ("notices",)
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    notices: _containers.RepeatedCompositeFieldContainer[ReceivedNotice]
    def __init__(self, notices: _Optional[_Iterable[_Union[ReceivedNotice, _Mapping]]] = ...) -> None: ...

class ReceivedNotice(_message.Message):
    __slots__ = ("notice_id", "from_instance", "kind", "category", "office_id", "month", "received_at")
    NOTICE_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    notice_id: str
    from_instance: str
    kind: _tickets_pb2.TicketKind
    category: str
    office_id: str
    month: str
    received_at: str
    def __init__(self, notice_id: _Optional[str] = ..., from_instance: _Optional[str] = ..., kind: _Optional[_Union[_tickets_pb2.TicketKind, str]] = ..., category: _Optional[str] = ..., office_id: _Optional[str] = ..., month: _Optional[str] = ..., received_at: _Optional[str] = ...) -> None: ...

class MessageLogRequest(_message.Message):
    __slots__ = ("after_seq", "limit", "peer")
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PEER_FIELD_NUMBER: _ClassVar[int]
    after_seq: int
    limit: int
    peer: str
    def __init__(self, after_seq: _Optional[int] = ..., limit: _Optional[int] = ..., peer: _Optional[str] = ...) -> None: ...

class LogEntry(_message.Message):
    __slots__ = ("seq", "logged_at", "direction", "peer", "kind", "message_id", "in_reply_to", "digest", "sent_at", "outcome", "reason", "size", "entry_hash")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    LOGGED_AT_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    PEER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    IN_REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    ENTRY_HASH_FIELD_NUMBER: _ClassVar[int]
    seq: int
    logged_at: str
    direction: str
    peer: str
    kind: str
    message_id: str
    in_reply_to: str
    digest: str
    sent_at: str
    outcome: str
    reason: str
    size: int
    entry_hash: str
    def __init__(self, seq: _Optional[int] = ..., logged_at: _Optional[str] = ..., direction: _Optional[str] = ..., peer: _Optional[str] = ..., kind: _Optional[str] = ..., message_id: _Optional[str] = ..., in_reply_to: _Optional[str] = ..., digest: _Optional[str] = ..., sent_at: _Optional[str] = ..., outcome: _Optional[str] = ..., reason: _Optional[str] = ..., size: _Optional[int] = ..., entry_hash: _Optional[str] = ...) -> None: ...

class MessageLogReply(_message.Message):
    __slots__ = ("entries", "last_seq")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[LogEntry]
    last_seq: int
    def __init__(self, entries: _Optional[_Iterable[_Union[LogEntry, _Mapping]]] = ..., last_seq: _Optional[int] = ...) -> None: ...

class LogCheck(_message.Message):
    __slots__ = ("entries", "intact", "first_broken_seq")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    INTACT_FIELD_NUMBER: _ClassVar[int]
    FIRST_BROKEN_SEQ_FIELD_NUMBER: _ClassVar[int]
    entries: int
    intact: bool
    first_broken_seq: int
    def __init__(self, entries: _Optional[int] = ..., intact: _Optional[bool] = ..., first_broken_seq: _Optional[int] = ...) -> None: ...

class MemberJoined(_message.Message):
    __slots__ = ("instance_id", "country")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    country: str
    def __init__(self, instance_id: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class MemberRevoked(_message.Message):
    __slots__ = ("instance_id", "reason", "by_peer")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    BY_PEER_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    reason: str
    by_peer: bool
    def __init__(self, instance_id: _Optional[str] = ..., reason: _Optional[str] = ..., by_peer: _Optional[bool] = ...) -> None: ...

class TransferEvent(_message.Message):
    __slots__ = ("delivery_id", "ticket_id", "instance_id", "kind", "category")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    ticket_id: str
    instance_id: str
    kind: _tickets_pb2.TicketKind
    category: str
    def __init__(self, delivery_id: _Optional[str] = ..., ticket_id: _Optional[str] = ..., instance_id: _Optional[str] = ..., kind: _Optional[_Union[_tickets_pb2.TicketKind, str]] = ..., category: _Optional[str] = ...) -> None: ...
