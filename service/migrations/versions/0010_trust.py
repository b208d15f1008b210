"""trust: a per-SKU purchase limit (限购) a producer may set

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-08 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purchase_limit", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.drop_column("purchase_limit")
