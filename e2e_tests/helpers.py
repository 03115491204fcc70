"""Small helpers shared by the end-to-end tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T], timeout: float = 30.0, interval: float = 0.3, what: str = "condition") -> T:
    """Call `probe` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def jpeg_bytes(seed: bytes = b"") -> bytes:
    """A real 64x48 JPEG whose pixels depend on `seed`, so each test's photo is its own."""
    import io

    from PIL import Image

    colour = tuple((seed or b"\x40\x80\xc0")[i % max(len(seed), 1)] for i in range(3))
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG", quality=85)
    return out.getvalue()


def fresh_database(base_url: str, name: str) -> str:
    """Drop and create the PostgreSQL database `name` on the server of `base_url` (a SQLAlchemy
    URL of another database there); returns the new database's URL."""
    _on_server(base_url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    return base_url.rsplit("/", 1)[0] + "/" + name


def drop_database(base_url: str, name: str) -> None:
    """Drop the PostgreSQL database `name` made by fresh_database."""
    _on_server(base_url, f"DROP DATABASE IF EXISTS {name}")


def _on_server(base_url: str, *statements: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    admin.dispose()
