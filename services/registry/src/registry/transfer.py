"""Import and export of territory, offices and catalogue as CSV or JSON.

A ministry onboards hundreds of communes at once, so a file is checked whole before anything
is written: one bad row and nothing is imported, and the answer lists every bad row with the
field and the reason, so the file can be fixed in one pass.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math

from . import domain, territory

KINDS = ("territory", "offices", "catalogue")
FORMATS = ("csv", "json")
MAX_ROWS = 50_000

COLUMNS = {
    "territory": ("code", "level", "parent_code", "name_fr", "name_ar", "name_zgh", "population", "commune_type"),
    "offices": (
        "slug",
        "commune_code",
        "name_fr",
        "name_ar",
        "name_zgh",
        "name_en",
        "status",
        "phase",
        "address",
        "latitude",
        "longitude",
        "phone",
        "email",
    ),
    "catalogue": (
        "office",
        "code",
        "request_type",
        "category",
        "name_fr",
        "name_ar",
        "name_zgh",
        "name_en",
        "deadline_count",
        "deadline_unit",
        "legal_basis",
        "department",
        "requires_location",
        "requires_attachments",
        "active",
        "publicity",
        "anonymous_allowed",
    ),
}
KEY_COLUMN = {"territory": "code", "offices": "slug", "catalogue": "code"}


@dataclasses.dataclass(frozen=True)
class RowError:
    row: int  # 1 = the first data row (a CSV file's header is row 0)
    key: str
    field: str
    reason: str
    message: str


class FileError(ValueError):
    """The file as a whole cannot be read (not CSV/JSON, missing columns, too big)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def read_rows(kind: str, fmt: str, content: bytes) -> list[dict[str, str]]:
    if kind not in KINDS:
        raise FileError("BAD_KIND", f"kind must be one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise FileError("BAD_FORMAT", f"format must be one of {', '.join(FORMATS)}")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError("NOT_UTF8", "the file must be UTF-8") from None
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in (KEY_COLUMN[kind],) if c not in (reader.fieldnames or ())]
        if missing:
            raise FileError("MISSING_COLUMNS", f"missing columns: {', '.join(missing)}")
        unknown = [c for c in reader.fieldnames if c not in COLUMNS[kind]]
        if unknown:
            raise FileError("UNKNOWN_COLUMNS", f"unknown columns: {', '.join(unknown)}")
        rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FileError("BAD_JSON", f"not JSON: {exc.msg} at line {exc.lineno}") from None
        if isinstance(data, dict):
            data = data.get(kind)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise FileError("BAD_JSON", f'expected a list of objects (or {{"{kind}": [...]}})')
        rows = []
        for row in data:
            rows.append({k: _text(v) for k, v in row.items()})
        unknown = sorted({k for r in rows for k in r} - set(COLUMNS[kind]))
        if unknown:
            raise FileError("UNKNOWN_COLUMNS", f"unknown columns: {', '.join(unknown)}")
    if len(rows) > MAX_ROWS:
        raise FileError("TOO_MANY_ROWS", f"at most {MAX_ROWS} rows per file")
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _int(row, field, errors, n, key, optional=False):
    value = row.get(field, "")
    if value == "" and optional:
        return None
    try:
        return int(value)
    except ValueError:
        errors.append(RowError(n, key, field, "NOT_A_NUMBER", f"{field} must be a whole number"))
        return None


def _float(row, field, errors, n, key):
    value = row.get(field, "")
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        errors.append(RowError(n, key, field, "BAD_COORDINATES", f"{field} must be a number"))
        return None
    return number if math.isfinite(number) else float("nan")


def _bool(row, field, errors, n, key, default=False):
    value = row.get(field, "").lower()
    if value == "":
        return default
    if value in ("true", "1", "yes", "oui"):
        return True
    if value in ("false", "0", "no", "non"):
        return False
    errors.append(RowError(n, key, field, "NOT_A_BOOLEAN", f"{field} must be true or false"))
    return default


def _duplicates(rows, key_of, errors):
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, 1):
        key = key_of(row)
        if key in seen:
            errors.append(RowError(n, key, "key", "DUPLICATE_ROW", f"same key as row {seen[key]}"))
        else:
            seen[key] = n


def validate_territory(rows, existing_levels: dict[str, str]):
    """Units from the rows, or every problem. `existing_levels`: code -> level in the database."""
    errors: list[RowError] = []
    units = []
    for n, row in enumerate(rows, 1):
        key = row.get("code", "")
        population = _int(row, "population", errors, n, key, optional=True)
        unit = territory.Unit(
            code=key,
            level=row.get("level", ""),
            parent_code=row.get("parent_code", ""),
            name_fr=row.get("name_fr", ""),
            name_ar=row.get("name_ar", ""),
            name_zgh=row.get("name_zgh", ""),
            population=population,
            commune_type=row.get("commune_type", ""),
        )
        errors.extend(RowError(n, key, *p) for p in territory.unit_problems(unit))
        units.append(unit)
    _duplicates(rows, lambda r: r.get("code", ""), errors)
    levels = dict(existing_levels)
    levels.update({u.code: u.level for u in units})
    for n, unit in enumerate(units, 1):
        if unit.parent_code and unit.parent_code == unit.code:
            errors.append(RowError(n, unit.code, "parent_code", "BAD_PARENT", "a unit cannot be its own parent"))
            continue
        problem = territory.parent_problem(unit, levels.get(unit.parent_code))
        if problem and unit.level in territory.LEVELS:
            errors.append(RowError(n, unit.code, *problem))
        if existing_levels.get(unit.code) not in (None, unit.level):
            errors.append(
                RowError(
                    n,
                    unit.code,
                    "level",
                    "LEVEL_CHANGED",
                    f"{unit.code} is a {existing_levels[unit.code]}; its level cannot change",
                )
            )
    return units, sorted(errors, key=lambda e: (e.row, e.field))


