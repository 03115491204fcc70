from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class EchoRequest(_message.Message):
    __slots__ = ("payload", "reply_size", "count", "delay_ms")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    REPLY_SIZE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    DELAY_MS_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    reply_size: int
    count: int
    delay_ms: int
    def __init__(self, payload: _Optional[bytes] = ..., reply_size: _Optional[int] = ..., count: _Optional[int] = ..., delay_ms: _Optional[int] = ...) -> None: ...

class EchoReply(_message.Message):
    __slots__ = ("payload", "seq")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    seq: int
    def __init__(self, payload: _Optional[bytes] = ..., seq: _Optional[int] = ...) -> None: ...
