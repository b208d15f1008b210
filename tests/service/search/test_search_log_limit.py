"""Over the search-log allowance a search still answers, but is no longer logged."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from service.app import create_app
from service.search.models import SearchLog
from service.settings import Settings
from tests.factories import auth, make_user


def _logged(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(SearchLog)).one())


def test_searches_over_the_allowance_answer_unlogged(
    seed_catalog: Engine, session: Session
) -> None:
    _, token = make_user(session, "shopper", city="成都")
    settings = Settings(rate_search_log="2/minute")
    with TestClient(create_app(settings=settings, engine=seed_catalog)) as api:
        # Three different queries: the log keeps one row per searcher, query and day anyway.
        answers = [api.get("/api/v1/search", params={"q": q}) for q in ("蜂蜜", "柑橘", "黄芪")]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert all(a.json()["total"] > 0 for a in answers)
        assert _logged(session) == 2
        # Counted per caller: a signed-in shopper behind the same address has its own allowance.
        api.get("/api/v1/search", params={"q": "六堡茶"}, headers=auth(token))
        assert _logged(session) == 3
