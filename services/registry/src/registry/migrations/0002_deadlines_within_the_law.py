"""Catalogue deadlines within the law: entries saved before the registry held deadlines to the
law's bounds (each request type's, cokit.request_types) and that break them get their request type's legal
deadline, the one tickets applies to them in any case, so the catalogue says what happens.

Revision 0002, after 0001.
"""

import sqlalchemy as sa
from alembic import op

from cokit import request_types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

entries = sa.table(
    "catalogue_entries",
    sa.column("office_id"),
    sa.column("code"),
    sa.column("request_type"),
    sa.column("deadline_count"),
    sa.column("deadline_unit"),
)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            entries.c.office_id,
            entries.c.code,
            entries.c.request_type,
            entries.c.deadline_count,
            entries.c.deadline_unit,
        )
    ).all()
    for row in rows:
        request_type = request_types.REGISTRY.get(row.request_type)
        if request_type is None:
            continue
        if request_type.deadline.office_rule(row.deadline_count, row.deadline_unit) is None:
            rule = request_type.deadline.legal
            conn.execute(
                entries.update()
                .where(entries.c.office_id == row.office_id, entries.c.code == row.code)
                .values(deadline_count=rule.count, deadline_unit=rule.unit)
            )


def downgrade() -> None:
    """The deadlines replaced were unlawful; they are not put back."""
