"""The release as installed: every workload ready, every migration hook done, nothing of the
cluster's own plumbing reaching the machine's loopback ports."""

from __future__ import annotations

import json
import subprocess

from cokit import platform as platform_facts

from .conftest import NETWORK, RELEASE, pod_memory

WORKLOADS = {
    "deployment": [*platform_facts.NAMES, "object-storage"],
    "statefulset": ["kafka", "postgres"],
}


def test_every_workload_is_ready(cluster, report):
    for kind, names in WORKLOADS.items():
        for name in names:
            obj = cluster.json("get", kind, f"co-{name}")
            want = obj["spec"]["replicas"]
            assert obj["status"].get("readyReplicas", 0) == want, (kind, name, obj["status"])
    pods = cluster.json("get", "pods")["items"]
    for pod in pods:
        if pod["status"]["phase"] == "Succeeded":
            continue
        ready = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
        assert ready.get("Ready") == "True", (pod["metadata"]["name"], pod["status"]["phase"])
    memory = pod_memory(cluster)
    report(
        "pod memory (MB, rss + mapped): "
        + ", ".join(f"{k.rsplit('-', 2)[0] if k.count('-') > 2 else k}={v}" for k, v in sorted(memory.items()))
    )


def test_every_migration_hook_ran_and_succeeded(cluster):
    status = json.loads(cluster.helm("status", RELEASE, "-o", "json").stdout)
    hooks = {h["name"]: h for h in status.get("hooks", [])}
    migrations = {n for n in hooks if n.endswith("-migrate")}
    assert migrations == {f"co-{s.name}-migrate" for s in platform_facts.SERVICES if s.database}
    for name in migrations:
        assert hooks[name]["last_run"]["phase"] == "Succeeded", (name, hooks[name]["last_run"])


def test_no_rule_of_the_cluster_captures_loopback():
    nat = subprocess.run(["iptables-save", "-t", "nat"], capture_output=True, text=True, check=True).stdout
    rules = [line for line in nat.splitlines() if line.startswith("-A ")]
    assert any("KUBE-SERVICES" in r for r in rules), "kube-proxy's rules are missing"
    for rule in rules:
        if "-j KUBE-NODEPORTS" in rule:
            # NodePorts answer on the node address only, never on 127.0.0.1.
            assert f"-d {NETWORK['NODE_IP']}/32" in rule, rule
        assert "127.0.0." not in rule, rule
    with open("/proc/sys/net/ipv4/conf/all/route_localnet") as fh:
        assert fh.read().strip() == "0"
