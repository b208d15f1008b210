"""Gift-giving festivals and the weekly timeline the simulator works on.

The festival dates are a lookup of the real (lunar-calendar) dates, not an approximation;
a window outside the table is an error rather than a silently wrong season.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

SPRING_FESTIVAL: dict[int, date] = {
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}
MID_AUTUMN: dict[int, date] = {
    2022: date(2022, 9, 10),
    2023: date(2023, 9, 29),
    2024: date(2024, 9, 17),
    2025: date(2025, 10, 6),
    2026: date(2026, 9, 25),
    2027: date(2027, 9, 15),
    2028: date(2028, 10, 3),
    2029: date(2029, 9, 22),
    2030: date(2030, 9, 12),
}

# Gift buying peaks about two weeks before a festival and fades within a month either side.
GIFT_PEAK_DAYS_BEFORE = 14.0
GIFT_WIDTH_DAYS = 10.0
# Couriers stop over the Spring Festival holiday, so every category dips for about a week.
HOLIDAY_DIP_DEPTH = 0.5
HOLIDAY_DIP_CENTRE_DAYS_AFTER = 4.0
HOLIDAY_DIP_WIDTH_DAYS = 6.0


@dataclass(frozen=True)
class Timeline:
    """Week-by-week calendar facts for the simulated window [start, start + 7 * weeks days)."""

    start: date
    weeks: int
    month: np.ndarray  # 1..12, month of each week's midpoint
    day_of_year: np.ndarray  # 1..366 of each week's midpoint
    spring_gift: np.ndarray  # 0..1 pre-Spring-Festival gift intensity per week
    autumn_gift: np.ndarray  # 0..1 pre-Mid-Autumn gift intensity per week
    holiday_factor: np.ndarray  # <= 1, the Spring Festival courier pause
    progress: np.ndarray  # 0 at the first week, 1 at the last

    @property
    def end(self) -> date:
        return self.start + timedelta(days=7 * self.weeks)


def festival_dates(table: dict[int, date], *, first_year: int, last_year: int) -> list[date]:
    """The festival's dates for every year in [first_year, last_year]; ValueError if unknown."""
    missing = [year for year in range(first_year, last_year + 1) if year not in table]
    if missing:
        raise ValueError(f"no festival date known for {missing}; extend catalog_seed/festivals.py")
    return [table[year] for year in range(first_year, last_year + 1)]


def build_timeline(*, end: date, weeks: int) -> Timeline:
    """The weekly calendar of the `weeks` weeks that end (exclusive) on `end`."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    start = end - timedelta(days=7 * weeks)
    midpoints = np.datetime64(start, "D") + 7 * np.arange(weeks) + 3
    years = midpoints.astype("datetime64[Y]").astype(int) + 1970
    months = midpoints.astype("datetime64[M]").astype(int) % 12 + 1
    day_of_year = (midpoints - midpoints.astype("datetime64[Y]")).astype(int) + 1
    # Festivals a little outside the window still shape its first and last weeks.
    first, last = int(years.min()) - 1, int(years.max()) + 1
    spring = _days_until(
        festival_dates(SPRING_FESTIVAL, first_year=first, last_year=last), midpoints
    )
    autumn = _days_until(festival_dates(MID_AUTUMN, first_year=first, last_year=last), midpoints)
    dip = np.exp(-(((spring + HOLIDAY_DIP_CENTRE_DAYS_AFTER) / HOLIDAY_DIP_WIDTH_DAYS) ** 2))
    return Timeline(
        start=start,
        weeks=weeks,
        month=months,
        day_of_year=day_of_year,
        spring_gift=_gift_intensity(spring).sum(axis=1),
        autumn_gift=_gift_intensity(autumn).sum(axis=1),
        holiday_factor=1.0 - HOLIDAY_DIP_DEPTH * dip.sum(axis=1),
        progress=np.arange(weeks) / max(weeks - 1, 1),
    )


def _days_until(dates: list[date], midpoints: np.ndarray) -> np.ndarray:
    """Days from each midpoint (rows) to each festival (columns); negative once it has passed."""
    festivals = np.array(dates, dtype="datetime64[D]")
    return (festivals[None, :] - midpoints[:, None]).astype(float)


def _gift_intensity(days_until: np.ndarray) -> np.ndarray:
    return np.exp(-(((days_until - GIFT_PEAK_DAYS_BEFORE) / GIFT_WIDTH_DAYS) ** 2))
