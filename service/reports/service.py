"""Reports rules: stored suggestions and demand reports, filtered reports from the columnar copy.

Requests read what the last `techan analytics refresh` stored; before the first refresh they
answer 409 `analytics_not_ready`, naming that command. No request runs a refresh: a filtered
report is computed in memory from the refresh's columnar copy of the frames.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.analytics.models import stored_payloads
from service.analytics.park_report import park_report
from service.analytics.refresh import current_frames
from service.analytics.snapshots import forecast_frame, report_key, suggestions_key
from service.catalog.models import Category, Park, Producer, Region
from service.kit.errors import Unprocessable
from service.kit.lookup import require


def suggestions_for_producer(session: Session, *, producer_code: str) -> dict[str, Any]:
    """The producer's suggestions object (`{"producer", "suggestions"}`), best first."""
    require(session, Producer, producer_code)
    key = suggestions_key(producer_code)
    stored = stored_payloads(session, [key])
    return stored.get(key) or {"producer": producer_code, "suggestions": []}


def suggestions_for_park(session: Session, *, park_code: str) -> dict[str, list[dict[str, Any]]]:
    """Producer code → its suggestions, for every producer in the park's regions."""
    park = require(session, Park, park_code)
    codes = producer_codes_of_park(session, park)
    stored = stored_payloads(session, [suggestions_key(code) for code in codes])
    return {code: stored.get(suggestions_key(code), {}).get("suggestions", []) for code in codes}


def demand_report_for_park(
    session: Session,
    *,
    park_code: str,
    since: date | None,
    until: date | None,
    category: str | None = None,
    city: str | None = None,
) -> dict[str, Any]:
    """The park's demand report: the stored default, or computed in memory for filters."""
    require(session, Park, park_code)
    if since is not None and until is not None and since > until:
        raise Unprocessable("since is after until", details={"field": "since"})
    if category is not None:
        require(session, Category, category, field="category")
    stored = stored_payloads(session, [report_key(park_code)]).get(report_key(park_code))
    if stored is not None and since is None and until is None and category is None and city is None:
        return dict(stored)
    # The park's stored forecast still holds when the filters do not change the series it
    # forecast (a category filter selects some of them; `since` leaves the last weeks alone).
    forecasts = None
    if stored is not None and until is None and city is None:
        forecasts = forecast_frame(stored["forecast"])
    return park_report(
        current_frames(_engine_of(session)),
        park_code=park_code,
        since=since,
        until=until,
        category=category,
        city=city,
        forecasts=forecasts,
    )


def producer_codes_of_park(session: Session, park: Park) -> list[str]:
    """Codes of the producers in the park's regions, sorted."""
    stmt = (
        select(Producer.code)
        .join(Region, col(Region.id) == Producer.region_id)
        .where(Region.park_id == park.id)
        .order_by(Producer.code)
    )
    return list(session.exec(stmt))


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    return bind
