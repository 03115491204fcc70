import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Category(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CATEGORY_UNSPECIFIED: _ClassVar[Category]
    PHOTO: _ClassVar[Category]
    DOCUMENT: _ClassVar[Category]
    PHOTO_OR_DOCUMENT: _ClassVar[Category]

class PublicationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PUBLICATION_KIND_UNSPECIFIED: _ClassVar[PublicationKind]
    BUDGET: _ClassVar[PublicationKind]
    COUNCIL_DELIBERATION: _ClassVar[PublicationKind]
    PROCEDURE: _ClassVar[PublicationKind]
    TENDER: _ClassVar[PublicationKind]
    RECRUITMENT_RESULT: _ClassVar[PublicationKind]
    REPORT: _ClassVar[PublicationKind]
CATEGORY_UNSPECIFIED: Category
PHOTO: Category
DOCUMENT: Category
PHOTO_OR_DOCUMENT: Category
PUBLICATION_KIND_UNSPECIFIED: PublicationKind
BUDGET: PublicationKind
COUNCIL_DELIBERATION: PublicationKind
PROCEDURE: PublicationKind
TENDER: PublicationKind
RECRUITMENT_RESULT: PublicationKind
REPORT: PublicationKind

class StoreAttachmentRequest(_message.Message):
    __slots__ = ("office_id", "filename", "declared_content_type", "content", "category", "owner_citizen_id")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    DECLARED_CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    OWNER_CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    filename: str
    declared_content_type: str
    content: bytes
    category: Category
    owner_citizen_id: str
    def __init__(self, office_id: _Optional[str] = ..., filename: _Optional[str] = ..., declared_content_type: _Optional[str] = ..., content: _Optional[bytes] = ..., category: _Optional[_Union[Category, str]] = ..., owner_citizen_id: _Optional[str] = ...) -> None: ...

class Attachment(_message.Message):
    __slots__ = ("attachment_id", "office_id", "content_type", "size", "sha256", "object_key", "stored_at", "received_sha256", "metadata_stripped", "thumbnail_key", "category", "owner_citizen_id")
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    OBJECT_KEY_FIELD_NUMBER: _ClassVar[int]
    STORED_AT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_SHA256_FIELD_NUMBER: _ClassVar[int]
    METADATA_STRIPPED_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_KEY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    OWNER_CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    attachment_id: str
    office_id: str
    content_type: str
    size: int
    sha256: str
    object_key: str
    stored_at: _timestamp_pb2.Timestamp
    received_sha256: str
    metadata_stripped: bool
    thumbnail_key: str
    category: Category
    owner_citizen_id: str
    def __init__(self, attachment_id: _Optional[str] = ..., office_id: _Optional[str] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ..., object_key: _Optional[str] = ..., stored_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., received_sha256: _Optional[str] = ..., metadata_stripped: _Optional[bool] = ..., thumbnail_key: _Optional[str] = ..., category: _Optional[_Union[Category, str]] = ..., owner_citizen_id: _Optional[str] = ...) -> None: ...

class GetAttachmentRequest(_message.Message):
    __slots__ = ("attachment_id",)
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    attachment_id: str
    def __init__(self, attachment_id: _Optional[str] = ...) -> None: ...

class DownloadUrl(_message.Message):
    __slots__ = ("url", "expires_at", "thumbnail_url")
    URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_URL_FIELD_NUMBER: _ClassVar[int]
    url: str
    expires_at: _timestamp_pb2.Timestamp
    thumbnail_url: str
    def __init__(self, url: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., thumbnail_url: _Optional[str] = ...) -> None: ...

class AttachmentChunk(_message.Message):
    __slots__ = ("header", "data")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    header: StoreAttachmentRequest
    data: bytes
    def __init__(self, header: _Optional[_Union[StoreAttachmentRequest, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class StartUploadRequest(_message.Message):
    __slots__ = ("office_id", "filename", "declared_content_type", "size", "sha256", "category", "owner_citizen_id")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    DECLARED_CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    OWNER_CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    filename: str
    declared_content_type: str
    size: int
    sha256: str
    category: Category
    owner_citizen_id: str
    def __init__(self, office_id: _Optional[str] = ..., filename: _Optional[str] = ..., declared_content_type: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ..., category: _Optional[_Union[Category, str]] = ..., owner_citizen_id: _Optional[str] = ...) -> None: ...

class UploadPart(_message.Message):
    __slots__ = ("part_number", "url", "etag")
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    part_number: int
    url: str
    etag: str
    def __init__(self, part_number: _Optional[int] = ..., url: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class UploadTicket(_message.Message):
    __slots__ = ("upload_id", "url", "parts", "part_size", "expires_at", "max_size")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    PART_SIZE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    url: str
    parts: _containers.RepeatedCompositeFieldContainer[UploadPart]
    part_size: int
    expires_at: _timestamp_pb2.Timestamp
    max_size: int
    def __init__(self, upload_id: _Optional[str] = ..., url: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[UploadPart, _Mapping]]] = ..., part_size: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_size: _Optional[int] = ...) -> None: ...

class CompleteUploadRequest(_message.Message):
    __slots__ = ("upload_id", "parts")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    parts: _containers.RepeatedCompositeFieldContainer[UploadPart]
    def __init__(self, upload_id: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[UploadPart, _Mapping]]] = ...) -> None: ...

class PublishRequest(_message.Message):
    __slots__ = ("office_id", "kind", "title", "summary", "language", "document_date", "attachment_id", "keywords")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    kind: PublicationKind
    title: str
    summary: str
    language: str
    document_date: str
    attachment_id: str
    keywords: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, office_id: _Optional[str] = ..., kind: _Optional[_Union[PublicationKind, str]] = ..., title: _Optional[str] = ..., summary: _Optional[str] = ..., language: _Optional[str] = ..., document_date: _Optional[str] = ..., attachment_id: _Optional[str] = ..., keywords: _Optional[_Iterable[str]] = ...) -> None: ...

