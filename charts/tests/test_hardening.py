"""Every workload of every profile is hardened and probed; migrations are hook Jobs."""

from __future__ import annotations

from cokit import platform

# The services owning a database (each a CloudNativePG Cluster in the partner profile).
GRPC_SERVICES = set(platform.DATABASES)


def pod_specs(docs, kind):
    for d in docs:
        if d["kind"] == kind:
            yield d, d["spec"]["template"]["spec"]


def assert_hardened(name, pod):
    assert pod.get("automountServiceAccountToken") is False, name
    psc = pod.get("securityContext", {})
    for c in pod["containers"]:
        sc = c.get("securityContext", {})
        where = f"{name}/{c['name']}"
        assert sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True, where
        assert sc.get("runAsUser", psc.get("runAsUser", 0)) != 0, where
        assert sc.get("readOnlyRootFilesystem") is True, where
        assert sc.get("allowPrivilegeEscalation") is False, where
        assert "ALL" in sc.get("capabilities", {}).get("drop", []), where
        assert not sc.get("capabilities", {}).get("add"), where
        res = c.get("resources", {})
        for part in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(res.get(part, {})), f"{where}: resources.{part}"


def test_every_deployment_is_hardened_and_has_resources(profile):
    name, docs = profile
    deployments = list(pod_specs(docs, "Deployment"))
    assert len(deployments) >= 6
    for d, pod in deployments + list(pod_specs(docs, "StatefulSet")):
        assert_hardened(f"{name}: {d['metadata']['name']}", pod)


def test_services_have_grpc_probes_and_gateway_http(profile):
    _, docs = profile
    seen = set()
    for d, pod in pod_specs(docs, "Deployment"):
        svc = d["metadata"]["labels"]["app.kubernetes.io/name"]
        c = pod["containers"][0]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            if svc in GRPC_SERVICES:
                port = next(p["containerPort"] for p in c["ports"] if p["name"] == "grpc")
                assert c[probe]["grpc"]["port"] == port, (svc, probe)
            elif svc == "gateway":
                assert c[probe]["httpGet"]["path"] == "/healthz", (svc, probe)
            else:
                assert probe in c, (svc, probe)
        seen.add(svc)
    assert GRPC_SERVICES | {"gateway"} <= seen


def test_migrations_are_hook_jobs_never_at_start(profile):
    _, docs = profile
    jobs = {d["metadata"]["labels"]["app.kubernetes.io/name"]: d for d in docs if d["kind"] == "Job"}
    assert set(jobs) == GRPC_SERVICES
    for svc, job in jobs.items():
        hooks = job["metadata"]["annotations"]["helm.sh/hook"].split(",")
        assert "pre-upgrade" in hooks and ({"pre-install", "post-install"} & set(hooks)), svc
        pod = job["spec"]["template"]["spec"]
        assert pod["containers"][0]["args"] == [svc, "--migrate"]
        assert_hardened(job["metadata"]["name"], pod)
    for d, pod in pod_specs(docs, "Deployment"):
        for c in pod["containers"]:
            assert "--migrate" not in (c.get("args", []) + c.get("command", [])), d["metadata"]["name"]


def test_secrets_are_referenced_never_rendered(profile):
    _, docs = profile
    assert not [d for d in docs if d["kind"] == "Secret"]
    for d, pod in pod_specs(docs, "Deployment"):
        for c in pod["containers"]:
            for env in c.get("env", []):
                if any(w in env["name"] for w in ("PASSWORD", "SECRET", "ACCESS_KEY", "USERNAME")):
                    assert "secretKeyRef" in env.get("valueFrom", {}), (d["metadata"]["name"], env["name"])


def test_national_profile_scales_and_spreads():
    from render import load

    docs = load("profile-national")
    kinds = {}
    for d in docs:
        kinds.setdefault(d["kind"], []).append(d)
    assert len(kinds["HorizontalPodAutoscaler"]) == len(platform.NAMES)
    assert len(kinds["PodDisruptionBudget"]) == len(platform.NAMES)
    for d, pod in pod_specs(docs, "Deployment"):
        assert "requiredDuringSchedulingIgnoredDuringExecution" in pod["affinity"]["podAntiAffinity"]
        assert "replicas" not in d["spec"]  # the autoscaler owns it


def test_partner_profile_is_small_with_bundled_storage():
    from render import load

    docs = load("profile-partner")
    assert all(d["spec"]["replicas"] == 1 for d in docs if d["kind"] == "Deployment")
    assert [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "co-object-storage"]
    assert {d["spec"]["bootstrap"]["initdb"]["database"] for d in docs if d["kind"] == "Cluster"} == GRPC_SERVICES
    documents = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "co-documents")
    env = {e["name"]: e for e in documents["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["S3_ENDPOINT"]["value"] == "http://co-object-storage:8333"


def test_kafka_topics_with_dead_letter_topics():
    from render import load

    topics = {d["spec"]["topicName"]: d["spec"] for d in load("profile-national") if d["kind"] == "KafkaTopic"}
    assert set(topics) == {f"{t}{s}" for t in platform.TOPICS for s in ("", ".dlq")}
    for spec in topics.values():
        assert spec["partitions"] >= 1 and spec["replicas"] >= 1 and int(spec["config"]["retention.ms"]) > 0
