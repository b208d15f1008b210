"""orders: address book, freight templates, parcels, partially_refunded orders

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-08 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.kit.types

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUS = "status IN ('pending_payment','paid','shipped','delivered','cancelled','refunded')"
NEW_STATUS = (
    "status IN ('pending_payment','paid','shipped','delivered','cancelled',"
    "'partially_refunded','refunded')"
)


def _at(name: str, *, nullable: bool) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, service.kit.types.UTCDateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shopper_id", sa.Integer(), nullable=False),
        _text("recipient", 50),
        _text("phone", 20),
        _text("province", 20),
        _text("city", 50),
        _text("district", 50),
        _text("detail", 200),
        _at("created_at", nullable=False),
        sa.ForeignKeyConstraint(["shopper_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_address_shopper_id"), ["shopper_id"], unique=False)

    op.create_table(
        "freight_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("default_rule", sa.JSON(), nullable=True),
        sa.Column("free_over_fen", sa.Integer(), nullable=True),
        sa.Column("chilled_max_days", sa.Integer(), nullable=False),
        _at("updated_at", nullable=False),
        sa.CheckConstraint("chilled_max_days >= 0", name="ck_freight_template_chilled_days"),
        sa.CheckConstraint(
            "free_over_fen IS NULL OR free_over_fen > 0", name="ck_freight_template_free_over"
        ),
        sa.ForeignKeyConstraint(["producer_id"], ["producer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("producer_id"),
    )

    op.create_table(
        "parcel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        _text("storage", 16),
        sa.Column("weight_g", sa.Integer(), nullable=False),
        sa.Column("freight_fen", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        _text("status", 16),
        _text("carrier", 50, nullable=True),
        _text("tracking_number", 64, nullable=True),
        _at("shipped_at", nullable=True),
        sa.Column("shipped_by_id", sa.Integer(), nullable=True),
        _at("delivered_at", nullable=True),
        _text("delivered_by", 100, nullable=True),
        sa.CheckConstraint(
            "status IN ('pending','shipped','delivered','cancelled')", name="ck_parcel_status"
        ),
        sa.CheckConstraint("freight_fen >= 0", name="ck_parcel_freight"),
        sa.ForeignKeyConstraint(["order_id"], ["shop_order.id"]),
        sa.ForeignKeyConstraint(["producer_id"], ["producer.id"]),
        sa.ForeignKeyConstraint(["shipped_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("parcel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parcel_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            "ix_parcel_producer_id_status", ["producer_id", "status"], unique=False
        )
        batch_op.create_index("ix_parcel_status_shipped_at", ["status", "shipped_at"], unique=False)

    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("freight_fen", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_foreign_key("fk_shop_order_address_id", "address", ["address_id"], ["id"])
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=16),
            type_=sqlmodel.sql.sqltypes.AutoString(length=20),
            existing_nullable=False,
        )
        batch_op.drop_constraint("ck_shop_order_status", type_="check")
        batch_op.create_check_constraint("ck_shop_order_status", NEW_STATUS)

    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parcel_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_order_line_parcel_id", "parcel", ["parcel_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_order_line_parcel_id"), ["parcel_id"], unique=False)

    with op.batch_alter_table("order_transition", schema=None) as batch_op:
        for name, nullable in (("from_status", True), ("to_status", False)):
            batch_op.alter_column(
                name,
                existing_type=sa.String(length=16),
                type_=sqlmodel.sql.sqltypes.AutoString(length=20),
                existing_nullable=nullable,
            )


def downgrade() -> None:
    with op.batch_alter_table("order_transition", schema=None) as batch_op:
        for name, nullable in (("from_status", True), ("to_status", False)):
            batch_op.alter_column(
                name,
                existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
                type_=sa.String(length=16),
                existing_nullable=nullable,
            )
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_line_parcel_id"))
        batch_op.drop_constraint("fk_order_line_parcel_id", type_="foreignkey")
        batch_op.drop_column("parcel_id")
    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.drop_constraint("ck_shop_order_status", type_="check")
        batch_op.create_check_constraint("ck_shop_order_status", OLD_STATUS)
        batch_op.alter_column(
            "status",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
            type_=sa.String(length=16),
            existing_nullable=False,
        )
        batch_op.drop_constraint("fk_shop_order_address_id", type_="foreignkey")
        batch_op.drop_column("freight_fen")
        batch_op.drop_column("address_id")
    op.drop_table("parcel")
    op.drop_table("freight_template")
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_address_shopper_id"))
    op.drop_table("address")
