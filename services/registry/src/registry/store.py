"""The registry database: territory, offices with their phases, activities, catalogue, calendars."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import sqlalchemy as sa

from cokit.ids import uuid7

from . import calendar, domain, territory

metadata = sa.MetaData()

offices = sa.Table(
    "offices",
    metadata,
    sa.Column("office_id", sa.String(36), primary_key=True),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("slug", sa.String(64), nullable=False, unique=True),
    sa.Column("commune_code", sa.String(64), nullable=False),
    sa.Column("name_ar", sa.String(200), nullable=False),
    sa.Column("name_fr", sa.String(200), nullable=False),
    sa.Column("name_zgh", sa.String(200), nullable=False, default=""),
    sa.Column("name_en", sa.String(200), nullable=False, default=""),
    sa.Column("phase", sa.String(32), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def get_office(conn: sa.Connection, key: str):
    column = offices.c.office_id if len(key) == 36 else offices.c.slug
    return conn.execute(sa.select(offices).where(column == key)).mappings().first()


def list_offices(conn: sa.Connection, status: str = ""):
    query = sa.select(offices).order_by(offices.c.slug)
    if status:
        query = query.where(offices.c.status == status)
    return conn.execute(query).mappings().all()


territory_units = sa.Table(
    "territory_units",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("parent_code", sa.String(64), nullable=False, default=""),
    sa.Column("name_fr", sa.String(200), nullable=False, default=""),
    sa.Column("name_ar", sa.String(200), nullable=False, default=""),
    sa.Column("name_zgh", sa.String(200), nullable=False, default=""),
    sa.Column("population", sa.BigInteger, nullable=True),
    sa.Column("commune_type", sa.String(32), nullable=False, default=""),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_territory_parent", "parent_code"),
)

# Details live beside `offices` (not in it) so databases created before them need no ALTER.
office_profiles = sa.Table(
    "office_profiles",
    metadata,
    sa.Column("office_id", sa.String(36), primary_key=True),
    sa.Column("address", sa.String(500), nullable=False, default=""),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    sa.Column("opening_hours", sa.Text, nullable=False, default="[]"),
    sa.Column("phone", sa.String(40), nullable=False, default=""),
    sa.Column("email", sa.String(200), nullable=False, default=""),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

office_staff = sa.Table(
    "office_staff",
    metadata,
    sa.Column("office_id", sa.String(36), primary_key=True),
    sa.Column("account_id", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(64), nullable=False, default="agent"),
)

office_phases = sa.Table(
    "office_phases",
    metadata,
    sa.Column("step_id", sa.String(36), primary_key=True),
    sa.Column("office_id", sa.String(36), nullable=False, index=True),
    sa.Column("phase", sa.String(32), nullable=False),
    sa.Column("changed_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("changed_by", sa.String(100), nullable=False, default=""),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

activities = sa.Table(
    "activities",
    metadata,
    sa.Column("activity_id", sa.String(36), primary_key=True),
    sa.Column("instance_id", sa.String(32), nullable=False),
    sa.Column("office_id", sa.String(36), nullable=False, default="", index=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("theme", sa.String(40), nullable=False, default=""),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("place", sa.String(300), nullable=False),
    sa.Column("title", sa.String(300), nullable=False, default=""),
    sa.Column("women", sa.Integer, nullable=False, default=0),
    sa.Column("men", sa.Integer, nullable=False, default=0),
    sa.Column("others", sa.Integer, nullable=False, default=0),
    sa.Column("document_ids", sa.Text, nullable=False, default="[]"),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

catalogue_entries = sa.Table(
    "catalogue_entries",
    metadata,
    sa.Column("office_id", sa.String(36), primary_key=True),
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("request_type", sa.String(40), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("name_fr", sa.String(200), nullable=False, default=""),
    sa.Column("name_ar", sa.String(200), nullable=False, default=""),
    sa.Column("name_zgh", sa.String(200), nullable=False, default=""),
    sa.Column("name_en", sa.String(200), nullable=False, default=""),
    sa.Column("deadline_count", sa.Integer, nullable=False),
    sa.Column("deadline_unit", sa.String(16), nullable=False),
    sa.Column("legal_basis", sa.String(300), nullable=False, default=""),
    sa.Column("department", sa.String(200), nullable=False, default=""),
    sa.Column("requires_location", sa.Boolean, nullable=False, default=False),
    sa.Column("requires_attachments", sa.Boolean, nullable=False, default=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # Added later: empty or NULL read as the request type's default (domain.CatalogueEntry).
    sa.Column("publicity", sa.String(16), nullable=False, server_default=""),
    sa.Column("anonymous_allowed", sa.Boolean, nullable=True),
)

calendars = sa.Table(
    "calendars",
    metadata,
    sa.Column("instance_id", sa.String(32), primary_key=True),
    sa.Column("weekend", sa.String(20), nullable=False),
)

holidays = sa.Table(
    "holidays",
    metadata,
    sa.Column("instance_id", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("name_fr", sa.String(200), nullable=False, default=""),
    sa.Column("name_ar", sa.String(200), nullable=False, default=""),
    sa.Column("month", sa.Integer, nullable=False, default=0),
    sa.Column("day", sa.Integer, nullable=False, default=0),
    sa.Column("on_date", sa.Date, nullable=True),
    sa.Column("from_year", sa.Integer, nullable=False, default=0),
    sa.Column("religious", sa.Boolean, nullable=False, default=False),
    sa.Column("confirmed", sa.Boolean, nullable=False, default=True),
)


federation_members = sa.Table(
    "federation_members",
    metadata,
    sa.Column("instance_id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("figures", sa.LargeBinary, nullable=False),  # a serialized registry.v1.Achievements
    sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
)


def save_member_figures(conn, instance_id: str, name: str, figures: bytes) -> dt.datetime:
    stamp = now()
    values = dict(name=name, figures=figures, reported_at=stamp)
    done = conn.execute(
        federation_members.update().where(federation_members.c.instance_id == instance_id).values(**values)
    )
    if done.rowcount == 0:
        conn.execute(federation_members.insert().values(instance_id=instance_id, **values))
    return stamp


def forget_member_figures(conn, instance_id: str) -> None:
    conn.execute(federation_members.delete().where(federation_members.c.instance_id == instance_id))


def member_figures(conn):
    return conn.execute(sa.select(federation_members).order_by(federation_members.c.instance_id)).mappings().all()


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# --- seed ----------------------------------------------------------------------------------


def seed(conn: sa.Connection, instance_id: str) -> int:
    """Insert the seed data that is not there yet (idempotent); return the rows added."""
    if conn.dialect.name == "postgresql":
        # Stacks sharing one database migrate at the same time: one seeds, the others wait
        # and then find everything there.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(4242001)"))
    added = 0
    if instance_id == "ma":
        known = set(conn.execute(sa.select(territory_units.c.code)).scalars())
        rows = [unit_row(u, instance_id) for u in territory.SEED_UNITS if u.code not in known]
        if rows:
            conn.execute(territory_units.insert(), rows)
        added += len(rows)
        keys = set(conn.execute(sa.select(holidays.c.key).where(holidays.c.instance_id == instance_id)).scalars())
        rows = [holiday_row(r, instance_id) for r in calendar.MOROCCO_HOLIDAYS if r.key not in keys]
        if rows:
            conn.execute(holidays.insert(), rows)
        added += len(rows)
    if conn.execute(sa.select(calendars.c.instance_id).where(calendars.c.instance_id == instance_id)).first() is None:
        conn.execute(calendars.insert().values(instance_id=instance_id, weekend="5,6"))
    existing = set(conn.execute(sa.select(offices.c.slug)).scalars())
    stamp = now()
    # The first offices are Moroccan, in the Moroccan territory seeded above: a partner
    # instance starts with its own territory and offices, imported by its admin.
    for office in domain.SEED_OFFICES if instance_id == "ma" else ():
        if office.slug in existing:
            continue
        office_id = uuid7()
        conn.execute(
            offices.insert().values(
                office_id=office_id,
                instance_id=instance_id,
                created_at=stamp,
                **{f.name: getattr(office, f.name) for f in office.__dataclass_fields__.values()},
            )
        )
        added += 1
    for row in conn.execute(sa.select(offices.c.office_id, offices.c.phase)).all():
        if (
            conn.execute(
                sa.select(office_phases.c.step_id).where(office_phases.c.office_id == row.office_id).limit(1)
            ).first()
            is None
        ):
            add_phase_step(conn, row.office_id, row.phase, stamp.date(), "", "seed")
        if (
            conn.execute(
                sa.select(catalogue_entries.c.code).where(catalogue_entries.c.office_id == row.office_id).limit(1)
            ).first()
            is None
        ):
            for entry in domain.DEFAULT_CATALOGUE:
                upsert_entry(conn, row.office_id, entry)
    return added


# --- territory -----------------------------------------------------------------------------


def unit_row(unit: territory.Unit, instance_id: str) -> dict:
    return dict(
        code=unit.code,
        instance_id=instance_id,
        level=unit.level,
        parent_code=unit.parent_code,
        name_fr=unit.name_fr,
        name_ar=unit.name_ar,
        name_zgh=unit.name_zgh,
        population=unit.population,
        commune_type=unit.commune_type,
        updated_at=now(),
    )


def territory_levels(conn) -> dict[str, str]:
    return dict(conn.execute(sa.select(territory_units.c.code, territory_units.c.level)).all())


def territory_parents(conn) -> dict[str, str]:
    return dict(conn.execute(sa.select(territory_units.c.code, territory_units.c.parent_code)).all())


def get_unit(conn, code: str):
    return conn.execute(sa.select(territory_units).where(territory_units.c.code == code)).mappings().first()


def list_units(conn, parent_code: str = "", level: str = ""):
    query = sa.select(territory_units).order_by(territory_units.c.code)
    if parent_code:
        query = query.where(territory_units.c.parent_code == parent_code)
    if level:
        query = query.where(territory_units.c.level == level)
    return conn.execute(query).mappings().all()


def upsert_units(conn, units, instance_id: str) -> tuple[int, int]:
    existing = set(conn.execute(sa.select(territory_units.c.code)).scalars())
    new = [unit_row(u, instance_id) for u in units if u.code not in existing]
    old = [unit_row(u, instance_id) for u in units if u.code in existing]
    if new:
        conn.execute(territory_units.insert(), new)
    if old:
        stmt = (
            territory_units.update()
            .where(territory_units.c.code == sa.bindparam("b_code"))
            .values(
                **{
                    c: sa.bindparam(c)
                    for c in (
                        "level",
                        "parent_code",
                        "name_fr",
                        "name_ar",
                        "name_zgh",
                        "population",
                        "commune_type",
                        "updated_at",
                    )
                }
            )
        )
        conn.execute(stmt, [dict(r, b_code=r["code"]) for r in old])
    return len(new), len(old)


def remove_units(conn, codes) -> int:
    codes = list(codes)
    removed = 0
    for i in range(0, len(codes), 500):
        removed += conn.execute(territory_units.delete().where(territory_units.c.code.in_(codes[i : i + 500]))).rowcount
    return removed


def ancestors(conn, code: str) -> dict[str, str]:
    """level -> code for the unit and every unit above it."""
    found = {}
    for _ in range(len(territory.LEVELS)):
        row = conn.execute(
            sa.select(territory_units.c.level, territory_units.c.parent_code).where(territory_units.c.code == code)
        ).first()
        if row is None:
            break
        found[row.level] = code
        code = row.parent_code
    return found


def region_of(parents: dict[str, str], levels: dict[str, str], code: str) -> str:
    seen = 0
    while code and seen < 10:
        if levels.get(code) == "region":
            return code
        code = parents.get(code, "")
        seen += 1
    return ""


# --- offices -------------------------------------------------------------------------------


def get_profile(conn, office_id: str):
    return conn.execute(sa.select(office_profiles).where(office_profiles.c.office_id == office_id)).mappings().first()


def save_profile(conn, office_id: str, details: domain.OfficeDetails) -> None:
    values = dict(
        address=details.address,
        latitude=details.latitude,
        longitude=details.longitude,
        opening_hours=json.dumps(
            [dict(weekday=h.weekday, opens=h.opens, closes=h.closes) for h in details.opening_hours]
        ),
        phone=details.phone,
        email=details.email,
        updated_at=now(),
    )
    done = conn.execute(office_profiles.update().where(office_profiles.c.office_id == office_id).values(**values))
    if done.rowcount == 0:
        conn.execute(office_profiles.insert().values(office_id=office_id, **values))


def details_of(profile) -> domain.OfficeDetails:
    if profile is None:
        return domain.OfficeDetails()
    return domain.OfficeDetails(
        address=profile["address"],
        latitude=profile["latitude"],
        longitude=profile["longitude"],
        opening_hours=tuple(domain.Hours(**h) for h in json.loads(profile["opening_hours"] or "[]")),
        phone=profile["phone"],
        email=profile["email"],
    )


def staff_of(conn, office_id: str):
    return (
        conn.execute(
            sa.select(office_staff).where(office_staff.c.office_id == office_id).order_by(office_staff.c.account_id)
        )
        .mappings()
        .all()
    )


def replace_staff(conn, office_id: str, members) -> None:
    conn.execute(office_staff.delete().where(office_staff.c.office_id == office_id))
    if members:
        conn.execute(office_staff.insert(), [dict(office_id=office_id, account_id=a, role=r) for a, r in members])


def phase_history(conn, office_id: str):
    return (
        conn.execute(
            sa.select(office_phases)
            .where(office_phases.c.office_id == office_id)
            .order_by(office_phases.c.recorded_at, office_phases.c.step_id)
        )
        .mappings()
        .all()
    )


def add_phase_step(conn, office_id, phase, changed_on, reason, actor) -> None:
    conn.execute(
        office_phases.insert().values(
            step_id=uuid7(),
            office_id=office_id,
            phase=phase,
            changed_on=changed_on,
            reason=reason,
            changed_by=actor,
            recorded_at=now(),
        )
    )


def insert_office(conn, row: dict) -> None:
    conn.execute(offices.insert().values(**row))


def update_office(conn, office_id: str, **values) -> None:
    conn.execute(offices.update().where(offices.c.office_id == office_id).values(**values))


# --- activities ----------------------------------------------------------------------------


def insert_activity(conn, row: dict) -> None:
    conn.execute(activities.insert().values(**row))


def list_activities(conn, office_id: str = "", kind: str = "", from_date=None, to_date=None):
    query = sa.select(activities).order_by(activities.c.held_on, activities.c.activity_id)
    if office_id:
        query = query.where(activities.c.office_id == office_id)
    if kind:
        query = query.where(activities.c.kind == kind)
    if from_date:
        query = query.where(activities.c.held_on >= from_date)
    if to_date:
        query = query.where(activities.c.held_on <= to_date)
    return conn.execute(query).mappings().all()


def activity_figures(conn, office_ids=None, instance_id: str | None = None):
    """(kind, theme, women, men, others) per activity, summed in SQL by kind and theme."""
    query = sa.select(
        activities.c.kind,
        activities.c.theme,
        sa.func.count().label("n"),
        sa.func.coalesce(sa.func.sum(activities.c.women), 0),
        sa.func.coalesce(sa.func.sum(activities.c.men), 0),
        sa.func.coalesce(sa.func.sum(activities.c.others), 0),
    ).group_by(activities.c.kind, activities.c.theme)
    if office_ids is not None:
        query = query.where(activities.c.office_id.in_(list(office_ids) or [""]))
    if instance_id is not None:
        query = query.where(activities.c.instance_id == instance_id)
    return conn.execute(query).all()


# --- catalogue -----------------------------------------------------------------------------

ENTRY_FIELDS = [f.name for f in domain.CatalogueEntry.__dataclass_fields__.values()]


def upsert_entry(conn, office_id: str, entry: domain.CatalogueEntry) -> bool:
    """Insert or replace one entry; True when it was new."""
    values = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    values["updated_at"] = now()
    done = conn.execute(
        catalogue_entries.update()
        .where((catalogue_entries.c.office_id == office_id) & (catalogue_entries.c.code == entry.code))
        .values(**{k: v for k, v in values.items() if k != "code"})
    )
    if done.rowcount:
        return False
    conn.execute(catalogue_entries.insert().values(office_id=office_id, **values))
    return True


def with_stored_rules(
    conn, office_id: str, entry: domain.CatalogueEntry, keep_publicity: bool, keep_anonymity: bool
) -> domain.CatalogueEntry:
    """The entry with the publicity and anonymity already stored for it where the caller did not
    say them (a client that does not know these fields keeps an office's choice); a new entry
    keeps its request type's defaults."""
    if not (keep_publicity or keep_anonymity):
        return entry
    row = conn.execute(
        sa.select(catalogue_entries.c.publicity, catalogue_entries.c.anonymous_allowed).where(
            catalogue_entries.c.office_id == office_id,
            catalogue_entries.c.code == entry.code,
            catalogue_entries.c.request_type == entry.request_type,
        )
    ).first()
    if row is None:
        return entry
    changes = {}
    if keep_publicity and row.publicity:
        changes["publicity"] = row.publicity
    if keep_anonymity and row.anonymous_allowed is not None:
        changes["anonymous_allowed"] = row.anonymous_allowed
    return dataclasses.replace(entry, **changes)


def entries_of(conn, office_id: str | None = None, include_inactive: bool = True):
    query = sa.select(catalogue_entries).order_by(catalogue_entries.c.office_id, catalogue_entries.c.code)
    if office_id is not None:
        query = query.where(catalogue_entries.c.office_id == office_id)
    if not include_inactive:
        query = query.where(catalogue_entries.c.active.is_(True))
    return conn.execute(query).mappings().all()


def entry_of(row) -> domain.CatalogueEntry:
    return domain.CatalogueEntry(**{name: row[name] for name in ENTRY_FIELDS})


# --- calendars -----------------------------------------------------------------------------


def holiday_row(rule: calendar.HolidayRule, instance_id: str) -> dict:
    return dict(
        instance_id=instance_id,
        key=rule.key,
        name_fr=rule.name_fr,
        name_ar=rule.name_ar,
        month=rule.month,
        day=rule.day,
        on_date=rule.on_date,
        from_year=rule.from_year,
        religious=rule.religious,
        confirmed=rule.confirmed,
    )


def holiday_rules(conn, instance_id: str) -> list[calendar.HolidayRule]:
    rows = (
        conn.execute(sa.select(holidays).where(holidays.c.instance_id == instance_id).order_by(holidays.c.key))
        .mappings()
        .all()
    )
    return [
        calendar.HolidayRule(
            key=r["key"],
            name_fr=r["name_fr"],
            name_ar=r["name_ar"],
            month=r["month"],
            day=r["day"],
            on_date=r["on_date"],
            from_year=r["from_year"],
            religious=r["religious"],
            confirmed=r["confirmed"],
        )
        for r in rows
    ]


def weekend_of(conn, instance_id: str) -> tuple[int, ...]:
    text = conn.execute(sa.select(calendars.c.weekend).where(calendars.c.instance_id == instance_id)).scalar()
    return calendar.parse_weekend(text) if text is not None else calendar.DEFAULT_WEEKEND


def set_weekend(conn, instance_id: str, days) -> None:
    text = ",".join(str(d) for d in sorted(set(days)))
    done = conn.execute(calendars.update().where(calendars.c.instance_id == instance_id).values(weekend=text))
    if done.rowcount == 0:
        conn.execute(calendars.insert().values(instance_id=instance_id, weekend=text))


def upsert_holiday(conn, instance_id: str, rule: calendar.HolidayRule) -> None:
    row = holiday_row(rule, instance_id)
    conn.execute(holidays.delete().where((holidays.c.instance_id == instance_id) & (holidays.c.key == rule.key)))
    conn.execute(holidays.insert().values(**row))


def delete_holiday(conn, instance_id: str, key: str) -> int:
    return conn.execute(
        holidays.delete().where((holidays.c.instance_id == instance_id) & (holidays.c.key == key))
    ).rowcount
