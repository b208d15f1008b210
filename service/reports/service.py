"""Reports rules: stored suggestions and demand reports, filtered reports from the columnar copy.

Requests read what the last refresh stored. If no refresh has run yet, the first request runs
one (without training the recommender) and stores it, so later requests read it too.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.analytics.columnar import read_columnar_copy, write_columnar_copy
from service.analytics.models import AnalyticsSnapshot
from service.analytics.park_report import park_report
from service.analytics.snapshots import META_KEY, forecast_frame, report_key, suggestions_key
from service.catalog.models import Category, Park, Producer, Region, by_code
from service.history.frames import DemandFrames
from service.kit.db import SQLITE_BEGIN_OPTION, read_engine
from service.kit.errors import NotFound, Unprocessable

_on_demand_lock = threading.Lock()


def suggestions_for_producer(session: Session, *, producer_code: str) -> dict[str, Any]:
    """The DESIGN.md suggestions object of one producer, best first."""
    if by_code(session, Producer, producer_code) is None:
        raise NotFound(f"producer {producer_code!r} does not exist")
    key = suggestions_key(producer_code)
    stored = stored_payloads(session, [key])
    return stored.get(key) or {"producer": producer_code, "suggestions": []}


def suggestions_for_park(session: Session, *, park_code: str) -> dict[str, list[dict[str, Any]]]:
    """Producer code → its suggestions, for every producer in the park's regions."""
    park = require_park(session, park_code)
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
    require_park(session, park_code)
    if since is not None and until is not None and since > until:
        raise Unprocessable("since is after until", details={"field": "since"})
    if category is not None and by_code(session, Category, category) is None:
        raise Unprocessable(f"unknown category {category!r}", details={"field": "category"})
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


def require_park(session: Session, park_code: str) -> Park:
    """The park with this code; 404 if there is none."""
    park = by_code(session, Park, park_code)
    if park is None:
        raise NotFound(f"park {park_code!r} does not exist")
    return park


def producer_codes_of_park(session: Session, park: Park) -> list[str]:
    """Codes of the producers in the park's regions, sorted."""
    stmt = (
        select(Producer.code)
        .join(Region, col(Region.id) == Producer.region_id)
        .where(Region.park_id == park.id)
        .order_by(Producer.code)
    )
    return list(session.exec(stmt))


def stored_payloads(session: Session, keys: list[str]) -> dict[str, Any]:
    """The stored snapshots under KEYS; computed first if no refresh has ever run."""
    if not keys:
        return {}
    rows = session.exec(select(AnalyticsSnapshot).where(col(AnalyticsSnapshot.key).in_(keys)))
    found = {row.key: row.payload for row in rows}
    if found or session.get(AnalyticsSnapshot, META_KEY) is not None:
        return found
    payloads = compute_on_demand(_engine_of(session))
    return {key: payloads[key] for key in keys if key in payloads}


def compute_on_demand(engine: Engine) -> dict[str, Any]:
    """Every snapshot, refreshed now unless another caller already did (then read back)."""
    from service.analytics.refresh import run_refresh

    with _on_demand_lock:
        with read_engine(engine).connect() as conn, conn.begin():
            rows = conn.execute(select(AnalyticsSnapshot.key, AnalyticsSnapshot.payload)).all()  # type: ignore[call-overload]
        stored = {key: payload for key, payload in rows}
        if META_KEY in stored:
            return stored
        return run_refresh(engine, train_reco=False).payloads


def current_frames(engine: Engine) -> DemandFrames:
    """The columnar copy of the last refresh; rebuilt from the database if it is missing."""
    from service.analytics.refresh import analytics_dir, history_dir, read_frames, save_history

    frames = read_columnar_copy(analytics_dir())
    if frames is not None:
        return frames
    frames, history = read_frames(engine)
    save_history(history, history_dir())
    write_columnar_copy(frames, analytics_dir())
    return frames


def _engine_of(session: Session) -> Engine:
    """The session's engine, with writes starting as writers again (requests bind readers)."""
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    return bind.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
