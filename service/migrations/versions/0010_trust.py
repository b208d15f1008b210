"""trust: a per-SKU purchase limit (限购); search log rows counted once per searcher, query, day

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purchase_limit", sa.Integer(), nullable=True))
    with op.batch_alter_table("search_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_search_log_dedupe_key", ["dedupe_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("search_log", schema=None) as batch_op:
        batch_op.drop_index("ix_search_log_dedupe_key")
        batch_op.drop_column("dedupe_key")
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.drop_column("purchase_limit")
