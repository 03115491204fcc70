import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListInboxRequest(_message.Message):
    __slots__ = ("citizen_id", "page_size", "page_token", "language")
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    page_size: int
    page_token: str
    language: str
    def __init__(self, citizen_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class InboxItem(_message.Message):
    __slots__ = ("item_id", "event_id", "kind", "language", "subject", "body", "read", "created_at")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    event_id: str
    kind: str
    language: str
    subject: str
    body: str
    read: bool
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, item_id: _Optional[str] = ..., event_id: _Optional[str] = ..., kind: _Optional[str] = ..., language: _Optional[str] = ..., subject: _Optional[str] = ..., body: _Optional[str] = ..., read: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Inbox(_message.Message):
    __slots__ = ("items", "unread", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    UNREAD_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[InboxItem]
    unread: int
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[InboxItem, _Mapping]]] = ..., unread: _Optional[int] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ("citizen_id", "item_id")
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    item_id: str
    def __init__(self, citizen_id: _Optional[str] = ..., item_id: _Optional[str] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ("changed",)
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    changed: bool
    def __init__(self, changed: _Optional[bool] = ...) -> None: ...

class OptOut(_message.Message):
    __slots__ = ("channel", "kind")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    channel: str
    kind: str
    def __init__(self, channel: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class QuietHours(_message.Message):
    __slots__ = ("start", "end", "timezone")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    start: str
    end: str
    timezone: str
    def __init__(self, start: _Optional[str] = ..., end: _Optional[str] = ..., timezone: _Optional[str] = ...) -> None: ...

class Preferences(_message.Message):
    __slots__ = ("citizen_id", "opt_outs", "quiet_hours")
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    OPT_OUTS_FIELD_NUMBER: _ClassVar[int]
    QUIET_HOURS_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    opt_outs: _containers.RepeatedCompositeFieldContainer[OptOut]
    quiet_hours: QuietHours
    def __init__(self, citizen_id: _Optional[str] = ..., opt_outs: _Optional[_Iterable[_Union[OptOut, _Mapping]]] = ..., quiet_hours: _Optional[_Union[QuietHours, _Mapping]] = ...) -> None: ...

class GetPreferencesRequest(_message.Message):
    __slots__ = ("citizen_id",)
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    def __init__(self, citizen_id: _Optional[str] = ...) -> None: ...

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

class RunDigestsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RunDigestsReply(_message.Message):
    __slots__ = ("offices", "deliveries")
    OFFICES_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    offices: int
    deliveries: int
    def __init__(self, offices: _Optional[int] = ..., deliveries: _Optional[int] = ...) -> None: ...

class SendOneTimeCodeRequest(_message.Message):
    __slots__ = ("channel", "address", "language", "purpose", "code", "expires_in_minutes", "citizen_id")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    channel: str
    address: str
    language: str
    purpose: str
    code: str
    expires_in_minutes: int
    citizen_id: str
    def __init__(self, channel: _Optional[str] = ..., address: _Optional[str] = ..., language: _Optional[str] = ..., purpose: _Optional[str] = ..., code: _Optional[str] = ..., expires_in_minutes: _Optional[int] = ..., citizen_id: _Optional[str] = ...) -> None: ...

class SendSecurityNoticeRequest(_message.Message):
    __slots__ = ("channel", "address", "language", "purpose", "minutes", "citizen_id")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    channel: str
    address: str
    language: str
    purpose: str
    minutes: int
    citizen_id: str
    def __init__(self, channel: _Optional[str] = ..., address: _Optional[str] = ..., language: _Optional[str] = ..., purpose: _Optional[str] = ..., minutes: _Optional[int] = ..., citizen_id: _Optional[str] = ...) -> None: ...

class SendReply(_message.Message):
    __slots__ = ("delivery_id", "channel")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    channel: str
    def __init__(self, delivery_id: _Optional[str] = ..., channel: _Optional[str] = ...) -> None: ...

class NotificationDelivered(_message.Message):
    __slots__ = ("delivery_id", "source_event_id", "channel")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    source_event_id: str
    channel: str
    def __init__(self, delivery_id: _Optional[str] = ..., source_event_id: _Optional[str] = ..., channel: _Optional[str] = ...) -> None: ...

class NotificationFailed(_message.Message):
    __slots__ = ("delivery_id", "source_event_id", "channel", "attempts", "error")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    source_event_id: str
    channel: str
    attempts: int
    error: str
    def __init__(self, delivery_id: _Optional[str] = ..., source_event_id: _Optional[str] = ..., channel: _Optional[str] = ..., attempts: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...
