"""A small catalog and history files for the reports and recommendations tests."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from service.catalog.import_format import CatalogFile
from service.catalog.importer import import_catalog
from service.catalog.models import Product, Variant
from service.history.csv_format import ORDER_COLUMNS, SEARCH_COLUMNS
from service.kit.db import session_scope
from service.orders.models import Order, OrderLine
from tests.factories import make_user

STOREFRONT_AT = datetime(2026, 2, 3, 8, tzinfo=UTC)
# Two parks: "north-park" curates region north (producers n-honey, n-tea), "south-park" region
# south (producer s-fruit). Every SKU is "<product>-<grams>".
SMALL_CATALOG: dict[str, Any] = {
    "parks": [
        {"code": "north-park", "name": "北园", "regions": ["north"]},
        {"code": "south-park", "name": "南园", "regions": ["south"]},
    ],
    "regions": [
        {"code": "north", "name": "北区", "province": "陕西"},
        {"code": "south", "name": "南区", "province": "广西"},
    ],
    "categories": [
        {"code": "food", "name": "食品"},
        {"code": "honey", "name": "蜂蜜", "parent": "food"},
        {"code": "tea", "name": "茶", "parent": "food"},
        {"code": "fruit", "name": "水果"},
    ],
    "producers": [
        {"code": "n-honey", "name": "北蜂", "region": "north"},
        {"code": "n-tea", "name": "北茶", "region": "north"},
        {"code": "s-fruit", "name": "南果", "region": "south"},
    ],
    "products": [
        {
            "code": code,
            "producer": producer,
            "title": title,
            "category": category,
            "attributes": {"harvest_months": []},
            "variants": [
                {
                    "sku": f"{code}-{g}",
                    "net_weight_g": g,
                    "packaging": "standard",
                    "price_fen": price,
                    "stock": 100,
                }
                for g, price in ((500, 3000), (1000, 5500))
            ],
        }
        for code, producer, title, category in (
            ("acacia-honey", "n-honey", "洋槐蜜", "honey"),
            ("date-honey", "n-honey", "枣花蜜", "honey"),
            ("green-tea", "n-tea", "绿茶", "tea"),
            ("black-tea", "n-tea", "红茶", "tea"),
            ("mandarin", "s-fruit", "砂糖橘", "fruit"),
            ("pomelo", "s-fruit", "沙田柚", "fruit"),
        )
    ],
}


def load_catalog(engine: Engine, catalog: dict[str, Any] | None = None) -> None:
    """Import CATALOG (the small one by default) the way `techan import catalog` does."""
    parsed = CatalogFile.model_validate(catalog or SMALL_CATALOG)
    with session_scope(engine) as session:
        import_catalog(session, parsed, source="test")


def write_csv(path: Path, columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> Path:
    """Write ROWS (dicts) under a header of COLUMNS."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def iso(moment: datetime) -> str:
    """ISO 8601 with offset, as history files carry it."""
    return moment.astimezone(UTC).isoformat()


def order_row(
    order_id: str,
    sku: str,
    *,
    shopper: str = "s1",
    city: str = "上海",
    quantity: int = 1,
    price: int = 3000,
    at: datetime | None = None,
) -> dict[str, Any]:
    """One orders.csv row."""
    return {
        "order_id": order_id,
        "ordered_at": iso(at or datetime(2026, 1, 5, 10, tzinfo=UTC)),
        "shopper_id": shopper,
        "city": city,
        "sku": sku,
        "quantity": quantity,
        "unit_price_fen": price,
    }


def weekly_orders(*, weeks: int, end: datetime) -> list[dict[str, Any]]:
    """A steady history: every week, shoppers in two cities buy honey with tea and fruit."""
    rows: list[dict[str, Any]] = []
    for week in range(weeks):
        at = end - timedelta(weeks=weeks - week, hours=-12)
        for n in range(6):
            shopper, city = f"w{n}", ("上海" if n % 2 else "杭州")
            order = f"W{week:03d}-{n}"
            rows.append(order_row(order, "acacia-honey-500", shopper=shopper, city=city, at=at))
            second = "green-tea-500" if n < 4 else "mandarin-1000"
            rows.append(order_row(order, second, shopper=shopper, city=city, at=at, price=5500))
    return rows


def write_orders(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    """An orders.csv of ROWS."""
    return write_csv(path, ORDER_COLUMNS, rows)


def write_searches(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    """A searches.csv of ROWS."""
    return write_csv(path, SEARCH_COLUMNS, rows)


def storefront_order(
    session: Session,
    *,
    sku: str,
    status: str,
    quantity: int,
    refunded: int = 0,
    at: datetime = STOREFRONT_AT,
) -> Order:
    """An order of one line written directly (the checkout rules are tested elsewhere)."""
    shopper, _ = make_user(session, "shopper", city="南京")
    variant = session.exec(select(Variant).where(Variant.sku == sku)).one()
    product = session.get(Product, variant.product_id)
    assert product is not None
    order = Order(shopper_id=shopper.id, status=status, total_fen=quantity * 3000, created_at=at)  # type: ignore[arg-type]
    session.add(order)
    session.commit()
    line = OrderLine(
        order_id=order.id,  # type: ignore[arg-type]
        variant_id=variant.id,  # type: ignore[arg-type]
        sku=sku,
        product_id=product.id,  # type: ignore[arg-type]
        producer_id=product.producer_id,
        category_id=product.category_id,
        title=product.title,
        unit_price_fen=3000,
        quantity=quantity,
        refunded_quantity=refunded,
        net_weight_g=variant.net_weight_g,
        packaging=variant.packaging,
    )
    session.add(line)
    session.commit()
    return order
