"""Start, stop and watch the platform's services as local processes.

Used by `make dev` / `make stop` and by the end-to-end tests, so both run the services
the same way: migrations first (`cokit.run <svc> --migrate`), then one process per
service, logs in .local/logs/<svc>.log, ready when its gRPC health check answers SERVING
(the gateway: when /healthz answers).

    python deploy/local/stack.py up [--postgres] | down | status
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import os
import pathlib
import signal
import subprocess
import sys
import time
import urllib.request

from cokit import platform

ROOT = pathlib.Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
INFRA_ENV = ROOT / ".local" / "infra" / "env"


@dataclasses.dataclass(frozen=True)
class Service:
    name: str
    grpc_port: int | None
    metrics_port: int
    http_port: int | None = None
    peer_port: int | None = None  # the federation port other instances dial (mutual TLS)


# The ports are the platform's (cokit.platform); a stack may shift them all (port_offset).
SERVICES = tuple(
    Service(f.name, f.grpc_port or None, f.metrics_port, f.http_port or None, f.peer_port or None)
    for f in platform.SERVICES
)

# Keys a service seals its secrets with, made once per stack beside its data (clusters take
# them from Secrets): setting -> file name under the stack's secrets folder.
LOCAL_SECRETS = {
    "tickets": {"TICKETS_PII_KEY": "tickets-pii-key"},
    "identity": {
        "IDENTITY_KEY_SECRET": "identity-key-secret",
        "SERVICE_CREDENTIAL_MASTER": "service-credential-master",
    },
    "federation": {"FEDERATION_KEY_SECRET": "federation-key-secret"},
}
NAMES = tuple(s.name for s in SERVICES)


def read_env_file(path: pathlib.Path) -> dict[str, str]:
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    return values


class Stack:
    """One set of service processes: its ports, its folder for logs, pids and SQLite files.

    `make dev` uses the default set; the e2e tests use another (ports + 100, .local/e2e), so
    both can run on one machine.
    """

    def __init__(
        self,
        state_dir: pathlib.Path | None = None,
        port_offset: int = 0,
        postgres: bool = False,
        infra: dict[str, str] | None = None,
        overrides: dict[str, str] | None = None,
    ):
        self.state_dir = state_dir or ROOT / ".local"
        self.logs = self.state_dir / "logs"
        self.pids = self.state_dir / "pids"
        self.postgres = postgres
        self.infra = read_env_file(INFRA_ENV) if infra is None else infra
        self.overrides = overrides or {}
        self.services = {
            s.name: Service(
                s.name,
                s.grpc_port + port_offset if s.grpc_port else None,
                s.metrics_port + port_offset,
                s.http_port + port_offset if s.http_port else None,
                s.peer_port + port_offset if s.peer_port else None,
            )
            for s in SERVICES
        }

    def service(self, name: str) -> Service:
        return self.services[name]

    def grpc_target(self, name: str) -> str:
        return f"127.0.0.1:{self.services[name].grpc_port}"

    @property
    def peer_url(self) -> str:
        return f"https://127.0.0.1:{self.services['federation'].peer_port}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.services['gateway'].http_port}"

    def log_path(self, name: str) -> pathlib.Path:
        return self.logs / f"{name}.log"

    def env(self, name: str) -> dict[str, str]:
        service = self.services[name]
        env = dict(os.environ)
        env.update({k: v for k, v in self.infra.items() if not k.startswith("DATABASE_URL_")})
        env["SERVICE_NAME"] = name
        env["METRICS_PORT"] = str(service.metrics_port)
        if service.grpc_port:
            env["GRPC_PORT"] = str(service.grpc_port)
        if service.http_port:
            env["HTTP_PORT"] = str(service.http_port)
        if service.peer_port:
            env["FEDERATION_PEER_PORT"] = str(service.peer_port)
            env["FEDERATION_PEER_URL"] = f"https://127.0.0.1:{service.peer_port}"
        for other in self.services.values():
            if other.grpc_port:
                env[f"{other.name.upper()}_GRPC_TARGET"] = f"127.0.0.1:{other.grpc_port}"
        if name != "gateway":
            db_key = f"DATABASE_URL_{name.upper()}"
            if self.postgres:
                if db_key not in self.infra:
                    raise SystemExit(f"{db_key} is not known: run `make infra-up` first")
                env["DATABASE_URL"] = self.infra[db_key]
            else:
                env["DATABASE_URL"] = f"sqlite:///{self.state_dir / 'data' / (name + '.db')}"
        env.update(self.overrides)
        for setting, secret in LOCAL_SECRETS.get(name, {}).items():
            if setting not in env:
                env[setting] = self.local_secret(secret)
        if "SERVICE_CREDENTIAL" not in self.overrides:
            env["SERVICE_CREDENTIAL"] = self.service_credential(name)
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def service_credential(self, service: str) -> str:
        """What `service` trades with identity for its own token (cokit.auth.service_identity)."""
        from cokit.auth.service_identity import credential_for

        master = self.overrides.get("SERVICE_CREDENTIAL_MASTER") or self.local_secret("service-credential-master")
        return credential_for(base64.b64decode(master), service)

    def local_secret(self, name: str) -> str:
        """A random 32-byte key (base64) made once and kept beside the data it seals, so that
        data stays readable across restarts: in the state folder with SQLite, in the shared
        servers' folder with PostgreSQL (every stack on those databases, `make dev DB=postgres`
        and the e2e sessions alike, must open each other's rows). Clusters take theirs from a
        Secret."""
        path = (INFRA_ENV.parent if self.postgres else self.state_dir) / "secrets" / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.parent.chmod(0o700)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(base64.b64encode(os.urandom(32)).decode())
            tmp.chmod(0o600)
            tmp.replace(path)
        return path.read_text().strip()

    def pid_of(self, name: str) -> int | None:
        try:
            pid = int((self.pids / f"{name}.pid").read_text())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None
        _reap(pid)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def is_ready(self, name: str, timeout: float = 1.0) -> bool:
        service = self.services[name]
        if service.http_port:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{service.http_port}/healthz", timeout=timeout) as r:
                    return r.status == 200
            except OSError:
                return False
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        with grpc.insecure_channel(f"127.0.0.1:{service.grpc_port}") as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=timeout)
            except grpc.RpcError:
                return False
            return reply.status == health_pb2.HealthCheckResponse.SERVING

    def migrate(self, name: str) -> None:
        result = subprocess.run(
            [str(PYTHON), "-m", "cokit.run", name, "--migrate"],
            cwd=ROOT,
            env=self.env(name),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"migration of {name} failed:\n{result.stdout}{result.stderr}")

    def start(self, name: str) -> int:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pids.mkdir(parents=True, exist_ok=True)
        existing = self.pid_of(name)
        if existing:
            return existing
        # The services listen with SO_REUSEPORT (eventlet's default): a second process on a port
        # another one holds would start without a word and share its connections with it.
        service = self.services[name]
        taken = [
            p for p in (service.grpc_port, service.http_port, service.metrics_port, service.peer_port) if p and _open(p)
        ]
        if taken:
            raise SystemExit(f"cannot start {name}: another process listens on 127.0.0.1:{taken[0]}")
        log = open(self.log_path(name), "ab")
        proc = subprocess.Popen(
            [str(PYTHON), "-m", "cokit.run", name],
            cwd=ROOT,
            env=self.env(name),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        (self.pids / f"{name}.pid").write_text(str(proc.pid))
        return proc.pid

    def wait_ready(self, name: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.is_ready(name):
                return
            if not self.pid_of(name):
                break
            time.sleep(0.2)
        tail = ""
        log = self.log_path(name)
        if log.exists():
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise RuntimeError(f"{name} did not become ready; log {log}:\n{tail}")

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        pid = self.pid_of(name)
        if pid is not None:
            os.kill(pid, sig)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.pid_of(name):
                time.sleep(0.1)
            if self.pid_of(name):
                os.kill(pid, signal.SIGKILL)
                time.sleep(0.2)
                _reap(pid)
        (self.pids / f"{name}.pid").unlink(missing_ok=True)

    def up(self, names=None) -> None:
        chosen = list(names or NAMES)
        for name in chosen:
            self.migrate(name)
        for name in chosen:
            self.start(name)
        for name in chosen:
            self.wait_ready(name)

    def down(self, names=None) -> None:
        for name in reversed(list(names or NAMES)):
            self.stop(name)

    def status(self) -> int:
        rc = 0
        for name, service in self.services.items():
            pid = self.pid_of(name)
            ready = pid is not None and self.is_ready(name)
            where = (
                f"http://127.0.0.1:{service.http_port}" if service.http_port else f"grpc 127.0.0.1:{service.grpc_port}"
            )
            state = "ready" if ready else ("starting" if pid else "stopped")
            print(f"{name:14} {state:9} pid={pid or '-':<8} {where:28} log={self.log_path(name)}")
            rc = rc if ready else 3
        return rc


def _open(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="stack.py")
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of the embedded SQLite")
    parser.add_argument("services", nargs="*", help=f"some of {', '.join(NAMES)} (default: all)")
    opts = parser.parse_args(argv)
    stack = Stack(postgres=opts.postgres)
    if opts.action == "up":
        stack.up(opts.services or None)
        return stack.status()
    if opts.action == "down":
        stack.down(opts.services or None)
        return 0
    return stack.status()


if __name__ == "__main__":
    sys.exit(main())
