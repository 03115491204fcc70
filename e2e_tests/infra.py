"""The one way the end-to-end tests reach Kafka, object storage, PostgreSQL and SMTP.

Two backends give the same `Endpoints`, chosen by CITIZENOFFICE_INFRA:
- ``local`` (default): the servers of deploy/local/infra.sh as plain processes on 127.0.0.1,
  for machines without a container engine (development machines here and CI);
- ``testcontainers``: throwaway containers, where a Docker engine is reachable.

Tests depend on `Endpoints` and the `Backend` methods only, never on which backend runs.
"""

from __future__ import annotations

import email
import email.policy
import os
import shlex
import shutil
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from cokit import platform

ROOT = Path(__file__).resolve().parents[1]
SERVICES = platform.DATABASES
SERVERS = ("kafka", "s3", "postgres", "smtp")

S3_ACCESS_KEY = "citizenoffice"
S3_SECRET_KEY = "citizenoffice-secret"
S3_BUCKET = "citizenoffice-attachments"
S3_REGION = "us-east-1"
DB_USER = "citizenoffice"
DB_PASSWORD = "citizenoffice"


class InfraUnavailable(RuntimeError):
    """The chosen backend cannot run on this machine (the tests should skip, not fail)."""


@dataclass(frozen=True)
class Endpoints:
    kafka_bootstrap: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    s3_bucket: str
    s3_region: str
    smtp_host: str
    smtp_port: int
    # Where the local SMTP sink stores .eml files; None where mail is read another way.
    mail_dir: Path | None
    database_urls: Mapping[str, str] = field(repr=False)

    def database_url(self, service: str) -> str:
        """SQLAlchemy URL (pg8000 driver) of the service's own database."""
        try:
            return self.database_urls[service]
        except KeyError:
            raise KeyError(f"no database for service {service!r}; known: {SERVICES}") from None

    def env(self) -> dict[str, str]:
        """Environment variables for a service process, named as in .local/infra/env."""
        values = {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "S3_ENDPOINT": self.s3_endpoint,
            "S3_ACCESS_KEY": self.s3_access_key,
            "S3_SECRET_KEY": self.s3_secret_key,
            "S3_BUCKET": self.s3_bucket,
            "S3_REGION": self.s3_region,
            "SMTP_HOST": self.smtp_host,
            "SMTP_PORT": str(self.smtp_port),
        }
        if self.mail_dir is not None:
            values["SMTP_MAIL_DIR"] = str(self.mail_dir)
        for service, url in self.database_urls.items():
            values[f"DATABASE_URL_{service.upper()}"] = url
        return values


class Backend(ABC):
    name: str
    # Whether stop()/start() of one server keeps the same address (failure tests need it).
    can_restart: bool = False
    # Set by up().
    endpoints: Endpoints | None = None

    @abstractmethod
    def up(self) -> Endpoints:
        """Starts every server (or reuses running ones) and returns their addresses."""

    def close(self) -> None:
        """Releases what up() started, where that is this backend's policy."""

    def stop(self, server: str) -> None:
        raise NotImplementedError(f"{self.name} backend cannot stop a single server")

    def start(self, server: str) -> None:
        raise NotImplementedError(f"{self.name} backend cannot start a single server")

    @contextmanager
    def stopped(self, server: str) -> Iterator[None]:
        """Stops one server for the duration of the block and always starts it again, so a
        failing test does not leave the rest of the session without it."""
        self.stop(server)
        try:
            yield
        finally:
            self.start(server)

    @abstractmethod
    def messages(self) -> list[EmailMessage]:
        """Every mail the SMTP server has received so far, oldest first."""


def _check_server(server: str) -> None:
    if server not in SERVERS:
        raise ValueError(f"unknown server {server!r}; known: {SERVERS}")


