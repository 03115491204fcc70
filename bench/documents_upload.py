"""Upload throughput through the documents service's presigned path against a direct put
with the MinIO client to the same S3 server.

    .venv/bin/python bench/documents_upload.py [--files 8] [--mib 16]

Starts the documents service alone (SQLite, its own ports and folder) on the local S3
server (`deploy/local/infra.sh up s3`). The presigned path is what a client does:
StartUpload (gRPC), PUT the bytes to the URL, CompleteUpload, which re-reads the object
to check its size, sha256 and type. The baseline is MinIO's put_object of the same bytes
(over plain HTTP the SDK hashes each body to sign it, which the presigned PUT does not).

    name: value unit (ratio R against BASELINE)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pathlib
import sys
import time
import uuid

import grpc
import requests
from minio import Minio

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy" / "local"))
import stack as stack_module  # noqa: E402

sys.path.insert(0, str(ROOT))
from e2e_tests.service_callers import through_platform  # noqa: E402

from citizenoffice.documents.v1 import documents_pb2 as pb  # noqa: E402
from citizenoffice.documents.v1.documents_pb2_grpc import DocumentsServiceStub  # noqa: E402

OFFSET = int(os.environ.get("BENCH_PORT_OFFSET", "700"))
OFFICE = "bench-office"


def payloads(count: int, mib: int) -> list[bytes]:
    body = os.urandom(mib * 1024 * 1024 - 16)
    return [b"%PDF-1.7\n%" + uuid.uuid4().bytes[:5] + body for _ in range(count)]


def direct(s3: Minio, bucket: str, files: list[bytes]) -> float:
    import io

    started = time.perf_counter()
    for data in files:
        s3.put_object(
            bucket, f"bench/direct/{uuid.uuid4()}", io.BytesIO(data), len(data), content_type="application/pdf"
        )
    return time.perf_counter() - started


def presigned(stub: DocumentsServiceStub, files: list[bytes]) -> float:
    session = requests.Session()
    started = time.perf_counter()
    for data in files:
        ticket = stub.StartUpload(
            pb.StartUploadRequest(
                office_id=OFFICE,
                declared_content_type="application/pdf",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                category=pb.DOCUMENT,
            ),
            timeout=30,
        )
        response = session.put(ticket.url, data=data, timeout=120)
        response.raise_for_status()
        stub.CompleteUpload(pb.CompleteUploadRequest(upload_id=ticket.upload_id), timeout=120)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--mib", type=int, default=16)  # at the multipart threshold: one PUT each
    args = parser.parse_args()
    infra = stack_module.read_env_file(stack_module.INFRA_ENV)
    stack = stack_module.Stack(
        state_dir=ROOT / ".local" / f"bench-{OFFSET}",
        port_offset=OFFSET,
        postgres=False,
        infra=infra,
        overrides={"LOG_LEVEL": "WARNING"},
    )
    s3 = Minio(
        infra["S3_ENDPOINT"].split("://", 1)[1],
        access_key=infra["S3_ACCESS_KEY"],
        secret_key=infra["S3_SECRET_KEY"],
        secure=False,
        region=infra.get("S3_REGION", "us-east-1"),
    )
    bucket = infra["S3_BUCKET"]
    files = payloads(args.files, args.mib)
    total_mib = args.files * args.mib
    # documents verifies the gateway's service token with identity's keys: both run.
    names = ("identity", "documents")
    for name in names:
        stack.stop(name)
        stack.migrate(name)
        stack.start(name)
    try:
        for name in names:
            stack.wait_ready(name)
        with grpc.insecure_channel(stack.grpc_target("documents")) as channel:
            stub = DocumentsServiceStub(through_platform(channel, stack))
            presigned(stub, files[:1])  # warm-up: connections, first-call costs
            direct(s3, bucket, files[:1])
            base = direct(s3, bucket, files)
            measured = presigned(stub, files)
    finally:
        for name in names:
            stack.stop(name)
        for prefix in ("bench/direct/", f"ma/{OFFICE}/"):
            for obj in s3.list_objects(bucket, prefix=prefix, recursive=True):
                s3.remove_object(bucket, obj.object_name)
    base_rate, rate = total_mib / base, total_mib / measured
    print(f"documents_upload_direct_minio: {base_rate:.1f} MiB/s (ratio 1.00 against documents_upload_direct_minio)")
    print(
        f"documents_upload_presigned: {rate:.1f} MiB/s (ratio {rate / base_rate:.2f} against "
        f"documents_upload_direct_minio)"
    )


if __name__ == "__main__":
    main()
