"""Exports never carry a live formula: a city or title starting with `=` comes out as text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from service.analytics.seed import current_week_start
from service.catalog.models import Product, Variant
from service.cli import app as cli
from tests.service.history.world import load_catalog, weekly_orders, write_orders

EVIL_CITY = '=HYPERLINK("http://evil.example","杭州")'
EVIL_TITLE = '=HYPERLINK("http://evil.example","槐花蜜")'
START = current_week_start()
END = datetime(START.year, START.month, START.day, tzinfo=UTC)


def run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output


def test_formula_like_city_and_title_are_text_in_csv_and_xlsx(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    load_catalog(engine)
    rows = weekly_orders(weeks=12, end=END)
    for row in rows:
        if row["city"] == "杭州":
            row["city"] = EVIL_CITY
    run("import", "orders", str(write_orders(tmp_path / "orders.csv", rows)), "--no-refresh")
    honey = session.exec(select(Variant).where(Variant.sku == "acacia-honey-500")).one()
    session.execute(
        update(Product).where(col(Product.id) == honey.product_id).values(title=EVIL_TITLE)
    )
    run("analytics", "refresh")

    out_csv, out_xlsx = tmp_path / "report.csv", tmp_path / "report.xlsx"
    run("report", "demand", "--park", "north-park", "--format", "csv", "--out", str(out_csv))
    run("report", "demand", "--park", "north-park", "--format", "xlsx", "--out", str(out_xlsx))

    cells = [c for r in csv.reader(io.StringIO(out_csv.read_text("utf-8"))) for c in r]
    assert "'" + EVIL_CITY in cells and "'" + EVIL_TITLE in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]

    book = load_workbook(out_xlsx)
    values = []
    for sheet in book.worksheets:
        for row_cells in sheet.iter_rows():
            for cell in row_cells:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    assert "'" + EVIL_CITY in values and "'" + EVIL_TITLE in values
