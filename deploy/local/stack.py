"""Start, stop and watch the platform's services as local processes.

Used by `make dev` / `make stop` and by the end-to-end tests, so both run the services
the same way: migrations first (`cokit.run <svc> --migrate`), then one process per
service, logs in .local/logs/<svc>.log, ready when its gRPC health check answers SERVING
(the gateway: when /healthz answers).

    python deploy/local/stack.py up [--postgres] | down | status
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import pathlib
import signal
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
LOCAL = ROOT / ".local"
LOGS = LOCAL / "logs"
PIDS = LOCAL / "pids"
PYTHON = ROOT / ".venv" / "bin" / "python"
INFRA_ENV = LOCAL / "infra" / "env"


@dataclasses.dataclass(frozen=True)
class Service:
    name: str
    grpc_port: int | None
    metrics_port: int
    http_port: int | None = None


SERVICES = (
    Service("identity", 50051, 9101),
    Service("registry", 50052, 9102),
    Service("tickets", 50053, 9103),
    Service("documents", 50054, 9104),
    Service("notifications", 50055, 9105),
    Service("gateway", None, 9106, http_port=8080),
)
BY_NAME = {s.name: s for s in SERVICES}


def read_env_file(path: pathlib.Path) -> dict[str, str]:
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    return values


def service_env(service: Service, infra: dict[str, str], postgres: bool, overrides: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update({k: v for k, v in infra.items() if not k.startswith("DATABASE_URL_")})
    env["SERVICE_NAME"] = service.name
    env["METRICS_PORT"] = str(service.metrics_port)
    if service.grpc_port:
        env["GRPC_PORT"] = str(service.grpc_port)
    if service.http_port:
        env["HTTP_PORT"] = str(service.http_port)
    for other in SERVICES:
        if other.grpc_port:
            env[f"{other.name.upper()}_GRPC_TARGET"] = f"127.0.0.1:{other.grpc_port}"
    db_key = f"DATABASE_URL_{service.name.upper()}"
    if postgres:
        if db_key not in infra:
            raise SystemExit(f"{db_key} missing from {INFRA_ENV}: run `make infra-up` first")
        env["DATABASE_URL"] = infra[db_key]
    else:
        env["DATABASE_URL"] = f"sqlite:///{LOCAL / 'data' / (service.name + '.db')}"
    env.update(overrides or {})
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def pid_of(name: str) -> int | None:
    path = PIDS / f"{name}.pid"
    try:
        pid = int(path.read_text())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None


def is_ready(service: Service, timeout: float = 1.0) -> bool:
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


def migrate(service: Service, env: dict) -> None:
    result = subprocess.run(
        [str(PYTHON), "-m", "cokit.run", service.name, "--migrate"], cwd=ROOT, env=env,
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"migration of {service.name} failed:\n{result.stdout}{result.stderr}")


def start(service: Service, env: dict) -> int:
    LOGS.mkdir(parents=True, exist_ok=True)
    PIDS.mkdir(parents=True, exist_ok=True)
    existing = pid_of(service.name)
    if existing:
        return existing
    log = open(LOGS / f"{service.name}.log", "ab")
    proc = subprocess.Popen(
        [str(PYTHON), "-m", "cokit.run", service.name], cwd=ROOT, env=env,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    (PIDS / f"{service.name}.pid").write_text(str(proc.pid))
    return proc.pid


def wait_ready(service: Service, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_ready(service):
            return
        if not pid_of(service.name):
            break
        time.sleep(0.2)
    tail = ""
    log = LOGS / f"{service.name}.log"
    if log.exists():
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
    raise RuntimeError(f"{service.name} did not become ready; log {log}:\n{tail}")


def stop(name: str, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
    pid = pid_of(name)
    if pid is None:
        (PIDS / f"{name}.pid").unlink(missing_ok=True)
        return
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_of(name):
        _reap(pid)
        time.sleep(0.1)
    if pid_of(name):
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        _reap(pid)
    (PIDS / f"{name}.pid").unlink(missing_ok=True)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def up(postgres: bool, names=None, overrides: dict | None = None) -> None:
    infra = read_env_file(INFRA_ENV)
    chosen = [BY_NAME[n] for n in names] if names else list(SERVICES)
    envs = {s.name: service_env(s, infra, postgres, overrides) for s in chosen}
    for service in chosen:
        migrate(service, envs[service.name])
    for service in chosen:
        start(service, envs[service.name])
    for service in chosen:
        wait_ready(service)


def down(names=None) -> None:
    for service in reversed([BY_NAME[n] for n in names] if names else SERVICES):
        stop(service.name)


def status() -> int:
    rc = 0
    for service in SERVICES:
        pid = pid_of(service.name)
        ready = pid is not None and is_ready(service)
        where = f"http://127.0.0.1:{service.http_port}" if service.http_port else f"grpc 127.0.0.1:{service.grpc_port}"
        state = "ready" if ready else ("starting" if pid else "stopped")
        print(f"{service.name:14} {state:9} pid={pid or '-':<8} {where:28} log={LOGS / (service.name + '.log')}")
        rc = rc if ready else 3
    return rc


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="stack.py")
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of the embedded SQLite")
    parser.add_argument("services", nargs="*")
    opts = parser.parse_args(argv)
    if opts.action == "up":
        up(opts.postgres, opts.services or None)
        return status()
    if opts.action == "down":
        down(opts.services or None)
        return 0
    return status()


if __name__ == "__main__":
    sys.exit(main())
