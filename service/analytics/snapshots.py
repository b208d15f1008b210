"""Names and shapes of the stored analytics snapshots (`analytics_snapshot.key`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

META_KEY = "meta"
FORECASTS_KEY = "forecasts"
SUGGESTIONS_PREFIX = "suggestions:"
REPORT_PREFIX = "report:"


def suggestions_key(producer_code: str) -> str:
    """The key of a producer's stored suggestions."""
    return f"{SUGGESTIONS_PREFIX}{producer_code}"


def report_key(park_code: str) -> str:
    """The key of a park's stored default demand report."""
    return f"{REPORT_PREFIX}{park_code}"


def forecast_records(forecasts: pd.DataFrame) -> list[dict[str, Any]]:
    """Forecast rows as JSON-ready dicts, weeks as ISO dates."""
    rows: list[dict[Any, Any]] = forecasts.to_dict("records")
    return [
        {
            "category": str(row["category"]),
            "week": pd.Timestamp(row["week"]).date().isoformat(),
            "units": float(row["units"]),
            "lo": float(row["lo"]),
            "hi": float(row["hi"]),
        }
        for row in rows
    ]


def forecast_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Stored forecast rows back as the analytics' forecasts frame."""
    frame = pd.DataFrame(records, columns=["category", "week", "units", "lo", "hi"])
    frame["week"] = pd.to_datetime(frame["week"])
    return frame
