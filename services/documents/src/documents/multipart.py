"""S3 multipart uploads whose parts the client PUTs straight to the bucket.

The kit's StorageClient covers single objects; the three multipart calls are reached on
its MinIO SDK client here, the only place that needs them, and translated to the kit's
storage errors like every other call.
"""

from __future__ import annotations

import datetime as dt

from minio.datatypes import Part

from cokit.storage import StorageClient, _seconds, _Translating


def create(storage: StorageClient, key: str, content_type: str) -> str:
    with _Translating("create multipart upload", key):
        return storage._client._create_multipart_upload(storage.bucket, key, {"Content-Type": content_type})


def part_url(storage: StorageClient, key: str, upload_id: str, part_number: int, expires: int) -> str:
    with _Translating("presign part", key):
        return storage._signer.get_presigned_url(
            "PUT",
            storage.bucket,
            key,
            expires=_seconds(expires),
            extra_query_params={"partNumber": str(part_number), "uploadId": upload_id},
        )


def complete(storage: StorageClient, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
    with _Translating("complete multipart upload", key):
        storage._client._complete_multipart_upload(
            storage.bucket,
            key,
            upload_id,
            [Part(number, etag.strip('"')) for number, etag in sorted(parts)],
        )


def abort(storage: StorageClient, key: str, upload_id: str) -> None:
    with _Translating("abort multipart upload", key):
        storage._client._abort_multipart_upload(storage.bucket, key, upload_id)


def expires_at(seconds: int) -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)
