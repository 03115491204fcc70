"""Loads the manifests rendered by make chart-check (CHART_RENDER_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

RENDER_DIR = Path(os.environ.get("CHART_RENDER_DIR", Path(__file__).resolve().parents[2] / ".cache" / "chart-render"))
PROFILES = ("default", "national", "partner", "local")


def load(name: str) -> list[dict]:
    path = RENDER_DIR / f"{name}.yaml"
    if not path.exists():
        pytest.fail(f"{path} missing: run make chart-check (it renders the charts first)")
    return [d for d in yaml.safe_load_all(path.read_text()) if d]
