"""The demand-history simulator: shape, determinism and the planted signals (no database)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from catalog_seed.festivals import MID_AUTUMN
from catalog_seed.simulate import (
    History,
    load_seed_catalog,
    simulate_history,
    write_history_csv,
)

END = date(2026, 11, 30)
WEEKS = 104
SCALE = 0.2  # small, yet enough Hangzhou honey buyers for a stable growth ratio
YUZU = r"柚子|yuzu|youzi|citron|fmyzc"


@pytest.fixture(scope="module")
def catalog() -> dict:
    return load_seed_catalog()


@pytest.fixture(scope="module")
def history(catalog: dict) -> History:
    return simulate_history(catalog, end=END, weeks=WEEKS, seed=7, scale=SCALE)


@pytest.fixture(scope="module")
def lines(catalog: dict, history: History) -> pd.DataFrame:
    """Order lines joined with their SKU's catalog facts."""
    skus = pd.DataFrame(
        [
            {
                "sku": v["sku"],
                "title": p["title"],
                "category": p["category"],
                "net_weight_g": v["net_weight_g"],
                "packaging": v["packaging"],
                "price_fen": v["price_fen"],
            }
            for p in catalog["products"]
            for v in p["variants"]
        ]
    )
    return history.orders.merge(skus, on="sku", how="left", validate="many_to_one")


def window_start() -> pd.Timestamp:
    return pd.Timestamp(END - timedelta(weeks=WEEKS), tz="UTC")


