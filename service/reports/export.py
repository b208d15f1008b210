"""The demand report as files: one self-contained HTML page (charts inline) and an Excel workbook.

`techan report demand --format html|xlsx` calls these; the dashboard page renders the same
template (`REPORT_PAGES`).
"""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlmodel import Session, select

from service.catalog.models import Category, Producer
from service.kit.db import utcnow
from service.kit.pages import PageTemplates
from service.reports.dashboard_view import CatalogNames, dashboard_view, report_period

REPORT_PAGES = PageTemplates("service.reports")


def catalog_names(session: Session) -> CatalogNames:
    """The names of every category and producer, by code."""
    categories = dict(session.exec(select(Category.code, Category.name)).all())
    producers = dict(session.exec(select(Producer.code, Producer.name)).all())
    return CatalogNames(categories=categories, producers=producers)


def render_report_html(
    report: dict[str, Any],
    *,
    park: dict[str, Any],
    suggestions: dict[str, list[dict[str, Any]]],
    lang: str,
    names: CatalogNames | None = None,
) -> str:
    """One self-contained HTML file: inline CSS, charts as inline SVG, no external reference."""
    view = dashboard_view(report, park=park, suggestions=suggestions, lang=lang, names=names)
    generated = report.get("generated_at") or utcnow().strftime("%Y-%m-%d %H:%M UTC")
    return REPORT_PAGES.render("dashboard.html", page=None, generated=generated, **view)


XLSX_SECTIONS: dict[str, tuple[str, ...]] = {
    "sales_by_category": ("category", "category_name", "units", "revenue_fen"),
    "sales_by_city": ("city", "units", "revenue_fen"),
    "weekly_series": ("category", "category_name", "week", "units", "revenue_fen"),
    "trends": ("category", "category_name", "growth", "direction"),
    "unmet_demand": ("queries", "searches", "results_avg"),
    "forecast": ("category", "category_name", "week", "units", "lo", "hi"),
    "top_products": ("code", "title", "units", "revenue_fen"),
}
SUGGESTION_COLUMNS = (
    "producer",
    "producer_name",
    "kind",
    "category",
    "score",
    "message",
    "details",
    "evidence",
)


def render_report_xlsx(
    report: dict[str, Any],
    *,
    park: dict[str, Any],
    suggestions: dict[str, list[dict[str, Any]]],
    names: CatalogNames | None = None,
) -> bytes:
    """A workbook: a summary sheet, one sheet per report section and one of suggestions."""
    names = names or CatalogNames()
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "summary"
    period = report_period(report)
    for row in (
        ("park", park["code"]),
        ("name", park["name"]),
        ("since", period[0] if period else ""),
        ("until", period[1] if period else ""),
        ("category", (report.get("filters") or {}).get("category") or ""),
        ("city", (report.get("filters") or {}).get("city") or ""),
        ("generated_at", utcnow().strftime("%Y-%m-%d %H:%M UTC")),
    ):
        summary.append(row)
    for section, columns in XLSX_SECTIONS.items():
        rows = [_xlsx_row(r, columns, names) for r in report.get(section, [])]
        _add_sheet(book, section, columns, rows)
    suggestion_rows = [
        _suggestion_row(code, s, names) for code in sorted(suggestions) for s in suggestions[code]
    ]
    _add_sheet(book, "suggestions", SUGGESTION_COLUMNS, suggestion_rows)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_row(row: dict[str, Any], columns: tuple[str, ...], names: CatalogNames) -> list[Any]:
    values = {**row, "category_name": names.categories.get(row.get("category", ""), "")}
    return [_cell(values.get(c)) for c in columns]


def _suggestion_row(code: str, s: dict[str, Any], names: CatalogNames) -> list[Any]:
    common = {"kind", "category", "score", "message", "evidence"}
    details = {k: v for k, v in s.items() if k not in common}
    return [
        code,
        names.producers.get(code, ""),
        s["kind"],
        s.get("category", ""),
        float(s["score"]),
        s["message"],
        _cell(details),
        _cell(s.get("evidence")),
    ]


def _cell(value: Any) -> Any:
    """A value a spreadsheet cell can hold (lists joined, mappings as key=value pairs)."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_cell(v)}" for k, v in value.items())
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _add_sheet(book: Workbook, title: str, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for i, column in enumerate(columns):
        longest = max([len(str(column))] + [len(str(r[i] or "")) for r in rows[:200]])
        sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = min(longest + 2, 60)
