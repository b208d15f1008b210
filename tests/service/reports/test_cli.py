"""The history, analytics, suggestion and report commands."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.analytics.seed import current_week_start
from service.cli import app as cli
from service.history.models import SalesLine
from service.reports.report_csv import COLUMNS
from service.search.models import SearchLog
from tests.service.history.world import (
    iso,
    load_catalog,
    order_row,
    weekly_orders,
    write_orders,
    write_searches,
)

START = current_week_start()
END = datetime(START.year, START.month, START.day, tzinfo=UTC)


def run(*args: str) -> tuple[int, str]:
    """Exit code and output (Rich wraps long error lines; the wraps are taken out)."""
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output.replace("\n", "")


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_import_commands_then_analytics_suggest_and_report(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    load_catalog(engine)
    orders = write_orders(tmp_path / "orders.csv", weekly_orders(weeks=20, end=END))
    code, output = run("import", "orders", str(orders), "--no-refresh")
    assert code == 0, output
    assert f"imported {orders}: 240 orders lines added" in output
    searches = write_searches(
        tmp_path / "searches.csv",
        [
            {
                "searched_at": iso(END - timedelta(days=2)),
                "shopper_id": "",
                "city": "",
                "query": "红茶",
            }
        ],
    )
    code, output = run("import", "searches", str(searches))  # refreshes afterwards
    assert code == 0, output
    assert "analytics refreshed over 240 order lines and 1 searches" in output
    assert count(session, SearchLog) == 1
    code, output = run("analytics", "refresh")
    assert code == 0, output
    # Six shoppers are too few to backtest a blend on: the table says so and the default serves.
    assert "recommender backtest" in output and "not enough history" in output

    code, output = run("suggest", "--producer", "n-honey", "--format", "json")
    assert code == 0, output
    assert json.loads(output)["producer"] == "n-honey"
    code, output = run("suggest", "--producer", "n-honey", "--format", "text")
    assert code == 0 and output.startswith("producer n-honey:")

    code, output = run("report", "demand", "--park", "north-park", "--format", "json")
    assert code == 0, output
    assert {row["category"] for row in json.loads(output)["sales_by_category"]} == {"honey", "tea"}
    out = tmp_path / "report.csv"
    code, output = run(
        "report",
        "demand",
        "--park",
        "north-park",
        "--format",
        "csv",
        "--out",
        str(out),
        "--since",
        str((END - timedelta(weeks=2)).date()),
    )
    assert code == 0, output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == COLUMNS
    assert len({r["week"] for r in rows if r["section"] == "weekly_series"}) == 2
    html, xlsx = tmp_path / "report.html", tmp_path / "report.xlsx"
    for path, fmt in ((html, "html"), (xlsx, "xlsx")):
        code, output = run(
            "report", "demand", "--park", "north-park", "--format", fmt, "--out", str(path)
        )
        assert code == 0, output
    assert "<html" in html.read_text(encoding="utf-8").lower()
    assert xlsx.read_bytes()[:2] == b"PK"


def test_rejected_import_exits_non_zero_naming_line_and_field(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    load_catalog(engine)
    rows = [order_row("A1", "acacia-honey-500"), order_row("A2", "acacia-honey-500", quantity=-1)]
    path = write_orders(tmp_path / "orders.csv", rows)
    code, output = run("import", "orders", str(path))
    assert code == 1
    assert "orders.csv:3: quantity: must be a positive integer" in output
    assert "nothing imported" in output
    assert count(session, SalesLine) == 0


def test_unknown_producer_or_park_exits_non_zero(engine: Engine) -> None:
    load_catalog(engine)
    code, output = run("suggest", "--producer", "nobody")
    assert code == 1 and "nobody" in output
    code, output = run("report", "demand", "--park", "nowhere", "--format", "json")
    assert code == 1 and "nowhere" in output
