"""Every service's chain of schema revisions: one line, one head, no revision id used twice
(two lines of work that each add "the next revision" write the same id; alembic would keep one
file and only warn)."""

from __future__ import annotations

import shutil

import pytest

from cokit import platform
from cokit.migrations import History


@pytest.mark.parametrize("service", platform.DATABASES)
def test_one_line_of_revisions(service):
    history = History.of(service)
    revisions = list(history.script.walk_revisions())
    assert len(history.heads()) == 1, history.heads()
    assert revisions[-1].down_revision is None  # back to the baseline, 0001
    assert revisions[-1].revision == "0001"


def test_two_files_with_one_revision_id_are_refused(tmp_path):
    history = History.of("tickets")
    versions = tmp_path / "migrations"
    shutil.copytree(history.location, versions, ignore=shutil.ignore_patterns("__pycache__"))
    assert len(History("tickets", versions).heads()) == 1
    latest = versions / next(p.name for p in sorted(history.location.glob("0*.py"), reverse=True))
    (versions / f"{latest.stem}_again.py").write_text(latest.read_text())
    with pytest.raises(RuntimeError, match="two files share a revision id"):
        History("tickets", versions).heads()
