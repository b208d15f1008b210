"""Best sellers from the database: what the endpoints serve before any model was trained."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

from service.orders.models import SOLD_STATUSES

# Units sold per product (imported history + storefront orders paid or later), for products
# that can be bought now: listed, with some SKU in stock.
_POPULAR_SQL = """
SELECT p.code, p.title, c.code AS category, COALESCE(u.units, 0) AS units
FROM product p
JOIN category c ON c.id = p.category_id
LEFT JOIN (
    SELECT product_id, SUM(units) AS units FROM (
        SELECT v.product_id, SUM(s.quantity) AS units
        FROM sales_line s JOIN variant v ON v.id = s.variant_id GROUP BY v.product_id
        UNION ALL
        SELECT l.product_id, SUM(l.quantity - l.refunded_quantity) AS units
        FROM order_line l JOIN shop_order o ON o.id = l.order_id
        WHERE o.status IN ({statuses}) GROUP BY l.product_id
    ) parts GROUP BY product_id
) u ON u.product_id = p.id
WHERE p.status = 'listed' AND EXISTS (
    SELECT 1 FROM variant v2 WHERE v2.product_id = p.id AND v2.stock > 0
)
ORDER BY units DESC, p.code
"""


@dataclass(frozen=True)
class PopularProduct:
    code: str
    title: str
    category: str
    units: int


def popular_products(session: Session) -> list[PopularProduct]:
    """Available products, best selling first (never sold ones last, by code)."""
    statuses = ", ".join(f"'{status.value}'" for status in SOLD_STATUSES)
    rows = session.execute(text(_POPULAR_SQL.format(statuses=statuses)))
    return [
        PopularProduct(code, title, category, int(units)) for code, title, category, units in rows
    ]


def as_items(products: list[PopularProduct], *, limit: int) -> list[dict[str, str | float]]:
    """The `{"code", "title", "score"}` items, score = units relative to the best seller."""
    chosen = products[:limit]
    top = max((p.units for p in chosen), default=0) or 1
    return [{"code": p.code, "title": p.title, "score": p.units / top} for p in chosen]
