"""Submission keys: a client's idempotency key per ticket it filed (a digest of it), so a
submission sent again after a timeout answers its first receipt instead of filing twice.

Revision 0002, after 0001. A new table only: the previous release's pods never read it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_keys",
        sa.Column("key_digest", sa.String(length=64), primary_key=True),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("submission_keys")
