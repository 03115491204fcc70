"""Object storage client against a real S3-compatible server.

The server is the one at S3_ENDPOINT (default http://127.0.0.1:9000, the local stack); when it
does not answer, the session starts it with `bash deploy/local/infra.sh up s3`.
"""

import eventlet

# the Storage provider test runs a nameko container, which expects green sockets
if not eventlet.patcher.is_monkey_patched("socket"):
    eventlet.monkey_patch()

import hashlib  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import pathlib  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import uuid  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402

import pytest  # noqa: E402
import requests  # noqa: E402
from nameko.testing.services import entrypoint_hook  # noqa: E402
from nameko.testing.utils import find_free_port  # noqa: E402
from nameko.timer import timer  # noqa: E402

from cokit.storage import (  # noqa: E402
    ObjectNotFound,
    Storage,
    StorageAccessDenied,
    StorageClient,
    StorageUnavailable,
    object_key,
)

REPO = pathlib.Path(__file__).resolve().parents[3]

S3 = {
    "S3_ENDPOINT": os.environ.get("S3_ENDPOINT", "http://127.0.0.1:9000"),
    "S3_ACCESS_KEY": os.environ.get("S3_ACCESS_KEY", "citizenoffice"),
    "S3_SECRET_KEY": os.environ.get("S3_SECRET_KEY", "citizenoffice-secret"),
    "S3_BUCKET": os.environ.get("S3_BUCKET", "citizenoffice-attachments"),
    "S3_REGION": os.environ.get("S3_REGION", "us-east-1"),
}


def _answers(endpoint, timeout=2.0):
    """True when something speaks HTTP at the endpoint (any status: S3 answers 403 unsigned)."""
    try:
        requests.get(endpoint, timeout=timeout)
    except requests.RequestException:
        return False
    return True


