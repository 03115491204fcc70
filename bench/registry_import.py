"""Registry: territory import of a ministry-sized file, and working-day arithmetic.

    .venv/bin/python bench/registry_import.py [--communes 15000]

Figures, each against a baseline measured in the same run:
- validate: CSV read + every rule of every row, against reading the CSV alone;
- apply: the import's upsert into a fresh SQLite database, against a bare executemany insert
  of the same rows;
- deadline: CalendarCache.add_working_days(20) on the Moroccan calendar, against the same
  count on a calendar without holidays.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "services" / "registry" / "src"))

from cokit.calendar import CalendarCache, WorkingCalendar  # noqa: E402
from cokit.db import create_engine  # noqa: E402
from registry import calendar, store, transfer  # noqa: E402


REPEAT = 5


def communes(n: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(transfer.COLUMNS["territory"])
    for i in range(n):
        writer.writerow([f"bench-c{i:06d}", "commune", "ma-tet", f"Commune {i}", f"جماعة {i}", "", 1000 + i, "rural"])
    return out.getvalue().encode()


def timed(fn, repeat: int = REPEAT) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def line(name: str, value: float, unit: str, baseline_value: float, baseline: str) -> None:
    print(f"{name}: {value:,.0f} {unit} (ratio {value / baseline_value:.2f} against {baseline})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=15_000)
    n = parser.parse_args().communes
    content = communes(n)
    existing = {"ma": "instance", "ma-01": "region", "ma-tet": "province"}

    read_only = timed(lambda: list(csv.DictReader(io.StringIO(content.decode()))))
    validate = timed(lambda: transfer.validate_territory(transfer.read_rows("territory", "csv", content), existing))
    line("registry_import_validate", n / validate, "rows/s", n / read_only, "csv_read_only")

    units, errors = transfer.validate_territory(transfer.read_rows("territory", "csv", content), existing)
    assert not errors
    with tempfile.TemporaryDirectory() as tmp:

        def fresh(name):
            engine = create_engine(f"sqlite:///{tmp}/{name}.db")
            store.metadata.create_all(engine)
            return engine

        def upsert(engine):
            with engine.begin() as conn:
                store.upsert_units(conn, units, "ma")

        def bare(engine):
            rows = [store.unit_row(u, "ma") for u in units]
            with engine.begin() as conn:
                conn.execute(store.territory_units.insert(), rows)

        engines = iter([fresh(f"u{i}") for i in range(REPEAT)])
        apply = timed(lambda: upsert(next(engines)))
        engines = iter([fresh(f"b{i}") for i in range(REPEAT)])
        baseline = timed(lambda: bare(next(engines)))
        line("registry_import_apply_sqlite", n / apply, "rows/s", n / baseline, "bare_executemany_insert")

    morocco = CalendarCache(lambda: calendar.working_calendar(calendar.MOROCCO_HOLIDAYS))
    plain = CalendarCache(lambda: WorkingCalendar())
    starts = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(700)]

    def deadlines(cache):
        for start in starts:
            cache.add_working_days(start, 20)

    line(
        "registry_deadline_20_working_days",
        len(starts) / timed(lambda: deadlines(morocco)),
        "calls/s",
        len(starts) / timed(lambda: deadlines(plain)),
        "calendar_without_holidays",
    )


if __name__ == "__main__":
    main()
