"""Weekly demand aggregates: order lines prepared once, then summed into small frames.

Weeks start on Monday (UTC calendar) and are tz-naive ``datetime64[ns]`` midnights; callers
render them as ``YYYY-MM-DD``. Every later analysis works on these aggregates, never on the
order lines again, so a refresh pays for one pass over the raw data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NS_PER_DAY = 86_400 * 10**9
WEEK = pd.Timedelta(days=7)

SKU_DIMENSIONS = ["sku", "product_code", "producer_code", "category", "net_weight_g", "packaging"]
CUBE_KEYS = ["category", "city", "net_weight_g", "packaging", "price_band", "week"]
MEASURES = ["units", "revenue_fen", "lines"]


def to_utc(timestamps: pd.Series) -> pd.Series:
    """The timestamps as ``datetime64[ns, UTC]`` whatever resolution or zone they came in."""
    values = pd.to_datetime(timestamps, utc=True)
    return values.astype("datetime64[ns, UTC]")


def as_naive_utc(moment: pd.Timestamp | str) -> pd.Timestamp:
    """A moment as a tz-naive UTC timestamp, comparable with week values."""
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.as_unit("ns")


def as_utc(moment: pd.Timestamp | str) -> pd.Timestamp:
    """A moment as a tz-aware UTC timestamp (naive input is taken as UTC)."""
    return pd.Timestamp(as_naive_utc(moment), tz="UTC")


def week_start(timestamps: pd.Series) -> pd.Series:
    """Monday 00:00 of each timestamp's UTC week, tz-naive."""
    nanos = to_utc(timestamps).dt.tz_localize(None).to_numpy().view("int64")
    days = nanos // NS_PER_DAY
    # 1970-01-01 was a Thursday, three days after a Monday.
    mondays = days - (days + 3) % 7
    return pd.Series((mondays * NS_PER_DAY).view("datetime64[ns]"), index=timestamps.index)


def week_of(moment: pd.Timestamp | str) -> pd.Timestamp:
    """Monday 00:00 of the week holding ``moment``."""
    day = as_naive_utc(moment).normalize()
    return day - pd.Timedelta(days=day.day_of_week)


def prepare_orders(orders: pd.DataFrame, *, until: pd.Timestamp | None = None) -> pd.DataFrame:
    """Order lines before ``until`` with ``week`` and ``revenue_fen`` added and keys categorical."""
    frame = orders.loc[:, [*SKU_DIMENSIONS, "ordered_at", "city", "quantity", "unit_price_fen"]]
    frame = frame.assign(ordered_at=to_utc(frame["ordered_at"]))
    if until is not None:
        frame = frame[frame["ordered_at"] < as_utc(until)]
    units = frame["quantity"].to_numpy(dtype="int64")
    frame = frame.assign(
        week=week_start(frame["ordered_at"]),
        quantity=units,
        revenue_fen=units * frame["unit_price_fen"].to_numpy(dtype="int64"),
        net_weight_g=frame["net_weight_g"].to_numpy(dtype="int64"),
    )
    for column in ("sku", "product_code", "producer_code", "category", "packaging", "city"):
        frame[column] = frame[column].astype("category")
    return frame.reset_index(drop=True)


def plain_offers(offers: pd.DataFrame) -> pd.DataFrame:
    """The offers frame with string keys and integer figures, whatever dtypes it came with."""
    strings = ["sku", "product_code", "producer_code", "category", "packaging", "title"]
    numbers = ["net_weight_g", "price_fen", "stock"]
    return offers.astype(
        {
            **{c: "str" for c in strings if c in offers},
            **{c: "int64" for c in numbers if c in offers},
        }
    )


def sku_dimensions(prepared: pd.DataFrame, offers: pd.DataFrame) -> pd.DataFrame:
    """One row per SKU seen in orders or offers: producer, category and spec."""
    sold = prepared.loc[:, SKU_DIMENSIONS].drop_duplicates("sku")
    sold = sold.astype({c: "str" for c in SKU_DIMENSIONS if c != "net_weight_g"})
    listed = offers.loc[:, SKU_DIMENSIONS].astype({"net_weight_g": "int64"})
    both = pd.concat([listed, sold], ignore_index=True).drop_duplicates("sku")
    return both.reset_index(drop=True)


def sku_city_weeks(prepared: pd.DataFrame) -> pd.DataFrame:
    """Units, revenue and order lines per SKU, city and week: the one pass over the lines."""
    if prepared.empty:
        return pd.DataFrame(
            {
                "sku": pd.Series(dtype="str"),
                "city": pd.Series(dtype="str"),
                "week": pd.Series(dtype="datetime64[ns]"),
                **{m: pd.Series(dtype="int64") for m in MEASURES},
            }
        )
    grouped = prepared.groupby(["sku", "city", "week"], observed=True, sort=False)
    summed = grouped.agg(
        units=("quantity", "sum"), revenue_fen=("revenue_fen", "sum"), lines=("quantity", "size")
    )
    return summed.reset_index()


def weekly_cube(cells: pd.DataFrame, dimensions: pd.DataFrame, bands: pd.Series) -> pd.DataFrame:
    """Category × city × spec × price band × week cube from SKU-city-week cells.

    ``bands`` gives each cell's price band (index aligned with ``cells``).
    """
    keyed = cells.merge(dimensions, on="sku", how="left").assign(price_band=bands.to_numpy())
    keyed = keyed.dropna(subset=["category"])
    if keyed.empty:
        empty = {k: pd.Series(dtype="str") for k in CUBE_KEYS}
        empty.update(week=pd.Series(dtype="datetime64[ns]"))
        empty.update(net_weight_g=pd.Series(dtype="int64"), price_band=pd.Series(dtype="int64"))
        return pd.DataFrame({**empty, **{m: pd.Series(dtype="int64") for m in MEASURES}})
    keyed = keyed.astype({"net_weight_g": "int64", "price_band": "int64"})
    cube = keyed.groupby(CUBE_KEYS, observed=True, sort=True)[MEASURES].sum()
    return cube.reset_index()


def category_weeks(cube: pd.DataFrame) -> pd.DataFrame:
    """Units and revenue per category and week."""
    summed = cube.groupby(["category", "week"], observed=True)[MEASURES].sum()
    return summed.reset_index()


def complete_through(last_week: pd.Timestamp, data_end: pd.Timestamp) -> pd.Timestamp:
    """The last week that had ended by ``data_end``: ``last_week`` or the one before it."""
    return last_week if last_week + WEEK <= as_naive_utc(data_end) else last_week - WEEK


def dense_weeks(
    frame: pd.DataFrame, *, key: str, value: str, weeks: pd.DatetimeIndex
) -> pd.DataFrame:
    """A key × week matrix of ``value`` with zeros where nothing was recorded."""
    table = frame.pivot_table(index=key, columns="week", values=value, aggfunc="sum", observed=True)
    table = table.reindex(columns=weeks).fillna(0.0)
    return table.astype(np.float64)
