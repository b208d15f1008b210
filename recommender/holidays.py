"""Chinese shopping calendar features for weekly forecasting.

Spring Festival and Mid-Autumn follow the lunar calendar, so their Gregorian dates are listed;
the shopping festivals (618, Double 11) and National Day are fixed dates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SPRING_FESTIVAL = pd.to_datetime(
    [
        "2014-01-31",
        "2015-02-19",
        "2016-02-08",
        "2017-01-28",
        "2018-02-16",
        "2019-02-05",
        "2020-01-25",
        "2021-02-12",
        "2022-02-01",
        "2023-01-22",
        "2024-02-10",
        "2025-01-29",
        "2026-02-17",
        "2027-02-06",
        "2028-01-26",
        "2029-02-13",
        "2030-02-03",
        "2031-01-23",
        "2032-02-11",
    ]
)
MID_AUTUMN = pd.to_datetime(
    [
        "2014-09-08",
        "2015-09-27",
        "2016-09-15",
        "2017-10-04",
        "2018-09-24",
        "2019-09-13",
        "2020-10-01",
        "2021-09-21",
        "2022-09-10",
        "2023-09-29",
        "2024-09-17",
        "2025-10-06",
        "2026-09-25",
        "2027-09-15",
        "2028-10-03",
        "2029-09-22",
        "2030-09-12",
        "2031-10-01",
        "2032-09-19",
    ]
)
FIXED_DATES = {"national_day": (10, 1), "double_11": (11, 11), "mid_year_618": (6, 18)}
_CLIP_WEEKS = 6.0


def weeks_to_nearest(weeks: pd.DatetimeIndex, dates: pd.DatetimeIndex) -> np.ndarray:
    """Signed weeks from each Monday to the nearest listed date, clipped to ±6."""
    monday = weeks.to_numpy(dtype="datetime64[ns]").astype("int64")[:, None]
    targets = dates.to_numpy(dtype="datetime64[ns]").astype("int64")[None, :]
    gap = (targets - monday) / (7 * 86_400 * 10**9)
    nearest = gap[np.arange(len(weeks)), np.abs(gap).argmin(axis=1)]
    return np.clip(nearest, -_CLIP_WEEKS, _CLIP_WEEKS)


def holds_day(weeks: pd.DatetimeIndex, month: int, day: int) -> np.ndarray:
    """1.0 where the Monday-started week contains the given day of the year."""
    target = pd.to_datetime({"year": weeks.year, "month": month, "day": day}).to_numpy(
        dtype="datetime64[ns]"
    )
    offset = (target - weeks.to_numpy(dtype="datetime64[ns]")).astype("timedelta64[D]")
    following = pd.to_datetime({"year": weeks.year + 1, "month": month, "day": day})
    offset_next = (following.to_numpy(dtype="datetime64[ns]") - weeks.to_numpy()).astype(
        "timedelta64[D]"
    )
    inside = ((offset >= np.timedelta64(0, "D")) & (offset < np.timedelta64(7, "D"))) | (
        (offset_next >= np.timedelta64(0, "D")) & (offset_next < np.timedelta64(7, "D"))
    )
    return inside.astype(np.float64)


def calendar_features(weeks: pd.DatetimeIndex) -> np.ndarray:
    """Per Monday: weeks to Spring Festival and to Mid-Autumn, then the fixed-date flags."""
    lunar = [weeks_to_nearest(weeks, SPRING_FESTIVAL), weeks_to_nearest(weeks, MID_AUTUMN)]
    fixed = [holds_day(weeks, m, d) for m, d in FIXED_DATES.values()]
    return np.column_stack([*lunar, *fixed])
