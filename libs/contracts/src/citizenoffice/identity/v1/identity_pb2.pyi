from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

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

class UserRegistered(_message.Message):
    __slots__ = ("citizen_id", "language")
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    language: str
    def __init__(self, citizen_id: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...
