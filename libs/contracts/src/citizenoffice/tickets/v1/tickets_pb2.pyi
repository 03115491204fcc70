import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TicketKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TICKET_KIND_UNSPECIFIED: _ClassVar[TicketKind]
    COMPLAINT: _ClassVar[TicketKind]
    OBSERVATION: _ClassVar[TicketKind]
    SUGGESTION: _ClassVar[TicketKind]
    INFORMATION_REQUEST: _ClassVar[TicketKind]
    ADMINISTRATIVE_REQUEST: _ClassVar[TicketKind]
    PETITION: _ClassVar[TicketKind]

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    WEB: _ClassVar[Channel]
    MOBILE: _ClassVar[Channel]
    OPEN311: _ClassVar[Channel]
    WALK_IN: _ClassVar[Channel]
    FEDERATION: _ClassVar[Channel]
TICKET_KIND_UNSPECIFIED: TicketKind
COMPLAINT: TicketKind
OBSERVATION: TicketKind
SUGGESTION: TicketKind
INFORMATION_REQUEST: TicketKind
ADMINISTRATIVE_REQUEST: TicketKind
PETITION: TicketKind
CHANNEL_UNSPECIFIED: Channel
WEB: Channel
MOBILE: Channel
OPEN311: Channel
WALK_IN: Channel
FEDERATION: Channel

class Location(_message.Message):
    __slots__ = ("latitude", "longitude", "address")
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    latitude: float
    longitude: float
    address: str
    def __init__(self, latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., address: _Optional[str] = ...) -> None: ...

