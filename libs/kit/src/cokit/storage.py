"""Object storage for attachments and published documents, on any S3-compatible server.

Built on the MinIO client SDK (SeaweedFS, S3Proxy, an existing MinIO or a cloud S3 all answer
the same API). SDK and transport errors are turned into the typed errors below so callers can
map them to gRPC status codes without knowing the SDK.

Inside a nameko service::

    class Documents:
        name = "documents"
        storage = Storage()

        @grpc
        def CompleteUpload(self, request, context):
            info = self.storage.stat(request.key)

Config keys (nameko config): S3_ENDPOINT (http://host:port), S3_ACCESS_KEY, S3_SECRET_KEY,
S3_BUCKET, S3_REGION, and optionally S3_PUBLIC_ENDPOINT (the address browsers reach, used only
to sign URLs), S3_CONNECT_TIMEOUT, S3_READ_TIMEOUT, S3_RETRIES.
"""

from __future__ import annotations

import hashlib
import io
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import BinaryIO, Iterator, Mapping, Optional, Union

import urllib3
from minio import Minio
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError
from nameko import config as nameko_config
from nameko.extensions import DependencyProvider

__all__ = [
    "BucketNotFound",
    "ObjectInfo",
    "ObjectNotFound",
    "PutResult",
    "Storage",
    "StorageAccessDenied",
    "StorageClient",
    "StorageError",
    "StorageUnavailable",
    "object_key",
]

DEFAULT_REGION = "us-east-1"
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# The SDK's minimum multipart part is 5 MiB; 8 MiB keeps one buffered part per upload small
# while a 100 MB scan still goes up in a dozen requests.
PART_SIZE = 8 * 1024 * 1024
STREAM_CHUNK = 64 * 1024


class StorageError(Exception):
    """Any object storage failure; the subclasses say which."""

    def __init__(self, message: str, *, key: Optional[str] = None, code: Optional[str] = None):
        super().__init__(message)
        self.key = key
        self.code = code


class ObjectNotFound(StorageError):
    """The key does not exist in the bucket."""


class BucketNotFound(StorageError):
    """The bucket does not exist (ensure_bucket was not run, or it was deleted)."""


class StorageAccessDenied(StorageError):
    """Credentials rejected or not allowed to do this."""


class StorageUnavailable(StorageError):
    """The server cannot be reached, timed out or answered with a server error; retry later."""


_NOT_FOUND = {"NoSuchKey", "NoSuchObject", "NoSuchVersion", "ResourceNotFound"}
_DENIED = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AllAccessDisabled",
    "AccountProblem",
    "ExpiredToken",
    "InvalidToken",
}
_UNAVAILABLE = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"}


def _translate(exc: BaseException, key: Optional[str], action: str) -> StorageError:
    where = f"{action} {key}" if key else action
    if isinstance(exc, S3Error):
        code = exc.code or ""
        message = f"{where}: {code}: {exc.message}"
        if code in _NOT_FOUND:
            return ObjectNotFound(message, key=key, code=code)
        if code == "NoSuchBucket":
            return BucketNotFound(message, key=key, code=code)
        if code in _DENIED:
            return StorageAccessDenied(message, key=key, code=code)
        if code in _UNAVAILABLE:
            return StorageUnavailable(message, key=key, code=code)
        return StorageError(message, key=key, code=code)
    if isinstance(exc, ServerError):
        return StorageUnavailable(f"{where}: server error {exc.status_code}", key=key)
    if isinstance(exc, InvalidResponseError):
        return StorageUnavailable(f"{where}: not an S3 answer: {exc}", key=key)
    if isinstance(exc, (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError)):
        reason = getattr(exc, "reason", None) or exc
        return StorageUnavailable(f"{where}: cannot reach object storage: {reason}", key=key)
    if isinstance(exc, MinioException):
        return StorageError(f"{where}: {exc}", key=key)
    return StorageError(f"{where}: {type(exc).__name__}: {exc}", key=key)


class _Translating:
    """Context manager re-raising SDK and transport errors as StorageError subclasses."""

    def __init__(self, action: str, key: Optional[str] = None):
        self.action = action
        self.key = key

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, StorageError):
            return False
        if isinstance(exc, (MinioException, urllib3.exceptions.HTTPError, OSError)):
            raise _translate(exc, self.key, self.action) from exc
        return False


@dataclass(frozen=True)
class PutResult:
    key: str
    size: int
    sha256: str  # hex digest of the bytes sent
    etag: Optional[str] = None
    version_id: Optional[str] = None


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: Optional[str]
    content_type: Optional[str]
    last_modified: Optional[datetime]
    metadata: Mapping[str, str] = field(default_factory=dict)


