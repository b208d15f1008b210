"""The demand report as ONE CSV: a `section` column, then the union of every section's columns.

One file loads into a spreadsheet or `pandas.read_csv` at once; filter on `section` to get one
table. Cells a section does not have stay empty; query lists are joined with " | ". A cell that
a spreadsheet would run as a formula (a city or title starting with `=` …) is written as text.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from service.kit.spreadsheet import safe_cell

SECTIONS = (
    "sales_by_category",
    "sales_by_city",
    "weekly_series",
    "trends",
    "unmet_demand",
    "forecast",
    "top_products",
)
COLUMNS = (
    "section",
    "category",
    "city",
    "week",
    "code",
    "title",
    "units",
    "revenue_fen",
    "growth",
    "direction",
    "queries",
    "searches",
    "results_avg",
    "lo",
    "hi",
)
QUERY_SEPARATOR = " | "


def report_csv(report: dict[str, Any]) -> str:
    """Every section of REPORT as rows of one CSV (header first)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for section in SECTIONS:
        for row in report.get(section, []):
            writer.writerow({**_cells(row), "section": section})
    return out.getvalue()


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    cells = dict(row)
    if isinstance(cells.get("queries"), list):
        cells["queries"] = QUERY_SEPARATOR.join(str(q) for q in cells["queries"])
    return {name: safe_cell(value) for name, value in cells.items()}
