"""orders: address book, freight templates, parcels, partially_refunded orders

Revision ID: 0008
Revises: 0010
Create Date: 2026-12-08 05:40:00
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.kit.types

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0010"
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

    if op.get_bind().dialect.name == "sqlite":
        _rebuild_shop_order_on_sqlite(NEW_STATUS, with_freight=True)
    else:
        with op.batch_alter_table("shop_order", schema=None) as batch_op:
            batch_op.add_column(sa.Column("address_id", sa.Integer(), nullable=True))
            batch_op.add_column(
                sa.Column("freight_fen", sa.Integer(), nullable=False, server_default="0")
            )
            batch_op.create_foreign_key(
                "fk_shop_order_address_id", "address", ["address_id"], ["id"]
            )
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
    _backfill_parcels(op.get_bind())


def _rebuild_shop_order_on_sqlite(status_check: str, *, with_freight: bool) -> None:
    """SQLite changes a CHECK constraint only by rebuilding the table. Batch mode copies to a
    new table, drops the old one and renames: with rows in payment, order_line … referring to
    shop_order that DROP fails under foreign keys (which cannot be switched off inside the
    migration's transaction). So: keep the rows aside, drop, create under the same name from
    the reflected definition (whatever columns other migrations added) with this migration's
    changes, and put the rows back, with foreign key checks deferred to the commit, by when
    every referring row has its order again."""
    bind = op.get_bind()
    metadata = sa.MetaData()
    old = sa.Table("shop_order", metadata, autoload_with=bind)
    sa.Table("address", metadata, autoload_with=bind)
    ours = {"address_id", "freight_fen"}
    kept = [c.name for c in old.columns if c.name not in ours]
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute("CREATE TABLE _old_shop_order AS SELECT * FROM shop_order")
    op.drop_table("shop_order")
    metadata.remove(old)
    new = sa.Table(
        "shop_order",
        metadata,
        *_copied_columns(old, drop=ours, status_length=20 if with_freight else 16),
        *_copied_constraints(old, drop=ours),
        sa.CheckConstraint(status_check, name="ck_shop_order_status"),
        *(
            [
                sa.Column("address_id", sa.Integer(), nullable=True),
                sa.Column("freight_fen", sa.Integer(), nullable=False, server_default="0"),
                sa.ForeignKeyConstraint(["address_id"], ["address.id"]),
            ]
            if with_freight
            else []
        ),
    )
    new.create(bind)
    names = ", ".join(kept)
    op.execute(f"INSERT INTO shop_order ({names}) SELECT {names} FROM _old_shop_order")
    op.drop_table("_old_shop_order")


def _copied_columns(old: sa.Table, *, drop: set[str], status_length: int) -> list[Any]:
    columns = []
    for c in old.columns:
        if c.name in drop:
            continue
        kind = (
            sqlmodel.sql.sqltypes.AutoString(length=status_length) if c.name == "status" else c.type
        )
        default = sa.DefaultClause(c.server_default.arg) if c.server_default is not None else None  # type: ignore[attr-defined]
        columns.append(
            sa.Column(
                c.name, kind, nullable=c.nullable, primary_key=c.primary_key, server_default=default
            )
        )
    return columns


def _copied_constraints(old: sa.Table, *, drop: set[str]) -> list[Any]:
    """OLD's foreign keys, unique and CHECK constraints (but the status check) and indexes."""
    copied: list[Any] = []
    for fk in old.foreign_key_constraints:
        if not drop & set(fk.column_keys):
            targets = [element.target_fullname for element in fk.elements]
            copied.append(sa.ForeignKeyConstraint(fk.column_keys, targets, name=fk.name))
    for constraint in old.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            columns = [c.name for c in constraint.columns]
            copied.append(sa.UniqueConstraint(*columns, name=constraint.name))
        elif (
            isinstance(constraint, sa.CheckConstraint) and constraint.name != "ck_shop_order_status"
        ):
            copied.append(sa.CheckConstraint(str(constraint.sqltext), name=constraint.name))
    for index in old.indexes:
        columns = [c.name for c in index.columns]
        if not drop & set(columns):
            copied.append(sa.Index(index.name, *columns, unique=index.unique))
    return copied


def _parcel_status(order: Any, lines: list[Any]) -> str:
    if all(line.refunded_quantity >= line.quantity for line in lines) and not any(
        line.shipped_at for line in lines
    ):
        return "cancelled"
    if any(line.shipped_at for line in lines):
        return "delivered" if order.delivered_at is not None else "shipped"
    return "cancelled" if order.status == "cancelled" else "pending"


def _backfill_parcels(conn: sa.Connection) -> None:
    """Orders placed before parcels get theirs (no freight, no address), so they can still ship;
    an order `refunded` with units left becomes `partially_refunded`."""
    orders = {o.id: o for o in conn.execute(sa.text("SELECT * FROM shop_order"))}
    lines = conn.execute(
        sa.text(
            "SELECT l.id, l.order_id, l.producer_id, l.quantity, l.refunded_quantity, "
            "l.net_weight_g, l.shipped_at, l.shipped_by_id, p.storage FROM order_line l "
            "JOIN product p ON p.id = l.product_id ORDER BY l.id"
        )
    ).all()
    groups: dict[tuple[int, int, str], list[Any]] = defaultdict(list)
    for line in lines:
        storage = line.storage if line.storage in ("chilled", "frozen") else "ambient"
        groups[(line.order_id, line.producer_id, storage)].append(line)
    for (order_id, producer_id, storage), members in sorted(groups.items()):
        order = orders[order_id]
        shipped = next((m for m in members if m.shipped_at is not None), None)
        parcel_id = conn.execute(
            sa.text(
                "INSERT INTO parcel (order_id, producer_id, storage, weight_g, freight_fen, "
                "status, shipped_at, shipped_by_id, delivered_at) VALUES (:o, :p, :s, :w, 0, "
                ":st, :sa, :sb, :da) RETURNING id"
            ),
            {
                "o": order_id,
                "p": producer_id,
                "s": storage,
                "w": sum(m.net_weight_g * m.quantity for m in members),
                "st": _parcel_status(order, members),
                "sa": shipped.shipped_at if shipped else None,
                "sb": shipped.shipped_by_id if shipped else None,
                "da": order.delivered_at if shipped else None,
            },
        ).scalar_one()
        conn.execute(
            sa.text("UPDATE order_line SET parcel_id = :p WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"p": parcel_id, "ids": [m.id for m in members]},
        )
    conn.execute(
        sa.text(
            "UPDATE shop_order SET status = 'partially_refunded' WHERE status = 'refunded' AND "
            "EXISTS (SELECT 1 FROM order_line l WHERE l.order_id = shop_order.id "
            "AND l.refunded_quantity < l.quantity)"
        )
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
    op.execute("UPDATE shop_order SET status = 'refunded' WHERE status = 'partially_refunded'")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_shop_order_on_sqlite(OLD_STATUS, with_freight=False)
    else:
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