def units_between(frame: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> int:
    return int(
        frame.loc[(frame["ordered_at"] >= lo) & (frame["ordered_at"] < hi), "quantity"].sum()
    )


def test_same_seed_gives_identical_frames(catalog: dict, history: History) -> None:
    again = simulate_history(catalog, end=END, weeks=WEEKS, seed=7, scale=SCALE)
    pd.testing.assert_frame_equal(history.orders, again.orders)
    pd.testing.assert_frame_equal(history.searches, again.searches)


def test_another_seed_gives_another_history(catalog: dict, history: History) -> None:
    other = simulate_history(catalog, end=END, weeks=WEEKS, seed=8, scale=SCALE)
    assert not history.orders.equals(other.orders)


def test_frames_have_exactly_the_contract_columns_and_types(history: History) -> None:
    orders, searches = history.orders, history.searches
    assert list(orders.columns) == [
        "order_id",
        "ordered_at",
        "shopper_id",
        "city",
        "sku",
        "quantity",
        "unit_price_fen",
    ]
    assert list(searches.columns) == ["searched_at", "shopper_id", "city", "query"]
    assert str(orders["ordered_at"].dt.tz) == "UTC" and str(searches["searched_at"].dt.tz) == "UTC"
    assert orders["quantity"].dtype == np.int64 and orders["unit_price_fen"].dtype == np.int64
    assert orders.notna().all().all() and searches.notna().all().all()


def test_scale_sets_the_volume(history: History) -> None:
    # Scale 1 is specified as 100k-200k lines and 50k-100k searches.
    assert 100_000 * SCALE <= len(history.orders) <= 200_000 * SCALE
    assert 50_000 * SCALE <= len(history.searches) <= 100_000 * SCALE


def test_lines_reference_catalog_skus_with_sane_quantities_and_prices(lines: pd.DataFrame) -> None:
    assert lines["title"].notna().all()
    assert (lines["quantity"] >= 1).all()
    ratio = lines["unit_price_fen"] / lines["price_fen"]
    assert ratio.between(0.6, 1.15).all()
    assert ratio.std() > 0.02  # prices move, so elasticity can be estimated


def test_timestamps_lie_in_the_window(history: History) -> None:
    end = pd.Timestamp(END, tz="UTC")
    for stamps in (history.orders["ordered_at"], history.searches["searched_at"]):
        assert stamps.min() >= window_start() and stamps.max() < end


def test_ids_are_stable_and_orders_are_consistent(history: History) -> None:
    orders = history.orders
    assert orders["order_id"].str.fullmatch(r"H\d{6,}").all()
    assert orders["shopper_id"].str.fullmatch(r"s\d{5,}").all()
    per_order = orders.groupby("order_id").agg(
        shoppers=("shopper_id", "nunique"),
        times=("ordered_at", "nunique"),
        cities=("city", "nunique"),
    )
    assert (per_order == 1).all().all()
    assert not orders.duplicated(["order_id", "sku"]).any()
    assert orders.groupby("shopper_id")["city"].nunique().max() == 1


def test_shoppers_come_back_for_the_same_sku(history: History) -> None:
    bought = history.orders.groupby(["shopper_id", "sku"])["order_id"].nunique()
    assert (bought > 1).sum() > 0.2 * history.orders["shopper_id"].nunique()


def test_hangzhou_honey_doubles_in_the_last_26_weeks(lines: pd.DataFrame) -> None:
    end = pd.Timestamp(END, tz="UTC")
    honey = lines[(lines["category"] == "honey") & (lines["city"] == "杭州")]
    recent = units_between(honey, end - pd.Timedelta(weeks=26), end)
    before = units_between(honey, end - pd.Timedelta(weeks=52), end - pd.Timedelta(weeks=26))
    assert recent / before > 1.5


def test_small_honey_gift_jars_outsell_their_share_of_listings(
    catalog: dict, lines: pd.DataFrame
) -> None:
    honey_skus = [v for p in catalog["products"] if p["category"] == "honey" for v in p["variants"]]
    supply = np.mean(
        [v["net_weight_g"] <= 250 and v["packaging"] == "gift_box" for v in honey_skus]
    )
    honey = lines[lines["category"] == "honey"]
    jars = (honey["net_weight_g"] <= 250) & (honey["packaging"] == "gift_box")
    demand = honey.loc[jars, "quantity"].sum() / honey["quantity"].sum()
    assert demand / supply > 1.5


def test_honey_yuzu_tea_is_searched_more_and_more(history: History) -> None:
    searches = history.searches
    yuzu = searches[searches["query"].str.contains(YUZU)]
    assert yuzu["query"].nunique() >= 5  # variants and typos, not one phrase
    assert len(yuzu) / WEEKS >= 30 * SCALE  # a meaningful weekly volume
    midpoint = window_start() + pd.Timedelta(weeks=WEEKS // 2)
    first, second = (yuzu["searched_at"] < midpoint).sum(), (yuzu["searched_at"] >= midpoint).sum()
    assert second > 1.3 * first


def test_most_searches_are_for_catalog_goods(catalog: dict, history: History) -> None:
    queries = history.searches["query"]
    unmet = queries.str.contains(YUZU) | queries.isin(["低糖果脯", "即食花胶", "asdf", "测试"])
    assert unmet.mean() < 0.3
    words = ["耙耙柑", "papagan", "fengmi", "六堡茶", "黄芪", "5斤"]
    assert all(queries.str.contains(word).any() for word in words)


def test_citrus_sells_in_winter_and_spring(lines: pd.DataFrame) -> None:
    citrus = lines[lines["category"] == "citrus"]
    month = citrus["ordered_at"].dt.month
    assert (
        citrus.loc[month.isin([12, 1, 2, 3]), "quantity"].sum()
        > 3 * citrus.loc[month.isin([6, 7, 8, 9]), "quantity"].sum()
    )


def test_honey_peaks_in_the_four_weeks_before_mid_autumn(lines: pd.DataFrame) -> None:
    honey = lines[lines["category"] == "honey"]
    average_week = honey["quantity"].sum() / WEEKS
    festivals = [
        pd.Timestamp(day, tz="UTC")
        for day in MID_AUTUMN.values()
        if window_start() + pd.Timedelta(weeks=4)
        <= pd.Timestamp(day, tz="UTC")
        <= pd.Timestamp(END, tz="UTC")
    ]
    assert festivals
    for festival in festivals:
        assert units_between(honey, festival - pd.Timedelta(weeks=4), festival) / 4 > average_week


def test_cities_have_their_own_tastes(lines: pd.DataFrame) -> None:
    units = lines.groupby(["city", "category"])["quantity"].sum()
    share = (units / units.groupby(level="city").transform("sum")).to_dict()
    assert share[("广州", "honey")] > share[("北京", "honey")]
    assert share[("成都", "citrus")] > share[("北京", "citrus")]
    assert share[("西安", "root_herbs")] > share[("广州", "root_herbs")]


def test_csv_files_follow_the_import_format(history: History, tmp_path: Path) -> None:
    orders_path, searches_path = tmp_path / "orders.csv", tmp_path / "searches.csv"
    write_history_csv(history, orders_path=orders_path, searches_path=searches_path)
    orders_text = orders_path.read_text(encoding="utf-8").splitlines()
    assert orders_text[0] == "order_id,ordered_at,shopper_id,city,sku,quantity,unit_price_fen"
    assert orders_text[1].split(",")[1].endswith("+00:00")
    assert (
        searches_path.read_text(encoding="utf-8").splitlines()[0]
        == "searched_at,shopper_id,city,query"
    )
    back = pd.read_csv(orders_path, dtype={"order_id": str, "shopper_id": str})
    assert len(back) == len(history.orders)
    assert (pd.to_datetime(back["ordered_at"], utc=True) == history.orders["ordered_at"]).all()
    searches = pd.read_csv(searches_path, dtype=str, keep_default_na=False)
    assert searches["query"].tolist() == history.searches["query"].tolist()


def test_a_window_outside_the_festival_table_is_refused(catalog: dict) -> None:
    with pytest.raises(ValueError, match="festival"):
        simulate_history(catalog, end=date(2045, 1, 1), weeks=10, scale=0.01)


def test_a_catalog_without_the_planted_categories_still_simulates(catalog: dict) -> None:
    products = [p for p in catalog["products"] if p["category"] in {"rice", "pastry"}]
    small = {**catalog, "products": products}
    history = simulate_history(small, end=END, weeks=20, scale=0.05)
    skus = {v["sku"] for p in products for v in p["variants"]}
    assert len(history.orders) > 0 and set(history.orders["sku"]) <= skus
