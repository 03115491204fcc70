"""Browser fixtures: Playwright driving Debian's Chromium (never a downloaded browser), on a
cheap phone's screen, with each page's transferred bytes counted and screenshots saved in
.local/screenshots/ for people to look at.

The services are the session's `platform` (e2e_tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / ".local" / "screenshots"
AXE_JS = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 640}


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run deploy/tools/ensure-chromium.sh (make test-e2e does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    subprocess.run(["bash", str(ROOT / "deploy" / "tools" / "axe" / "ensure-axe.sh")], check=True)
    return AXE_JS.read_text()


@dataclasses.dataclass
class Transfer:
    """Bytes that crossed the network for the current page: headers and bodies as sent
    (compressed if they were), every resource included."""

    requests: list = dataclasses.field(default_factory=list)

    def reset(self) -> None:
        self.requests.clear()

    def record(self, request) -> None:
        self.requests.append(request)

    def total(self) -> int:
        size = 0
        for request in self.requests:
            sizes = request.sizes()
            size += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        return size


class Phone:
    """One browser tab on a 360x640 screen, as a citizen with a cheap phone sees the portal."""

    def __init__(self, context, base_url: str):
        self.context = context
        self.page = context.new_page()
        self.base_url = base_url
        self.transfer = Transfer()
        self.page.on("requestfinished", self.transfer.record)

    def open(self, path: str):
        self.transfer.reset()
        response = self.page.goto(self.base_url + path)
        return response

    def screenshot(self, name: str) -> pathlib.Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe(self, source: str) -> list[dict]:
        """Serious and critical axe-core violations of the current page."""
        self.page.evaluate(source)
        result = self.page.evaluate("async () => JSON.stringify(await axe.run(document))")
        violations = json.loads(result)["violations"]
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"][:3]]}
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]


@pytest.fixture
def phone_factory(chromium, platform):
    contexts = []

    def make(locale: str = "ar-MA", javascript: bool = True) -> Phone:
        context = chromium.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale=locale,
            java_script_enabled=javascript,
        )
        contexts.append(context)
        return Phone(context, platform.base_url)

    yield make
    for context in contexts:
        context.close()