class PublishedDocument(_message.Message):
    __slots__ = ("document_id", "office_id", "kind", "title", "summary", "language", "document_date", "published_at", "content_type", "size", "sha256", "keywords", "download_url")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_URL_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    office_id: str
    kind: PublicationKind
    title: str
    summary: str
    language: str
    document_date: str
    published_at: _timestamp_pb2.Timestamp
    content_type: str
    size: int
    sha256: str
    keywords: _containers.RepeatedScalarFieldContainer[str]
    download_url: str
    def __init__(self, document_id: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[PublicationKind, str]] = ..., title: _Optional[str] = ..., summary: _Optional[str] = ..., language: _Optional[str] = ..., document_date: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ..., keywords: _Optional[_Iterable[str]] = ..., download_url: _Optional[str] = ...) -> None: ...

class ListPublishedRequest(_message.Message):
    __slots__ = ("office_id", "kind", "language", "query", "from_date", "to_date", "page_size", "page_token")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    kind: PublicationKind
    language: str
    query: str
    from_date: str
    to_date: str
    page_size: int
    page_token: str
    def __init__(self, office_id: _Optional[str] = ..., kind: _Optional[_Union[PublicationKind, str]] = ..., language: _Optional[str] = ..., query: _Optional[str] = ..., from_date: _Optional[str] = ..., to_date: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPublishedResponse(_message.Message):
    __slots__ = ("documents", "next_page_token")
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[PublishedDocument]
    next_page_token: str
    def __init__(self, documents: _Optional[_Iterable[_Union[PublishedDocument, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetPublishedRequest(_message.Message):
    __slots__ = ("document_id",)
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    def __init__(self, document_id: _Optional[str] = ...) -> None: ...

class ExportPublishedRequest(_message.Message):
    __slots__ = ("office_id", "format")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    format: str
    def __init__(self, office_id: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class ExportPublishedResponse(_message.Message):
    __slots__ = ("content_type", "content")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    content: bytes
    def __init__(self, content_type: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class EraseCitizenAttachmentsRequest(_message.Message):
    __slots__ = ("owner_citizen_id",)
    OWNER_CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    owner_citizen_id: str
    def __init__(self, owner_citizen_id: _Optional[str] = ...) -> None: ...

class EraseCitizenAttachmentsResponse(_message.Message):
    __slots__ = ("erased",)
    ERASED_FIELD_NUMBER: _ClassVar[int]
    erased: int
    def __init__(self, erased: _Optional[int] = ...) -> None: ...

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

class DocumentStored(_message.Message):
    __slots__ = ("attachment_id", "office_id", "content_type", "size", "sha256")
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    attachment_id: str
    office_id: str
    content_type: str
    size: int
    sha256: str
    def __init__(self, attachment_id: _Optional[str] = ..., office_id: _Optional[str] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class DocumentRejected(_message.Message):
    __slots__ = ("upload_id", "office_id", "reason")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    office_id: str
    reason: str
    def __init__(self, upload_id: _Optional[str] = ..., office_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DocumentPublished(_message.Message):
    __slots__ = ("document_id", "office_id", "kind", "title", "language")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    office_id: str
    kind: PublicationKind
    title: str
    language: str
    def __init__(self, document_id: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[_Union[PublicationKind, str]] = ..., title: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...
