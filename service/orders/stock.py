"""Stock moves: each is one conditional UPDATE, taken in SKU order so row locks never deadlock.

The checkout's statements run on the session's connection (same transaction) rather than
through the ORM's execute: a quarter of the CPU per statement, and nothing here needs the
identity map.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, exists, update
from sqlmodel import Session, col, select

from service.catalog.models import Product, ProductStatus, Variant
from service.kit.db import utcnow
from service.kit.errors import Conflict


class OutOfStock(Conflict):
    """Fewer units of a SKU are left than were asked for."""

    code = "out_of_stock"


class NotOnSale(Conflict):
    """The SKU exists but its product is not listed."""

    code = "not_on_sale"


@dataclass(frozen=True)
class StockMove:
    """QUANTITY units of one SKU."""

    variant_id: int
    sku: str
    quantity: int


# Built once: the checkout runs it for every line, and building the statement costs as much CPU
# as running it. The WHERE clause carries the whole rule: enough stock, product listed.
_RESERVE = (
    update(Variant)
    .where(
        col(Variant.id) == bindparam("variant_id"),
        col(Variant.stock) >= bindparam("quantity"),
        exists().where(
            col(Product.id) == col(Variant.product_id),
            col(Product.status) == ProductStatus.listed,
        ),
    )
    .values(stock=col(Variant.stock) - bindparam("quantity"), updated_at=bindparam("now"))
    .returning(col(Variant.price_fen))
)


def reserve_stock(session: Session, move: StockMove) -> int:
    """Take the units from a listed SKU in one statement and return its current price.

    Two buyers can never both take the last unit; on failure the caller's transaction is
    rolled back.
    """
    params = {"variant_id": move.variant_id, "quantity": move.quantity, "now": utcnow()}
    price = session.connection().execute(_RESERVE, params).scalar_one_or_none()
    if price is None:
        raise _why_not_reserved(session, move)
    return int(price)


def _why_not_reserved(session: Session, move: StockMove) -> Conflict:
    row = session.exec(
        select(Variant.stock, Product.status)
        .join(Product, col(Product.id) == col(Variant.product_id))
        .where(col(Variant.id) == move.variant_id)
    ).first()
    if row is None or row[1] != ProductStatus.listed:
        return NotOnSale(f"SKU {move.sku!r} is not on sale", details={"sku": move.sku})
    return OutOfStock(
        f"only {row[0]} of SKU {move.sku!r} left, {move.quantity} wanted",
        details={"sku": move.sku, "available": row[0], "wanted": move.quantity},
    )


def release_stock(session: Session, moves: Iterable[StockMove]) -> None:
    """Put units back on the shelf (an order cancelled, expired or refunded before shipping)."""
    now = utcnow()
    for move in sorted(moves, key=lambda m: m.sku):
        if move.quantity <= 0:
            continue
        session.connection().execute(
            update(Variant)
            .where(col(Variant.id) == move.variant_id)
            .values(stock=col(Variant.stock) + move.quantity, updated_at=now)
        )
