"""Anonymous searches answered from the read cache are the same bytes, and each is still logged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.app import create_app
from service.search.models import SearchLog
from service.search.router import SearchLogBatch
from service.settings import get_settings


@pytest.fixture
def cached_api(seed_catalog: Engine) -> Iterator[TestClient]:
    settings = get_settings().model_copy(update={"read_cache_seconds": 1.0})
    with TestClient(create_app(settings=settings, engine=seed_catalog)) as c:
        yield c


def test_a_cached_search_is_the_same_answer_and_still_logged(
    cached_api: TestClient, session: Session
) -> None:
    answers = [cached_api.get("/api/v1/search", params={"q": "蜂蜜"}) for _ in range(3)]
    assert all(a.status_code == 200 for a in answers)
    assert answers[0].content == answers[1].content == answers[2].content
    rows = session.exec(select(SearchLog)).all()
    # Logged once: the log keeps one row per searcher, query and day (forged demand is not
    # counted twice); that cached answers are logged at all is the batch tests' concern below.
    assert [r.query for r in rows] == ["蜂蜜"]


def test_lines_queued_while_a_writer_is_busy_join_its_next_batch() -> None:
    batch = SearchLogBatch()
    assert batch.add({"query": "a"}) is True  # this caller writes
    assert batch.add({"query": "b"}) is False  # the busy writer will take it
    assert [line["query"] for line in batch.take()] == ["a", "b"]
    assert batch.take() == []  # the writer's turn ends
    assert batch.add({"query": "c"}) is True
