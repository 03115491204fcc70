"""The namespace denies every flow by default and allows exactly the platform's real flows:
each rule of each NetworkPolicy is mapped to the flow it opens and the set is compared whole."""

from __future__ import annotations

import pytest

from render import load

from cokit import platform

DB = [s.name for s in platform.SERVICES if s.database]
SERVICES = list(platform.NAMES)
CALLS = {s.name: list(s.calls) for s in platform.SERVICES if s.calls}


def expected(profile: str) -> set[tuple[str, str, str]]:
    flows = {("egress", s, "dns") for s in SERVICES + [f"{d}-migrate" for d in DB]}
    for caller, callees in CALLS.items():
        for callee in callees:
            flows |= {("egress", caller, callee), ("ingress", callee, caller)}
    flows |= {("egress", s, "kafka") for s in SERVICES}
    flows |= {("egress", s, "postgres") for s in DB} | {("egress", f"{s}-migrate", "postgres") for s in DB}
    flows |= {("egress", "documents", "s3"), ("egress", "notifications", "smtp")}
    # The federation port: reached by the other instances, and dialling theirs.
    flows |= {("ingress", s.name, "peer-instances") for s in platform.SERVICES if s.peer_port}
    flows |= {("egress", s.name, "peer-instances") for s in platform.SERVICES if s.peer_port}
    flows |= {("ingress", s, "prometheus") for s in SERVICES} | {("ingress", "gateway", "ingress-controller")}
    if profile == "partner":  # bundled S3 server and CloudNativePG instances in the namespace
        flows -= {("egress", "documents", "s3")}
        flows |= {
            ("egress", "documents", "object-storage"),
            ("ingress", "object-storage", "documents"),
            ("egress", "object-storage", "dns"),
        }
        flows |= {("ingress", "postgres", s) for s in DB}
        flows |= {
            ("ingress", "postgres", "postgres"),
            ("egress", "postgres", "postgres"),
            ("ingress", "postgres", "cnpg-operator"),
            ("egress", "postgres", "kube-api"),
            ("egress", "postgres", "dns"),
        }
    if profile == "local":  # bundled Kafka, PostgreSQL and S3 server in the namespace
        flows -= {("egress", "documents", "s3")}
        flows |= {
            ("egress", "documents", "object-storage"),
            ("ingress", "object-storage", "documents"),
            ("egress", "object-storage", "dns"),
        }
        flows |= {("ingress", "postgres", s) for s in DB} | {("ingress", "kafka", s) for s in SERVICES}
    return flows


NAMESPACES = {
    "ingress-nginx": "ingress-controller",
    "monitoring": "prometheus",
    "kafka": "kafka",
    "cnpg-system": "cnpg-operator",
}
PORTS = {
    9092: "kafka",
    9093: "kafka",
    5432: "postgres",
    443: "s3",
    8333: "s3",
    587: "smtp",
    2525: "smtp",
    53: "dns",
    6443: "kube-api",
    50443: "peer-instances",
}


def who(selector: dict) -> str | None:
    labels = selector.get("matchLabels", {})
    if "app.kubernetes.io/name" in labels:
        name = labels["app.kubernetes.io/name"]
        return f"{name}-migrate" if labels.get("app.kubernetes.io/component") == "migration" else name
    if "cnpg.io/cluster" in labels or any(e["key"] == "cnpg.io/cluster" for e in selector.get("matchExpressions", [])):
        return "postgres"
    return None


def peer_name(peer: dict, ports: list[int]) -> str:
    if "podSelector" in peer and "namespaceSelector" not in peer:
        return who(peer["podSelector"]) or "?"
    ns = peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
    if ns == "kube-system":
        return "dns"
    if ns in NAMESPACES:
        return NAMESPACES[ns]
    return by_port(ports)


def by_port(ports: list[int]) -> str:
    names = {PORTS.get(p, f"port {p}") for p in ports}
    # 443 is S3 for documents and the API server for the CloudNativePG instances
    assert len(names) == 1 or names == {"s3", "kube-api"}, ports
    return "kube-api" if "kube-api" in names else names.pop()


def flows_of(docs: list[dict]) -> set[tuple[str, str, str]]:
    flows = set()
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    all_pods = set()
    for d in docs:
        if d["kind"] in ("Deployment",):
            all_pods.add(d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"])
    for p in policies:
        spec = p["spec"]
        subject = who(spec["podSelector"])
        targets = (
            [subject]
            if subject
            else sorted(
                all_pods
                | {f"{s}-migrate" for s in DB}
                | ({"postgres"} if any(d["kind"] == "Cluster" for d in docs) else set())
            )
        )
        for direction, key, peers_key in (("ingress", "ingress", "from"), ("egress", "egress", "to")):
            for rule in spec.get(key, []):
                ports = [x["port"] for x in rule.get("ports", [])]
                assert ports, f"{p['metadata']['name']}: a rule without ports opens everything"
                peers = rule.get(peers_key) or [{}]
                for peer in peers:
                    other = peer_name(peer, ports) if peer else by_port(ports)
                    for t in targets:
                        flows.add((direction, t, other))
    return flows


@pytest.mark.parametrize("name", ["default", "national", "partner", "local"])
def test_default_deny_plus_exactly_the_real_flows(name):
    docs = load(f"profile-{name}")
    deny = [
        p
        for p in docs
        if p["kind"] == "NetworkPolicy"
        and p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    ]
    assert len(deny) == 1 and not deny[0]["spec"].get("ingress") and not deny[0]["spec"].get("egress")
    got = flows_of(docs)
    want = expected(name)
    assert got - want == set(), "flows allowed that the platform does not have"
    assert want - got == set(), "real flows not allowed"


def test_every_pod_of_the_namespace_is_selected_by_a_policy_of_its_own():
    docs = load("profile-partner")
    selected = {who(p["spec"]["podSelector"]) for p in docs if p["kind"] == "NetworkPolicy"}
    pods = {
        d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] for d in docs if d["kind"] == "Deployment"
    }
    assert pods <= selected
