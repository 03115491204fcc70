"""Fixtures for the gRPC kit tests: nameko services run in a child process (see serve.py)
and the tests call them with grpcio and with nameko-grpc's standalone client."""

from __future__ import annotations

import pathlib
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

import grpc
import pytest

SERVE = pathlib.Path(__file__).with_name("serve.py")
START_TIMEOUT = 20
MAX_MESSAGE = 64 << 20
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE),
    ("grpc.max_send_message_length", MAX_MESSAGE),
]


def pytest_configure(config):
    # The pytest process stays unpatched on purpose (grpcio clients); nameko's plugin would
    # warn about the missing monkey patch on every run.
    config.option.suppress_eventlet_notification = True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(self, *args: str):
        self.port = free_port()
        self.backend_port = None
        cmd = [sys.executable, "-W", "ignore", str(SERVE), "--port", str(self.port)]
        if "--backend" in args:
            self.backend_port = free_port()
            cmd += ["--backend-port", str(self.backend_port)]
        cmd += [a for a in args if a != "--backend"]
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, cwd=SERVE.parents[4])
        self._wait_for("ready", START_TIMEOUT)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _wait_for(self, word: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                line = self.proc.stdout.readline().decode().strip()
                if line == word:
                    return
                if not line and self.proc.poll() is not None:
                    break
        raise RuntimeError(f"server did not print {word!r}:\n{self.stderr()}")

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def terminate(self, timeout: float = 10) -> int:
        """Stops the service gracefully; the exit code is negative when it had to be
        killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        return self.proc.returncode

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.target, options=CHANNEL_OPTIONS)


@pytest.fixture(scope="session")
def server():
    """A relay service (port) in front of a backend service (backend_port), both with the
    fast loop, in one child process."""
    proc = ServerProcess("--backend")
    yield proc
    assert proc.terminate() == 0, proc.stderr()


@pytest.fixture(scope="session")
def channel(server):
    with server.channel() as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        yield channel


@pytest.fixture(scope="session")
def refusing_server():
    """A service whose Echo raises what its payload names (serve.py --refusing)."""
    proc = ServerProcess("--refusing")
    yield proc
    assert proc.terminate() == 0, proc.stderr()


@pytest.fixture
def spawn_server():
    started: list[ServerProcess] = []

    def spawn(*args: str) -> ServerProcess:
        proc = ServerProcess(*args)
        started.append(proc)
        return proc

    yield spawn
    codes = [(proc.terminate(), proc) for proc in started]
    for code, proc in codes:
        assert code == 0, proc.stderr()
