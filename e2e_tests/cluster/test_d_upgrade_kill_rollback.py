"""Changes to the running release while submissions keep coming through the gateway's Service,
counted as the fault tests count them (e2e_tests/faults/load.py): what each client was told,
then the tickets rows, outbox rows, Kafka messages and receipt e-mails of the run.

Each client is one that must never file twice: a submission that gets no answer, a 502, 503 or
504 is sent again with its Idempotency-Key (up to RETRIES times, a second apart), which answers
the first receipt if the first attempt was filed after all. What the first attempts got is
counted too (`sent_again`).

- helm upgrade to a changed value: every Deployment rolls (one new pod up and ready before an
  old one goes, each old one kept serving a few seconds after it leaves its Service), the
  pre-upgrade migrations run; no submission fails and none is lost.
- a tickets pod deleted mid-load: the Deployment makes another; submissions made while none
  is ready are refused with a problem body (503), every accepted one is stored once, published
  and receipted once.
- helm rollback to the revision before the upgrade, under load like the upgrade.
"""

from __future__ import annotations

import json
from pathlib import Path
import threading
import time

from cokit import platform as platform_facts
from e2e_tests.faults.load import Load, new_run, settle
from e2e_tests.helpers import eventually

from .conftest import HERE, RELEASE

RATE = 2.0  # submissions per second: well inside what the node serves while six pods restart at once
RETRIES = 5
SERVICES = platform_facts.NAMES
UPGRADE_ANNOTATION = "citizenoffice.example/upgrade-test"


def under_load(platform, run: str, change, settle_seconds: float = 10.0) -> tuple[list, float]:
    """Runs `change()` while submissions arrive, from 10 s of load before it to `settle_seconds`
    after it returned. Returns the outcomes and how long the change took."""
    load = Load.on(platform, run, 10_000, rate=RATE, seconds=1200, pause=1.0, retries=RETRIES).start()
    eventually(lambda: load.accepted() >= 30, timeout=60, what="30 receipts before the change")
    started = time.monotonic()
    change()
    took = time.monotonic() - started
    # No submission starts after this; those in flight finish.
    load.seconds = time.monotonic() - load.started + settle_seconds
    return load.wait(), took


def revision(cluster) -> int:
    return json.loads(cluster.helm("status", RELEASE, "-o", "json").stdout)["version"]


def annotations(cluster, name: str) -> dict:
    return cluster.json("get", "deployment", f"co-{name}")["spec"]["template"]["metadata"].get("annotations") or {}


def upgrade_values(directory: Path) -> Path:
    """The changed value of the upgrade test: a pod annotation on every service, so each
    Deployment rolls out new pods (and the pre-upgrade migration Jobs run) while submissions
    keep coming."""
    path = directory / "upgrade.yaml"
    path.write_text(
        "".join(f'{name}: {{podAnnotations: {{{UPGRADE_ANNOTATION}: "2"}}}}\n' for name in SERVICES),
        encoding="utf-8",
    )
    return path


def test_helm_upgrade_under_load_fails_and_loses_nothing(cluster, platform, infra, infra_backend, report, tmp_path):
    before = revision(cluster)
    run = new_run("upgrade")

    def upgrade():
        cluster.helm(
            "upgrade",
            RELEASE,
            str(HERE.parents[1] / "charts" / "citizenoffice"),
            *cluster.values_args(upgrade_values(tmp_path)),
            "--wait",
            "--wait-for-jobs",
            "--timeout",
            "15m",
        )

    outcomes, took = under_load(platform, run, upgrade)
    assert revision(cluster) == before + 1
    for name in SERVICES:
        assert annotations(cluster, name).get(UPGRADE_ANNOTATION) == "2", name
    tally = settle(infra, infra_backend, run, outcomes)
    report(f"helm upgrade ({took:.0f} s) under load: {tally.counts()}")
    failed = [o for o in outcomes if not o.accepted]
    assert not failed, [(o.index, o.status, o.error or o.reason) for o in failed[:10]]
    tally.check(duplicates=True)


def test_deleting_a_tickets_pod_mid_load_loses_and_doubles_nothing(cluster, platform, infra, infra_backend, report):
    run = new_run("podkill")
    victim = cluster.running_pod("tickets")
    replaced = {}

    def delete_pod():
        cluster.kubectl("delete", "pod", victim, "--wait=false")
        replaced["at"] = time.monotonic()

        def new_pod_ready():
            for pod in cluster.pods("tickets"):
                ready = {c["type"]: c["status"] for c in pod["status"].get("conditions", [])}
                if pod["metadata"]["name"] != victim and ready.get("Ready") == "True":
                    return pod["metadata"]["name"]
            return None

        replaced["pod"] = eventually(new_pod_ready, timeout=300, interval=1, what="a new tickets pod ready")
        replaced["ready_after_s"] = round(time.monotonic() - replaced["at"], 1)

    outcomes, _ = under_load(platform, run, delete_pod, settle_seconds=20.0)
    tally = settle(infra, infra_backend, run, outcomes)
    report(f"tickets pod deleted ({replaced['pod']} ready after {replaced['ready_after_s']} s): {tally.counts()}")
    tally.check(duplicates=True)
    assert {o.status for o in outcomes if not o.accepted} <= {503}
    assert tally.accepted, "nothing accepted"


def test_helm_rollback_under_load_fails_and_loses_nothing(cluster, platform, infra, infra_backend, report):
    current = revision(cluster)
    target = current - 1
    run = new_run("rollback")
    done = threading.Event()

    def rollback():
        cluster.helm("rollback", RELEASE, str(target), "--wait", "--wait-for-jobs", "--timeout", "15m")
        done.set()

    outcomes, took = under_load(platform, run, rollback)
    assert done.is_set() and revision(cluster) == current + 1
    for name in SERVICES:
        assert UPGRADE_ANNOTATION not in annotations(cluster, name), name
    tally = settle(infra, infra_backend, run, outcomes)
    report(f"helm rollback to revision {target} ({took:.0f} s) under load: {tally.counts()}")
    failed = [o for o in outcomes if not o.accepted]
    assert not failed, [(o.index, o.status, o.error or o.reason) for o in failed[:10]]
    tally.check(duplicates=True)
