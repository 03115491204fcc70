"""The platform on the local Kubernetes cluster (`make test-cluster`): the release installed by
deploy/cluster/install.sh with the local profile, reached from this machine through the
Services' cluster addresses (kube-proxy), as the walking skeleton and the load tests reach
the local stack. The SMTP sink listens on the node address, where the local profile sends
mail.

These tests need the running cluster and release; `make test-cluster` makes both first.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from e2e_tests import infra as infra_module
from e2e_tests.session import ROOT

HERE = Path(__file__).resolve().parent
STATE = ROOT / ".local" / "cluster"
NAMESPACE = os.environ.get("CITIZENOFFICE_NAMESPACE", "citizenoffice")
RELEASE = os.environ.get("CITIZENOFFICE_RELEASE", "co")
PREFIX = "co"  # global.namePrefix of deploy/profiles/local.yaml
GRPC_PORTS = {"identity": 50051, "registry": 50052, "tickets": 50053, "documents": 50054, "notifications": 50055}
REPORT: list[str] = []


def _network() -> dict[str, str]:
    values = {}
    for line in (ROOT / "deploy" / "cluster" / "network.env").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


NETWORK = _network()
SMTP_PORT = 2525  # global.smtp.ports of deploy/profiles/local.yaml


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.timeout(900))


class Cluster:
    """kubectl and helm on the local cluster, in the release's namespace."""

    def __init__(self) -> None:
        self.kubeconfig = STATE / "pki" / "admin.kubeconfig"
        if not self.kubeconfig.exists():
            pytest.fail("no local cluster: run make test-cluster (or make cluster-up and deploy/cluster/install.sh)")
        bins = sorted((ROOT / ".cache" / "cluster" / "bin").glob("kubernetes-*/kubectl"))
        assert bins, "kubectl was not built: deploy/cluster/build.sh kubernetes"
        self.kubectl_bin = str(bins[-1])
        self.helm_bin = str(ROOT / ".cache" / "chart-tools" / "bin" / "helm")
        self.env = {**os.environ, "KUBECONFIG": str(self.kubeconfig)}

    def _run(self, program: str, args, timeout: float, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [program, "-n", NAMESPACE, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if check and proc.returncode != 0:
            name = Path(program).name
            raise AssertionError(f"{name} {' '.join(args[:3])} failed: {proc.stderr.strip()[-2000:]}")
        return proc

    def kubectl(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        return self._run(self.kubectl_bin, args, timeout, check)

    def json(self, *args: str) -> dict:
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def helm(self, *args: str, timeout: float = 1200) -> subprocess.CompletedProcess:
        return self._run(self.helm_bin, args, timeout)

    def values_args(self, *extra: Path) -> list[str]:
        """The values install.sh gave the release, then `extra`."""
        files = [ROOT / "deploy" / "profiles" / "local.yaml", STATE / "images.yaml", HERE / "values.yaml", *extra]
        return [arg for path in files for arg in ("-f", str(path))]

    def service_ip(self, name: str) -> str:
        return self.json("get", "service", f"{PREFIX}-{name}")["spec"]["clusterIP"]

    def secret(self, name: str) -> dict[str, str]:
        data = self.json("get", "secret", name)["data"]
        return {k: base64.b64decode(v).decode() for k, v in data.items()}

    def pods(self, name: str) -> list[dict]:
        selector = f"app.kubernetes.io/name={name},app.kubernetes.io/instance={PREFIX}"
        return self.json("get", "pods", "-l", selector)["items"]

    def running_pod(self, name: str) -> str:
        for pod in self.pods(name):
            if pod["metadata"].get("deletionTimestamp") is None and pod["status"].get("phase") == "Running":
                return pod["metadata"]["name"]
        raise AssertionError(f"no running pod of {name}")

    def wait_rollout(self, name: str, timeout: int = 300) -> None:
        self.kubectl("rollout", "status", f"deployment/{PREFIX}-{name}", f"--timeout={timeout}s", timeout=timeout + 30)


class ClusterBackend(infra_module.LocalBackend):
    """The release's servers as the e2e tests know them (Endpoints), and the SMTP sink."""

    name = "cluster"
    can_restart = False

    def __init__(self, cluster: Cluster) -> None:
        super().__init__(ROOT)
        self.cluster = cluster
        self.mail_dir = STATE / "mail"
        self.sink: subprocess.Popen | None = None

    def up(self) -> infra_module.Endpoints:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self.sink = subprocess.Popen(
            [
                sys.executable,
                "-u",
                str(ROOT / "deploy" / "local" / "smtp_sink.py"),
                "--host",
                NETWORK["NODE_IP"],
                "--port",
                str(SMTP_PORT),
                "--mail-dir",
                str(self.mail_dir),
            ],
            stdout=open(STATE / "smtp.log", "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        s3 = self.cluster.secret("citizenoffice-object-storage")
        postgres = self.cluster.service_ip("postgres")
        urls = {}
        for service in infra_module.SERVICES:
            user = self.cluster.secret(f"citizenoffice-{service}-db")
            urls[service] = f"postgresql+pg8000://{user['username']}:{user['password']}@{postgres}:5432/{service}"
        self.endpoints = infra_module.Endpoints(
            kafka_bootstrap=f"{self.cluster.service_ip('kafka')}:9092",
            s3_endpoint=f"http://{self.cluster.service_ip('object-storage')}:8333",
            s3_access_key=s3["accessKey"],
            s3_secret_key=s3["secretKey"],
            s3_bucket="citizenoffice-attachments",
            s3_region="us-east-1",
            smtp_host=NETWORK["NODE_IP"],
            smtp_port=SMTP_PORT,
            mail_dir=self.mail_dir,
            database_urls=urls,
        )
        return self.endpoints

    def close(self) -> None:
        if self.sink is not None:
            self.sink.send_signal(signal.SIGTERM)
            try:
                self.sink.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.sink.kill()


@dataclasses.dataclass
class ClusterPlatform:
    """What the e2e tests call the platform: the gateway's Service, each service's Service."""

    cluster: Cluster
    state_dir: Path

    @property
    def base_url(self) -> str:
        return f"http://{self.cluster.service_ip('gateway')}:8080"

    def grpc_target(self, name: str) -> str:
        return f"{self.cluster.service_ip(name)}:{GRPC_PORTS[name]}"


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    return Cluster()


@pytest.fixture(scope="session")
def infra_backend(cluster):
    backend = ClusterBackend(cluster)
    backend.up()
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def infra(infra_backend) -> infra_module.Endpoints:
    return infra_backend.endpoints


@pytest.fixture(scope="session")
def platform(cluster) -> ClusterPlatform:
    return ClusterPlatform(cluster, STATE / "tests")


@pytest.fixture
def report():
    """Where a test writes its figures, one line each, printed at the end of the run."""
    return REPORT.append


def pod_memory(cluster: Cluster) -> dict[str, int]:
    """Resident memory (cgroup rss + mapped files) of each pod of the namespace, in MB."""
    found = {}
    for pod in cluster.json("get", "pods")["items"]:
        uid = pod["metadata"]["uid"]
        qos = pod["status"].get("qosClass", "BestEffort").lower()
        base = Path("/sys/fs/cgroup/memory/kubepods")
        folder = base / f"pod{uid}" if qos == "guaranteed" else base / qos / f"pod{uid}"
        try:
            stat = dict(line.split() for line in (folder / "memory.stat").read_text().splitlines())
        except OSError:
            continue
        found[pod["metadata"]["name"]] = (int(stat["total_rss"]) + int(stat["total_mapped_file"])) // (1 << 20)
    return found


def pytest_terminal_summary(terminalreporter):
    if REPORT:
        terminalreporter.section("cluster figures")
        for line in REPORT:
            terminalreporter.write_line(line)
