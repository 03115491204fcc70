"""Readiness probes for the local servers: each waits until the server answers a real
request of its protocol, since an open port only means the process has bound it.

    probe.py kafka HOST:PORT                                  (also creates the platform's topics)
    probe.py s3 ENDPOINT ACCESS_KEY SECRET_KEY REGION BUCKET   (also creates the bucket)
    probe.py smtp HOST PORT

Exit status 0 when ready, 1 otherwise (the shell scripts poll and own the timeout).
"""

from __future__ import annotations

import logging
import smtplib
import sys


# The platform's topics, as the charts create them in clusters (Strimzi KafkaTopic). They
# exist before any service starts: a consumer that joins its group before its topic exists
# is assigned no partition and can stay idle until the group rebalances for another reason.
DOMAINS = ("identity", "registry", "tickets", "documents", "notifications", "participation")
TOPICS = tuple(t for d in DOMAINS for t in (f"{d}.events.v1", f"{d}.events.v1.dlq"))


def kafka(bootstrap: str) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="infra-probe",
        request_timeout_ms=5000,
    )
    try:
        missing = set(TOPICS) - set(admin.list_topics())
        if missing:
            try:
                admin.create_topics([NewTopic(t, num_partitions=3, replication_factor=1) for t in sorted(missing)])
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()


def s3(endpoint: str, access_key: str, secret_key: str, region: str, bucket: str) -> None:
    from urllib.parse import urlparse

    import urllib3
    from minio import Minio

    url = urlparse(endpoint)
    client = Minio(
        url.netloc,
        access_key=access_key,
        secret_key=secret_key,
        region=region,
        secure=url.scheme == "https",
        http_client=urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=5), retries=False),
    )
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)


def smtp(host: str, port: str) -> None:
    with smtplib.SMTP(host, int(port), timeout=3) as conn:
        code, _ = conn.noop()
        if code != 250:
            raise RuntimeError(f"NOOP answered {code}")


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.CRITICAL)
    probes = {"kafka": kafka, "s3": s3, "smtp": smtp}
    if len(argv) < 2 or argv[1] not in probes:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        probes[argv[1]](*argv[2:])
    except Exception as exc:  # any failure means "not ready yet" to the caller
        print(f"{argv[1]} not ready: {exc!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
