"""Incremental refresh: only new history rows are read, all of them again when history changed."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from service.analytics.refresh import history_dir, read_frames, run_refresh, save_history
from service.analytics.seed import current_week_start
from service.history import cache as history_cache
from service.history.cache import MANIFEST_FILE, HistoryCache
from service.history.frames import DemandFrames, load_frames
from service.history.orders_import import import_orders_file
from service.history.searches_import import import_searches_file
from service.orders.models import OrderLine
from tests.service.history.world import (
    iso,
    load_catalog,
    order_row,
    storefront_order,
    weekly_orders,
    write_orders,
    write_searches,
)

START = current_week_start()
END = datetime(START.year, START.month, START.day, tzinfo=UTC)
QUERIES = ("蜂蜜柚子茶", "红茶", "洋槐蜜", "沙田柚礼盒", "高山云雾茶")


def searches(count: int, *, first: int) -> list[dict[str, str]]:
    """COUNT searches a day apart, anonymous or not, ending the day before END."""
    rows = []
    for n in range(first, first + count):
        shopper, city = (f"q{n % 3}", "上海") if n % 2 else ("", "")
        at = iso(END - timedelta(days=60 - n, hours=3))
        rows.append(
            {"searched_at": at, "shopper_id": shopper, "city": city, "query": QUERIES[n % 5]}
        )
    return rows


def import_history(
    engine: Engine,
    folder: Path,
    *,
    name: str,
    orders: list[dict[str, Any]],
    searched: int,
    first: int,
) -> None:
    """Import ORDERS and SEARCHED searches as two history files named after NAME."""
    import_orders_file(write_orders(folder / f"{name}-orders.csv", orders), engine=engine)
    rows = searches(searched, first=first)
    import_searches_file(write_searches(folder / f"{name}-searches.csv", rows), engine=engine)


def refreshed(engine: Engine) -> tuple[str, dict[str, Any]]:
    """How a refresh read the history, and what it stored (less its own timestamp)."""
    outcome = run_refresh(engine, now=END, train_reco=False)
    payloads = json.loads(json.dumps(outcome.payloads))
    payloads["meta"].pop("computed_at")
    return outcome.read_mode, payloads


def renamed(rows: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """ROWS as other orders (order ids are unique per SKU across imports)."""
    return [{**row, "order_id": prefix + row["order_id"]} for row in rows]


def read_directly(engine: Engine) -> DemandFrames:
    """The frames read from the database alone, no copy involved."""
    with engine.connect() as conn, conn.begin():
        return load_frames(conn)


def assert_same_frames(found: DemandFrames, expected: DemandFrames) -> None:
    for name in ("orders", "offers", "searches", "categories", "producers"):
        pd.testing.assert_frame_equal(getattr(found, name), getattr(expected, name))


@pytest.fixture
def history(engine: Engine, tmp_path: Path) -> None:
    """The small catalog with 20 weeks of orders and 30 searches, read once into the copy."""
    load_catalog(engine)
    orders = weekly_orders(weeks=20, end=END - timedelta(weeks=6))
    import_history(engine, tmp_path, name="first", orders=orders, searched=30, first=0)
    frames, rows = read_frames(engine)
    assert rows.describe() == "full read"
    save_history(rows, history_dir())


def test_incremental_refresh_after_more_orders_equals_a_full_refresh(
    history: None, engine: Engine, session: Session, tmp_path: Path
) -> None:
    paid = storefront_order(session, sku="black-tea-500", status="paid", quantity=4, at=END)
    before_mode, before = refreshed(engine)
    assert before_mode == "incremental read: 0 new order lines, 0 new searches"

    later = renamed(weekly_orders(weeks=6, end=END), "L")
    later += [order_row("L1", "pomelo-1000", shopper="n1", city="成都", quantity=7, at=END)]
    import_history(engine, tmp_path, name="later", orders=later, searched=12, first=30)
    line = session.exec(select(OrderLine).where(OrderLine.order_id == paid.id)).one()
    line.refunded_quantity = 3  # storefront lines change after they were read: read anew
    session.add(line)
    session.commit()

    mode, incremental = refreshed(engine)
    assert mode == f"incremental read: {len(later)} new order lines, 12 new searches"
    shutil.rmtree(history_dir())
    full_mode, full = refreshed(engine)
    assert full_mode == "full read"
    assert incremental == full
    assert incremental != before
    assert incremental["meta"]["order_lines"] == 240 + len(later) + 1
    assert_same_frames(read_frames(engine)[0], read_directly(engine))


FIRST = "WHERE id = (SELECT min(id) FROM {table})"
LAST = "WHERE id = (SELECT max(id) FROM {table})"


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("sales_line", f"DELETE FROM sales_line {FIRST}"),
        ("sales_line", f"UPDATE sales_line SET quantity = quantity + 1 {LAST}"),
        ("sales_line", f"UPDATE sales_line SET order_id = order_id || 'x' {FIRST}"),
        ("sales_line", f"UPDATE sales_line SET variant_id = variant_id + 1 {LAST}"),
        ("search_log", f"DELETE FROM search_log {LAST}"),
        ("search_log", f"UPDATE search_log SET matched_all_count = 9 {FIRST}"),
    ],
)
def test_deleted_or_changed_history_is_read_again_in_full(
    history: None, engine: Engine, table: str, change: str
) -> None:
    change = change.format(table=table)
    with engine.begin() as conn:
        conn.execute(text(change))

    frames, rows = read_frames(engine)

    changed, kept = (
        (rows.sales_lines, rows.search_rows)
        if table == "sales_line"
        else (rows.search_rows, rows.sales_lines)
    )
    assert changed.base is None and kept.base is not None
    assert kept.read_from_database == 0
    assert_same_frames(frames, read_directly(engine))
    save_history(rows, history_dir())
    assert (
        read_frames(engine)[1].describe() == "incremental read: 0 new order lines, 0 new searches"
    )


def test_history_replaced_by_as_many_other_lines_is_read_again(
    history: None, engine: Engine, tmp_path: Path
) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sales_line"))
    # On SQLite the new lines take the same ids again; on PostgreSQL they get new ones.
    # The same lines a week later (a corrected time zone, say): same count, same sums.
    other = weekly_orders(weeks=20, end=END - timedelta(weeks=5))
    import_orders_file(write_orders(tmp_path / "other.csv", other), engine=engine)

    frames, rows = read_frames(engine)

    assert rows.sales_lines.base is None
    assert_same_frames(frames, read_directly(engine))


@pytest.mark.parametrize("damage", ["format", "database", "part", "manifest"])
def test_a_copy_of_another_kind_or_damaged_is_not_used(
    history: None, engine: Engine, damage: str
) -> None:
    manifest_path = history_dir() / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if damage == "part":
        (history_dir() / manifest["tables"]["sales_line"]["parts"][0]).unlink()
    elif damage == "manifest":
        manifest_path.write_text("{not json", encoding="utf-8")
    else:
        manifest[damage] = "other"
        manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    frames, rows = read_frames(engine)

    assert rows.sales_lines.base is None
    assert_same_frames(frames, read_directly(engine))


def test_a_save_after_another_refresh_replaced_the_copy_keeps_all_its_rows(
    history: None, engine: Engine, tmp_path: Path
) -> None:
    more = renamed(weekly_orders(weeks=2, end=END), "M")
    import_history(engine, tmp_path, name="more", orders=more, searched=4, first=30)
    cache = HistoryCache(history_dir())
    with engine.connect() as conn, conn.begin():
        slower, faster = cache.read(conn), cache.read(conn)
    cache.save(faster)
    cache.save(slower)  # its base parts may be gone: it writes its rows whole

    frames, rows = read_frames(engine)

    assert rows.describe() == "incremental read: 0 new order lines, 0 new searches"
    assert_same_frames(frames, read_directly(engine))
    assert len(list(history_dir().glob("*.parquet"))) == 2


def test_many_small_additions_are_folded_into_few_parts(
    history: None, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_cache, "MAX_PARTS", 2)
    for week in range(4):
        at = END - timedelta(days=3 * week + 1)
        rows = [order_row(f"S{week}", "green-tea-1000", shopper="s9", city="西安", at=at)]
        import_history(
            engine, tmp_path, name=f"small{week}", orders=rows, searched=1, first=40 + week
        )
        frames, read = read_frames(engine)
        assert read.describe() == "incremental read: 1 new order lines, 1 new searches"
        save_history(read, history_dir())
        assert len(list(history_dir().glob("sales_line-*.parquet"))) <= 2

    assert_same_frames(read_frames(engine)[0], read_directly(engine))
