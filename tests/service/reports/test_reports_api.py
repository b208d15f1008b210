"""Suggestions and demand-report endpoints: who may read them, their shapes, filters and CSV."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from service.analytics.models import AnalyticsSnapshot
from service.analytics.refresh import analytics_dir, run_refresh
from service.analytics.seed import current_week_start
from service.analytics.snapshots import META_KEY
from service.catalog.models import Park, Producer
from service.history.orders_import import import_orders_file
from service.history.searches_import import import_searches_file
from service.kit.lookup import find
from service.reports.report_csv import COLUMNS, SECTIONS
from tests.factories import auth, make_user
from tests.service.history.world import (
    iso,
    load_catalog,
    weekly_orders,
    write_orders,
    write_searches,
)

DESIGN_KEYS = {
    "sales_by_category",
    "sales_by_city",
    "weekly_series",
    "trends",
    "unmet_demand",
    "forecast",
    "top_products",
}
START = current_week_start()
END = datetime(START.year, START.month, START.day, tzinfo=UTC)
WEEKS = 30
NORTH_CATEGORIES = {"honey", "tea"}


@pytest.fixture
def history(engine: Engine, tmp_path: Path) -> list[dict[str, Any]]:
    """The small catalog and 30 weeks of orders and searches, imported but not analysed."""
    load_catalog(engine)
    rows = weekly_orders(weeks=WEEKS, end=END)
    import_orders_file(write_orders(tmp_path / "orders.csv", rows), engine=engine)
    searches = [
        {
            "searched_at": iso(END - timedelta(days=d)),
            "shopper_id": "w1",
            "city": "上海",
            "query": q,
        }
        for d in range(1, 60)
        for q in ("洋槐蜜", "蜂蜜柚子茶")
    ]
    import_searches_file(write_searches(tmp_path / "searches.csv", searches), engine=engine)
    return rows


@pytest.fixture
def analysed(history: list[dict[str, Any]], engine: Engine) -> list[dict[str, Any]]:
    """The history, analysed by a refresh (as `techan import` does after importing)."""
    run_refresh(engine, train_reco=False)
    return history


def token_of(session: Session, role: str, **kw: Any) -> dict[str, str]:
    _, token = make_user(session, role, **kw)
    return auth(token)


@pytest.fixture
def headers(session: Session) -> Iterator[dict[str, dict[str, str]]]:
    """Auth headers for each kind of caller the rules distinguish."""
    load_catalog_if_empty(session)
    north = find(session, Park, "north-park")
    south = find(session, Park, "south-park")
    yield {
        "north_operator": token_of(session, "operator", park=north),
        "south_operator": token_of(session, "operator", park=south),
        "honey_producer": token_of(
            session, "producer", producer=find(session, Producer, "n-honey")
        ),
        "tea_producer": token_of(session, "producer", producer=find(session, Producer, "n-tea")),
        "shopper": token_of(session, "shopper"),
        "admin": token_of(session, "admin"),
    }


def load_catalog_if_empty(session: Session) -> None:
    if find(session, Park, "north-park") is None:
        load_catalog(session.get_bind())  # type: ignore[arg-type]


@pytest.mark.usefixtures("history")
def test_reports_and_suggestions_for_the_callers_allowed(
    client: TestClient, session: Session, headers: dict[str, dict[str, str]]
) -> None:
    # No refresh has run: requests say so and how to make the results, and compute nothing.
    for url, who in (
        ("/api/v1/producers/n-honey/suggestions", "honey_producer"),
        ("/api/v1/parks/north-park/demand-report", "north_operator"),
        ("/api/v1/parks/north-park/demand-report?city=上海", "north_operator"),
    ):
        early = client.get(url, headers=headers[who])
        assert early.status_code == 409, early.text
        assert early.json()["error"]["code"] == "analytics_not_ready"
        assert "techan analytics refresh" in early.json()["error"]["message"]
    assert session.get(AnalyticsSnapshot, META_KEY) is None
    run_refresh(session.get_bind(), train_reco=False)  # type: ignore[arg-type]

    resp = client.get("/api/v1/producers/n-honey/suggestions", headers=headers["honey_producer"])
    assert resp.status_code == 200, resp.text
    assert resp.json()["producer"] == "n-honey"
    assert isinstance(resp.json()["suggestions"], list)
    for who in ("north_operator", "admin"):
        assert client.get("/api/v1/producers/n-honey/suggestions", headers=headers[who]).is_success

    report = client.get("/api/v1/parks/north-park/demand-report", headers=headers["north_operator"])
    assert report.status_code == 200, report.text
    body = report.json()
    assert set(body) >= DESIGN_KEYS
    assert {row["category"] for row in body["sales_by_category"]} == NORTH_CATEGORIES
    expected_units = (6 + 4) * WEEKS  # each week: honey for six shoppers, tea for four
    assert sum(row["units"] for row in body["sales_by_category"]) == expected_units
    assert all(date.fromisoformat(row["week"]).weekday() == 0 for row in body["weekly_series"])
    assert body["unmet_demand"] and "蜂蜜柚子茶" in body["unmet_demand"][0]["queries"]

    south = client.get("/api/v1/parks/south-park/demand-report", headers=headers["admin"]).json()
    assert {row["category"] for row in south["sales_by_category"]} == {"fruit"}


@pytest.mark.usefixtures("analysed")
def test_report_filters_and_csv(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    north = headers["north_operator"]
    url = "/api/v1/parks/north-park/demand-report"
    honey = client.get(url, params={"category": "food"}, headers=north).json()
    assert {row["category"] for row in honey["sales_by_category"]} == NORTH_CATEGORIES
    honey = client.get(url, params={"category": "honey"}, headers=north).json()
    assert {row["category"] for row in honey["sales_by_category"]} == {"honey"}
    hangzhou = client.get(url, params={"city": "杭州"}, headers=north).json()
    assert {row["city"] for row in hangzhou["sales_by_city"]} == {"杭州"}
    since, until = (END - timedelta(weeks=4)).date(), (END - timedelta(days=1)).date()
    recent = client.get(url, params={"since": str(since), "until": str(until)}, headers=north)
    weeks = {row["week"] for row in recent.json()["weekly_series"]}
    assert weeks and min(weeks) >= str(since) and max(weeks) <= str(until)
    assert len(weeks) == 4

    resp = client.get(f"{url}.csv", params={"category": "honey"}, headers=north)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    assert {r["section"] for r in rows} <= set(SECTIONS)
    by_category = [r for r in rows if r["section"] == "sales_by_category"]
    assert sum(int(r["units"]) for r in by_category) == sum(
        r["units"] for r in honey["sales_by_category"]
    )

    shutil.rmtree(analytics_dir())  # a lost columnar copy is rebuilt from the database
    again = client.get(url, params={"category": "honey"}, headers=north).json()
    assert again["sales_by_category"] == honey["sales_by_category"]


def test_other_callers_are_refused(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    suggestions = "/api/v1/producers/n-honey/suggestions"
    for who in ("tea_producer", "south_operator", "shopper"):
        resp = client.get(suggestions, headers=headers[who])
        assert resp.status_code == 403, who
        assert resp.json()["error"]["code"] == "forbidden"
    assert client.get(suggestions).status_code == 401
    assert (
        client.get("/api/v1/producers/nobody/suggestions", headers=headers["admin"]).status_code
        == 404
    )
    for path in ("demand-report", "demand-report.csv"):
        for who in ("south_operator", "honey_producer", "shopper"):
            resp = client.get(f"/api/v1/parks/north-park/{path}", headers=headers[who])
            assert resp.status_code == 403, (path, who)
    assert (
        client.get("/api/v1/parks/nowhere/demand-report", headers=headers["admin"]).status_code
        == 404
    )


def test_bad_filters_are_422(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    url = "/api/v1/parks/north-park/demand-report"
    north = headers["north_operator"]
    backwards = client.get(
        url, params={"since": "2026-03-01", "until": "2026-02-01"}, headers=north
    )
    assert backwards.status_code == 422
    unknown = client.get(url, params={"category": "no-such"}, headers=north)
    assert unknown.status_code == 422 and "no-such" in unknown.json()["error"]["message"]
    assert client.get(url, params={"since": "last week"}, headers=north).status_code == 422
