"""`techan seed --history`: simulate, import through the CLI's path, analyse; then skip."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from service.analytics.models import AnalyticsSnapshot
from service.analytics.refresh import reco_dir
from service.analytics.seed import seed_history
from service.analytics.snapshots import META_KEY
from service.catalog.cli import SEED_CATALOG, import_catalog_file
from service.history.models import HistoryImport, SalesLine
from service.search.models import SearchLog


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_seed_history_imports_analyses_and_then_skips(
    engine: Engine, session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    import_catalog_file(SEED_CATALOG)
    seed_history(engine=engine, weeks=16, scale=0.05)
    lines, searches = count(session, SalesLine), count(session, SearchLog)
    assert lines > 0 and searches > 0
    assert {row.kind for row in session.exec(select(HistoryImport))} == {"orders", "searches"}
    assert session.get(AnalyticsSnapshot, META_KEY) is not None
    assert (reco_dir() / "CURRENT").is_file()
    capsys.readouterr()

    seed_history(engine=engine, weeks=16, scale=0.05)
    assert "already present" in capsys.readouterr().out
    assert (count(session, SalesLine), count(session, SearchLog)) == (lines, searches)