@dataclasses.dataclass(frozen=True)
class OfficeRow:
    slug: str
    commune_code: str
    name_fr: str
    name_ar: str
    name_zgh: str
    name_en: str
    status: str
    phase: str
    details: domain.OfficeDetails


def validate_offices(rows, communes: set[str], current_phases: dict[str, str]):
    """`communes`: commune codes known in the database; `current_phases`: slug -> phase."""
    errors: list[RowError] = []
    offices = []
    for n, row in enumerate(rows, 1):
        key = row.get("slug", "")
        details = domain.OfficeDetails(
            address=row.get("address", ""),
            latitude=_float(row, "latitude", errors, n, key),
            longitude=_float(row, "longitude", errors, n, key),
            phone=row.get("phone", ""),
            email=row.get("email", ""),
        )
        office = OfficeRow(
            slug=key,
            commune_code=row.get("commune_code", ""),
            name_fr=row.get("name_fr", ""),
            name_ar=row.get("name_ar", ""),
            name_zgh=row.get("name_zgh", ""),
            name_en=row.get("name_en", ""),
            status=row.get("status", "") or "planned",
            phase=row.get("phase", "") or "creation",
            details=details,
        )
        problems = domain.office_problems(office.slug, office.name_fr, office.name_ar, office.status, office.phase)
        problems += domain.details_problems(details)
        if office.name_zgh and not territory.TIFINAGH.match(office.name_zgh):
            problems.append(("name_zgh", "NOT_TIFINAGH", "the Amazigh name must be written in Tifinagh"))
        if office.commune_code not in communes:
            problems.append(("commune_code", "COMMUNE_NOT_FOUND", f"no commune {office.commune_code!r}"))
        current = current_phases.get(office.slug)
        if (
            current
            and office.phase in domain.PHASES
            and domain.PHASES.index(office.phase) < domain.PHASES.index(current)
        ):
            problems.append(
                (
                    "phase",
                    "PHASE_BACKWARDS_NEEDS_REASON",
                    f"going back from {current} to {office.phase} needs a reason: use ChangePhase",
                )
            )
        errors.extend(RowError(n, key, *p) for p in problems)
        offices.append(office)
    _duplicates(rows, lambda r: r.get("slug", ""), errors)
    return offices, sorted(errors, key=lambda e: (e.row, e.field))


def validate_catalogue(rows, offices: set[str]):
    """(office slug, entry) pairs from the rows; `offices`: the slugs in the database."""
    errors: list[RowError] = []
    entries = []
    for n, row in enumerate(rows, 1):
        key = row.get("code", "")
        count = _int(row, "deadline_count", errors, n, key)
        entry = domain.CatalogueEntry(
            code=key,
            request_type=row.get("request_type", ""),
            category=row.get("category", ""),
            name_fr=row.get("name_fr", ""),
            name_ar=row.get("name_ar", ""),
            name_zgh=row.get("name_zgh", ""),
            name_en=row.get("name_en", ""),
            deadline_count=count or 0,
            deadline_unit=row.get("deadline_unit", "") or "working_days",
            legal_basis=row.get("legal_basis", ""),
            department=row.get("department", ""),
            requires_location=_bool(row, "requires_location", errors, n, key),
            requires_attachments=_bool(row, "requires_attachments", errors, n, key),
            active=_bool(row, "active", errors, n, key, default=True),
            publicity=row.get("publicity", ""),
            anonymous_allowed=_bool(row, "anonymous_allowed", errors, n, key, default=None),
        )
        problems = domain.entry_problems(entry)
        if count is None:
            problems = [p for p in problems if p[0] != "deadline_count"]
        office = row.get("office", "")
        if office not in offices:
            problems.append(("office", "OFFICE_NOT_FOUND", f"no office {office!r}"))
        errors.extend(RowError(n, key, *p) for p in problems)
        entries.append((office, entry))
    _duplicates(rows, lambda r: f"{r.get('office', '')}/{r.get('code', '')}", errors)
    return entries, sorted(errors, key=lambda e: (e.row, e.field))


def write_rows(kind: str, fmt: str, rows: list[dict]) -> bytes:
    columns = COLUMNS[kind]
    if fmt == "json":
        return json.dumps({kind: [{c: r.get(c) for c in columns} for r in rows]}, ensure_ascii=False, indent=1).encode()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" if row.get(c) is None else _text(row.get(c)) for c in columns})
    return out.getvalue().encode()
