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

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    WEB: _ClassVar[Channel]
    MOBILE: _ClassVar[Channel]
    OPEN311: _ClassVar[Channel]
    WALK_IN: _ClassVar[Channel]
TICKET_KIND_UNSPECIFIED: TicketKind
COMPLAINT: TicketKind
OBSERVATION: TicketKind
SUGGESTION: TicketKind
CHANNEL_UNSPECIFIED: Channel
WEB: Channel
MOBILE: Channel
OPEN311: Channel
WALK_IN: Channel

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
    __slots__ = ("office_id", "kind", "category", "description", "citizen_id", "attachment_ids", "location", "channel", "language")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    kind: TicketKind
    category: str
    description: str
    citizen_id: str
    attachment_ids: _containers.RepeatedScalarFieldContainer[str]
    location: Location
    channel: Channel
    language: str
    def __init__(self, office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., citizen_id: _Optional[str] = ..., attachment_ids: _Optional[_Iterable[str]] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., channel: _Optional[_Union[Channel, str]] = ..., language: _Optional[str] = ...) -> None: ...

class Receipt(_message.Message):
    __slots__ = ("ticket_id", "tracking_code", "submitted_at", "acknowledge_by", "answer_by", "status")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_BY_FIELD_NUMBER: _ClassVar[int]
    ANSWER_BY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ticket_id: str
    tracking_code: str
    submitted_at: _timestamp_pb2.Timestamp
    acknowledge_by: _timestamp_pb2.Timestamp
    answer_by: _timestamp_pb2.Timestamp
    status: str
    def __init__(self, ticket_id: _Optional[str] = ..., tracking_code: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acknowledge_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("ticket_id", "tracking_code", "office_id", "kind", "category", "status", "submitted_at", "acknowledge_by", "answer_by", "attachment_count", "updated_at")
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
    def __init__(self, ticket_id: _Optional[str] = ..., tracking_code: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., category: _Optional[str] = ..., status: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acknowledge_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attachment_count: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TicketSubmitted(_message.Message):
    __slots__ = ("ticket_id", "tracking_code", "office_id", "kind", "category", "citizen_id", "channel", "language", "acknowledge_by", "answer_by", "attachment_count")
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
    def __init__(self, ticket_id: _Optional[str] = ..., tracking_code: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[TicketKind, str]] = ..., category: _Optional[str] = ..., citizen_id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., language: _Optional[str] = ..., acknowledge_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attachment_count: _Optional[int] = ...) -> None: ...