class _HashingReader:
    """Counts and hashes what the SDK reads, so size and sha256 come from one pass."""

    def __init__(self, source: BinaryIO):
        self._source = source
        self.size = 0
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        if data:
            if not isinstance(data, bytes):
                data = bytes(data)
            self.size += len(data)
            self.digest.update(data)
        return data


_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def object_key(instance: str, office: str, object_id: str, when: Union[datetime, date, None] = None) -> str:
    """`<instance>/<office>/<yyyy>/<mm>/<dd>/<id>`, the date in UTC (today when omitted).

    The date prefix keeps listings of one office per day cheap and lets lifecycle rules
    expire by prefix; segments are restricted so a caller-supplied id cannot climb out of its
    office's prefix.
    """
    for name, segment in (("instance", instance), ("office", office), ("id", object_id)):
        if not isinstance(segment, str) or not _SEGMENT.match(segment) or ".." in segment:
            raise ValueError(f"{name} {segment!r} is not a valid key segment")
    if when is None:
        when = datetime.now(timezone.utc)
    if isinstance(when, datetime):
        if when.tzinfo is not None:
            when = when.astimezone(timezone.utc)
        when = when.date()
    return f"{instance}/{office}/{when:%Y}/{when:%m}/{when:%d}/{object_id}"


def _seconds(expires: Union[int, float, timedelta]) -> timedelta:
    if not isinstance(expires, timedelta):
        expires = timedelta(seconds=expires)
    # S3 signatures (SigV4) accept 1 second to 7 days
    if not timedelta(seconds=1) <= expires <= timedelta(days=7):
        raise ValueError(f"expiry must be between 1 second and 7 days, got {expires}")
    return expires


def _split_endpoint(endpoint: str) -> tuple[str, bool]:
    parsed = urllib.parse.urlsplit(endpoint if "://" in endpoint else f"http://{endpoint}")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"S3 endpoint must look like http://host:port, got {endpoint!r}")
    if parsed.path not in ("", "/"):
        raise ValueError(f"S3 endpoint must not have a path, got {endpoint!r}")
    return parsed.netloc, parsed.scheme == "https"


