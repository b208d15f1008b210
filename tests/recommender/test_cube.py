"""Weeks start on Monday (UTC), orders are cut at ``until``, and the cube keeps every unit."""

from __future__ import annotations

import pandas as pd

from recommender.cube import (
    category_weeks,
    complete_through,
    prepare_orders,
    sku_city_weeks,
    sku_dimensions,
    week_of,
    week_start,
    weekly_cube,
)
from tests.recommender.small_frames import OFFER_COLUMNS, ORDER_COLUMNS, offer, order_lines, typed


def test_week_start_is_the_monday_of_the_utc_week() -> None:
    stamps = pd.Series(
        pd.to_datetime(
            [
                "2024-06-03T00:00:00+00:00",  # Monday midnight
                "2024-06-09T23:59:59+00:00",  # Sunday night
                "2024-06-10T07:00:00+08:00",  # Monday 07:00 in Beijing is still Sunday in UTC
                "1969-12-31T12:00:00+00:00",  # before the epoch
            ],
            utc=True,
        )
    )
    weeks = week_start(stamps)
    assert list(weeks.dt.strftime("%Y-%m-%d")) == [
        "2024-06-03",
        "2024-06-03",
        "2024-06-03",
        "1969-12-29",
    ]
    assert (weeks.dt.day_of_week == 0).all()
    assert week_of(pd.Timestamp("2024-06-09T23:00:00", tz="UTC")) == pd.Timestamp("2024-06-03")


def test_complete_through_drops_a_week_still_running() -> None:
    week = pd.Timestamp("2024-06-03")
    assert complete_through(week, pd.Timestamp("2024-06-10", tz="UTC")) == week
    assert complete_through(week, pd.Timestamp("2024-06-09", tz="UTC")) == week - pd.Timedelta(
        days=7
    )


def test_prepare_orders_cuts_at_until_and_counts_revenue() -> None:
    jar = offer("a", price_fen=3000)
    rows = order_lines(jar, at="2024-06-04T10:00:00+00:00", quantity=3) + order_lines(
        jar, at="2024-06-20T10:00:00+00:00"
    )
    prepared = prepare_orders(typed(rows, ORDER_COLUMNS), until=pd.Timestamp("2024-06-15"))
    assert len(prepared) == 1
    assert prepared["revenue_fen"].tolist() == [9000]
    assert prepared["week"].tolist() == [pd.Timestamp("2024-06-03")]


def test_cube_keeps_every_unit_and_splits_by_spec_and_city() -> None:
    small, big = offer("a", net_weight_g=250), offer("b", net_weight_g=1000, price_fen=9000)
    rows = (
        order_lines(small, at="2024-06-04T10:00:00+00:00", n=3)
        + order_lines(big, at="2024-06-05T10:00:00+00:00", n=2, city="杭州")
        + order_lines(big, at="2024-06-12T10:00:00+00:00", n=1)
    )
    offers = typed([small, big], OFFER_COLUMNS)
    prepared = prepare_orders(typed(rows, ORDER_COLUMNS))
    cells = sku_city_weeks(prepared).astype({"sku": "str", "city": "str"})
    cube = weekly_cube(cells, sku_dimensions(prepared, offers), pd.Series([2] * len(cells)))
    assert cube["units"].sum() == 6
    assert set(zip(cube["city"], cube["net_weight_g"], strict=True)) == {
        ("上海", 250),
        ("杭州", 1000),
        ("上海", 1000),
    }
    weekly = category_weeks(cube)
    assert weekly["units"].tolist() == [5, 1]
    assert weekly["week"].tolist() == [pd.Timestamp("2024-06-03"), pd.Timestamp("2024-06-10")]
