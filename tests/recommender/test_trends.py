"""Growth compares like seasons when it can; peak months come from the seasonal profile."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recommender.trends import growth_by, growth_windows, peak_months, seasonal_profile

WEEKS = pd.date_range("2022-01-03", periods=104, freq="7D")


def cube_of(units: dict[str, np.ndarray]) -> pd.DataFrame:
    frames = [
        pd.DataFrame(
            {"category": "honey", "city": city, "week": WEEKS, "units": values, "lines": values}
        )
        for city, values in units.items()
    ]
    return pd.concat(frames, ignore_index=True)


def test_growth_is_year_on_year_when_history_allows() -> None:
    season = 50 + 40 * np.sin(2 * np.pi * np.arange(104) / 52)
    rising = season * np.where(np.arange(104) >= 78, 2.0, 1.0)
    cube = cube_of({"上海": np.round(season), "杭州": np.round(rising)})
    growth = growth_by(cube, keys=["city"], last_week=WEEKS[-1], window=26)
    by_city = growth.set_index("city").to_dict("index")
    assert (growth["basis"] == "year_on_year").all()
    assert abs(by_city["上海"]["growth"] - 1.0) < 0.05
    assert by_city["杭州"]["growth_lo"] > 1.7
    assert by_city["上海"]["growth_lo"] < 1.0 < by_city["上海"]["growth_hi"]


def test_short_history_compares_with_the_weeks_before() -> None:
    windows = growth_windows(first_week=WEEKS[40], last_week=WEEKS[-1], window=26)
    assert windows is not None and windows[2] == "previous_weeks"
    assert growth_windows(first_week=WEEKS[90], last_week=WEEKS[-1], window=26) is None


def test_peak_month_is_the_month_with_the_highest_index() -> None:
    months = (WEEKS + pd.Timedelta(days=3)).month
    units = np.where(months == 5, 300.0, 100.0)
    profile = seasonal_profile(cube_of({"上海": units}), last_week=WEEKS[-1])
    peak = peak_months(profile).iloc[0]
    assert peak["month"] == 5
    assert 2.4 < peak["peak_index"] < 3.0