class SubmitRequest(_message.Message):
    __slots__ = ("office_id", "kind", "category", "description", "citizen_id", "attachment_ids", "location", "channel", "language", "requester", "urgent", "urgency_reason", "registered_by", "public", "media_url", "idempotency_key")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    URGENT_FIELD_NUMBER: _ClassVar[int]
    URGENCY_REASON_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_BY_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    MEDIA_URL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    kind: TicketKind
    category: str
    description: str
    citizen_id: str
    attachment_ids: _containers.RepeatedScalarFieldContainer[str]
    location: Location
    channel: Channel
    language: str
    requester: Requester
    urgent: bool
    urgency_reason: str
    registered_by: str
    public: bool
    media_url: str
    idempotency_key: str
    def __init__(self, office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., citizen_id: _Optional[str] = ..., attachment_ids: _Optional[_Iterable[str]] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., channel: _Optional[_Union[Channel, str]] = ..., language: _Optional[str] = ..., requester: _Optional[_Union[Requester, _Mapping]] = ..., urgent: _Optional[bool] = ..., urgency_reason: _Optional[str] = ..., registered_by: _Optional[str] = ..., public: _Optional[bool] = ..., media_url: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class Requester(_message.Message):
    __slots__ = ("name", "address", "id_kind", "id_number", "contact", "preferred_format")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    ID_KIND_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_FORMAT_FIELD_NUMBER: _ClassVar[int]
    name: str
    address: str
    id_kind: str
    id_number: str
    contact: str
    preferred_format: str
    def __init__(self, name: _Optional[str] = ..., address: _Optional[str] = ..., id_kind: _Optional[str] = ..., id_number: _Optional[str] = ..., contact: _Optional[str] = ..., preferred_format: _Optional[str] = ...) -> None: ...

class Receipt(_message.Message):
    __slots__ = ("ticket_id", "tracking_code", "submitted_at", "acknowledge_by", "answer_by", "status", "kind", "possible_duplicates")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_BY_FIELD_NUMBER: _ClassVar[int]
    ANSWER_BY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    POSSIBLE_DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    tracking_code: str
    submitted_at: _timestamp_pb2.Timestamp
    acknowledge_by: _timestamp_pb2.Timestamp
    answer_by: _timestamp_pb2.Timestamp
    status: str
    kind: TicketKind
    possible_duplicates: _containers.RepeatedCompositeFieldContainer[PossibleDuplicate]
    def __init__(self, ticket_id: _Optional[str] = ..., tracking_code: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acknowledge_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., possible_duplicates: _Optional[_Iterable[_Union[PossibleDuplicate, _Mapping]]] = ...) -> None: ...

class PossibleDuplicate(_message.Message):
    __slots__ = ("ticket_id", "tracking_code", "why")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    WHY_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    tracking_code: str
    why: str
    def __init__(self, ticket_id: _Optional[str] = ..., tracking_code: _Optional[str] = ..., why: _Optional[str] = ...) -> None: ...

class TrackByCodeRequest(_message.Message):
    __slots__ = ("tracking_code",)
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    def __init__(self, tracking_code: _Optional[str] = ...) -> None: ...

class GetTicketRequest(_message.Message):
    __slots__ = ("ticket_id",)
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    def __init__(self, ticket_id: _Optional[str] = ...) -> None: ...

class TicketStatus(_message.Message):
    __slots__ = ("ticket_id", "tracking_code", "office_id", "kind", "category", "status", "submitted_at", "acknowledge_by", "answer_by", "attachment_count", "updated_at", "extended", "urgent", "available_actions", "priority", "department", "followers", "me_too", "rating", "merged_into", "public", "action_details", "decision", "replies", "assignee_id")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_BY_FIELD_NUMBER: _ClassVar[int]
    ANSWER_BY_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXTENDED_FIELD_NUMBER: _ClassVar[int]
    URGENT_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    FOLLOWERS_FIELD_NUMBER: _ClassVar[int]
    ME_TOO_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    ACTION_DETAILS_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REPLIES_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    tracking_code: str
    office_id: str
    kind: TicketKind
    category: str
    status: str
    submitted_at: _timestamp_pb2.Timestamp
    acknowledge_by: _timestamp_pb2.Timestamp
    answer_by: _timestamp_pb2.Timestamp
    attachment_count: int
    updated_at: _timestamp_pb2.Timestamp
    extended: bool
    urgent: bool
    available_actions: _containers.RepeatedScalarFieldContainer[str]
    priority: int
    department: str
    followers: int
    me_too: int
    rating: int
    merged_into: str
    public: bool
    action_details: _containers.RepeatedCompositeFieldContainer[ActionInfo]
    decision: Decision
    replies: _containers.RepeatedCompositeFieldContainer[ThreadMessage]
    assignee_id: str
    def __init__(self, ticket_id: _Optional[str] = ..., tracking_code: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., category: _Optional[str] = ..., status: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acknowledge_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attachment_count: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., extended: _Optional[bool] = ..., urgent: _Optional[bool] = ..., available_actions: _Optional[_Iterable[str]] = ..., priority: _Optional[int] = ..., department: _Optional[str] = ..., followers: _Optional[int] = ..., me_too: _Optional[int] = ..., rating: _Optional[int] = ..., merged_into: _Optional[str] = ..., public: _Optional[bool] = ..., action_details: _Optional[_Iterable[_Union[ActionInfo, _Mapping]]] = ..., decision: _Optional[_Union[Decision, _Mapping]] = ..., replies: _Optional[_Iterable[_Union[ThreadMessage, _Mapping]]] = ..., assignee_id: _Optional[str] = ...) -> None: ...

class ActionInfo(_message.Message):
    __slots__ = ("action", "required", "roles")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    action: str
    required: _containers.RepeatedScalarFieldContainer[str]
    roles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, action: _Optional[str] = ..., required: _Optional[_Iterable[str]] = ..., roles: _Optional[_Iterable[str]] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("action", "status", "answer", "outcome", "reason", "at")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    action: str
    status: str
    answer: str
    outcome: str
    reason: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, action: _Optional[str] = ..., status: _Optional[str] = ..., answer: _Optional[str] = ..., outcome: _Optional[str] = ..., reason: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Actor(_message.Message):
    __slots__ = ("id", "role")
    ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    role: str
    def __init__(self, id: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class EraseRequesterRequest(_message.Message):
    __slots__ = ("ticket_id", "reason")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    reason: str
    def __init__(self, ticket_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class TransitionRequest(_message.Message):
    __slots__ = ("ticket_id", "action", "actor", "reason", "answer", "outcome", "exception_code", "remedies", "redaction", "message", "committee", "session_date")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_CODE_FIELD_NUMBER: _ClassVar[int]
    REMEDIES_FIELD_NUMBER: _ClassVar[int]
    REDACTION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    COMMITTEE_FIELD_NUMBER: _ClassVar[int]
    SESSION_DATE_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    action: str
    actor: Actor
    reason: str
    answer: str
    outcome: str
    exception_code: str
    remedies: str
    redaction: str
    message: str
    committee: str
    session_date: str
    def __init__(self, ticket_id: _Optional[str] = ..., action: _Optional[str] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ..., reason: _Optional[str] = ..., answer: _Optional[str] = ..., outcome: _Optional[str] = ..., exception_code: _Optional[str] = ..., remedies: _Optional[str] = ..., redaction: _Optional[str] = ..., message: _Optional[str] = ..., committee: _Optional[str] = ..., session_date: _Optional[str] = ...) -> None: ...

class HistoryEntry(_message.Message):
    __slots__ = ("action", "from_status", "to_status", "actor_role", "at", "details")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    action: str
    from_status: str
    to_status: str
    actor_role: str
    at: _timestamp_pb2.Timestamp
    details: _containers.ScalarMap[str, str]
    def __init__(self, action: _Optional[str] = ..., from_status: _Optional[str] = ..., to_status: _Optional[str] = ..., actor_role: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., details: _Optional[_Mapping[str, str]] = ...) -> None: ...

class HistoryReply(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[HistoryEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[HistoryEntry, _Mapping]]] = ...) -> None: ...

class RunDeadlinesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RunDeadlinesReply(_message.Message):
    __slots__ = ("near", "overdue", "automatic")
    NEAR_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    AUTOMATIC_FIELD_NUMBER: _ClassVar[int]
    near: int
    overdue: int
    automatic: int
    def __init__(self, near: _Optional[int] = ..., overdue: _Optional[int] = ..., automatic: _Optional[int] = ...) -> None: ...

class AssignRequest(_message.Message):
    __slots__ = ("ticket_id", "actor", "office_id", "department", "assignee_id", "priority", "reason")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    actor: Actor
    office_id: str
    department: str
    assignee_id: str
    priority: int
    reason: str
    def __init__(self, ticket_id: _Optional[str] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ..., office_id: _Optional[str] = ..., department: _Optional[str] = ..., assignee_id: _Optional[str] = ..., priority: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class MessageRequest(_message.Message):
    __slots__ = ("ticket_id", "actor", "body", "internal", "attachment_ids")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    actor: Actor
    body: str
    internal: bool
    attachment_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ticket_id: _Optional[str] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ..., body: _Optional[str] = ..., internal: _Optional[bool] = ..., attachment_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ThreadRequest(_message.Message):
    __slots__ = ("ticket_id", "actor")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    actor: Actor
    def __init__(self, ticket_id: _Optional[str] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ...) -> None: ...

class ThreadMessage(_message.Message):
    __slots__ = ("message_id", "internal", "author_role", "body", "at", "attachment_ids")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    internal: bool
    author_role: str
    body: str
    at: _timestamp_pb2.Timestamp
    attachment_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, message_id: _Optional[str] = ..., internal: _Optional[bool] = ..., author_role: _Optional[str] = ..., body: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attachment_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ThreadReply(_message.Message):
    __slots__ = ("messages",)
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[ThreadMessage]
    def __init__(self, messages: _Optional[_Iterable[_Union[ThreadMessage, _Mapping]]] = ...) -> None: ...

class SearchRequest(_message.Message):
    __slots__ = ("actor", "office_ids", "statuses", "categories", "kinds", "assignee_id", "overdue", "text", "page_size", "page_token")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    OFFICE_IDS_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    office_ids: _containers.RepeatedScalarFieldContainer[str]
    statuses: _containers.RepeatedScalarFieldContainer[str]
    categories: _containers.RepeatedScalarFieldContainer[str]
    kinds: _containers.RepeatedScalarFieldContainer[TicketKind]
    assignee_id: str
    overdue: bool
    text: str
    page_size: int
    page_token: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., office_ids: _Optional[_Iterable[str]] = ..., statuses: _Optional[_Iterable[str]] = ..., categories: _Optional[_Iterable[str]] = ..., kinds: _Optional[_Iterable[_Union[TicketKind, str]]] = ..., assignee_id: _Optional[str] = ..., overdue: _Optional[bool] = ..., text: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class QueueItem(_message.Message):
    __slots__ = ("ticket_id", "tracking_code", "office_id", "kind", "category", "status", "submitted_at", "due_at", "overdue", "assignee_id", "priority", "department")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    tracking_code: str
    office_id: str
    kind: TicketKind
    category: str
    status: str
    submitted_at: _timestamp_pb2.Timestamp
    due_at: _timestamp_pb2.Timestamp
    overdue: bool
    assignee_id: str
    priority: int
    department: str
    def __init__(self, ticket_id: _Optional[str] = ..., tracking_code: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., category: _Optional[str] = ..., status: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overdue: _Optional[bool] = ..., assignee_id: _Optional[str] = ..., priority: _Optional[int] = ..., department: _Optional[str] = ...) -> None: ...

class SearchReply(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[QueueItem]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[QueueItem, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StatsRequest(_message.Message):
    __slots__ = ("office_id", "from_date", "to_date", "public")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    from_date: str
    to_date: str
    public: bool
    def __init__(self, office_id: _Optional[str] = ..., from_date: _Optional[str] = ..., to_date: _Optional[str] = ..., public: _Optional[bool] = ...) -> None: ...

class StatsReply(_message.Message):
    __slots__ = ("total", "by_kind", "by_category", "answered", "median_working_days", "p90_working_days", "within_deadline_share", "satisfaction_average", "ratings")
    class ByKindEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ByCategoryEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BY_KIND_FIELD_NUMBER: _ClassVar[int]
    BY_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    P90_WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    WITHIN_DEADLINE_SHARE_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_AVERAGE_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    total: int
    by_kind: _containers.ScalarMap[str, int]
    by_category: _containers.ScalarMap[str, int]
    answered: int
    median_working_days: float
    p90_working_days: float
    within_deadline_share: float
    satisfaction_average: float
    ratings: int
    def __init__(self, total: _Optional[int] = ..., by_kind: _Optional[_Mapping[str, int]] = ..., by_category: _Optional[_Mapping[str, int]] = ..., answered: _Optional[int] = ..., median_working_days: _Optional[float] = ..., p90_working_days: _Optional[float] = ..., within_deadline_share: _Optional[float] = ..., satisfaction_average: _Optional[float] = ..., ratings: _Optional[int] = ...) -> None: ...

class MergeRequest(_message.Message):
    __slots__ = ("ticket_id", "into_ticket_id", "actor")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    INTO_TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    into_ticket_id: str
    actor: Actor
    def __init__(self, ticket_id: _Optional[str] = ..., into_ticket_id: _Optional[str] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ...) -> None: ...

class FollowRequest(_message.Message):
    __slots__ = ("ticket_id", "actor", "me_too")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ME_TOO_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    actor: Actor
    me_too: bool
    def __init__(self, ticket_id: _Optional[str] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ..., me_too: _Optional[bool] = ...) -> None: ...

class FollowReply(_message.Message):
    __slots__ = ("followers", "me_too")
    FOLLOWERS_FIELD_NUMBER: _ClassVar[int]
    ME_TOO_FIELD_NUMBER: _ClassVar[int]
    followers: int
    me_too: int
    def __init__(self, followers: _Optional[int] = ..., me_too: _Optional[int] = ...) -> None: ...

class SignRequest(_message.Message):
    __slots__ = ("ticket_id", "actor", "eligible")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    actor: Actor
    eligible: bool
    def __init__(self, ticket_id: _Optional[str] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ..., eligible: _Optional[bool] = ...) -> None: ...

class SignReply(_message.Message):
    __slots__ = ("signatures", "threshold")
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    signatures: int
    threshold: int
    def __init__(self, signatures: _Optional[int] = ..., threshold: _Optional[int] = ...) -> None: ...

class RateRequest(_message.Message):
    __slots__ = ("ticket_id", "actor", "rating", "comment")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    actor: Actor
    rating: int
    comment: str
    def __init__(self, ticket_id: _Optional[str] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ..., rating: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class ModerateRequest(_message.Message):
    __slots__ = ("ticket_id", "actor", "message_id", "reason")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    actor: Actor
    message_id: str
    reason: str
    def __init__(self, ticket_id: _Optional[str] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ..., message_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PublicRequestsQuery(_message.Message):
    __slots__ = ("office_ids", "ticket_ids", "kinds", "categories", "statuses", "submitted_from", "submitted_to", "limit")
    OFFICE_IDS_FIELD_NUMBER: _ClassVar[int]
    TICKET_IDS_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_FROM_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_TO_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    office_ids: _containers.RepeatedScalarFieldContainer[str]
    ticket_ids: _containers.RepeatedScalarFieldContainer[str]
    kinds: _containers.RepeatedScalarFieldContainer[TicketKind]
    categories: _containers.RepeatedScalarFieldContainer[str]
    statuses: _containers.RepeatedScalarFieldContainer[str]
    submitted_from: _timestamp_pb2.Timestamp
    submitted_to: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, office_ids: _Optional[_Iterable[str]] = ..., ticket_ids: _Optional[_Iterable[str]] = ..., kinds: _Optional[_Iterable[_Union[TicketKind, str]]] = ..., categories: _Optional[_Iterable[str]] = ..., statuses: _Optional[_Iterable[str]] = ..., submitted_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., submitted_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class PublicRequest(_message.Message):
    __slots__ = ("ticket_id", "office_id", "kind", "category", "status", "submitted_at", "updated_at", "answer_by", "department", "public", "description", "location", "media_url", "merged_into")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_BY_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MEDIA_URL_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    office_id: str
    kind: TicketKind
    category: str
    status: str
    submitted_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    answer_by: _timestamp_pb2.Timestamp
    department: str
    public: bool
    description: str
    location: Location
    media_url: str
    merged_into: str
    def __init__(self, ticket_id: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., category: _Optional[str] = ..., status: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., department: _Optional[str] = ..., public: _Optional[bool] = ..., description: _Optional[str] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., media_url: _Optional[str] = ..., merged_into: _Optional[str] = ...) -> None: ...

class PublicRequests(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[PublicRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[PublicRequest, _Mapping]]] = ...) -> None: ...

class ExportCitizenDataRequest(_message.Message):
    __slots__ = ("citizen_id",)
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    def __init__(self, citizen_id: _Optional[str] = ...) -> None: ...

class ExportCitizenDataReply(_message.Message):
    __slots__ = ("json",)
    JSON_FIELD_NUMBER: _ClassVar[int]
    json: str
    def __init__(self, json: _Optional[str] = ...) -> None: ...

class OfferTransferRequest(_message.Message):
    __slots__ = ("ticket_id", "to_instance", "to_office_id", "check_only")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    TO_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    TO_OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    CHECK_ONLY_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    to_instance: str
    to_office_id: str
    check_only: bool
    def __init__(self, ticket_id: _Optional[str] = ..., to_instance: _Optional[str] = ..., to_office_id: _Optional[str] = ..., check_only: _Optional[bool] = ...) -> None: ...

class AnswerTransferRequest(_message.Message):
    __slots__ = ("ticket_id", "consent", "contact")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    consent: bool
    contact: str
    def __init__(self, ticket_id: _Optional[str] = ..., consent: _Optional[bool] = ..., contact: _Optional[str] = ...) -> None: ...

class TransferState(_message.Message):
    __slots__ = ("ticket_id", "direction", "peer_instance", "peer_office_id", "status", "idempotency_key", "peer_tracking_code", "offered_at", "answered_at", "completed_at", "kind", "category", "tracking_code")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    PEER_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    PEER_OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PEER_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    OFFERED_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    direction: str
    peer_instance: str
    peer_office_id: str
    status: str
    idempotency_key: str
    peer_tracking_code: str
    offered_at: _timestamp_pb2.Timestamp
    answered_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    kind: TicketKind
    category: str
    tracking_code: str
    def __init__(self, ticket_id: _Optional[str] = ..., direction: _Optional[str] = ..., peer_instance: _Optional[str] = ..., peer_office_id: _Optional[str] = ..., status: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., peer_tracking_code: _Optional[str] = ..., offered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., category: _Optional[str] = ..., tracking_code: _Optional[str] = ...) -> None: ...

class TransferPackage(_message.Message):
    __slots__ = ("transfer", "description", "language", "location", "contact", "submitted_at")
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    transfer: TransferState
    description: str
    language: str
    location: Location
    contact: str
    submitted_at: _timestamp_pb2.Timestamp
    def __init__(self, transfer: _Optional[_Union[TransferState, _Mapping]] = ..., description: _Optional[str] = ..., language: _Optional[str] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., contact: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReceiveTransferRequest(_message.Message):
    __slots__ = ("idempotency_key", "from_instance", "office_id", "kind", "category", "description", "language", "location", "contact", "origin_tracking_code", "submitted_on")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    FROM_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_ON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    from_instance: str
    office_id: str
    kind: TicketKind
    category: str
    description: str
    language: str
    location: Location
    contact: str
    origin_tracking_code: str
    submitted_on: str
    def __init__(self, idempotency_key: _Optional[str] = ..., from_instance: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., language: _Optional[str] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., contact: _Optional[str] = ..., origin_tracking_code: _Optional[str] = ..., submitted_on: _Optional[str] = ...) -> None: ...

class CompleteTransferRequest(_message.Message):
    __slots__ = ("ticket_id", "peer_tracking_code")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    PEER_TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    peer_tracking_code: str
    def __init__(self, ticket_id: _Optional[str] = ..., peer_tracking_code: _Optional[str] = ...) -> None: ...

class ListMineRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMineReply(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[TicketStatus]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[TicketStatus, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MyTicket(_message.Message):
    __slots__ = ("status", "timeline", "thread")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    THREAD_FIELD_NUMBER: _ClassVar[int]
    status: TicketStatus
    timeline: _containers.RepeatedCompositeFieldContainer[HistoryEntry]
    thread: _containers.RepeatedCompositeFieldContainer[ThreadMessage]
    def __init__(self, status: _Optional[_Union[TicketStatus, _Mapping]] = ..., timeline: _Optional[_Iterable[_Union[HistoryEntry, _Mapping]]] = ..., thread: _Optional[_Iterable[_Union[ThreadMessage, _Mapping]]] = ...) -> None: ...

class TicketSubmitted(_message.Message):
    __slots__ = ("ticket_id", "tracking_code", "office_id", "kind", "category", "citizen_id", "channel", "language", "acknowledge_by", "answer_by", "attachment_count", "attachment_ids")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_BY_FIELD_NUMBER: _ClassVar[int]
    ANSWER_BY_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    tracking_code: str
    office_id: str
    kind: TicketKind
    category: str
    citizen_id: str
    channel: Channel
    language: str
    acknowledge_by: _timestamp_pb2.Timestamp
    answer_by: _timestamp_pb2.Timestamp
    attachment_count: int
    attachment_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ticket_id: _Optional[str] = ..., tracking_code: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., category: _Optional[str] = ..., citizen_id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., language: _Optional[str] = ..., acknowledge_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attachment_count: _Optional[int] = ..., attachment_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class TicketTransitioned(_message.Message):
    __slots__ = ("ticket_id", "office_id", "kind", "action", "from_status", "to_status", "actor_role", "answer_by", "tracking_code", "citizen_id")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    ANSWER_BY_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    office_id: str
    kind: TicketKind
    action: str
    from_status: str
    to_status: str
    actor_role: str
    answer_by: _timestamp_pb2.Timestamp
    tracking_code: str
    citizen_id: str
    def __init__(self, ticket_id: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., action: _Optional[str] = ..., from_status: _Optional[str] = ..., to_status: _Optional[str] = ..., actor_role: _Optional[str] = ..., answer_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tracking_code: _Optional[str] = ..., citizen_id: _Optional[str] = ...) -> None: ...

class TicketDeadline(_message.Message):
    __slots__ = ("ticket_id", "office_id", "kind", "status", "due_at", "working_days_left", "tracking_code")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    WORKING_DAYS_LEFT_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    office_id: str
    kind: TicketKind
    status: str
    due_at: _timestamp_pb2.Timestamp
    working_days_left: int
    tracking_code: str
    def __init__(self, ticket_id: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., status: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., working_days_left: _Optional[int] = ..., tracking_code: _Optional[str] = ...) -> None: ...

class TicketTransfer(_message.Message):
    __slots__ = ("ticket_id", "office_id", "kind", "category", "peer_instance", "peer_office_id", "idempotency_key", "status", "citizen_id", "tracking_code")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PEER_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    PEER_OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    office_id: str
    kind: TicketKind
    category: str
    peer_instance: str
    peer_office_id: str
    idempotency_key: str
    status: str
    citizen_id: str
    tracking_code: str
    def __init__(self, ticket_id: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., category: _Optional[str] = ..., peer_instance: _Optional[str] = ..., peer_office_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., status: _Optional[str] = ..., citizen_id: _Optional[str] = ..., tracking_code: _Optional[str] = ...) -> None: ...

class TicketChanged(_message.Message):
    __slots__ = ("ticket_id", "office_id", "kind", "change", "from_office_id", "into_ticket_id", "count", "actor_role", "attachment_ids")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    FROM_OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    INTO_TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    office_id: str
    kind: TicketKind
    change: str
    from_office_id: str
    into_ticket_id: str
    count: int
    actor_role: str
    attachment_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ticket_id: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., change: _Optional[str] = ..., from_office_id: _Optional[str] = ..., into_ticket_id: _Optional[str] = ..., count: _Optional[int] = ..., actor_role: _Optional[str] = ..., attachment_ids: _Optional[_Iterable[str]] = ...) -> None: ...
