"""Unforgeable demand: one client repeating a search is one searcher; junk is no demand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from service.analytics.refresh import run_refresh
from service.search.models import SearchLog
from tests.factories import auth, make_user
from tests.service.history.world import load_catalog, weekly_orders, write_orders
from tests.service.reports.test_reports_api import END

API = "/api/v1"


def _unmet_queries(client: TestClient, admin: dict[str, str]) -> list[str]:
    resp = client.get(f"{API}/parks/north-park/demand-report", headers=admin)
    assert resp.status_code == 200, resp.text
    return [q for row in resp.json()["unmet_demand"] for q in row["queries"]]


def _suggestions(client: TestClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    resp = client.get(f"{API}/producers/n-honey/suggestions", headers=admin)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["suggestions"])


def _logged(session: Session, query: str) -> int:
    stmt = select(func.count()).select_from(SearchLog).where(col(SearchLog.query) == query)
    return int(session.exec(stmt).one())


def test_one_client_repeating_junk_is_no_demand_and_thirty_shoppers_are(
    client: TestClient, engine: Engine, session: Session, tmp_path: Path
) -> None:
    from service.history.orders_import import import_orders_file  # noqa: PLC0415

    load_catalog(engine)
    import_orders_file(
        write_orders(tmp_path / "o.csv", weekly_orders(weeks=12, end=END)), engine=engine
    )
    admin = auth(make_user(session, "admin")[1])
    for n in range(1000):
        query = "asdfgh" if n % 2 else "蜂王浆冻干"
        assert client.get(f"{API}/search", params={"q": query}).status_code == 200
    assert _logged(session, "asdfgh") == 1 and _logged(session, "蜂王浆冻干") == 1
    run_refresh(engine, train_reco=False)
    forged = _unmet_queries(client, admin)
    assert "asdfgh" not in forged and "蜂王浆冻干" not in forged
    assert not [s for s in _suggestions(client, admin) if s["kind"] == "unmet_demand"]

    for _ in range(30):
        shopper = auth(make_user(session, "shopper", city="杭州")[1])
        assert client.get(f"{API}/search", params={"q": "桂花蜂蜜"}, headers=shopper).is_success
    assert _logged(session, "桂花蜂蜜") == 30
    run_refresh(engine, train_reco=False)
    assert "桂花蜂蜜" in _unmet_queries(client, admin)
    unmet = [s for s in _suggestions(client, admin) if s["kind"] == "unmet_demand"]
    assert unmet and "桂花蜂蜜" in str(unmet)
