"""The analytics frames built from the database: imported lines plus sold storefront lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine
from sqlmodel import Session

from catalog_seed import simulate
from service.catalog.models import Product
from service.history import csv_format
from service.history.frames import ORDER_COLUMNS, SEARCH_COLUMNS, load_frames
from service.history.orders_import import import_orders_file
from service.kit.lookup import find
from tests.service.history.world import load_catalog, order_row, storefront_order, write_orders

AT = datetime(2026, 2, 3, 8, tzinfo=UTC)


def test_frames_hold_imported_and_sold_storefront_lines(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    load_catalog(engine)
    path = write_orders(
        tmp_path / "orders.csv",
        [order_row("A1", "pomelo-1000", shopper="x1", city="杭州", quantity=3, price=5400, at=AT)],
    )
    import_orders_file(path, engine=engine)
    paid = storefront_order(session, sku="green-tea-500", status="paid", quantity=2)
    refunded = storefront_order(
        session, sku="black-tea-500", status="refunded", quantity=4, refunded=1
    )
    storefront_order(session, sku="date-honey-500", status="pending_payment", quantity=5)
    storefront_order(session, sku="date-honey-1000", status="cancelled", quantity=5)
    mandarin = find(session, Product, "mandarin")
    assert mandarin is not None
    mandarin.status = "delisted"
    session.add(mandarin)
    session.commit()

    with engine.connect() as conn:
        frames = load_frames(conn)

    orders = frames.orders
    assert list(orders.columns) == ORDER_COLUMNS
    assert str(orders["ordered_at"].dtype) == "datetime64[ns, UTC]"
    assert isinstance(orders["category"].dtype, pd.CategoricalDtype)
    by_sku = orders.set_index(orders["sku"].astype(str))
    assert set(by_sku.index) == {"pomelo-1000", "green-tea-500", "black-tea-500"}
    imported = by_sku.loc["pomelo-1000"]
    assert (imported["order_id"], imported["shopper_id"], imported["city"]) == ("A1", "x1", "杭州")
    assert (imported["quantity"], imported["unit_price_fen"], imported["net_weight_g"]) == (
        3,
        5400,
        1000,
    )
    assert (imported["product_code"], imported["producer_code"], imported["category"]) == (
        "pomelo",
        "s-fruit",
        "fruit",
    )
    assert imported["ordered_at"] == pd.Timestamp(AT)
    sold = by_sku.loc["green-tea-500"]
    assert sold["order_id"] == f"shop-{paid.id}"
    assert sold["shopper_id"] == f"user:{paid.shopper_id}" and sold["city"] == "南京"
    assert by_sku.loc["black-tea-500"]["quantity"] == 3  # four sold, one refunded
    assert refunded.id is not None

    assert "mandarin" not in set(frames.offers["product_code"])  # offers are listed products
    assert len(frames.offers) == 10 and all(
        isinstance(m, list) for m in frames.offers["harvest_months"]
    )
    parents = dict(zip(frames.categories["code"], frames.categories["parent"], strict=True))
    assert parents["honey"] == "food" and parents["fruit"] is None
    parks = dict(zip(frames.producers["code"], frames.producers["park"], strict=True))
    assert parks == {"n-honey": "north-park", "n-tea": "north-park", "s-fruit": "south-park"}
    assert list(frames.searches.columns) == SEARCH_COLUMNS and frames.searches.empty


def test_the_simulator_writes_the_columns_the_import_reads() -> None:
    # catalog_seed stays free of service imports, so it names the columns itself.
    assert tuple(simulate.ORDER_COLUMNS) == csv_format.ORDER_COLUMNS
    assert tuple(simulate.SEARCH_COLUMNS) == csv_format.SEARCH_COLUMNS
    assert ORDER_COLUMNS[: len(csv_format.ORDER_COLUMNS)] == list(csv_format.ORDER_COLUMNS)
