"""A catalog past 127 products: categorical codes no longer fit in int8 (issue 14's crash).

`techan import orders` of a real history (3,600 products) added every line, then the refresh
died in `update_search_ranking`: with no sale in the ranking window (a history that ended more
than 12 weeks ago), the units per product came back with an empty CategoricalIndex whose codes
are int8 over every product code, and looking up the 129th product raised OverflowError.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from catalog_seed.scale import ScaleSpec, scale_catalog, scale_orders, write_csv
from service.analytics.refresh import RANKING_WEEKS, read_frames, update_search_ranking
from service.catalog.import_format import parse_catalog
from service.catalog.importer import import_catalog
from service.catalog.models import Product
from service.history.orders_import import import_orders_file
from service.kit.db import session_scope
from service.search.models import SearchDocument

SPEC = ScaleSpec(products=200, categories=24, producers=4, parks=1, shoppers=50)
HISTORY_END = date(2026, 3, 1)


def import_world(engine: Engine, folder: Path) -> None:
    """The 200-product catalog and 2,000 order lines ending HISTORY_END."""
    catalog = scale_catalog(SPEC)
    with session_scope(engine) as session:
        import_catalog(session, parse_catalog(json.dumps(catalog), source="scale"), source="scale")
    orders = scale_orders(catalog, lines=2_000, end=HISTORY_END, days=120, spec=SPEC)
    import_orders_file(write_csv(orders, folder / "orders.csv"), engine=engine)


def test_ranking_without_recent_sales_over_a_large_catalog(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    import_world(engine, tmp_path)
    frames, _ = read_frames(engine)
    assert frames.orders["product_code"].nunique() > 127
    later = datetime(2026, 12, 1, tzinfo=UTC)  # nothing sold in the 12 weeks before
    with session_scope(engine) as scoped:
        update_search_ranking(scoped, frames, now=later)
    assert all(units == 0 for units in session.exec(select(SearchDocument.sales_units)))


def test_ranking_counts_recent_units_of_every_product(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    import_world(engine, tmp_path)
    frames, _ = read_frames(engine)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    with session_scope(engine) as scoped:
        update_search_ranking(scoped, frames, now=now)
    orders = frames.orders
    recent = orders[orders["ordered_at"] >= now - timedelta(weeks=RANKING_WEEKS)]
    expected = recent.groupby(recent["product_code"].astype(str))["quantity"].sum()
    stored = dict(session.exec(select(Product.code, SearchDocument.sales_units).join(
        SearchDocument, SearchDocument.product_id == Product.id  # type: ignore[arg-type]
    )).all())  # fmt: skip
    assert len(expected) > 127
    assert {code: units for code, units in stored.items() if units} == expected.to_dict()
