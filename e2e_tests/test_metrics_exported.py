"""Every metric name that the Grafana dashboards and the alert rules of the Helm charts use is
really exported by the running services, and a refused request is counted as one (4xx), not as
a failure.

Run beside other e2e sessions with its own ports: CITIZENOFFICE_E2E_PORT_OFFSET=300.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from cokit import platform as platform_facts

from .helpers import jpeg_bytes
from .test_walking_skeleton import submit

CHART = Path(__file__).resolve().parents[1] / "charts" / "citizenoffice"
SERVICES = list(platform_facts.NAMES)
SUFFIXES = {
    "counter": ["_total", "_created"],
    "histogram": ["_bucket", "_sum", "_count", "_created"],
    "summary": ["_sum", "_count", "_created"],
    "gauge": [""],
}
PROMQL_WORDS = {
    "sum",
    "rate",
    "irate",
    "increase",
    "histogram_quantile",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "avg",
    "max",
    "min",
    "count",
    "label_values",
    "bool",
    "offset",
    "topk",
    "bottomk",
    "abs",
    "clamp_min",
    "clamp_max",
    "delta",
    "deriv",
}


def metric_names(expr: str) -> set[str]:
    """The metric names of a PromQL expression (label matchers, groupings and strings removed)."""
    expr = re.sub(r"\{\{.*?\}\}", " 0 ", expr)  # Helm template placeholders
    expr = re.sub(r"\{[^{}]*\}", " ", expr)  # label matchers
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", expr)
    expr = re.sub(r'"[^"]*"', " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)  # ranges
    expr = re.sub(r"\boffset\s+[0-9smhdwy]+", " ", expr)  # offset 1d
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        word = m.group(0)
        following = expr[m.end() :].lstrip()[:1]
        if word in PROMQL_WORDS or following == "(" or word.startswith("$"):
            continue
        names.add(word)
    return names


def used_names() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for path in sorted((CHART / "dashboards").glob("*.json")):
        dash = json.loads(path.read_text())
        for panel in dash["panels"]:
            for target in panel.get("targets", []):
                for name in metric_names(target["expr"]):
                    used.setdefault(name, set()).add(path.name)
        for var in dash.get("templating", {}).get("list", []):
            query = var.get("query")
            if isinstance(query, dict):
                for name in metric_names(
                    query["query"].replace("label_values(", "label_values (").split("(", 1)[1].rsplit(",", 1)[0]
                ):
                    used.setdefault(name, set()).add(path.name)
    for expr in re.findall(r"expr: \|\n((?:\s{10}.*\n)+)", (CHART / "rules" / "alerts.yaml").read_text()):
        for name in metric_names(expr):
            used.setdefault(name, set()).add("rules/alerts.yaml")
    return used


def exported(text: str) -> set[str]:
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(f"{family.name}{s}" for s in SUFFIXES.get(family.type, [""]))
        names.update(sample.name for sample in family.samples)
    return names


def test_parser_finds_the_metric_names_of_an_expression():
    expr = (
        'histogram_quantile(0.99, sum by (service, le) (rate(a_bucket{kind=~"grpc|http"}[5m])))'
        " / on (service) b_total > {{ .Values.x }}"
    )
    assert metric_names(expr) == {"a_bucket", "b_total"}
    assert metric_names("max by (office_id) (c offset 1d) and deriv(d[1h:5m]) > 0") == {"c", "d"}


def test_every_metric_of_the_dashboards_and_alerts_is_exported(platform):
    used = used_names()
    assert len(used) >= 4, used
    # traffic through the gateway: every service handles at least one call
    assert requests.get(f"{platform.base_url}/api/v1/offices", timeout=10).status_code == 200
    assert submit(platform, "metrics@example.org", photo=jpeg_bytes(b"metrics")).status_code in (200, 201, 202)
    names: set[str] = set()
    for service in SERVICES:
        port = platform.service(service).metrics_port
        response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert response.status_code == 200, service
        names |= exported(response.text)
    missing = {name: sorted(where) for name, where in used.items() if name not in names}
    assert not missing, f"used in dashboards or alerts but exported by no service: {missing}"


def scraped(platform, service: str) -> list:
    port = platform.service(service).metrics_port
    response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    response.raise_for_status()
    return [sample for family in text_string_to_metric_families(response.text) for sample in family.samples]


def total(samples, name: str, **labels) -> float:
    """The sum of the samples named `name` whose labels include `labels`; a value is matched as
    a regular expression."""
    return sum(
        sample.value
        for sample in samples
        if sample.name == name and all(re.fullmatch(v, sample.labels.get(k, "")) for k, v in labels.items())
    )


def test_a_refused_request_is_counted_as_4xx_and_not_as_an_error(platform):
    responses, calls = "citizenoffice_http_responses_total", "citizenoffice_entrypoint_calls_total"
    track = dict(route_family="/api", method="track_ticket")
    grpc_not_found = dict(method=".*/TrackByCode", code="NOT_FOUND")
    before, tickets_before = scraped(platform, "gateway"), scraped(platform, "tickets")

    # tickets answers NOT_FOUND; the gateway turns it into a problem body
    refused = requests.get(f"{platform.base_url}/api/v1/tickets/track/0000-0000-0", timeout=10)
    assert refused.status_code == 404
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    # an address no route takes, answered by the fallback without a worker
    assert requests.get(f"{platform.base_url}/api/v1/no-such-route", timeout=10).status_code == 404

    after, tickets_after = scraped(platform, "gateway"), scraped(platform, "tickets")

    def grew(samples_after, samples_before, name, **labels):
        return total(samples_after, name, **labels) - total(samples_before, name, **labels)

    assert grew(after, before, responses, status_class="4xx", **track) == 1
    assert grew(after, before, responses, status_class="5xx", **track) == 0
    assert grew(after, before, responses, status_class="4xx", route_family="/", method="portal_not_found") == 1
    assert grew(after, before, calls, kind="http", method="track_ticket", outcome="ok") == 1
    assert grew(after, before, calls, kind="http", method="track_ticket", outcome="error") == 0
    # behind it, the gRPC call is an error whose code tells a refusal from a fault
    assert grew(tickets_after, tickets_before, "citizenoffice_entrypoint_errors_total", **grpc_not_found) == 1