@pytest.fixture(scope="session")
def s3_server():
    endpoint = S3["S3_ENDPOINT"]
    if _answers(endpoint):
        return endpoint
    script = REPO / "deploy" / "local" / "infra.sh"
    if not script.exists():
        pytest.fail(f"no S3 server at {endpoint} and no {script} to start one")
    started = subprocess.run(
        ["bash", str(script), "up", "s3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if started.returncode != 0:
        pytest.fail(f"infra.sh up s3 failed ({started.returncode}):\n{started.stdout}\n{started.stderr}")
    deadline = time.monotonic() + 60
    while not _answers(endpoint):
        if time.monotonic() > deadline:
            pytest.fail(f"S3 server at {endpoint} did not answer after infra.sh up s3")
        time.sleep(0.5)
    return endpoint


@pytest.fixture(scope="session")
def storage(s3_server):
    client = StorageClient.from_config(S3)
    client.ensure_bucket()
    yield client
    client.close()


@pytest.fixture
def key(storage):
    """A fresh key under a test prefix, removed afterwards."""
    made = []

    def make(name="object"):
        k = object_key("test", "cokit", f"{uuid.uuid4().hex}-{name}")
        made.append(k)
        return k

    yield make
    for k in made:
        try:
            storage.remove(k)
        except Exception:
            pass


class Pattern(io.RawIOBase):
    """`size` bytes read piecemeal and without a known length, the content depending only on
    the position (a 1 MiB + 7 random period, so multipart boundaries never line up with it)."""

    PERIOD = random.Random(7).randbytes((1 << 20) + 7)

    def __init__(self, size):
        self.size = size
        self.pos = 0

    def readable(self):
        return True

    def read(self, n=-1):
        if n is None or n < 0:
            n = 1 << 16
        n = min(n, self.size - self.pos, 1 << 16)
        if n <= 0:
            return b""
        start = self.pos % len(self.PERIOD)
        data = (self.PERIOD[start:] + self.PERIOD)[:n]
        self.pos += n
        return data


def test_put_get_round_trip_with_sha256(storage, key):
    k = key("note.txt")
    body = "Réclamation: éclairage public en panne, rue 12".encode()
    result = storage.put(k, body, "text/plain; charset=utf-8")

    assert result.size == len(body)
    assert result.sha256 == hashlib.sha256(body).hexdigest()
    assert storage.get(k) == body
    info = storage.stat(k)
    assert info.size == len(body)
    assert info.content_type.startswith("text/plain")
    assert storage.exists(k)

    storage.remove(k)
    assert not storage.exists(k)


def test_ten_megabytes_streamed_without_length(storage, key):
    k = key("scan.bin")
    size = 10 * 1024 * 1024
    expected = hashlib.sha256()
    for chunk in iter(Pattern(size).read, b""):
        expected.update(chunk)

    result = storage.put(k, Pattern(size), "application/octet-stream")

    assert result.size == size
    assert result.sha256 == expected.hexdigest()
    assert storage.stat(k).size == size
    fetched = hashlib.sha256()
    total = 0
    for chunk in storage.iter_chunks(k):
        fetched.update(chunk)
        total += len(chunk)
    assert total == size
    assert fetched.hexdigest() == expected.hexdigest()


def test_metadata_is_kept(storage, key):
    k = key("meta")
    storage.put(k, b"x", metadata={"office": "bf-ouaga-01"})
    assert storage.stat(k).metadata.get("office") == "bf-ouaga-01"


def test_presigned_get_is_fetched_with_plain_http(storage, key):
    k = key("photo.jpg")
    body = os.urandom(2048)
    storage.put(k, body, "image/jpeg")

    url = storage.presigned_get(k, expires=timedelta(minutes=5))
    response = requests.get(url, timeout=10)

    assert response.status_code == 200, response.text
    assert response.content == body
    # without the signature the same object is not public
    unsigned = urllib.parse.urlsplit(url)._replace(query="").geturl()
    assert requests.get(unsigned, timeout=10).status_code in (401, 403)


def test_presigned_get_expires(storage, key):
    k = key("short")
    storage.put(k, b"short-lived")
    url = storage.presigned_get(k, expires=1)
    time.sleep(2.5)
    assert requests.get(url, timeout=10).status_code == 403


def test_presigned_put_uploads_with_plain_http(storage, key):
    k = key("upload.pdf")
    body = b"%PDF-1.4 " + os.urandom(4096)

    url = storage.presigned_put(k, expires=300)
    response = requests.put(url, data=body, timeout=10)

    assert response.status_code == 200, response.text
    assert storage.stat(k).size == len(body)
    assert hashlib.sha256(storage.get(k)).hexdigest() == hashlib.sha256(body).hexdigest()


def test_missing_key_is_object_not_found(storage, key):
    k = key("never-written")
    with pytest.raises(ObjectNotFound) as raised:
        storage.get(k)
    assert raised.value.key == k
    with pytest.raises(ObjectNotFound):
        storage.stat(k)
    assert storage.exists(k) is False


def test_wrong_secret_is_access_denied(s3_server, key):
    wrong = StorageClient.from_config({**S3, "S3_SECRET_KEY": "not-the-secret"})
    with pytest.raises(StorageAccessDenied):
        wrong.put(key("denied"), b"x")


def test_ensure_bucket_is_idempotent(s3_server):
    bucket = f"cokit-test-{uuid.uuid4().hex[:12]}"
    client = StorageClient.from_config({**S3, "S3_BUCKET": bucket})
    try:
        assert client.ensure_bucket() is True
        assert client.ensure_bucket() is False
        client.put("k", b"v")
        assert client.get("k") == b"v"
    finally:
        client.remove("k")
        client._client.remove_bucket(bucket)


def _closed_port():
    port = find_free_port()
    # nothing listens there: connection refused at once
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    return port


def test_unreachable_endpoint_is_storage_unavailable_quickly():
    client = StorageClient(
        f"http://127.0.0.1:{_closed_port()}",
        "citizenoffice",
        "citizenoffice-secret",
        "citizenoffice-attachments",
        connect_timeout=0.5,
        read_timeout=1,
        retries=1,
    )
    began = time.monotonic()
    with pytest.raises(StorageUnavailable):
        client.put("a/b", b"x")
    with pytest.raises(StorageUnavailable):
        client.ensure_bucket()
    assert time.monotonic() - began < 5


def test_silent_endpoint_times_out_as_storage_unavailable():
    # accepts connections and never answers: only the read timeout ends the wait
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    try:
        client = StorageClient(
            f"http://127.0.0.1:{port}",
            "citizenoffice",
            "citizenoffice-secret",
            "citizenoffice-attachments",
            connect_timeout=0.5,
            read_timeout=0.5,
            retries=0,
        )
        began = time.monotonic()
        with pytest.raises(StorageUnavailable):
            client.stat("a/b")
        assert time.monotonic() - began < 3
    finally:
        listener.close()


def test_object_key_layout():
    when = datetime(2026, 3, 7, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    assert object_key("bf", "ouaga-01", "0190f1e2", when) == "bf/ouaga-01/2026/03/08/0190f1e2"
    for bad in ("", "../x", "a/b", ".hidden"):
        with pytest.raises(ValueError):
            object_key("bf", "ouaga-01", bad, when)


def test_config_without_endpoint_is_rejected():
    with pytest.raises(ValueError, match="S3_ENDPOINT"):
        StorageClient.from_config({k: v for k, v in S3.items() if k != "S3_ENDPOINT"})


class Attachments:
    name = "attachments"
    storage = Storage()

    @timer(interval=3600, eager=False)
    def keep(self, key, body):
        result = self.storage.put(key, body, "text/plain")
        return result.sha256, self.storage.get(key)


def test_provider_ensures_bucket_and_serves_workers(s3_server, container_factory, key):
    bucket = f"cokit-test-{uuid.uuid4().hex[:12]}"
    k = key("via-worker")
    container = container_factory(Attachments, {**S3, "S3_BUCKET": bucket})
    try:
        container.start()
        with entrypoint_hook(container, "keep") as keep:
            digest, body = keep(k, b"hello")
        assert digest == hashlib.sha256(b"hello").hexdigest()
        assert body == b"hello"
    finally:
        client = StorageClient.from_config({**S3, "S3_BUCKET": bucket})
        try:
            client.remove(k)
            client._client.remove_bucket(bucket)
        except Exception:
            pass


def test_provider_fails_container_start_when_storage_is_down(container_factory):
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    container = container_factory(
        Attachments,
        {**S3, "S3_ENDPOINT": endpoint, "S3_CONNECT_TIMEOUT": 0.5, "S3_RETRIES": 0},
    )
    with pytest.raises(StorageUnavailable):
        container.start()
