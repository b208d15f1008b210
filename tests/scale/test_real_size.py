"""The real-size tier (`-m scale`): a generated world the size of a real deployment's.

5,000 products in 300 categories from 50 producers in 5 parks, 1,000,000 order lines and
600,000 searches (TECHAN_SCALE_LINES changes the line count), imported through the real import
path, refreshed, then every filter combination of the demand report, suggestions and
recommendations. Each report's totals are checked against a direct aggregation of the
generated lines, so the tier catches wrong numbers as well as crashes.
"""

from __future__ import annotations

import itertools
import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from catalog_seed.scale import (
    ScaleSpec,
    scale_catalog,
    scale_orders,
    scale_searches,
    write_csv,
)
from service.analytics.refresh import reco_dir, run_refresh
from service.catalog.import_format import parse_catalog
from service.catalog.importer import import_catalog
from service.catalog.tree import subtree
from service.history.orders_import import import_orders_file
from service.history.searches_import import import_searches_file
from service.kit.db import session_scope
from service.recommendations.service import recommend_for_shopper
from service.recommendations.serving import RecommenderHolder
from service.reports.service import demand_report_for_park, suggestions_for_producer

pytestmark = [pytest.mark.scale, pytest.mark.timeout(1800)]

SPEC = ScaleSpec()
LINES = int(os.environ.get("TECHAN_SCALE_LINES", "1000000"))
END = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, tzinfo=UTC)
PARKS = ("park-0", "park-3")  # every filter combination over two of the five parks


def expected_lines(catalog: dict[str, Any], orders: pd.DataFrame) -> pd.DataFrame:
    """The generated order lines with each SKU's park and category (the direct aggregation)."""
    park_of_region = {r: p["code"] for p in catalog["parks"] for r in p["regions"]}
    park_of_producer = {p["code"]: park_of_region[p["region"]] for p in catalog["producers"]}
    skus = pd.DataFrame(
        [
            (v["sku"], park_of_producer[p["producer"]], p["category"])
            for p in catalog["products"]
            for v in p["variants"]
        ],
        columns=["sku", "park", "category"],
    ).set_index("sku")
    lines = orders.join(skus, on="sku")
    return lines.assign(
        day=pd.to_datetime(lines["ordered_at"], utc=True).dt.date,
        revenue_fen=lines["quantity"] * lines["unit_price_fen"],
    )


def filters_to_check(catalog: dict[str, Any]) -> list[dict[str, Any]]:
    """Every combination of a date range, a top category and a city (and none of each)."""
    top = next(c["code"] for c in catalog["categories"] if c["parent"] is None)
    periods = [(None, None), (END - timedelta(days=200), END - timedelta(days=20))]
    return [
        {"since": since, "until": until, "category": category, "city": city}
        for (since, until), category, city in itertools.product(
            periods, [None, top], [None, "成都"]
        )
    ]


def selected(
    lines: pd.DataFrame, catalog: dict[str, Any], *, park: str, filters: dict[str, Any]
) -> pd.DataFrame:
    keep = lines["park"] == park
    if filters["since"] is not None:
        keep &= lines["day"] >= filters["since"]
    if filters["until"] is not None:
        keep &= lines["day"] <= filters["until"]
    if filters["category"] is not None:
        edges = [(c["code"], c["parent"]) for c in catalog["categories"]]
        keep &= lines["category"].isin(subtree(edges, filters["category"]))
    if filters["city"] is not None:
        keep &= lines["city"] == filters["city"]
    return lines[keep]


def test_real_size_world(engine: Engine, session: Session, tmp_path: Path) -> None:
    catalog = scale_catalog(SPEC)
    with session_scope(engine) as scoped:
        import_catalog(scoped, parse_catalog(json.dumps(catalog), source="scale"), source="scale")
    orders = scale_orders(catalog, lines=LINES, end=END, spec=SPEC)
    searches = scale_searches(catalog, lines=LINES * 6 // 10, end=END, spec=SPEC)
    added = import_orders_file(write_csv(orders, tmp_path / "orders.csv"), engine=engine)
    assert added.added == LINES
    logged = import_searches_file(write_csv(searches, tmp_path / "searches.csv"), engine=engine)
    assert logged.added == len(searches)

    outcome = run_refresh(engine, now=NOW)
    assert (outcome.order_lines, outcome.searches) == (LINES, len(searches))
    assert sum(k.startswith("report:") for k in outcome.payloads) == SPEC.parks
    assert outcome.reco_version is not None

    lines = expected_lines(catalog, orders)
    for park, filters in itertools.product(PARKS, filters_to_check(catalog)):
        report = demand_report_for_park(session, park_code=park, **filters)
        want = selected(lines, catalog, park=park, filters=filters)
        context = f"{park} {filters}"
        assert report["totals"]["units"] == int(want["quantity"].sum()), context
        assert report["totals"]["revenue_fen"] == int(want["revenue_fen"].sum()), context
        assert report["totals"]["orders"] == want["order_id"].nunique(), context
        by_city = {row["city"]: row["units"] for row in report["sales_by_city"]}
        assert by_city == want.groupby("city")["quantity"].sum().to_dict(), context
        by_category = sum(row["revenue_fen"] for row in report["sales_by_category"])
        assert by_category == report["totals"]["revenue_fen"], context
        assert len(report["top_products"]) == min(20, want["sku"].str[:7].nunique()), context

    for producer in ("producer-00", "producer-17", "producer-49"):
        found = suggestions_for_producer(session, producer_code=producer)
        assert found["producer"] == producer
        assert isinstance(found["suggestions"], list)

    holder = RecommenderHolder(reco_dir())
    for shopper in ("s0", "s1234", "s3999", "nobody"):
        items = recommend_for_shopper(session, holder, key=shopper, city="成都", limit=10)
        assert len(items) == 10, shopper
        assert len({item["code"] for item in items}) == 10, shopper
