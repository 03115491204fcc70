from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Phase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PHASE_UNSPECIFIED: _ClassVar[Phase]
    CREATION: _ClassVar[Phase]
    IMPLEMENTATION: _ClassVar[Phase]
    OPERATIONALIZATION: _ClassVar[Phase]
    EVALUATION: _ClassVar[Phase]
    INSTITUTIONALIZATION: _ClassVar[Phase]
PHASE_UNSPECIFIED: Phase
CREATION: Phase
IMPLEMENTATION: Phase
OPERATIONALIZATION: Phase
EVALUATION: Phase
INSTITUTIONALIZATION: Phase

class LocalizedName(_message.Message):
    __slots__ = ("ar", "fr", "zgh", "en")
    AR_FIELD_NUMBER: _ClassVar[int]
    FR_FIELD_NUMBER: _ClassVar[int]
    ZGH_FIELD_NUMBER: _ClassVar[int]
    EN_FIELD_NUMBER: _ClassVar[int]
    ar: str
    fr: str
    zgh: str
    en: str
    def __init__(self, ar: _Optional[str] = ..., fr: _Optional[str] = ..., zgh: _Optional[str] = ..., en: _Optional[str] = ...) -> None: ...

class Office(_message.Message):
    __slots__ = ("office_id", "slug", "commune_code", "name", "phase", "status", "timezone", "instance_id")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    SLUG_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    slug: str
    commune_code: str
    name: LocalizedName
    phase: Phase
    status: str
    timezone: str
    instance_id: str
    def __init__(self, office_id: _Optional[str] = ..., slug: _Optional[str] = ..., commune_code: _Optional[str] = ..., name: _Optional[_Union[LocalizedName, _Mapping]] = ..., phase: _Optional[_Union[Phase, str]] = ..., status: _Optional[str] = ..., timezone: _Optional[str] = ..., instance_id: _Optional[str] = ...) -> None: ...

class GetOfficeRequest(_message.Message):
    __slots__ = ("office_id",)
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    def __init__(self, office_id: _Optional[str] = ...) -> None: ...

class ListOfficesRequest(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: str
    def __init__(self, status: _Optional[str] = ...) -> None: ...

class ListOfficesResponse(_message.Message):
    __slots__ = ("offices",)
    OFFICES_FIELD_NUMBER: _ClassVar[int]
    offices: _containers.RepeatedCompositeFieldContainer[Office]
    def __init__(self, offices: _Optional[_Iterable[_Union[Office, _Mapping]]] = ...) -> None: ...