class StorageClient:
    """One bucket on one S3-compatible endpoint. Safe to share between green threads."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        region: str = DEFAULT_REGION,
        *,
        public_endpoint: Optional[str] = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 30.0,
        retries: int = 2,
    ):
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region or DEFAULT_REGION
        netloc, secure = _split_endpoint(endpoint)
        # The SDK's own pool waits 5 minutes per attempt and retries 5 times; a service must
        # learn quickly that storage is down so the caller gets UNAVAILABLE, not a hang.
        self._http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            maxsize=10,
            retries=urllib3.Retry(
                total=retries,
                connect=retries,
                read=retries,
                backoff_factor=0.1,
                status_forcelist=[500, 502, 503, 504],
            ),
        )
        # The region is given so the SDK never asks the server for it (one round trip less,
        # and presigning needs no network).
        self._client = Minio(
            netloc,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=self.region,
            http_client=self._http,
        )
        if public_endpoint:
            public_netloc, public_secure = _split_endpoint(public_endpoint)
            self._signer = Minio(
                public_netloc,
                access_key=access_key,
                secret_key=secret_key,
                secure=public_secure,
                region=self.region,
            )
        else:
            self._signer = self._client

    @classmethod
    def from_config(cls, config: Mapping, **overrides) -> "StorageClient":
        """Build from a nameko config (or any mapping) with the S3_* keys."""
        missing = [
            name for name in ("S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET") if not config.get(name)
        ]
        if missing:
            raise ValueError(f"object storage config is missing {', '.join(missing)}")
        kwargs = dict(
            endpoint=config["S3_ENDPOINT"],
            access_key=config["S3_ACCESS_KEY"],
            secret_key=config["S3_SECRET_KEY"],
            bucket=config["S3_BUCKET"],
            region=config.get("S3_REGION") or DEFAULT_REGION,
            public_endpoint=config.get("S3_PUBLIC_ENDPOINT") or None,
        )
        for key, name, convert in (
            ("S3_CONNECT_TIMEOUT", "connect_timeout", float),
            ("S3_READ_TIMEOUT", "read_timeout", float),
            ("S3_RETRIES", "retries", int),
        ):
            if config.get(key) not in (None, ""):
                kwargs[name] = convert(config[key])
        kwargs.update(overrides)
        return cls(**kwargs)

    def __repr__(self):
        return f"<StorageClient {self.endpoint} bucket={self.bucket}>"

    # -- bucket ----------------------------------------------------------------------------

    def ensure_bucket(self) -> bool:
        """Create the bucket unless it exists; True when this call created it."""
        with _Translating("ensure bucket", self.bucket):
            if self._client.bucket_exists(self.bucket):
                return False
            try:
                self._client.make_bucket(self.bucket, location=self.region)
            except S3Error as exc:
                # another replica starting at the same moment won the race
                if exc.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    return False
                raise
            return True

    # -- objects ---------------------------------------------------------------------------

    def put(
        self,
        key: str,
        data: Union[bytes, bytearray, memoryview, BinaryIO],
        content_type: str = DEFAULT_CONTENT_TYPE,
        *,
        length: Optional[int] = None,
        metadata: Optional[Mapping[str, str]] = None,
    ) -> PutResult:
        """Store bytes or a readable stream; size and sha256 are measured on the way out.

        A stream of unknown length goes up in PART_SIZE parts, so memory stays bounded
        whatever the upload size.
        """
        if isinstance(data, (bytes, bytearray, memoryview)):
            data = bytes(data)
            length = len(data)
            source: BinaryIO = io.BytesIO(data)
        elif callable(getattr(data, "read", None)):
            source = data
        else:
            raise TypeError("data must be bytes or a binary stream with read()")
        reader = _HashingReader(source)
        with _Translating("put", key):
            result = self._client.put_object(
                self.bucket,
                key,
                reader,
                length if length is not None else -1,
                content_type=content_type or DEFAULT_CONTENT_TYPE,
                metadata=dict(metadata) if metadata else None,
                part_size=PART_SIZE,
                # parts go up one after the other: the SDK's parallel upload uses its own
                # thread pool and buffers several parts at once
                num_parallel_uploads=1,
            )
        return PutResult(
            key=key,
            size=reader.size,
            sha256=reader.digest.hexdigest(),
            etag=result.etag,
            version_id=result.version_id,
        )

    def get(self, key: str) -> bytes:
        """The whole object in memory; use iter_chunks for large objects."""
        return b"".join(self.iter_chunks(key))

    def iter_chunks(self, key: str, chunk_size: int = STREAM_CHUNK) -> Iterator[bytes]:
        """The object as an iterator of chunks; ObjectNotFound is raised here, not on the
        first chunk, so callers can answer NOT_FOUND before they start streaming."""
        with _Translating("get", key):
            response = self._client.get_object(self.bucket, key)
        return self._chunks(response, key, chunk_size)

    @staticmethod
    def _chunks(response, key, chunk_size):
        try:
            with _Translating("get", key):
                yield from response.stream(chunk_size)
        finally:
            response.close()
            response.release_conn()

    def stat(self, key: str) -> ObjectInfo:
        with _Translating("stat", key):
            obj = self._client.stat_object(self.bucket, key)
        metadata = {}
        for name, value in (obj.metadata or {}).items():
            lowered = name.lower()
            if lowered.startswith("x-amz-meta-"):
                metadata[lowered[len("x-amz-meta-") :]] = value
        return ObjectInfo(
            key=key,
            size=obj.size or 0,
            etag=obj.etag,
            content_type=obj.content_type,
            last_modified=obj.last_modified,
            metadata=metadata,
        )

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def remove(self, key: str) -> None:
        """Delete the object; deleting a missing key is not an error (S3 semantics)."""
        with _Translating("remove", key):
            self._client.remove_object(self.bucket, key)

    # -- presigned URLs --------------------------------------------------------------------

    def presigned_get(self, key: str, expires: Union[int, float, timedelta] = 900) -> str:
        """A URL anyone holding it can GET until it expires (seconds or timedelta)."""
        with _Translating("presign get", key):
            return self._signer.presigned_get_object(self.bucket, key, expires=_seconds(expires))

    def presigned_put(self, key: str, expires: Union[int, float, timedelta] = 900) -> str:
        """A URL a client can PUT the object's bytes to until it expires."""
        with _Translating("presign put", key):
            return self._signer.presigned_put_object(self.bucket, key, expires=_seconds(expires))

    def close(self) -> None:
        self._http.clear()


class Storage(DependencyProvider):
    """Gives workers a StorageClient for the configured bucket, created at container start.

    With ``ensure_bucket=True`` (default) the container does not start while the bucket
    cannot be created or reached, so a misconfigured endpoint fails the deployment early.
    """

    def __init__(self, ensure_bucket: bool = True, **overrides):
        self._ensure_bucket = ensure_bucket
        self._overrides = overrides
        self.client: Optional[StorageClient] = None

    def setup(self):
        self.client = StorageClient.from_config(nameko_config, **self._overrides)

    def start(self):
        if self._ensure_bucket:
            self.client.ensure_bucket()

    def stop(self):
        if self.client is not None:
            self.client.close()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.client
