"""The rendered manifests of make chart-check (deploy/tools/chart-check.sh writes them to
CHART_RENDER_DIR, one file per instance profile and per service chart)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from render import PROFILES, load  # noqa: E402


@pytest.fixture(params=PROFILES)
def profile(request) -> tuple[str, list[dict]]:
    return request.param, load(f"profile-{request.param}")
