"""Every value of every chart is documented, global settings agree between the charts, and the
committed values schemas are the generated ones."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from cokit import platform

CHARTS = Path(__file__).resolve().parents[1]
APP_CHARTS = [*platform.NAMES, "citizenoffice"]


# Maps whose entries are data (settings, resources, topics, selectors): documented as a whole.
FREE_MAPS = {"config", "secretEnv", "resources", "topics", "label", "labels", "matchLabels"}


def test_every_value_has_a_comment():
    undocumented = []
    for chart in APP_CHARTS:
        lines = (CHARTS / chart / "values.yaml").read_text().splitlines()
        ancestors: list[tuple[int, str, bool]] = []  # indent, key, documented
        for i, line in enumerate(lines):
            m = re.match(r"^(\s*)([A-Za-z0-9_.-]+):(.*)$", line)
            if not m:
                continue
            indent, key, rest = len(m.group(1)), m.group(2), m.group(3).strip()
            while ancestors and ancestors[-1][0] >= indent:
                ancestors.pop()
            j = i - 1
            while j >= 0 and lines[j].strip().startswith("#") and not lines[j].strip().startswith("# --"):
                j -= 1
            documented = j >= 0 and lines[j].strip().startswith("# --")
            inside_free = any(k in FREE_MAPS and d for _, k, d in ancestors)
            is_leaf = rest != ""
            if is_leaf and not documented and not inside_free:
                undocumented.append(f"{chart}/values.yaml:{i + 1}: {key}")
            ancestors.append((indent, key, documented))
    assert not undocumented, "\n".join(undocumented)


def test_global_settings_are_the_same_in_every_chart():
    globals_ = {c: yaml.safe_load((CHARTS / c / "values.yaml").read_text())["global"] for c in APP_CHARTS}
    first = globals_["identity"]
    assert all(g == first for g in globals_.values())


def test_every_chart_has_a_values_schema():
    for chart in APP_CHARTS + ["citizenoffice-lib"]:
        assert (CHARTS / chart / "values.schema.json").is_file(), chart
