"""Importing searches.csv: result counts from the current catalog, once per distinct query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.accounts.models import User
from service.history import searches_import as search_import
from service.history.searches_import import import_searches_file
from service.kit.errors import ImportRejected
from service.search.models import SearchLog
from service.search.service import count_results_many
from tests.service.history.world import iso, load_catalog, write_searches

AT = datetime(2026, 4, 6, 9, tzinfo=UTC)


def search_row(
    query: str, *, shopper: str = "", city: str = "", minutes: int = 0
) -> dict[str, str]:
    at = iso(AT + timedelta(minutes=minutes))
    return {"searched_at": at, "shopper_id": shopper, "city": city, "query": query}


def test_searches_get_result_counts_and_shoppers(
    engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_catalog(engine)
    counted: list[list[str]] = []

    def counting(session: Session, queries: list[str]) -> dict[str, tuple[int, int]]:
        counted.append(list(queries))
        return count_results_many(session, queries)

    monkeypatch.setattr(search_import, "count_results_many", counting)
    rows = [
        search_row("洋槐蜜", shopper="q1", city="上海"),
        search_row("  洋槐蜜 ", shopper="q1", city="上海", minutes=1),
        search_row("ＡＢＣ蜂蜜柚子茶", minutes=2),
        search_row("asdf qwer", shopper="q2", city="北京", minutes=3),
    ]
    summary = import_searches_file(write_searches(tmp_path / "s.csv", rows), engine=engine)
    assert (summary.lines, summary.added, summary.shoppers_created) == (4, 4, 2)
    assert sorted(q for batch in counted for q in batch) == ["abc蜂蜜柚子茶", "asdf qwer", "洋槐蜜"]

    honey, honey_again, yuzu, garbage = session.exec(select(SearchLog).order_by(col(SearchLog.id)))
    assert honey.result_count >= 1 and honey.matched_all_count >= 1
    assert (honey_again.query, honey_again.result_count) == ("洋槐蜜", honey.result_count)
    assert garbage.result_count == 0
    assert (yuzu.query, yuzu.normalized_query) == ("ＡＢＣ蜂蜜柚子茶", "abc蜂蜜柚子茶")
    assert yuzu.shopper_id is None and yuzu.city is None
    q1 = session.exec(select(User).where(User.external_id == "q1")).one()
    assert (honey.shopper_id, honey.city, honey.searched_at) == (q1.id, "上海", AT)

    again = import_searches_file(tmp_path / "s.csv", engine=engine)
    assert again.already_imported and len(list(session.exec(select(SearchLog)))) == 4


def test_bad_search_lines_import_nothing(engine: Engine, session: Session, tmp_path: Path) -> None:
    load_catalog(engine)
    rows = [search_row("蜂蜜"), {**search_row(""), "searched_at": "2026-04-06T09:00:00+08:00"}]
    rows.append({**search_row("茶"), "searched_at": "not a time"})
    path = write_searches(tmp_path / "searches.csv", rows)
    with pytest.raises(ImportRejected) as caught:
        import_searches_file(path, engine=engine)
    assert "searches.csv:3: query: required" in str(caught.value)
    assert "searches.csv:4: searched_at: not an ISO 8601 timestamp" in str(caught.value)
    assert list(session.exec(select(SearchLog))) == []
