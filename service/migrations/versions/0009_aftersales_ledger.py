"""after-sales requests and their steps, the producer ledger, a commission rate per park

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-08 05:42:13.571439
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.kit.types

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stripe_ref", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("at", service.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("posted_at", service.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('sale','freight','commission','refund')", name="ck_ledger_entry_kind"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["shop_order.id"],
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["payment_refund.id"],
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "producer_id", "kind", name="uq_ledger_entry_source"),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entry_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_entry_payment_id"), ["payment_id"], unique=False
        )
        batch_op.create_index("ix_ledger_entry_producer_id_at", ["producer_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entry_refund_id"), ["refund_id"], unique=False)

    op.create_table(
        "after_sales_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("shopper_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("lines", service.kit.types.JSONList(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("respond_by", service.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("created_at", service.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('refund','return')", name="ck_after_sales_kind"),
        sa.CheckConstraint(
            "status IN ('requested','refused','escalated','refunded','rejected')",
            name="ck_after_sales_status",
        ),
        sa.CheckConstraint("amount_fen > 0", name="ck_after_sales_amount"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["shop_order.id"],
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["producer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["payment_refund.id"],
        ),
        sa.ForeignKeyConstraint(
            ["shopper_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("after_sales_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_after_sales_request_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_after_sales_request_producer_id"), ["producer_id"], unique=False
        )
        batch_op.create_index(
            "ix_after_sales_request_status_respond_by", ["status", "respond_by"], unique=False
        )

    op.create_table(
        "after_sales_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("at", service.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["after_sales_request.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("after_sales_step", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_after_sales_step_request_id"), ["request_id"], unique=False
        )

    with op.batch_alter_table("park", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("commission_rate_bp", sa.Integer(), server_default="500", nullable=False)
        )
        batch_op.create_check_constraint(
            "ck_park_commission", "commission_rate_bp >= 0 AND commission_rate_bp <= 10000"
        )


def downgrade() -> None:
    with op.batch_alter_table("park", schema=None) as batch_op:
        batch_op.drop_constraint("ck_park_commission", type_="check")
        batch_op.drop_column("commission_rate_bp")

    with op.batch_alter_table("after_sales_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_after_sales_step_request_id"))

    op.drop_table("after_sales_step")
    with op.batch_alter_table("after_sales_request", schema=None) as batch_op:
        batch_op.drop_index("ix_after_sales_request_status_respond_by")
        batch_op.drop_index(batch_op.f("ix_after_sales_request_producer_id"))
        batch_op.drop_index(batch_op.f("ix_after_sales_request_order_id"))

    op.drop_table("after_sales_request")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_refund_id"))
        batch_op.drop_index("ix_ledger_entry_producer_id_at")
        batch_op.drop_index(batch_op.f("ix_ledger_entry_payment_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entry_order_id"))

    op.drop_table("ledger_entry")