class LocalBackend(Backend):
    """Servers run by deploy/local/infra.sh; they stay up after the session (idempotent
    `up` makes the next run fast) unless CITIZENOFFICE_INFRA_STOP=1."""

    name = "local"
    can_restart = True

    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        self.script = root / "deploy" / "local" / "infra.sh"
        self.env_file = root / ".local" / "infra" / "env"
        self.script_env: dict[str, str] = {}

    def _run(self, *args: str, timeout: float = 900) -> None:
        # A cold first run downloads the servers, hence the long timeout.
        proc = subprocess.run(
            ["bash", str(self.script), *args],
            cwd=self.root,
            env={**os.environ, **self.script_env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"infra.sh {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )

    def up(self) -> Endpoints:
        self._run("up")
        self.endpoints = self._read_env()
        return self.endpoints

    def _read_env(self) -> Endpoints:
        values: dict[str, str] = {}
        for line in self.env_file.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, raw = line.partition("=")
            parts = shlex.split(raw)
            values[key] = parts[0] if parts else ""
        mail_dir = values.get("SMTP_MAIL_DIR")
        return Endpoints(
            kafka_bootstrap=values["KAFKA_BOOTSTRAP_SERVERS"],
            s3_endpoint=values["S3_ENDPOINT"],
            s3_access_key=values["S3_ACCESS_KEY"],
            s3_secret_key=values["S3_SECRET_KEY"],
            s3_bucket=values["S3_BUCKET"],
            s3_region=values["S3_REGION"],
            smtp_host=values["SMTP_HOST"],
            smtp_port=int(values["SMTP_PORT"]),
            mail_dir=Path(mail_dir) if mail_dir else None,
            database_urls=_database_urls(values),
        )

    def stop(self, server: str) -> None:
        _check_server(server)
        self._run("down", server, timeout=120)

    def start(self, server: str) -> None:
        _check_server(server)
        self._run("up", server)

    def close(self) -> None:
        if os.environ.get("CITIZENOFFICE_INFRA_STOP") == "1":
            self._run("down", timeout=180)

    def messages(self) -> list[EmailMessage]:
        if self.endpoints is None or self.endpoints.mail_dir is None:
            return []
        found = []
        # Temporary files start with a dot and are skipped: a message appears whole or not at all.
        for path in sorted(self.endpoints.mail_dir.glob("[!.]*.eml")):
            with open(path, "rb") as fh:
                found.append(email.message_from_binary_file(fh, policy=email.policy.default))
        return found


def _database_urls(values: Mapping[str, str]) -> dict[str, str]:
    """Each service's database URL from the env file; a service the file does not name yet (it
    was written by an older tree sharing these servers) has its database beside the others',
    named after it, as deploy/local/postgres.sh creates it."""
    urls = {s: values[f"DATABASE_URL_{s.upper()}"] for s in SERVICES if f"DATABASE_URL_{s.upper()}" in values}
    base = next(iter(urls.values())).rpartition("/")[0]
    return {s: urls.get(s, f"{base}/{s}") for s in SERVICES}


class PrivateBackend(LocalBackend):
    """A set of servers of its own, for tests that stop and restart them (the fault tests):
    the same scripts with their state in `state_dir` and every port shifted by `port_offset`
    (INFRA_STATE_DIR, INFRA_PORT_OFFSET of deploy/local/lib.sh). Blank at each up, stopped at
    close: the shared servers other sessions use are never touched."""

    name = "private"

    def __init__(self, state_dir: Path, port_offset: int, root: Path = ROOT) -> None:
        super().__init__(root)
        self.state_dir = state_dir
        self.env_file = state_dir / "env"
        self.script_env = {"INFRA_STATE_DIR": str(state_dir), "INFRA_PORT_OFFSET": str(port_offset)}

    def up(self, *servers: str) -> Endpoints:
        """Every server, or only those named (a test of one server needs no broker)."""
        # Left running by an interrupted session, the servers would hold the ports and the
        # old data; counts are only meaningful on a blank set.
        self._run("down", timeout=180)
        shutil.rmtree(self.state_dir, ignore_errors=True)
        if not servers:
            return super().up()
        for server in servers:
            self.start(server)
        self.endpoints = self._read_env()
        return self.endpoints

    def close(self) -> None:
        self._run("down", timeout=180)


class TestcontainersBackend(Backend):
    """One container per server; images can be overridden with CITIZENOFFICE_TC_<SERVER>_IMAGE."""

    __test__ = False  # not a pytest test class despite the name
    name = "testcontainers"

    def __init__(self) -> None:
        self._containers: list = []
        self._mail_api: str | None = None

    @staticmethod
    def _image(server: str, default: str) -> str:
        return os.environ.get(f"CITIZENOFFICE_TC_{server.upper()}_IMAGE", default)

    def up(self) -> Endpoints:
        try:
            import docker

            docker.from_env().ping()
        except Exception as exc:
            raise InfraUnavailable(f"testcontainers backend needs a reachable Docker engine: {exc}") from exc

        from testcontainers.community.kafka import KafkaContainer
        from testcontainers.community.minio import MinioContainer
        from testcontainers.community.postgres import PostgresContainer
        from testcontainers.core.container import DockerContainer
        from testcontainers.core.waiting_utils import wait_for_logs

        try:
            kafka = KafkaContainer(self._image("kafka", "confluentinc/cp-kafka:7.9.0")).with_kraft()
            self._start(kafka)
            minio = MinioContainer(
                **_image_kw(self._image("s3", "")),
                access_key=S3_ACCESS_KEY,
                secret_key=S3_SECRET_KEY,
            )
            self._start(minio)
            client = minio.get_client(region=S3_REGION)
            if not client.bucket_exists(S3_BUCKET):
                client.make_bucket(S3_BUCKET)
            pg = PostgresContainer(
                self._image("postgres", "postgres:15"),
                username=DB_USER,
                password=DB_PASSWORD,
                dbname="postgres",
                driver="pg8000",
            )
            self._start(pg)
            pg_host, pg_port = pg.get_container_host_ip(), int(pg.get_exposed_port(5432))
            _create_databases(pg_host, pg_port)
            smtp = DockerContainer(self._image("smtp", "axllent/mailpit")).with_exposed_ports(1025, 8025)
            self._start(smtp)
            wait_for_logs(smtp, "accessible via", timeout=60)
            smtp_host = smtp.get_container_host_ip()
            self._mail_api = f"http://{smtp_host}:{smtp.get_exposed_port(8025)}"
        except Exception:
            self.close()
            raise

        self.endpoints = Endpoints(
            kafka_bootstrap=kafka.get_bootstrap_server(),
            s3_endpoint=f"http://{minio.get_config()['endpoint']}",
            s3_access_key=S3_ACCESS_KEY,
            s3_secret_key=S3_SECRET_KEY,
            s3_bucket=S3_BUCKET,
            s3_region=S3_REGION,
            smtp_host=smtp_host,
            smtp_port=int(smtp.get_exposed_port(1025)),
            mail_dir=None,
            database_urls={s: f"postgresql+pg8000://{DB_USER}:{DB_PASSWORD}@{pg_host}:{pg_port}/{s}" for s in SERVICES},
        )
        return self.endpoints

    def _start(self, container) -> None:
        container.start()
        self._containers.append(container)

    def close(self) -> None:
        while self._containers:
            try:
                self._containers.pop().stop()
            except Exception:
                pass

    def messages(self) -> list[EmailMessage]:
        import requests

        assert self._mail_api is not None, "up() first"
        listing = requests.get(f"{self._mail_api}/api/v1/messages", timeout=10).json()
        found = []
        # Mailpit lists newest first.
        for item in reversed(listing.get("messages") or []):
            raw = requests.get(f"{self._mail_api}/api/v1/message/{item['ID']}/raw", timeout=10)
            found.append(email.message_from_bytes(raw.content, policy=email.policy.default))
        return found


def _database_urls(values: Mapping[str, str]) -> dict[str, str]:
    """Each service's database on the local server. Servers started before a service was added
    list no URL for it: it is the same server's database named after the service, made here."""
    urls = {}
    for service in SERVICES:
        url = values.get(f"DATABASE_URL_{service.upper()}")
        if url is None:
            url = values["DATABASE_URL_IDENTITY"].rpartition("/")[0] + f"/{service}"
            _create_database(values["DATABASE_URL_IDENTITY"], service)
        urls[service] = url
    return urls


def _create_database(admin_url: str, name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            if not conn.execute(sa.text("select 1 from pg_database where datname = :n"), {"n": name}).first():
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def _image_kw(image: str) -> dict[str, str]:
    return {"image": image} if image else {}


def _create_databases(host: str, port: int, attempts: int = 30) -> None:
    import pg8000.native

    for attempt in range(attempts):
        try:
            conn = pg8000.native.Connection(DB_USER, host=host, port=port, password=DB_PASSWORD, database="postgres")
            break
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(1)
    try:
        existing = {row[0] for row in conn.run("SELECT datname FROM pg_database")}
        for service in SERVICES:
            if service not in existing:
                conn.run(f'CREATE DATABASE "{service}"')
    finally:
        conn.close()


def backend_from_env() -> Backend:
    choice = os.environ.get("CITIZENOFFICE_INFRA", "local").strip().lower()
    if choice == "local":
        return LocalBackend()
    if choice == "testcontainers":
        return TestcontainersBackend()
    raise ValueError(f"CITIZENOFFICE_INFRA={choice!r}: expected 'local' or 'testcontainers'")
